// The pure delivery retry rule: classify an attempt's answer and compute the next attempt time.
#pragma once

#include "common/clock.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mcpwatch::alerting {

using Duration = std::chrono::milliseconds;

// What one delivery attempt produced. No status means the request never got an HTTP answer
// (DNS, connect, TLS, timeout, reset): always worth retrying.
struct AttemptResult {
  std::optional<int> status;
  std::optional<std::string> retryAfter; // the raw Retry-After header, if any
  std::string error;                     // empty on success; never contains a secret
  // The receiver's answer for people when it is not HTTP ("SMTP 250"); empty: "HTTP <status>".
  std::string answer;
};

// "SMTP 250", "HTTP 202" or "no answer": what the receiver said, for logs and test-alert.
std::string describeAnswer(const AttemptResult& result);

enum class AttemptOutcome { Delivered, Retry, Permanent };
std::string_view toString(AttemptOutcome outcome);

// 2xx delivered; 3xx, 408, 429, 5xx and no answer retry; any other status is permanent.
AttemptOutcome classify(const AttemptResult& result);

struct RetryPolicy {
  std::vector<Duration> schedule; // waits between attempts; the last one repeats
  Duration giveUpAfter{};         // measured from the first attempt
};

enum class NextKind { Delivered, RetryAt, Permanent, DeadLetter };
std::string_view toString(NextKind kind);

struct NextStep {
  NextKind kind = NextKind::Delivered;
  common::WallTime at{}; // RetryAt only
  friend bool operator==(const NextStep&, const NextStep&) = default;
};

// After attempt number `attemptsMade` (1 = the first) finished at `now` with `outcome`: the wait
// is schedule[attemptsMade - 1] (the last entry repeats); a Retry-After later than that wins but
// is capped at the give-up deadline (firstAttempt + giveUpAfter); a scheduled retry past the
// deadline dead-letters instead.
NextStep nextStep(const RetryPolicy& policy, AttemptOutcome outcome, int attemptsMade,
                  common::WallTime firstAttempt, common::WallTime now,
                  const std::optional<std::string>& retryAfter);

// Retry-After as delay-seconds or an HTTP date (IMF-fixdate, RFC 850 or asctime); nullopt when
// unparseable. A date in the past gives zero.
std::optional<Duration> parseRetryAfter(std::string_view value, common::WallTime now);

} // namespace mcpwatch::alerting
