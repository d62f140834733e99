#include "durable/writes.hpp"

#include "common/json.hpp"
#include "common/time.hpp"

namespace mcpwatch::durable {

namespace {

common::Json protocolSide(const std::string& transport, const std::optional<std::string>& version) {
  return {{"transport", transport},
          {"protocol_version", version ? common::Json(*version) : common::Json()}};
}

} // namespace

std::vector<store::WriteOp> outcomeWrites(const std::string& slug, const detector::Outcome& outcome,
                                          common::WallTime now,
                                          const std::string& latestFingerprint) {
  std::vector<store::WriteOp> ops;
  const auto& change = outcome.incident;
  if (const auto& opened = change.opened)
    ops.push_back(store::IncidentRecord{opened->id, slug, opened->openedAt, std::nullopt,
                                        opened->reason, opened->detail, opened->triggerSent, ""});
  if (const auto& closed = change.closed)
    ops.push_back(store::CloseIncident{closed->id, now, closed->note});
  if (change.released)
    ops.push_back(store::SetTriggerSent{*change.released, true});
  if (const auto& protocol = outcome.protocolChange) {
    common::Json diff = {{"protocol",
                          {{"from", protocolSide(protocol->fromTransport, protocol->fromVersion)},
                           {"to", protocolSide(protocol->toTransport, protocol->toVersion)}}}};
    ops.push_back(
        store::SchemaChangeRecord{0, slug, now, latestFingerprint, latestFingerprint, diff.dump()});
  }
  for (const auto& ev : outcome.events) {
    if (ev.type != detector::EventType::SchemaDrifted || !ev.schema)
      continue;
    common::Json diff = {{"added", ev.schema->added},
                         {"removed", ev.schema->removed},
                         {"changed", ev.schema->changed}};
    const auto at = common::parseRfc3339(ev.occurredAt).value_or(now);
    ops.push_back(store::SchemaChangeRecord{0, slug, at, ev.schema->oldFingerprint,
                                            ev.schema->newFingerprint, diff.dump()});
  }
  return ops;
}

} // namespace mcpwatch::durable
