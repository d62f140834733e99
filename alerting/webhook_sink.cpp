// The webhook sink (DESIGN.md section 7): signed POST of the exact body.
#include "alerting/webhook_sink.hpp"

#include "alerting/webhook_config.hpp"
#include "common/crypto.hpp"
#include "common/strings.hpp"

#include <fmt/format.h>

namespace mcpwatch::alerting {
namespace {

// Error bodies go into logs: keep them short, one line, valid UTF-8.
std::string shortBody(std::string_view body) {
  std::string out = common::truncateCodePoints(body, 300);
  for (auto& c : out)
    if (c == '\n' || c == '\r' || c == '\t')
      c = ' ';
  return out;
}

} // namespace

std::string webhookHexSignature(const common::Secret& secret, std::string_view body) {
  return common::toHex(common::hmacSha256(secret.reveal(), body));
}

std::string standardWebhookSignature(const common::Secret& secret, std::string_view id,
                                     std::int64_t timestamp, std::string_view body) {
  std::string key = secret.reveal();
  constexpr std::string_view kPrefix = "whsec_";
  if (std::string_view(key).substr(0, kPrefix.size()) == kPrefix) {
    if (auto decoded = common::base64Decode(std::string_view(key).substr(kPrefix.size())))
      key = std::move(*decoded);
  }
  const std::string signed_ = fmt::format("{}.{}.{}", id, timestamp, body);
  return "v1," + common::base64Encode(common::hmacSha256(key, signed_));
}

net::Headers webhookHeaders(const alerting::WebhookSinkConfig& config, std::string_view eventId,
                            std::int64_t unixTime, std::string_view body) {
  net::Headers h;
  // Static headers first so the protocol headers below always win over a same-named one.
  for (const auto& [name, value] : config.headers)
    h.set(name, value.reveal());
  h.set("Content-Type", "application/json");
  h.set("User-Agent", "mcpwatch/" MCPWATCH_VERSION);
  h.set("webhook-id", std::string(eventId));
  h.set("webhook-timestamp", std::to_string(unixTime));
  if (config.secret && !config.secret->empty()) {
    h.set(config.signatureHeader, webhookHexSignature(*config.secret, body));
    h.set("webhook-signature", standardWebhookSignature(*config.secret, eventId, unixTime, body));
  }
  return h;
}

WebhookSink::WebhookSink(alerting::WebhookSinkConfig config, SinkContext context)
    : config_(std::move(config)), context_(std::move(context)) {}

Awaitable<AttemptResult> WebhookSink::deliver(Delivery delivery) {
  auto url = common::Url::parse(config_.url);
  if (!url)
    co_return AttemptResult::permanent("webhook url is not a valid http(s) URL");
  net::Request request;
  request.method = "POST";
  request.url = *url;
  const auto unixTime =
      std::chrono::duration_cast<std::chrono::seconds>(context_.clock->now().time_since_epoch())
          .count();
  request.headers = webhookHeaders(config_, delivery.event.id, unixTime, delivery.body);
  request.body = std::move(delivery.body);
  co_return co_await sendOnce(context_.executor, std::move(request), config_.timeout);
}

common::Json saveWebhookSettings(const alerting::WebhookSinkConfig& wh) {
  common::Json headers = common::Json::object();
  for (const auto& [name, value] : wh.headers)
    headers[name] = value.reveal();
  return {{"url", wh.url},
          {"secret", wh.secret ? common::Json(wh.secret->reveal()) : common::Json(nullptr)},
          {"signature_header", wh.signatureHeader},
          {"headers", std::move(headers)},
          {"timeout_ms", wh.timeout.count()}};
}

std::optional<alerting::WebhookSinkConfig> loadWebhookSettings(const common::Json& json) {
  alerting::WebhookSinkConfig wh;
  wh.url = json.at("url").get<std::string>();
  if (!json.at("secret").is_null())
    wh.secret = common::Secret(json.at("secret").get<std::string>());
  wh.signatureHeader = json.at("signature_header").get<std::string>();
  for (const auto& [name, value] : json.at("headers").items())
    wh.headers.emplace(name, common::Secret(value.get<std::string>()));
  wh.timeout = Duration(json.at("timeout_ms").get<std::int64_t>());
  return wh;
}

SinkKind webhookSinkKind() {
  return sinkKind<alerting::WebhookSinkConfig>(makeWebhookSink, saveWebhookSettings,
                                               loadWebhookSettings);
}

std::unique_ptr<Sink> makeWebhookSink(const config::SinkConfig& sink, const SinkContext& context) {
  const auto* wh = sink.settings.get<alerting::WebhookSinkConfig>();
  if (!wh)
    return nullptr;
  return std::make_unique<WebhookSink>(*wh, context);
}

Awaitable<Exchange> exchangeOnce(asio::any_io_executor executor, net::Request request,
                                 Duration timeout) {
  net::ClientOptions options;
  options.keepAlive = false;
  options.maxBodyBytes = 64 * 1024; // receivers' answers only matter for their error text
  net::Client client(executor, options);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  // The URL may carry a token in its path or query (Slack-style hooks): errors name the host only.
  const std::string where = request.url.host;
  auto result = co_await client.send(std::move(request), deadline);
  Exchange out;
  if (!result) {
    out.result = AttemptResult::retry(fmt::format("{} ({}): {}", net::toString(result.error().kind),
                                                  where, result.error().detail));
    co_return out;
  }
  const int status = result->head.status;
  out.result = AttemptResult::fromHttp(status, result->head.headers.get("Retry-After"),
                                       fmt::format("HTTP {}: {}", status, shortBody(result->body)));
  out.response = std::move(*result);
  co_return out;
}

Awaitable<AttemptResult> sendOnce(asio::any_io_executor executor, net::Request request,
                                  Duration timeout) {
  auto exchange = co_await exchangeOnce(std::move(executor), std::move(request), timeout);
  co_return std::move(exchange.result);
}

} // namespace mcpwatch::alerting
