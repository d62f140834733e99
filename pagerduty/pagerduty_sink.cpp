// PagerDuty delivery: builds the body, POSTs it, and turns PagerDuty's answer into a log line.
#include "pagerduty/pagerduty_sink.hpp"

#include "alerting/webhook_sink.hpp"
#include "common/strings.hpp"
#include "pagerduty/pagerduty_body.hpp"
#include "pagerduty/pagerduty_config.hpp"

namespace mcpwatch::pagerduty {

PagerDutySink::PagerDutySink(pagerduty::PagerDutySinkConfig config, alerting::SinkContext context)
    : config_(std::move(config)), context_(std::move(context)) {}

namespace {

// One line: error texts go into log lines and the outbox's last_error.
std::string flattened(std::string text) {
  for (auto& c : text)
    if (c == '\n' || c == '\r' || c == '\t')
      c = ' ';
  return text;
}

// A proxy in front of PagerDuty may echo the request: its key never reaches a log line.
std::string withoutKey(std::string text, const std::string& key) {
  if (key.empty())
    return text;
  for (auto at = text.find(key); at != std::string::npos; at = text.find(key, at))
    text.replace(at, key.size(), "[routing key]");
  return text;
}

} // namespace

std::string describeError(std::string_view body) {
  auto json = common::parseJson(body);
  if (!json || !json->is_object())
    return flattened(common::truncateCodePoints(body, 300));
  std::string out = json->value("message", std::string());
  if (auto it = json->find("errors"); it != json->end() && it->is_array()) {
    std::string errors;
    for (const auto& e : *it)
      if (e.is_string())
        errors += (errors.empty() ? "" : "; ") + e.get<std::string>();
    if (!errors.empty())
      out += (out.empty() ? "" : ": ") + errors;
  }
  return flattened(common::truncateCodePoints(out.empty() ? std::string(body) : out, 1000));
}

Awaitable<alerting::AttemptResult> PagerDutySink::deliver(alerting::Delivery delivery) {
  const auto& event = delivery.event;
  auto body = buildBody(config_, delivery.severity, event, context_.publicUrl);
  if (!body)
    co_return alerting::AttemptResult::permanent("PagerDuty has no mapping for " +
                                                 std::string(toString(event.type)));
  const bool change = alerting::isChangeEvent(event.type);
  auto url = common::Url::parse(change ? changeEventsUrl(config_.eventsUrl) : config_.eventsUrl);
  if (!url)
    co_return alerting::AttemptResult::permanent("events_url is not a valid URL");
  net::Request request;
  request.url = *url;
  request.headers.set("Content-Type", "application/json");
  request.body = std::move(*body);
  auto exchange =
      co_await alerting::exchangeOnce(context_.executor, std::move(request), config_.timeout);
  auto& result = exchange.result;
  // PagerDuty's own words from its answer (message and errors[]; it never echoes the key).
  if (result.status && result.outcome != alerting::AttemptOutcome::Delivered)
    result.error = withoutKey("HTTP " + std::to_string(*result.status) + ": " +
                                  describeError(exchange.response ? exchange.response->body : ""),
                              config_.routingKey.reveal());
  co_return std::move(result);
}

common::Json savePagerDutySettings(const pagerduty::PagerDutySinkConfig& pd) {
  return {{"routing_key", pd.routingKey.reveal()},
          {"severity", std::string(config::toString(pd.severity))},
          {"source", pd.source},
          {"dedup_prefix", pd.dedupPrefix},
          {"events_url", pd.eventsUrl},
          {"change_events", pd.changeEvents},
          {"timeout_ms", pd.timeout.count()}};
}

std::optional<pagerduty::PagerDutySinkConfig> loadPagerDutySettings(const common::Json& json) {
  pagerduty::PagerDutySinkConfig pd;
  pd.routingKey = common::Secret(json.at("routing_key").get<std::string>());
  auto severity = alerting::parseSeverity(json.at("severity").get<std::string>());
  if (!severity)
    return std::nullopt;
  pd.severity = *severity;
  pd.source = json.at("source").get<std::string>();
  pd.dedupPrefix = json.at("dedup_prefix").get<std::string>();
  pd.eventsUrl = json.at("events_url").get<std::string>();
  pd.changeEvents = json.at("change_events").get<bool>();
  pd.timeout = alerting::Duration(json.at("timeout_ms").get<std::int64_t>());
  return pd;
}

alerting::SinkKind pagerDutySinkKind() {
  return alerting::sinkKind<pagerduty::PagerDutySinkConfig>(
      makePagerDutySink, savePagerDutySettings, loadPagerDutySettings);
}

std::unique_ptr<alerting::Sink> makePagerDutySink(const config::SinkConfig& sink,
                                                  const alerting::SinkContext& context) {
  const auto* pd = sink.settings.get<pagerduty::PagerDutySinkConfig>();
  if (!pd)
    return nullptr;
  return std::make_unique<PagerDutySink>(*pd, context);
}

} // namespace mcpwatch::pagerduty
