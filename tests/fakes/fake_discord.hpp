// Strict fake of a Discord webhook on 127.0.0.1: ?wait=true, Discord's message and embed limits
// with its "Invalid Form Body" errors, Unknown Webhook after a revocation, a per-webhook bucket
// with X-RateLimit-* headers and 429 retry_after answers, and a count of invalid requests.
#pragma once

#include "common/asio.hpp"
#include "common/json.hpp"
#include "net/http_server.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace mcpwatch::fakes {

// One message Discord accepted (answered 200 with the message object).
struct DiscordMessage {
  std::string id;     // snowflake-like, assigned by the fake
  common::Json body;  // the request body as sent
  std::string query;  // the raw query string (wait=true, thread_id=...)
  bool mentionsOff{}; // allowed_mentions.parse was present and empty
  std::chrono::steady_clock::time_point at;
};

struct DiscordRequest {
  std::string method;
  std::string target; // raw, as sent (holds the token: tests only)
  std::string body;
  net::HeaderList headers;
  int answered = 0;
  std::chrono::steady_clock::time_point at;
};

// Which retry hints a scripted 429 carries.
enum class DiscordRetryHint { BodyAndHeader, BodyOnly, HeaderOnly };

class FakeDiscord {
public:
  // Serves one webhook: /api/webhooks/{webhookId}/{token}.
  FakeDiscord(asio::any_io_executor executor, std::string webhookId = "1187654321098765432",
              std::string token = "tK9-fake_discord_webhook_token_5f2c8e1a7b3d");
  ~FakeDiscord();
  std::uint16_t port() const;
  // http://127.0.0.1:PORT/api/webhooks/{id}/{token}: the sink's url (a secret).
  std::string webhookUrl() const;
  const std::string& token() const;

  // The next `count` requests get `status` before any other check. A 429 carries Discord's JSON
  // body with retry_after = `retryAfter` seconds (default 1.25) and/or a Retry-After header
  // (whole seconds, rounded up) as `hint` says, and "global": `global` (with X-RateLimit-Global
  // when true); other statuses carry {"message", "code": 0}.
  void failNext(int count, int status, std::optional<double> retryAfter = std::nullopt,
                DiscordRetryHint hint = DiscordRetryHint::BodyAndHeader, bool global = false);
  // Discord's per-webhook bucket: at most `limit` requests per fixed `window`; beyond that 429.
  // Default: 5 per 2 s. Every answer carries the X-RateLimit-* headers of the bucket.
  void setBucket(std::size_t limit, std::chrono::milliseconds window);
  // The webhook is deleted: every request is answered 404 Unknown Webhook (code 10015).
  void revoke();

  std::vector<DiscordMessage> messages() const; // accepted messages, oldest first
  std::vector<DiscordRequest> requests() const; // every request, with the status answered
  // Requests answered 401, 403 or 429 (what Cloudflare counts towards an IP ban), plus the other
  // 4xx answers: the sink must keep this low.
  std::size_t invalidRequests() const;

  // Message-body validation alone: nullopt when Discord would accept it, else the "errors"
  // object of its 400 Invalid Form Body answer (nested by path, "_errors" leaves).
  static std::optional<common::Json> validate(const common::Json& body);

private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

} // namespace mcpwatch::fakes
