// Sink settings to and from JSON, for the outbox rows and the incident's trigger record.
#include "alerting/sink.hpp"

namespace mcpwatch::alerting {
namespace {

using common::Json;

Json headersToJson(const std::map<std::string, common::Secret>& headers) {
  Json out = Json::object();
  for (const auto& [name, value] : headers)
    out[name] = value.reveal();
  return out;
}

std::map<std::string, common::Secret> headersFromJson(const Json& json) {
  std::map<std::string, common::Secret> out;
  for (const auto& [name, value] : json.items())
    out.emplace(name, common::Secret(value.get<std::string>()));
  return out;
}

} // namespace

std::optional<config::Severity> parseSeverity(std::string_view text) {
  for (auto s : {config::Severity::Critical, config::Severity::Error, config::Severity::Warning,
                 config::Severity::Info})
    if (config::toString(s) == text)
      return s;
  return std::nullopt;
}

Json sinkSettingsToJson(const config::SinkConfig& sink) {
  Json out = {{"name", sink.name}, {"type", std::string(sink.type())}};
  if (const auto* pd = std::get_if<config::PagerDutySinkConfig>(&sink.settings)) {
    out["routing_key"] = pd->routingKey.reveal();
    out["severity"] = std::string(config::toString(pd->severity));
    out["source"] = pd->source;
    out["dedup_prefix"] = pd->dedupPrefix;
    out["events_url"] = pd->eventsUrl;
    out["change_events"] = pd->changeEvents;
    out["timeout_ms"] = pd->timeout.count();
  } else if (const auto* wh = std::get_if<config::WebhookSinkConfig>(&sink.settings)) {
    out["url"] = wh->url;
    out["secret"] = wh->secret ? Json(wh->secret->reveal()) : Json(nullptr);
    out["signature_header"] = wh->signatureHeader;
    out["headers"] = headersToJson(wh->headers);
    out["timeout_ms"] = wh->timeout.count();
  }
  return out;
}

std::optional<config::SinkConfig> sinkSettingsFromJson(const Json& json) {
  try {
    config::SinkConfig sink;
    sink.name = json.at("name").get<std::string>();
    const auto type = json.at("type").get<std::string>();
    if (type == "pagerduty") {
      config::PagerDutySinkConfig pd;
      pd.routingKey = common::Secret(json.at("routing_key").get<std::string>());
      auto severity = parseSeverity(json.at("severity").get<std::string>());
      if (!severity)
        return std::nullopt;
      pd.severity = *severity;
      pd.source = json.at("source").get<std::string>();
      pd.dedupPrefix = json.at("dedup_prefix").get<std::string>();
      pd.eventsUrl = json.at("events_url").get<std::string>();
      pd.changeEvents = json.at("change_events").get<bool>();
      pd.timeout = Duration(json.at("timeout_ms").get<std::int64_t>());
      sink.settings = std::move(pd);
    } else if (type == "webhook") {
      config::WebhookSinkConfig wh;
      wh.url = json.at("url").get<std::string>();
      if (!json.at("secret").is_null())
        wh.secret = common::Secret(json.at("secret").get<std::string>());
      wh.signatureHeader = json.at("signature_header").get<std::string>();
      wh.headers = headersFromJson(json.at("headers"));
      wh.timeout = Duration(json.at("timeout_ms").get<std::int64_t>());
      sink.settings = std::move(wh);
    } else {
      return std::nullopt;
    }
    return sink;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

} // namespace mcpwatch::alerting
