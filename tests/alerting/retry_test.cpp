// The retry rule on tables: classification, next-attempt times, Retry-After parsing.
#include "alerting/retry.hpp"

#include <gtest/gtest.h>

namespace mcpwatch::alerting {
namespace {

using namespace std::chrono_literals;
using common::WallTime;

const WallTime kT0 = WallTime{} + std::chrono::hours(24 * 365 * 56); // 2026

TEST(Classify, HttpStatusTable) {
  struct Row {
    int status;
    AttemptOutcome expected;
  };
  const Row rows[] = {{200, AttemptOutcome::Delivered}, {202, AttemptOutcome::Delivered},
                      {204, AttemptOutcome::Delivered}, {301, AttemptOutcome::Retry},
                      {302, AttemptOutcome::Retry},     {400, AttemptOutcome::Permanent},
                      {401, AttemptOutcome::Permanent}, {404, AttemptOutcome::Permanent},
                      {408, AttemptOutcome::Retry},     {410, AttemptOutcome::Permanent},
                      {429, AttemptOutcome::Retry},     {500, AttemptOutcome::Retry},
                      {503, AttemptOutcome::Retry},     {100, AttemptOutcome::Permanent}};
  for (const auto& r : rows) {
    const auto result = AttemptResult::fromHttp(r.status, std::nullopt, "HTTP error");
    EXPECT_EQ(result.outcome, r.expected) << "status " << r.status;
    EXPECT_EQ(result.status, r.status);
    EXPECT_EQ(result.error.empty(), r.expected == AttemptOutcome::Delivered) << r.status;
  }
}

TEST(Classify, OutcomesWithoutAnHttpAnswer) {
  EXPECT_EQ(AttemptResult{}.outcome, AttemptOutcome::Retry) << "no answer is worth retrying";
  const auto later = AttemptResult::retry("busy", "30");
  EXPECT_EQ(later.outcome, AttemptOutcome::Retry);
  EXPECT_EQ(later.retryAfter, "30");
  EXPECT_FALSE(later.status);
  EXPECT_EQ(AttemptResult::permanent("bad url").outcome, AttemptOutcome::Permanent);
  EXPECT_EQ(AttemptResult::revoked("webhook deleted").error, "webhook deleted");
  EXPECT_EQ(describeAnswer(AttemptResult::delivered("SMTP 250")), "SMTP 250");
  EXPECT_EQ(describeAnswer(AttemptResult::fromHttp(202)), "HTTP 202");
  EXPECT_EQ(describeAnswer(AttemptResult::retry("x")), "no answer");
  EXPECT_EQ(describeAnswer(AttemptResult::permanent("bad url")), "not sent");
  EXPECT_EQ(describeAnswer(AttemptResult::revoked("gone")), "not sent");
  auto smtp = AttemptResult::permanent("550");
  smtp.answer = "SMTP 550";
  EXPECT_EQ(describeAnswer(smtp), "SMTP 550");
  // A revoked destination is refused for good, like a permanent failure: never retried.
  const RetryPolicy policy{{1min}, 24h};
  EXPECT_EQ(nextStep(policy, AttemptOutcome::Revoked, 1, kT0, kT0, std::nullopt).kind,
            NextKind::Permanent);
}

TEST(NextStep, DefaultScheduleTable) {
  const RetryPolicy policy{{1min, 5min, 15min, 1h}, 24h};
  struct Row {
    int attemptsMade;
    std::chrono::milliseconds nowOffset; // from the first attempt
    NextKind kind;
    std::chrono::milliseconds atOffset;
  };
  const Row rows[] = {
      {1, 0ms, NextKind::RetryAt, 1min},
      {2, 1min, NextKind::RetryAt, 6min},
      {3, 6min, NextKind::RetryAt, 21min},
      {4, 21min, NextKind::RetryAt, 81min},
      {5, 81min, NextKind::RetryAt, 141min},
      {20, 23h, NextKind::RetryAt, 24h},           // exactly at the deadline: one last attempt
      {21, 23h + 1min, NextKind::DeadLetter, 0ms}, // would be past 24 h
  };
  for (const auto& r : rows) {
    auto step = nextStep(policy, AttemptOutcome::Retry, r.attemptsMade, kT0, kT0 + r.nowOffset,
                         std::nullopt);
    EXPECT_EQ(step.kind, r.kind) << "attempt " << r.attemptsMade;
    if (r.kind == NextKind::RetryAt) {
      EXPECT_EQ(step.at, kT0 + r.atOffset) << "attempt " << r.attemptsMade;
    }
  }
}

TEST(NextStep, OutcomesAndRetryAfter) {
  const RetryPolicy policy{{100ms, 200ms}, 2s};
  EXPECT_EQ(nextStep(policy, AttemptOutcome::Delivered, 1, kT0, kT0, std::nullopt).kind,
            NextKind::Delivered);
  EXPECT_EQ(nextStep(policy, AttemptOutcome::Permanent, 1, kT0, kT0, std::nullopt).kind,
            NextKind::Permanent);
  // Retry-After later than the schedule wins.
  EXPECT_EQ(nextStep(policy, AttemptOutcome::Retry, 1, kT0, kT0, std::string("1")),
            (NextStep{NextKind::RetryAt, kT0 + 1s}));
  // Never earlier than the schedule.
  EXPECT_EQ(nextStep(policy, AttemptOutcome::Retry, 2, kT0, kT0, std::string("0")),
            (NextStep{NextKind::RetryAt, kT0 + 200ms}));
  // Capped at give-up.
  EXPECT_EQ(nextStep(policy, AttemptOutcome::Retry, 1, kT0, kT0, std::string("3600")),
            (NextStep{NextKind::RetryAt, kT0 + 2s}));
  // Garbage Retry-After is ignored.
  EXPECT_EQ(nextStep(policy, AttemptOutcome::Retry, 1, kT0, kT0, std::string("soon")),
            (NextStep{NextKind::RetryAt, kT0 + 100ms}));
  // No schedule: nothing to wait for.
  EXPECT_EQ(nextStep({{}, 2s}, AttemptOutcome::Retry, 1, kT0, kT0, std::nullopt).kind,
            NextKind::DeadLetter);
}

TEST(RetryAfter, SecondsAndDates) {
  // 1994-11-06T08:49:37Z
  const WallTime date = WallTime{} + std::chrono::seconds(784111777);
  EXPECT_EQ(parseRetryAfter("120", date), std::chrono::milliseconds(120s));
  EXPECT_EQ(parseRetryAfter(" 5 ", date), std::chrono::milliseconds(5s));
  EXPECT_EQ(parseRetryAfter("Sun, 06 Nov 1994 08:50:37 GMT", date), std::chrono::milliseconds(60s));
  EXPECT_EQ(parseRetryAfter("Sunday, 06-Nov-94 08:50:37 GMT", date),
            std::chrono::milliseconds(60s));
  EXPECT_EQ(parseRetryAfter("Sun Nov  6 08:50:37 1994", date), std::chrono::milliseconds(60s));
  EXPECT_EQ(parseRetryAfter("Sun, 06 Nov 1994 08:00:00 GMT", date), std::chrono::milliseconds(0));
  EXPECT_EQ(parseRetryAfter("", date), std::nullopt);
  EXPECT_EQ(parseRetryAfter("-1", date), std::nullopt);
  EXPECT_EQ(parseRetryAfter("Sun, 32 Nov 1994 08:50:37 GMT", date), std::nullopt);
  EXPECT_EQ(parseRetryAfter("Sun, 06 Foo 1994 08:50:37 GMT", date), std::nullopt);
  // A date past the nanosecond clock's range overflowed in from_time_t: ignored now.
  EXPECT_EQ(parseRetryAfter("Fri, 31 Dec 9999 23:59:59 GMT", date), std::nullopt);
  EXPECT_EQ(parseRetryAfter("Fri, 31 Dec 2200 23:59:59 GMT", date).has_value(), true);
  EXPECT_TRUE(parseRetryAfter("99999999999999999999", date).has_value());
}

} // namespace
} // namespace mcpwatch::alerting
