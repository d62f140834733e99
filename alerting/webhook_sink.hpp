// The generic webhook sink: POSTs the exact event body, signed (mcpwatch HMAC and Standard
// Webhooks v1).
#pragma once

#include "alerting/sink.hpp"
#include "alerting/webhook_config.hpp"
#include "config/config.hpp"
#include "net/http_client.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace mcpwatch::alerting {

// Lowercase hex HMAC-SHA256(secret bytes, body): the X-Mcpwatch-Signature value.
std::string webhookHexSignature(const common::Secret& secret, std::string_view body);
// "v1,<base64 HMAC-SHA256(key, id.timestamp.body)>": the key is the base64-decoded part after
// "whsec_" when the secret has that form, else the secret's bytes.
std::string standardWebhookSignature(const common::Secret& secret, std::string_view id,
                                     std::int64_t timestamp, std::string_view body);

// Every header of one webhook request (besides Host and Content-Length), for a send at `unixTime`.
net::Headers webhookHeaders(const alerting::WebhookSinkConfig& config, std::string_view eventId,
                            std::int64_t unixTime, std::string_view body);

class WebhookSink final : public Sink {
public:
  WebhookSink(alerting::WebhookSinkConfig config, SinkContext context);
  Awaitable<AttemptResult> deliver(Delivery delivery) override;
  bool receiverDedupes() const override { return true; } // webhook-id

private:
  alerting::WebhookSinkConfig config_;
  SinkContext context_;
};

std::unique_ptr<Sink> makeWebhookSink(const config::SinkConfig& sink, const SinkContext& context);
// The webhook sink type: its builder and its settings snapshot (url, secret, headers, timeout).
common::Json saveWebhookSettings(const alerting::WebhookSinkConfig& settings);
std::optional<alerting::WebhookSinkConfig> loadWebhookSettings(const common::Json& json);
SinkKind webhookSinkKind();

// One request and, when an HTTP answer came, the response itself (for sinks that must read the
// body of a 2xx, such as Slack's "ok", or a 429's retry_after).
struct Exchange {
  AttemptResult result;
  std::optional<net::Response> response;
};

// Shared by sinks: sends one request with a fresh client (no redirects), maps the answer. Error
// texts name the host only (URLs may hold tokens) and quote at most a short response body.
Awaitable<Exchange> exchangeOnce(asio::any_io_executor executor, net::Request request,
                                 Duration timeout);
Awaitable<AttemptResult> sendOnce(asio::any_io_executor executor, net::Request request,
                                  Duration timeout);

} // namespace mcpwatch::alerting
