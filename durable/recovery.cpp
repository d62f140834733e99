#include "durable/recovery.hpp"

namespace mcpwatch::durable {

namespace {

std::vector<std::string> strings(const common::Json& list) {
  std::vector<std::string> out;
  if (list.is_array())
    for (const auto& item : list)
      if (item.is_string())
        out.push_back(item.get<std::string>());
  return out;
}

} // namespace

common::Expected<detector::MaintenanceWindow, std::string>
windowFromRecord(const store::MaintenanceRecord& record) {
  auto selector = common::parseJson(record.selectorJson);
  const bool object = selector && selector->is_object();
  detector::WindowTarget target;
  if (object) {
    target.servers = strings(selector->value("servers", common::Json()));
    target.tags = strings(selector->value("tags", common::Json()));
  }
  target.all = target.servers.empty() && target.tags.empty();
  auto w = detector::makeOneOffWindow(record.id, std::move(target), record.start, record.end,
                                      detector::WindowSource::Runtime);
  if (!w)
    return common::unexpected(w.error());
  if (object && selector->contains("comment") && (*selector)["comment"].is_string())
    w->comment = (*selector)["comment"].get<std::string>();
  return std::move(w.value());
}

Recovery recover(const std::set<std::string>& monitored, const StoredRows& stored,
                 common::WallTime now, const detector::IdGenerator& ids) {
  Recovery out;
  for (const auto& r : stored.windows) {
    if (r.endedEarly || r.end <= now)
      continue;
    auto w = windowFromRecord(r);
    if (!w) {
      out.problems.push_back(
          {"stored maintenance window skipped", {{"window", r.id}, {"error", w.error()}}});
      continue;
    }
    out.windows.push_back(std::move(w.value()));
  }

  for (const auto& b : stored.baselines)
    if (monitored.count(b.slug))
      out.baselines.emplace(b.slug, StoredBaseline{b.fingerprint, b.pinned});

  for (const auto& saved : stored.states) {
    auto json = common::parseJson(saved.stateJson);
    auto state = json ? detector::stateFromJson(*json)
                      : common::Expected<detector::ServerState, std::string>(
                            common::unexpected(std::string("not JSON")));
    if (monitored.count(saved.slug)) {
      if (state)
        out.states.emplace(saved.slug, std::move(state.value()));
      else
        out.problems.push_back(
            {"saved server state ignored", {{"server", saved.slug}, {"error", state.error()}}});
      continue;
    }
    // No longer monitored: an incident it left open is closed, with a resolve if it paged.
    if (!state || !state->incident)
      continue;
    detector::Detector d({}, ids, std::move(state.value()));
    auto outcome = d.resolveForRemoval(now);
    out.removed.push_back({saved.slug, d.state(), std::move(outcome)});
  }
  return out;
}

} // namespace mcpwatch::durable
