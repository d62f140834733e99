// ScheduleQueue: due order, concurrency slots, one probe per server, rescheduling while in flight.
#include "app/schedule_queue.hpp"

#include <gtest/gtest.h>

using namespace mcpwatch;
using namespace std::chrono_literals;

namespace {
const common::MonoTime kT0 = common::MonoTime{} + 1000h;
}

TEST(ScheduleQueue, TakesServersInDueOrderOnlyWhenDue) {
  app::ScheduleQueue q(10);
  q.schedule("b", kT0 + 20s);
  q.schedule("a", kT0 + 10s);
  EXPECT_EQ(q.nextDue(), kT0 + 10s);
  EXPECT_FALSE(q.takeDue(kT0 + 9s));
  EXPECT_EQ(q.takeDue(kT0 + 10s), "a");
  EXPECT_FALSE(q.takeDue(kT0 + 10s));
  EXPECT_EQ(q.takeDue(kT0 + 25s), "b");
  EXPECT_EQ(q.inFlightCount(), 2u);
}

TEST(ScheduleQueue, RespectsTheConcurrencyLimit) {
  app::ScheduleQueue q(2);
  for (auto s : {"a", "b", "c"})
    q.schedule(s, kT0);
  EXPECT_TRUE(q.takeDue(kT0));
  EXPECT_TRUE(q.takeDue(kT0));
  EXPECT_FALSE(q.takeDue(kT0)) << "third probe must wait for a free slot";
  EXPECT_EQ(q.lag(kT0 + 5s), 5s) << "c is overdue by 5 s";
  q.finished("a");
  q.schedule("a", kT0 + 60s);
  EXPECT_EQ(q.takeDue(kT0 + 5s), "c");
}

TEST(ScheduleQueue, NeverRunsOneServerTwiceAtOnce) {
  app::ScheduleQueue q(10);
  q.schedule("a", kT0);
  ASSERT_EQ(q.takeDue(kT0), "a");
  // The probe's completion reschedules before finished() is called: still only one in flight.
  q.schedule("a", kT0 + 20s);
  EXPECT_FALSE(q.takeDue(kT0 + 30s));
  EXPECT_FALSE(q.nextDue()) << "an in-flight server has no due time until it finishes";
  q.finished("a");
  EXPECT_EQ(q.nextDue(), kT0 + 20s);
  EXPECT_EQ(q.takeDue(kT0 + 30s), "a");
}

TEST(ScheduleQueue, RescheduleReplacesTheEarlierDueTime) {
  app::ScheduleQueue q(10);
  q.schedule("a", kT0 + 60s);
  q.schedule("a", kT0 + 20s);
  q.schedule("a", kT0 + 40s);
  EXPECT_EQ(q.nextDue(), kT0 + 40s);
  EXPECT_FALSE(q.takeDue(kT0 + 30s));
  EXPECT_EQ(q.takeDue(kT0 + 40s), "a");
  EXPECT_EQ(q.size(), 1u);
}

TEST(ScheduleQueue, RemovedServersAreNeverTaken) {
  app::ScheduleQueue q(10);
  q.schedule("a", kT0);
  q.schedule("b", kT0 + 1s);
  q.remove("a");
  EXPECT_EQ(q.takeDue(kT0 + 1s), "b");
  EXPECT_FALSE(q.takeDue(kT0 + 1h));
}

TEST(ScheduleQueue, TenThousandServersComeOutInDueOrder) {
  app::ScheduleQueue q(10'000);
  std::unordered_map<std::string, common::MonoTime> due;
  for (int i = 0; i < 10'000; ++i) {
    auto slug = "s" + std::to_string(i);
    due[slug] = kT0 + std::chrono::milliseconds((i * 7919) % 60'000);
    q.schedule(slug, due[slug]);
  }
  common::MonoTime previous = kT0;
  int taken = 0;
  for (auto now = kT0; now <= kT0 + 60s; now += 250ms) {
    while (auto slug = q.takeDue(now)) {
      ++taken;
      EXPECT_LE(due[*slug], now);
      EXPECT_GE(due[*slug], previous);
      EXPECT_GT(due[*slug] + 250ms, now) << "taken at the first tick after it was due";
      previous = due[*slug];
    }
  }
  EXPECT_EQ(taken, 10'000);
}
