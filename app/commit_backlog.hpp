// Durable commits that could not land (disk full, database unwritable) wait here, in the order
// they were made, and are retried with backoff until they land: no incident change and no outbox
// row is ever dropped, and a trigger is never overtaken by its resolve. Pure: the caller passes
// the monotonic time and the commit function; nothing here touches the disk or sleeps.
#pragma once

#include "alerting/event.hpp"
#include "app/check_mapping.hpp"
#include "common/clock.hpp"
#include "store/records.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace mcpwatch::app {

// One atomic group the daemon wanted to commit: the incident change, outbox rows and schema
// records of one detector outcome, and the events to announce once it has landed.
struct PendingCommit {
  std::string slug;
  std::vector<store::WriteOp> ops;     // without the server's state record: see Settings below
  store::ServerStateRecord state;      // the state when the group was made (used if no newer one)
  std::vector<alerting::Event> events; // with the server part filled in (withServer)
};

struct CommitBacklogSettings {
  // Past this many waiting groups the daemon stops starting probes (nothing new is decided, so
  // nothing is dropped) until the backlog drains; groups made meanwhile by the calendar (held
  // triggers, maintenance ends) are still kept.
  std::size_t maxEntries = 10'000;
  std::chrono::milliseconds firstRetry{1'000};
  std::chrono::milliseconds maxRetry{30'000};
  // While commits fail, one error line per this period (the first at once).
  std::chrono::milliseconds logEvery{60'000};
};

// What the backlog reports for /readyz, metrics and the heartbeat.
struct CommitHealth {
  bool failing = false;            // the last durable commit failed and groups are waiting
  std::size_t waiting = 0;         // groups waiting
  std::uint64_t failedCommits = 0; // durable commit attempts that failed, ever
  std::string lastError;           // the store's message for the last failure
  std::optional<common::WallTime> failingSince;
};

// One line for /readyz and the heartbeat: "database commits failing since <time>: <error>; N
// changes waiting in memory".
std::string describeCommitFailure(const CommitHealth& health);

class CommitBacklog {
public:
  // Returns the store's error, or nullopt once the group is committed.
  using CommitFn = std::function<std::optional<std::string>(PendingCommit&)>;
  // The same for several groups in one transaction (all land or none).
  using BatchCommitFn = std::function<std::optional<std::string>(std::vector<PendingCommit*>&)>;
  using LandedFn = std::function<void(PendingCommit&)>;

  explicit CommitBacklog(CommitBacklogSettings settings = {}) : settings_(settings) {}

  bool empty() const { return entries_.empty(); }
  std::size_t size() const { return entries_.size(); }
  // Probing pauses while this is true.
  bool full() const { return entries_.size() >= settings_.maxEntries; }

  // Commits `group` at once when nothing waits, else queues it behind the waiting ones (order is
  // kept) and retries the queue if due. Returns true when it (and everything before it) landed.
  bool submit(PendingCommit group, common::MonoTime now, common::WallTime wallNow,
              const CommitFn& commit, const LandedFn& landed);
  // Retries the waiting groups in order if the backoff allows; stops at the first failure.
  // Returns how many landed.
  std::size_t retry(common::MonoTime now, common::WallTime wallNow, const CommitFn& commit,
                    const LandedFn& landed);

  // Queues `group` behind the waiting ones; nothing is committed until flush().
  void add(PendingCommit group) {
    ++perServer_[group.slug];
    entries_.push_back(std::move(group));
  }
  // Commits the waiting groups in order, up to `maxBatch` per transaction (one fsync for many
  // incident changes in a mass outage) and never two groups of one server in one transaction (a
  // resolve's sinks are those its trigger's landed group recorded). While commits fail, one
  // group per attempt, when the backoff allows, so one bad group never holds others in its
  // transaction. Stops at the first failure. Returns how many landed.
  std::size_t flush(common::MonoTime now, common::WallTime wallNow, const BatchCommitFn& commit,
                    const LandedFn& landed, std::size_t maxBatch);

  // The same in two halves, for a commit that runs elsewhere (the store's writer thread) while
  // the caller's loop goes on: takeBatch() hands out the groups of the next transaction (empty
  // when nothing waits, a batch is already out, or the backoff says not yet); exactly one of
  // batchLanded() or batchFailed() must follow before the next takeBatch(). Groups added
  // meanwhile queue behind the batch.
  std::vector<PendingCommit*> takeBatch(common::MonoTime now, std::size_t maxBatch);
  // Removes the batch's groups in order, calling `landed` for each. Returns how many.
  std::size_t batchLanded(const LandedFn& landed);
  // The batch stays at the front and is retried when the backoff allows.
  void batchFailed(common::MonoTime now, common::WallTime wallNow, std::string error);
  bool batchOut() const { return out_ > 0; }
  // True when a group of `slug` waits or is being committed (constant time).
  bool holds(const std::string& slug) const { return perServer_.count(slug) > 0; }

  // When the next retry may run (nullopt when nothing waits).
  std::optional<common::MonoTime> nextRetry() const;
  // True once per logEvery while failing (the caller logs one line then).
  bool shouldLog(common::MonoTime now);
  // True once after the backlog drained following failures (the caller logs "recovered").
  bool takeRecovered();

  CommitHealth health() const;

private:
  void failed(common::MonoTime now, common::WallTime wallNow, std::string error);
  void drained();

  CommitBacklogSettings settings_;
  std::deque<PendingCommit> entries_;
  std::chrono::milliseconds backoff_{0};
  common::MonoTime nextRetry_{};
  std::optional<common::MonoTime> lastLog_;
  std::optional<common::WallTime> failingSince_;
  std::uint64_t failedCommits_ = 0;
  std::string lastError_;
  bool recovered_ = false;
  std::size_t out_ = 0; // groups at the front handed out by takeBatch()
  std::unordered_map<std::string, std::size_t> perServer_; // groups waiting, by server
};

} // namespace mcpwatch::app
