// PagerDuty Events API v2 body builder: trigger, resolve and change events, with the limits
// PagerDuty enforces (summary 1024 characters, dedup_key 255, whole event 512 KB).
#include "pagerduty/pagerduty_body.hpp"

#include "alerting/dedup_key.hpp"
#include "common/strings.hpp"

namespace mcpwatch::pagerduty {
namespace {

using common::Json;

std::string str(const Json& body, const char* key) {
  auto it = body.find(key);
  return it != body.end() && it->is_string() ? it->get<std::string>() : std::string();
}

bool isTest(const Json& body) {
  return alerting::isTestEvent(body);
}

std::string summary(std::string text, bool test) {
  if (test)
    text = "[TEST] " + text;
  return common::truncateCodePoints(text, kMaxSummaryChars);
}

Json links(const Json& body) {
  Json out = Json::array();
  if (auto runbook = str(body, "runbook_url"); !runbook.empty())
    out.push_back({{"href", runbook}, {"text", "Runbook"}});
  if (auto it = body.find("server_links"); it != body.end() && it->is_array())
    for (const auto& link : *it)
      if (link.is_object() && !str(link, "url").empty())
        out.push_back({{"href", str(link, "url")}, {"text", str(link, "name")}});
  if (auto status = str(body, "status_url"); !status.empty())
    out.push_back({{"href", status}, {"text", "Status page"}});
  if (auto check = str(body, "check_url"); !check.empty())
    out.push_back({{"href", check}, {"text", "MCP endpoint"}});
  return out;
}

// The server's context from the config, for the responder: only what is set.
void addContext(Json& details, const Json& body) {
  for (const auto& [from, to] :
       {std::pair{"server_description", "description"}, std::pair{"server_owner", "owner"},
        std::pair{"runbook_url", "runbook_url"}})
    if (auto value = str(body, from); !value.empty())
      details[to] = value;
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
      if (f.is_object() && f.contains("detail") && f["detail"].is_string())
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

} // namespace

std::string dedupKey(const config::PagerDutySinkConfig& sink, std::string_view slug) {
  // A plain cut (no ellipsis): the key must be the same for the trigger and its resolve.
  return alerting::liveDedupKey(sink.dedupPrefix, slug, kMaxDedupKeyChars);
}

std::string dedupKeyFor(const config::PagerDutySinkConfig& sink, const Json& body) {
  const std::string slug = str(body, "server_slug");
  if (isTest(body))
    return alerting::testDedupKey(sink.dedupPrefix, slug, str(body, "incident_id"),
                                  kMaxDedupKeyChars);
  return dedupKey(sink, slug);
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

std::optional<std::string> buildBody(const config::PagerDutySinkConfig& sink,
                                     std::optional<config::Severity> severity, const Json& body,
                                     std::string_view publicUrl) {
  const std::string type = str(body, "type");
  const std::string slug = str(body, "server_slug");
  std::string name = str(body, "server_name");
  if (name.empty())
    name = slug;
  const bool test = isTest(body);
  if (type == "alert.resolved") {
    return Json{{"routing_key", sink.routingKey.reveal()},
                {"event_action", "resolve"},
                {"dedup_key", dedupKeyFor(sink, body)}}
        .dump();
  }
  if (type == "alert.triggered") {
    const std::string reason = str(body, "failure_reason");
    Json details = {{"slug", slug},
                    {"reason", reason},
                    {"detail", str(body, "failure_detail")},
                    {"check_url", str(body, "check_url")},
                    {"status_url", str(body, "status_url")},
                    {"recent_failures", body.value("recent_failures", Json::array())},
                    {"incident_id", str(body, "incident_id")},
                    {"event_id", str(body, "id")}};
    addContext(details, body);
    if (auto summaryText = str(body, "failure_summary"); !summaryText.empty())
      details["failure"] = summaryText;
    if (auto it = body.find("dependents"); it != body.end() && it->is_array() && !it->empty())
      details["dependents"] = *it;
    if (test)
      details["test"] = true;
    // The concrete failure ("HTTP 503") when the body has it; `class` keeps the stable reason.
    std::string what = str(body, "failure_summary");
    if (what.empty())
      what = reason;
    Json payload = {{"summary", summary("MCP server down: " + name + " (" + what + ")", test)},
                    {"source", sink.source},
                    {"severity", std::string(config::toString(severity.value_or(sink.severity)))},
                    {"component", slug},
                    {"class", reason},
                    {"custom_details", std::move(details)}};
    if (auto at = str(body, "occurred_at"); !at.empty())
      payload["timestamp"] = at;
    Json event = {{"routing_key", sink.routingKey.reveal()},
                  {"event_action", "trigger"},
                  {"dedup_key", dedupKeyFor(sink, body)},
                  {"payload", std::move(payload)},
                  {"links", links(body)},
                  {"client", "mcpwatch"},
                  {"client_url", std::string(publicUrl)}};
    return fit(std::move(event));
  }
  if (type == "schema.drifted" || type == "protocol.changed") {
    const bool drift = type == "schema.drifted";
    Json details = {{"slug", slug}, {"event_id", str(body, "id")}};
    addContext(details, body);
    const char* key = drift ? "schema" : "protocol";
    if (auto it = body.find(key); it != body.end())
      details[key] = *it;
    std::string text =
        drift ? "MCP server tools changed: " + name : "MCP server protocol changed: " + name;
    if (!drift)
      if (auto detail = str(body, "failure_detail"); !detail.empty())
        text += " (" + detail + ")";
    Json payload = {{"summary", summary(std::move(text), test)},
                    {"source", sink.source},
                    {"custom_details", std::move(details)}};
    if (auto at = str(body, "occurred_at"); !at.empty())
      payload["timestamp"] = at;
    Json event = {{"routing_key", sink.routingKey.reveal()},
                  {"payload", std::move(payload)},
                  {"links", links(body)}};
    return fit(std::move(event));
  }
  return std::nullopt;
}

} // namespace mcpwatch::pagerduty
