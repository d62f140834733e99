// Strict fake of a Slack incoming webhook on 127.0.0.1: Block Kit validation with Slack's limits,
// Slack's plain-text answers ("ok", "invalid_blocks", "channel_not_found", ...), revocation and a
// one-message-per-second rate limit answered with 429 + Retry-After.
#pragma once

#include "common/asio.hpp"
#include "common/clock.hpp"
#include "common/json.hpp"
#include "net/http_server.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace mcpwatch::fakes {

struct SlackMessage {
  common::Json body; // the accepted payload
  std::chrono::steady_clock::time_point at;
};

struct SlackRequest {
  std::string method;
  std::string target;
  std::string body;
  std::optional<std::string> contentType;
  int answered = 0;
  std::string answer;  // the response body
  std::string problem; // why it was refused, in words (for test diagnostics)
  std::chrono::steady_clock::time_point at;
};

// Why Slack would refuse a payload: `code` is Slack's answer body ("invalid_blocks",
// "invalid_payload", "no_text", "invalid_attachments", "msg_too_long").
struct SlackRefusal {
  std::string code;
  std::string problem;
};

class FakeSlack {
public:
  // Arrival times (`at`) and the rate limit use `clock`'s steady time when given (a test's
  // FakeClock, shared with the dispatcher), else the real steady clock. `clock` must outlive this.
  explicit FakeSlack(asio::any_io_executor executor, const common::Clock* clock = nullptr);
  ~FakeSlack();
  std::uint16_t port() const;
  // http://127.0.0.1:PORT/services/T0MCPWATCH/B0MCPWATCH/<24 random characters>: the only hook
  // it accepts (another well-formed hook path gets 403 invalid_token, anything else 404
  // no_service).
  std::string webhookUrl() const;
  std::string token() const; // the secret last path segment

  // The next `count` requests get `status` before any other check, with `body` (default: Slack's
  // code for that status, e.g. 500 "rollup_error"; 429 gets a JSON body) and Retry-After if given.
  void failNext(int count, int status, std::optional<std::string> retryAfter = std::nullopt,
                std::string body = {});
  // From now on every request gets `status` (404 "channel_not_found" or 410
  // "channel_is_archived"), as a deleted webhook or an archived channel does.
  void revoke(int status = 404);
  // Slack's "one message per second": a message arriving less than `minInterval` after the last
  // accepted one gets 429 with a JSON body and Retry-After `retryAfter`.
  void setRateLimit(std::chrono::milliseconds minInterval, std::string retryAfter = "1");
  // Answers each request only after `delay` (it is recorded at once), as a slow Slack does.
  void setAnswerDelay(std::chrono::milliseconds delay);

  std::vector<SlackMessage> messages() const; // accepted, in arrival order
  std::vector<SlackRequest> requests() const; // every request, with its answer
  std::size_t rateLimited() const;            // 429s sent by the rate limit (not scripted)

  // Payload validation alone: nullopt when Slack would accept it.
  static std::optional<SlackRefusal> validate(const common::Json& payload);

private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

} // namespace mcpwatch::fakes
