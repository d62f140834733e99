// Slows down admin-token guessing: counts wrong tokens per client and refuses further attempts
// from a client that sent too many within a window. Pure: time is passed in.
#pragma once

#include "common/clock.hpp"

#include <chrono>
#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace mcpwatch::web {

struct AuthLimits {
  int maxFailures = 10;            // wrong tokens within `window` before refusing
  std::chrono::seconds window{60}; // a failure counts this long
  std::size_t maxClients = 10'000; // clients remembered (memory bound under a spread attack)
};

// Thread safe.
class AuthFailureLimiter {
public:
  explicit AuthFailureLimiter(AuthLimits limits = {}) : limits_(limits) {}

  // While `client` is refused: how long until it may try again (at least 1 s). nullopt: it may.
  std::optional<std::chrono::seconds> refused(const std::string& client, common::WallTime now);
  // A wrong token from `client`.
  void failed(const std::string& client, common::WallTime now);
  // A right token: the client's count starts over (a person who mistyped is not punished later).
  void succeeded(const std::string& client);
  std::size_t clients() const;

private:
  void forgetOld(std::deque<common::WallTime>& failures, common::WallTime now) const;
  void makeRoom(common::WallTime now);

  AuthLimits limits_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, std::deque<common::WallTime>> failures_; // oldest first
};

} // namespace mcpwatch::web
