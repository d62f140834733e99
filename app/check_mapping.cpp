// Wiring translations between prober, detector, store and the event contract.
#include "app/check_mapping.hpp"

#include "alerting/alerting.hpp"
#include "common/time.hpp"

namespace mcpwatch::app {

detector::CheckOutcome toCheckOutcome(const prober::ProbeResult& result) {
  detector::CheckOutcome out;
  out.at = result.startedAt;
  out.ok = result.ok;
  if (result.failure) {
    out.failureReason = std::string(prober::toString(result.failure->reason));
    out.failureDetail = result.failure->detail;
  }
  if (result.ok)
    out.responseTimeMs = result.timings.total;
  out.protocolVersion = result.protocolVersion;
  if (result.era == prober::Era::Modern)
    out.transport = "modern";
  else if (result.era && result.transport)
    out.transport = std::string(prober::toString(*result.transport));
  if (result.tools) {
    out.formerFingerprint = result.tools->formerFingerprint;
    detector::ToolsSnapshot snapshot;
    snapshot.fingerprint = result.tools->fingerprint;
    for (const auto& tool : result.tools->tools)
      snapshot.tools[tool.name] = tool.sha256;
    out.tools = std::move(snapshot);
  }
  return out;
}

store::CheckRecord toCheckRecord(const std::string& slug, const prober::ProbeResult& result) {
  store::CheckRecord r;
  r.slug = slug;
  r.at = result.startedAt;
  r.ok = result.ok;
  if (result.failure) {
    r.reason = std::string(prober::toString(result.failure->reason));
    r.detail = result.failure->detail;
    r.httpStatus = result.failure->httpStatus;
    if (result.failure->jsonrpcCode)
      r.jsonrpcCode = *result.failure->jsonrpcCode;
  }
  r.dnsMs = result.timings.dns;
  r.connectMs = result.timings.connect;
  r.tlsMs = result.timings.tls;
  r.handshakeMs = result.timings.handshake;
  r.toolsListMs = result.timings.toolsList;
  r.totalMs = result.timings.total;
  r.protocolVersion = result.protocolVersion;
  if (result.tools) {
    r.fingerprint = result.tools->fingerprint;
    r.toolCount = static_cast<int>(result.tools->count);
  }
  if (result.era)
    r.era = std::string(prober::toString(*result.era));
  if (result.transport)
    r.transport = std::string(prober::toString(*result.transport));
  return r;
}

common::Json eventBody(const detector::Event& event, const ServerDescription& server, bool test) {
  common::Json body = detector::toJson(event);
  // Key order of DESIGN.md section 7 is not significant to JSON receivers; the fields are.
  body["server_slug"] = server.slug;
  body["server_name"] = server.name;
  body["check_url"] = server.url;
  body["server_tags"] = server.tags;
  body["status_url"] = server.statusUrl;
  alerting::putServerContext(body, server.description, server.owner, server.runbookUrl,
                             server.links);
  body["dependents"] = server.dependents;
  // The concrete failure for headlines ("HTTP 503"); the reason stays for machines.
  body["failure_summary"] =
      !event.failureReason || event.type == detector::EventType::ProtocolChanged
          ? common::Json()
          : common::Json(
                prober::failureSummary(*event.failureReason, event.failureDetail.value_or("")));
  body["test"] = test;
  return body;
}

} // namespace mcpwatch::app
