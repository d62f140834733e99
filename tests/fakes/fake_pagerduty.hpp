// Strict fakes of alert receivers on 127.0.0.1: PagerDuty Events API v2 and a signed-webhook
// receiver. They refuse what the real services refuse and can be scripted to fail.
#pragma once

#include "common/asio.hpp"
#include "common/json.hpp"
#include "net/http_server.hpp"

#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace mcpwatch::fakes {

// Scripted answers for the next requests, before any validation.
struct ScriptedFailure {
  int status = 500;
  std::optional<std::string> retryAfter;
};

struct FakeRequest {
  std::string path;
  std::string body;
  net::HeaderList headers;
  int answered = 0; // the status the fake answered
};

class FakePagerDuty {
public:
  explicit FakePagerDuty(asio::any_io_executor executor);
  ~FakePagerDuty();
  std::uint16_t port() const;
  std::string eventsUrl() const; // http://127.0.0.1:PORT/v2/enqueue

  // The next `count` requests get `status` (with Retry-After if given).
  void failNext(int count, int status, std::optional<std::string> retryAfter = std::nullopt);
  std::vector<common::Json> acceptedEvents() const;  // /v2/enqueue, 202'd
  std::vector<common::Json> acceptedChanges() const; // /v2/change/enqueue, 202'd
  std::vector<FakeRequest> requests() const;         // every request, answered or not

  // The validation alone: nullopt when PagerDuty would accept, else its errors[] entries.
  static std::optional<std::vector<std::string>>
  validate(const std::string& path, const std::string& contentType, const std::string& body);

private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

struct WebhookDelivery {
  std::string id;
  std::string timestamp;
  std::string body;
  net::HeaderList headers;
};

class FakeWebhookReceiver {
public:
  // `secret` is what the sink was configured with; both signatures are recomputed from it.
  FakeWebhookReceiver(asio::any_io_executor executor, std::string secret,
                      std::string signatureHeader = "X-Mcpwatch-Signature");
  ~FakeWebhookReceiver();
  std::uint16_t port() const;
  std::string url() const; // http://127.0.0.1:PORT/hook

  void failNext(int count, int status, std::optional<std::string> retryAfter = std::nullopt);
  // Answers each request only after `delay` (what it received is recorded at once), as a slow
  // receiver does.
  void setAnswerDelay(std::chrono::milliseconds delay);
  std::vector<WebhookDelivery> deliveries() const; // verified and answered 200
  std::size_t requestCount() const;
  std::size_t badSignatures() const; // answered 401

private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

} // namespace mcpwatch::fakes
