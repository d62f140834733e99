// PagerDuty Events API v2 body builder: trigger, resolve and change events, with the limits
// PagerDuty enforces (summary 1024 characters, dedup_key 255, whole event 512 KB).
#include "pagerduty/pagerduty_body.hpp"

#include "alerting/dedup_key.hpp"
#include "common/strings.hpp"
#include "pagerduty/pagerduty_config.hpp"

namespace mcpwatch::pagerduty {
namespace {

using alerting::Event;
using alerting::EventType;
using common::Json;

std::string summary(std::string text, bool test) {
  if (test)
    text = "[TEST] " + text;
  return common::truncateCodePoints(text, kMaxSummaryChars);
}

Json links(const Event& e) {
  Json out = Json::array();
  if (!e.runbookUrl.empty())
    out.push_back({{"href", e.runbookUrl}, {"text", "Runbook"}});
  for (const auto& link : e.links)
    out.push_back({{"href", link.url}, {"text", link.name}});
  if (!e.statusUrl.empty())
    out.push_back({{"href", e.statusUrl}, {"text", "Status page"}});
  if (!e.checkUrl.empty())
    out.push_back({{"href", e.checkUrl}, {"text", "MCP endpoint"}});
  return out;
}

// The server's context from the config, for the responder: only what is set.
void addContext(Json& details, const Event& e) {
  if (!e.description.empty())
    details["description"] = e.description;
  if (!e.owner.empty())
    details["owner"] = e.owner;
  if (!e.runbookUrl.empty())
    details["runbook_url"] = e.runbookUrl;
}

// Fits the event under 512 KB by trimming custom_details first (as Alertmanager does): long
// strings are cut, then the recent failures go, then everything but the identifiers.
std::string fit(Json event) {
  std::string text = event.dump();
  if (text.size() <= kMaxEventBytes)
    return text;
  auto& details = event["payload"]["custom_details"];
  for (auto& [key, value] : details.items())
    if (value.is_string())
      value = common::truncateCodePoints(value.get<std::string>(), 1024);
  if (details.contains("recent_failures"))
    for (auto& f : details["recent_failures"])
      f["detail"] = common::truncateCodePoints(f["detail"].get<std::string>(), 256);
  text = event.dump();
  if (text.size() <= kMaxEventBytes)
    return text;
  details = Json{{"slug", details.value("slug", "")},
                 {"incident_id", details.value("incident_id", "")},
                 {"note", "details trimmed to fit PagerDuty's 512 KB event limit"}};
  event["links"] = Json::array();
  return event.dump();
}

Json trigger(const pagerduty::PagerDutySinkConfig& sink, std::optional<config::Severity> severity,
             const Event& e, std::string_view publicUrl) {
  Json recent = Json::array();
  for (const auto& f : e.recentFailures)
    recent.push_back({{"at", f.at}, {"reason", f.reason}, {"detail", f.detail}});
  Json details = {{"slug", e.slug},
                  {"reason", e.reason},
                  {"detail", e.detail},
                  {"check_url", e.checkUrl},
                  {"status_url", e.statusUrl},
                  {"recent_failures", std::move(recent)},
                  {"incident_id", e.incidentId},
                  {"event_id", e.id}};
  addContext(details, e);
  if (!e.summary.empty())
    details["failure"] = e.summary;
  if (!e.dependents.empty())
    details["dependents"] = e.dependents;
  if (e.test)
    details["test"] = true;
  // The concrete failure ("HTTP 503") when the event has it; `class` keeps the stable reason.
  Json payload = {
      {"summary",
       summary("MCP server down: " + e.name + " (" + alerting::whatFailed(e) + ")", e.test)},
      {"source", sink.source},
      {"severity", std::string(config::toString(severity.value_or(sink.severity)))},
      {"component", e.slug},
      {"class", e.reason},
      {"custom_details", std::move(details)}};
  if (!e.occurredAt.empty())
    payload["timestamp"] = e.occurredAt;
  return {{"routing_key", sink.routingKey.reveal()},
          {"event_action", "trigger"},
          {"dedup_key", dedupKeyFor(sink, e)},
          {"payload", std::move(payload)},
          {"links", links(e)},
          {"client", "mcpwatch"},
          {"client_url", std::string(publicUrl)}};
}

Json change(const pagerduty::PagerDutySinkConfig& sink, const Event& e) {
  const bool drift = e.type == EventType::SchemaDrifted;
  Json details = {{"slug", e.slug}, {"event_id", e.id}};
  addContext(details, e);
  if (drift && e.schema)
    details["schema"] = alerting::toJson(*e.schema);
  if (!drift && e.protocol)
    details["protocol"] = alerting::toJson(*e.protocol);
  std::string text =
      drift ? "MCP server tools changed: " + e.name : "MCP server protocol changed: " + e.name;
  if (!drift && !e.detail.empty())
    text += " (" + e.detail + ")";
  Json payload = {{"summary", summary(std::move(text), e.test)},
                  {"source", sink.source},
                  {"custom_details", std::move(details)}};
  if (!e.occurredAt.empty())
    payload["timestamp"] = e.occurredAt;
  return {{"routing_key", sink.routingKey.reveal()},
          {"payload", std::move(payload)},
          {"links", links(e)}};
}

} // namespace

std::string dedupKey(const pagerduty::PagerDutySinkConfig& sink, std::string_view slug) {
  // A plain cut (no ellipsis): the key must be the same for the trigger and its resolve.
  return alerting::liveDedupKey(sink.dedupPrefix, slug, kMaxDedupKeyChars);
}

std::string dedupKeyFor(const pagerduty::PagerDutySinkConfig& sink, const Event& event) {
  if (event.test)
    return alerting::testDedupKey(sink.dedupPrefix, event.slug, event.incidentId,
                                  kMaxDedupKeyChars);
  return dedupKey(sink, event.slug);
}

std::string changeEventsUrl(std::string_view eventsUrl) {
  std::string url(eventsUrl);
  constexpr std::string_view kTail = "/v2/enqueue";
  if (url.size() >= kTail.size() &&
      url.compare(url.size() - kTail.size(), kTail.size(), kTail) == 0)
    return url.substr(0, url.size() - kTail.size()) + "/v2/change/enqueue";
  // A custom path: keep the origin, use PagerDuty's path.
  const auto scheme = url.find("://");
  const auto slash = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  return (slash == std::string::npos ? url : url.substr(0, slash)) + "/v2/change/enqueue";
}

std::optional<std::string> buildBody(const pagerduty::PagerDutySinkConfig& sink,
                                     std::optional<config::Severity> severity, const Event& event,
                                     std::string_view publicUrl) {
  switch (event.type) {
  case EventType::Resolved:
    return Json{{"routing_key", sink.routingKey.reveal()},
                {"event_action", "resolve"},
                {"dedup_key", dedupKeyFor(sink, event)}}
        .dump();
  case EventType::Triggered:
    return fit(trigger(sink, severity, event, publicUrl));
  case EventType::SchemaDrifted:
  case EventType::ProtocolChanged:
    return fit(change(sink, event));
  case EventType::Reminder:
    break; // PagerDuty keeps paging by itself: no reminders
  }
  return std::nullopt;
}

} // namespace mcpwatch::pagerduty
