// PagerDuty delivery: builds the body, POSTs it, and turns PagerDuty's answer into a log line.
#include "pagerduty/pagerduty_sink.hpp"

#include "alerting/webhook_sink.hpp"
#include "common/strings.hpp"
#include "pagerduty/pagerduty_body.hpp"

namespace mcpwatch::pagerduty {

PagerDutySink::PagerDutySink(config::PagerDutySinkConfig config, alerting::SinkContext context)
    : config_(std::move(config)), context_(std::move(context)) {}

std::string describeError(std::string_view body) {
  auto json = common::parseJson(body);
  if (!json || !json->is_object())
    return common::truncateCodePoints(body, 300);
  std::string out = json->value("message", std::string());
  if (auto it = json->find("errors"); it != json->end() && it->is_array()) {
    std::string errors;
    for (const auto& e : *it)
      if (e.is_string())
        errors += (errors.empty() ? "" : "; ") + e.get<std::string>();
    if (!errors.empty())
      out += (out.empty() ? "" : ": ") + errors;
  }
  return common::truncateCodePoints(out.empty() ? std::string(body) : out, 1000);
}

Awaitable<alerting::AttemptResult> PagerDutySink::deliver(alerting::Delivery delivery) {
  auto event = common::parseJson(delivery.body);
  if (!event)
    co_return alerting::AttemptResult{400, std::nullopt, "event body is not JSON"};
  auto body = buildBody(config_, delivery.severity, *event, context_.publicUrl);
  if (!body)
    co_return alerting::AttemptResult{400, std::nullopt,
                                      "PagerDuty has no mapping for " + delivery.type};
  const bool change = alerting::isChangeEvent(delivery.type);
  auto url = common::Url::parse(change ? changeEventsUrl(config_.eventsUrl) : config_.eventsUrl);
  if (!url)
    co_return alerting::AttemptResult{400, std::nullopt, "events_url is not a valid URL"};
  net::Request request;
  request.url = *url;
  request.headers.set("Content-Type", "application/json");
  request.body = std::move(*body);
  auto result = co_await alerting::sendOnce(context_.executor, std::move(request), config_.timeout);
  // sendOnce quotes the raw body; PagerDuty's errors[] reads better (it never echoes the key).
  if (result.status && alerting::classify(result) != alerting::AttemptOutcome::Delivered &&
      result.error.starts_with("HTTP ")) {
    const auto colon = result.error.find(": ");
    const auto raw = colon == std::string::npos ? std::string() : result.error.substr(colon + 2);
    result.error = "HTTP " + std::to_string(*result.status) + ": " + describeError(raw);
  }
  co_return result;
}

std::unique_ptr<alerting::Sink> makePagerDutySink(const config::SinkConfig& sink,
                                                  const alerting::SinkContext& context) {
  const auto* pd = std::get_if<config::PagerDutySinkConfig>(&sink.settings);
  if (!pd)
    return nullptr;
  return std::make_unique<PagerDutySink>(*pd, context);
}

} // namespace mcpwatch::pagerduty
