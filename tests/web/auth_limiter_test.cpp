// AuthFailureLimiter: wrong admin tokens per client in a sliding window, with exact times.
#include "web/auth_limiter.hpp"

#include <gtest/gtest.h>

namespace mcpwatch::web {
namespace {

using namespace std::chrono_literals;

const common::WallTime t0 = common::WallTime{} + std::chrono::hours(24 * 365 * 56);

TEST(AuthFailureLimiter, RefusesAfterTooManyFailuresUntilTheyAgeOut) {
  AuthFailureLimiter limiter(AuthLimits{3, 60s, 100});
  EXPECT_FALSE(limiter.refused("a", t0));
  limiter.failed("a", t0);
  limiter.failed("a", t0 + 10s);
  EXPECT_FALSE(limiter.refused("a", t0 + 10s)) << "two of three";
  limiter.failed("a", t0 + 20s);
  EXPECT_EQ(limiter.refused("a", t0 + 20s), 40s) << "until the first failure is 60 s old";
  EXPECT_EQ(limiter.refused("a", t0 + 59s + 500ms), 1s) << "rounded up";
  EXPECT_FALSE(limiter.refused("b", t0 + 20s)) << "per client";
  EXPECT_FALSE(limiter.refused("a", t0 + 60s)) << "one failure aged out: two left";
  limiter.failed("a", t0 + 61s);
  EXPECT_EQ(limiter.refused("a", t0 + 61s), 9s) << "the next oldest is from t0+10s";
  EXPECT_FALSE(limiter.refused("a", t0 + 200s));
  EXPECT_EQ(limiter.clients(), 0u) << "forgotten once nothing counts";
}

TEST(AuthFailureLimiter, ASuccessStartsTheCountOver) {
  AuthFailureLimiter limiter(AuthLimits{2, 60s, 100});
  limiter.failed("a", t0);
  limiter.succeeded("a");
  limiter.failed("a", t0 + 1s);
  EXPECT_FALSE(limiter.refused("a", t0 + 1s));
  limiter.failed("a", t0 + 2s);
  EXPECT_TRUE(limiter.refused("a", t0 + 2s));
}

TEST(AuthFailureLimiter, RemembersABoundedNumberOfClients) {
  AuthFailureLimiter limiter(AuthLimits{1, 60s, 3});
  for (int i = 0; i < 10; ++i)
    limiter.failed("c" + std::to_string(i), t0 + std::chrono::seconds(i));
  EXPECT_EQ(limiter.clients(), 3u);
  EXPECT_TRUE(limiter.refused("c9", t0 + 10s)) << "the newest are kept";
  EXPECT_FALSE(limiter.refused("c0", t0 + 10s));
}

} // namespace
} // namespace mcpwatch::web
