// Strict fake of the OpsGenie Alert API v2 on 127.0.0.1: GenieKey auth, OpsGenie's field limits
// and error bodies, asynchronous 202 answers, and alert state (dedup by alias, close by alias).
#pragma once

#include "common/asio.hpp"
#include "common/json.hpp"
#include "net/http_server.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace mcpwatch::fakes {

struct OpsGenieAlert {
  std::string id;    // assigned by the fake
  std::string alias; // as decoded, exactly what the create body held
  common::Json body; // the create request that opened it
  int count = 1;     // creates counted onto it while it was open
  bool open = true;
  std::string closeNote;   // from the close request
  std::string closeSource; // from the close request
};

// What OpsGenie's asynchronous processing made of one accepted (202) request, as
// GET /v2/alerts/requests/{id} reports it.
struct OpsGenieProcessed {
  std::string requestId;
  std::string action; // "Create" or "Close"
  std::string alias;
  std::string alertId; // empty when it failed
  bool isSuccess = false;
  std::string status; // "Created alert", "Alert does not exist", ...
};

struct OpsGenieRequest {
  std::string method;
  std::string target; // raw, as sent (path still percent-encoded)
  std::string body;
  net::HeaderList headers;
  int answered = 0;
  std::chrono::steady_clock::time_point at;
};

class FakeOpsGenie {
public:
  // `apiKey` is the only key it accepts (OpsGenie keys are UUIDs).
  FakeOpsGenie(asio::any_io_executor executor, std::string apiKey);
  ~FakeOpsGenie();
  std::uint16_t port() const;
  std::string baseUrl() const; // http://127.0.0.1:PORT, the sink's api_url

  // The next `count` requests get `status` with an OpsGenie-style body holding `message` (and
  // Retry-After if given), before any other check.
  void failNext(int count, int status, std::optional<std::string> retryAfter = std::nullopt,
                std::string message = "scripted failure");
  // Like OpsGenie's per-account token bucket: at most `requests` per `window`; beyond that 429
  // with Retry-After `retryAfter` (omitted when empty). Applied after authentication.
  void setRateLimit(std::size_t requests, std::chrono::milliseconds window,
                    std::string retryAfter = "1");

  std::vector<OpsGenieAlert> alerts() const; // every alert ever created, oldest first
  // The newest alert created under `alias`, if any.
  std::optional<OpsGenieAlert> alert(const std::string& alias) const;
  std::vector<OpsGenieProcessed> processed() const;
  std::vector<OpsGenieRequest> requests() const; // every request, with the status answered

  // Create-body validation alone: nullopt when OpsGenie would accept it, else the field ->
  // problem map of its 422 answer.
  static std::optional<std::map<std::string, std::string>> validateCreate(const common::Json& body);
  static std::optional<std::map<std::string, std::string>> validateClose(const common::Json& body);

private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

} // namespace mcpwatch::fakes
