// CommitBacklog: failed durable commits are kept in order and retried with backoff until they
// land; nothing is dropped, logging is rate-limited. Time is passed in: no sleeping.
#include "app/commit_backlog.hpp"

#include <gtest/gtest.h>

using namespace mcpwatch;
using namespace std::chrono_literals;

namespace {

const common::MonoTime kM0 = common::MonoTime{} + 1000h;
const common::WallTime kW0 = common::WallTime{} + 24h * 365 * 56;

app::PendingCommit group(std::string slug, std::string eventId) {
  app::PendingCommit g;
  g.slug = slug;
  g.state = {slug, "{}", kW0};
  detector::Event ev;
  ev.id = std::move(eventId);
  g.events.push_back(std::move(ev));
  return g;
}

// A disk that is full until told otherwise, and remembers what landed in which order.
struct Disk {
  bool full = false;
  std::vector<std::string> committed; // event ids in commit order
  std::vector<std::string> announced; // event ids in announce order
  int attempts = 0;
  app::CommitBacklog::CommitFn commit() {
    return [this](app::PendingCommit& g) -> std::optional<std::string> {
      ++attempts;
      if (full)
        return std::string("database or disk is full");
      committed.push_back(g.events.at(0).id);
      return std::nullopt;
    };
  }
  app::CommitBacklog::LandedFn landed() {
    return [this](app::PendingCommit& g) { announced.push_back(g.events.at(0).id); };
  }
};

TEST(CommitBacklog, CommitsAtOnceWhileTheDiskTakesWrites) {
  app::CommitBacklog b;
  Disk disk;
  EXPECT_TRUE(b.submit(group("a", "evt_1"), kM0, kW0, disk.commit(), disk.landed()));
  EXPECT_TRUE(b.empty());
  EXPECT_EQ(disk.announced, std::vector<std::string>{"evt_1"});
  EXPECT_FALSE(b.health().failing);
  EXPECT_EQ(b.health().failedCommits, 0u);
}

TEST(CommitBacklog, KeepsFailedGroupsInOrderAndLandsThemWhenSpaceReturns) {
  app::CommitBacklog b;
  Disk disk;
  disk.full = true;
  EXPECT_FALSE(b.submit(group("a", "trigger"), kM0, kW0, disk.commit(), disk.landed()));
  // Later groups queue behind it even if the disk had room: a resolve never overtakes its trigger.
  EXPECT_FALSE(b.submit(group("a", "resolve"), kM0 + 100ms, kW0, disk.commit(), disk.landed()));
  EXPECT_EQ(b.size(), 2u);
  auto h = b.health();
  EXPECT_TRUE(h.failing);
  EXPECT_EQ(h.waiting, 2u);
  EXPECT_EQ(h.lastError, "database or disk is full");
  ASSERT_TRUE(h.failingSince);
  EXPECT_EQ(*h.failingSince, kW0);
  EXPECT_TRUE(disk.announced.empty()) << "nothing is announced before it is committed";

  disk.full = false;
  EXPECT_EQ(b.retry(kM0 + 1s, kW0, disk.commit(), disk.landed()), 2u);
  EXPECT_TRUE(b.empty());
  EXPECT_EQ(disk.committed, (std::vector<std::string>{"trigger", "resolve"}));
  EXPECT_EQ(disk.announced, (std::vector<std::string>{"trigger", "resolve"}));
  EXPECT_FALSE(b.health().failing);
  EXPECT_TRUE(b.takeRecovered());
  EXPECT_FALSE(b.takeRecovered());
}

TEST(CommitBacklog, RetriesWithExponentialBackoffCappedAtTheMaximum) {
  app::CommitBacklogSettings settings;
  settings.firstRetry = 1s;
  settings.maxRetry = 8s;
  app::CommitBacklog b(settings);
  Disk disk;
  disk.full = true;
  auto now = kM0;
  b.submit(group("a", "x"), now, kW0, disk.commit(), disk.landed());
  ASSERT_EQ(b.nextRetry(), now + 1s);
  std::vector<std::chrono::milliseconds> waits;
  for (int i = 0; i < 6; ++i) {
    auto next = *b.nextRetry();
    // Before the due time nothing is tried.
    int before = disk.attempts;
    b.retry(next - 1ms, kW0, disk.commit(), disk.landed());
    EXPECT_EQ(disk.attempts, before);
    b.retry(next, kW0, disk.commit(), disk.landed());
    EXPECT_EQ(disk.attempts, before + 1);
    waits.push_back(std::chrono::duration_cast<std::chrono::milliseconds>(*b.nextRetry() - next));
  }
  EXPECT_EQ(waits, (std::vector<std::chrono::milliseconds>{2s, 4s, 8s, 8s, 8s, 8s}));
  EXPECT_EQ(b.health().failedCommits, 7u);
}

TEST(CommitBacklog, StopsAtTheFirstFailureAndResumesThere) {
  app::CommitBacklog b;
  int budget = 0; // how many commits the disk takes before it is full again
  std::vector<std::string> committed;
  app::CommitBacklog::CommitFn commit = [&](app::PendingCommit& g) -> std::optional<std::string> {
    if (budget == 0)
      return std::string("disk I/O error");
    --budget;
    committed.push_back(g.events.at(0).id);
    return std::nullopt;
  };
  app::CommitBacklog::LandedFn landed = [](app::PendingCommit&) {};
  b.submit(group("a", "1"), kM0, kW0, commit, landed);
  b.submit(group("b", "2"), kM0, kW0, commit, landed);
  b.submit(group("a", "3"), kM0, kW0, commit, landed);
  budget = 1;
  EXPECT_EQ(b.retry(kM0 + 1h, kW0, commit, landed), 1u);
  EXPECT_EQ(b.size(), 2u);
  budget = 10;
  EXPECT_EQ(b.retry(kM0 + 2h, kW0, commit, landed), 2u);
  EXPECT_EQ(committed, (std::vector<std::string>{"1", "2", "3"}));
}

TEST(CommitBacklog, LogsOncePerPeriodWhileFailing) {
  app::CommitBacklogSettings settings;
  settings.logEvery = 60s;
  app::CommitBacklog b(settings);
  Disk disk;
  disk.full = true;
  EXPECT_FALSE(b.shouldLog(kM0)) << "nothing to say while nothing waits";
  b.submit(group("a", "1"), kM0, kW0, disk.commit(), disk.landed());
  int lines = 0;
  // One probe a second for five minutes: five lines, not three hundred.
  for (int s = 0; s < 300; ++s) {
    auto now = kM0 + std::chrono::seconds(s);
    b.submit(group("a", std::to_string(s)), now, kW0, disk.commit(), disk.landed());
    lines += b.shouldLog(now);
  }
  EXPECT_EQ(lines, 5);
}

TEST(CommitBacklog, IsFullAtItsBoundButKeepsWhatIsSubmitted) {
  app::CommitBacklogSettings settings;
  settings.maxEntries = 3;
  app::CommitBacklog b(settings);
  Disk disk;
  disk.full = true;
  for (int i = 0; i < 3; ++i)
    b.submit(group("a", std::to_string(i)), kM0, kW0, disk.commit(), disk.landed());
  EXPECT_TRUE(b.full());
  b.submit(group("a", "held trigger"), kM0, kW0, disk.commit(), disk.landed());
  EXPECT_EQ(b.size(), 4u) << "the bound pauses probing; it never drops a decided change";
  disk.full = false;
  b.retry(kM0 + 1h, kW0, disk.commit(), disk.landed());
  EXPECT_FALSE(b.full());
  EXPECT_EQ(disk.announced.size(), 4u);
}

// Records each transaction the backlog asks for: the event ids in it.
struct BatchDisk {
  bool full = false;
  std::vector<std::vector<std::string>> transactions;
  std::vector<std::string> announced;
  app::CommitBacklog::BatchCommitFn commit() {
    return [this](std::vector<app::PendingCommit*>& batch) -> std::optional<std::string> {
      if (full)
        return std::string("database or disk is full");
      std::vector<std::string> ids;
      for (auto* g : batch)
        ids.push_back(g->events.at(0).id);
      transactions.push_back(ids);
      return std::nullopt;
    };
  }
  app::CommitBacklog::LandedFn landed() {
    return [this](app::PendingCommit& g) { announced.push_back(g.events.at(0).id); };
  }
};

TEST(CommitBacklog, FlushCommitsManyServersInOneTransactionButNeverOneServerTwice) {
  app::CommitBacklog b;
  BatchDisk disk;
  for (int i = 0; i < 5; ++i)
    b.add(group("s" + std::to_string(i), "t" + std::to_string(i)));
  b.add(group("s1", "r1")); // s1's resolve waits for the transaction after its trigger's
  b.add(group("s9", "t9"));
  EXPECT_FALSE(b.health().failing) << "groups waiting for a flush are not a failure";
  EXPECT_FALSE(b.nextRetry()) << "nothing to retry: the loop must not spin";
  EXPECT_FALSE(b.shouldLog(kM0));
  EXPECT_EQ(b.flush(kM0, kW0, disk.commit(), disk.landed(), 10), 7u);
  EXPECT_EQ(disk.transactions,
            (std::vector<std::vector<std::string>>{{"t0", "t1", "t2", "t3", "t4"}, {"r1", "t9"}}));
  EXPECT_EQ(disk.announced, (std::vector<std::string>{"t0", "t1", "t2", "t3", "t4", "r1", "t9"}));
  // At most maxBatch groups per transaction.
  for (int i = 0; i < 5; ++i)
    b.add(group("u" + std::to_string(i), "u" + std::to_string(i)));
  EXPECT_EQ(b.flush(kM0, kW0, disk.commit(), disk.landed(), 3), 5u);
  EXPECT_EQ(disk.transactions.at(2), (std::vector<std::string>{"u0", "u1", "u2"}));
  EXPECT_EQ(disk.transactions.at(3), (std::vector<std::string>{"u3", "u4"}));
  EXPECT_TRUE(b.empty());
  EXPECT_FALSE(b.takeRecovered()) << "nothing failed, so nothing recovered";
}

TEST(CommitBacklog, AfterAFailureFlushRetriesOneGroupAtATimeWhenTheBackoffAllows) {
  app::CommitBacklog b;
  BatchDisk disk;
  disk.full = true;
  for (int i = 0; i < 3; ++i)
    b.add(group("s" + std::to_string(i), "t" + std::to_string(i)));
  EXPECT_EQ(b.flush(kM0, kW0, disk.commit(), disk.landed(), 100), 0u);
  EXPECT_TRUE(b.health().failing);
  EXPECT_EQ(b.health().waiting, 3u);
  ASSERT_TRUE(b.nextRetry());
  disk.full = false;
  EXPECT_EQ(b.flush(kM0 + 10ms, kW0, disk.commit(), disk.landed(), 100), 0u)
      << "before the backoff has passed nothing is tried";
  EXPECT_EQ(b.flush(*b.nextRetry(), kW0, disk.commit(), disk.landed(), 100), 3u);
  EXPECT_EQ(disk.transactions, (std::vector<std::vector<std::string>>{{"t0"}, {"t1"}, {"t2"}}))
      << "while failing, one group per transaction";
  EXPECT_FALSE(b.health().failing);
  EXPECT_TRUE(b.takeRecovered());
  // Healthy again: batches of many.
  b.add(group("x", "a"));
  b.add(group("y", "b"));
  EXPECT_EQ(b.flush(kM0 + 1h, kW0, disk.commit(), disk.landed(), 100), 2u);
  EXPECT_EQ(disk.transactions.back(), (std::vector<std::string>{"a", "b"}));
}

// The daemon commits on the store's writer thread: one batch is out at a time, groups decided
// meanwhile wait behind it, a failed batch stays at the front and is retried after the backoff.
TEST(CommitBacklog, ABatchHandedOutIsTheOnlyOneUntilItLandsOrFails) {
  app::CommitBacklog b;
  std::vector<std::string> announced;
  auto landed = [&](app::PendingCommit& g) { announced.push_back(g.events.at(0).id); };
  auto ids = [](const std::vector<app::PendingCommit*>& batch) {
    std::vector<std::string> out;
    for (auto* g : batch)
      out.push_back(g->events.at(0).id);
    return out;
  };
  b.add(group("a", "t1"));
  b.add(group("b", "t2"));
  auto first = b.takeBatch(kM0, 10);
  EXPECT_EQ(ids(first), (std::vector<std::string>{"t1", "t2"}));
  EXPECT_TRUE(b.batchOut());
  EXPECT_TRUE(b.holds("a"));
  EXPECT_FALSE(b.holds("c"));
  b.add(group("a", "r1")); // decided while the batch is out
  EXPECT_TRUE(b.takeBatch(kM0, 10).empty()) << "one batch at a time";
  EXPECT_EQ(b.health().waiting, 3u);
  EXPECT_EQ(b.batchLanded(landed), 2u);
  EXPECT_EQ(announced, (std::vector<std::string>{"t1", "t2"}));
  EXPECT_FALSE(b.batchOut());

  auto second = b.takeBatch(kM0, 10);
  EXPECT_EQ(ids(second), (std::vector<std::string>{"r1"}));
  b.batchFailed(kM0, kW0, "database or disk is full");
  EXPECT_TRUE(b.health().failing);
  EXPECT_EQ(b.health().waiting, 1u) << "the failed batch is kept, in place";
  EXPECT_TRUE(b.takeBatch(kM0 + 10ms, 10).empty()) << "not before the backoff";
  b.add(group("c", "t3"));
  auto retry = b.takeBatch(*b.nextRetry(), 10);
  EXPECT_EQ(ids(retry), (std::vector<std::string>{"r1"})) << "while failing, one group";
  EXPECT_EQ(b.batchLanded(landed), 1u);
  EXPECT_TRUE(b.health().failing) << "t3 still waits";
  EXPECT_EQ(ids(b.takeBatch(*b.nextRetry(), 10)), (std::vector<std::string>{"t3"}));
  EXPECT_EQ(b.batchLanded(landed), 1u);
  EXPECT_FALSE(b.health().failing);
  EXPECT_TRUE(b.takeRecovered());
  EXPECT_EQ(announced, (std::vector<std::string>{"t1", "t2", "r1", "t3"}));
}

TEST(CommitBacklog, DescribesTheFailureForReadyzAndTheHeartbeat) {
  app::CommitHealth h;
  h.failing = true;
  h.waiting = 2;
  h.lastError = "database or disk is full";
  h.failingSince = common::WallTime{} + 24h * 20000;
  EXPECT_EQ(app::describeCommitFailure(h),
            "database commits failing since 2024-10-04T00:00:00Z: database or disk is full; 2 "
            "incident changes waiting in memory");
}

} // namespace
