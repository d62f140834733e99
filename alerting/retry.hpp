// Delivery attempt outcomes and the pure retry rule: the next attempt time of each outcome.
#pragma once

#include "common/clock.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mcpwatch::alerting {

using Duration = std::chrono::milliseconds;

// How one delivery attempt ended, in the sink's own terms: delivered; worth retrying (no
// answer, the receiver busy or failing: after T when it said so); refused for good (with the
// reason); or the destination revoked (a deleted webhook: later events must not call it either).
enum class AttemptOutcome { Delivered, Retry, Permanent, Revoked };
std::string_view toString(AttemptOutcome outcome);

struct AttemptResult {
  AttemptOutcome outcome = AttemptOutcome::Retry;
  std::optional<int> status;             // the receiver's HTTP status, when it answered over HTTP
  std::optional<std::string> retryAfter; // Retry: the receiver's wait (Retry-After syntax)
  std::string error;                     // empty when delivered; never contains a secret
  // The receiver's answer for people when it is not HTTP ("SMTP 250"); empty: "HTTP <status>".
  std::string answer;

  static AttemptResult delivered(std::string answer = {});
  static AttemptResult retry(std::string error,
                             std::optional<std::string> retryAfter = std::nullopt);
  static AttemptResult permanent(std::string reason);
  static AttemptResult revoked(std::string reason);
  // An HTTP answer by its status: 2xx delivered; 3xx, 408, 429 and 5xx retry; any other
  // permanent. `error` is kept only when it is not delivered.
  static AttemptResult fromHttp(int status, std::optional<std::string> retryAfter = std::nullopt,
                                std::string error = {});
};

// "SMTP 250", "HTTP 202", "not sent" (refused before sending: a bad URL, a revoked destination)
// or "no answer": what the receiver said, for logs and test-alert.
std::string describeAnswer(const AttemptResult& result);

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
