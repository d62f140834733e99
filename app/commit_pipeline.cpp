// The daemon's commits: batched, asynchronous, in order, retried while the database fails.
#include "app/commit_pipeline.hpp"

#include "common/log.hpp"

namespace mcpwatch::app {

CommitPipeline::CommitPipeline(asio::any_io_executor executor, store::Store& store,
                               common::Clock& clock, EventPublisher& publisher,
                               CommitBacklogSettings settings, Hooks hooks)
    : executor_(std::move(executor)), store_(store), clock_(clock), publisher_(publisher),
      hooks_(std::move(hooks)), backlog_(settings) {}

std::vector<store::WriteOp> CommitPipeline::batchOps(std::vector<PendingCommit*>& batch) {
  std::vector<store::WriteOp> ops;
  for (auto* group : batch) {
    // A group that waited commits the server's current state, never an older one over a newer.
    for (const auto& op : group->ops)
      ops.push_back(op);
    for (const auto& ev : group->events)
      for (auto& op : publisher_.prepare(ev))
        ops.push_back(std::move(op));
    auto current = hooks_.currentState(group->slug);
    ops.push_back(current ? std::move(*current) : group->state);
  }
  return ops;
}

void CommitPipeline::announce(PendingCommit& group) {
  for (const auto& ev : group.events)
    publisher_.committed(ev);
}

void CommitPipeline::submit(PendingCommit group) {
  // Groups commit together once the batch before them has landed: one transaction and one
  // fsync for many incidents (a mass outage), in order, and never two of one server at once.
  backlog_.add(std::move(group));
  if (!flushPosted_) {
    flushPosted_ = true;
    asio::post(executor_, [this, alive = std::weak_ptr<int>(lifetime_)] {
      if (alive.expired())
        return;
      flushPosted_ = false;
      flush();
    });
  }
}

void CommitPipeline::flush() {
  // One batch at a time, committed on the store's writer thread: this loop never waits for an
  // fsync. Groups decided meanwhile go in the next batch, when this one has landed.
  if (commitOut_)
    return;
  auto batch = backlog_.takeBatch(clock_.monoNow(), kMaxCommitBatch);
  if (batch.empty()) {
    report();
    return;
  }
  std::vector<store::WriteOp> ops;
  try {
    ops = batchOps(batch);
  } catch (const std::exception& e) {
    // Nothing was handed to the store: the batch stays first and is retried after the backoff.
    backlog_.batchFailed(clock_.monoNow(), clock_.now(),
                         std::string("preparing the commit: ") + e.what());
    report();
    hooks_.retryLater();
    return;
  }
  commitOut_ = true;
  const auto seq = ++commitSeq_;
  // The writer thread leaves the result here too, so a shutdown that no longer runs this loop
  // can still learn it (drainNow).
  auto outcome = std::make_shared<std::optional<store::WriteResult>>();
  outstanding_ = outcome;
  store_.commitAsync(
      std::move(ops), [executor = executor_, this, seq, outcome,
                       alive = std::weak_ptr<int>(lifetime_)](store::WriteResult result) mutable {
        {
          std::lock_guard lock(outcomeMutex_);
          *outcome = result;
        }
        asio::post(executor, [this, alive, seq, result = std::move(result)]() mutable {
          if (!alive.expired())
            done(seq, std::move(result));
        });
      });
}

void CommitPipeline::done(std::uint64_t seq, store::WriteResult result) {
  if (!commitOut_ || seq != commitSeq_)
    return; // already taken by drainNow()
  commitOut_ = false;
  outstanding_.reset();
  if (result) {
    backlog_.batchLanded([this](PendingCommit& g) { announce(g); });
    flush(); // what was decided while this batch was out
  } else {
    backlog_.batchFailed(clock_.monoNow(), clock_.now(), result.error());
    report();
    hooks_.retryLater(); // the loop retries at the backoff's time
  }
  hooks_.batchDone();
}

std::size_t CommitPipeline::drainNow() {
  // The loop has stopped (shutdown deadline or a second signal): commit here, blocking, what was
  // decided and not yet committed, so no incident change or outbox row is lost with the process.
  store_.flush();   // the batch that is out has landed (or failed) on the writer thread
  if (commitOut_) { // its completion, queued on the stopped loop, will find nothing to do
    std::optional<store::WriteResult> result;
    {
      std::lock_guard lock(outcomeMutex_);
      if (outstanding_)
        result = *outstanding_;
    }
    commitOut_ = false;
    outstanding_.reset();
    if (result && *result)
      backlog_.batchLanded([this](PendingCommit& g) { announce(g); });
    else
      backlog_.batchFailed(clock_.monoNow(), clock_.now(),
                           result ? result->error() : std::string("no answer from the store"));
  }
  while (!backlog_.empty()) {
    auto batch = backlog_.takeBatch(clock_.monoNow() + std::chrono::hours(1), kMaxCommitBatch);
    if (batch.empty())
      break;
    std::optional<std::string> error;
    try {
      if (auto r = store_.commitNow(batchOps(batch)); !r)
        error = r.error();
    } catch (const std::exception& e) {
      error = e.what();
    }
    if (error) {
      backlog_.batchFailed(clock_.monoNow(), clock_.now(), *error);
      break;
    }
    backlog_.batchLanded([this](PendingCommit& g) { announce(g); });
  }
  if (!backlog_.empty())
    common::logRecord(spdlog::level::critical,
                      "incident changes could not be committed before exit and are lost",
                      {{"waiting", backlog_.size()}, {"error", backlog_.health().lastError}});
  return backlog_.size();
}

void CommitPipeline::report() {
  if (backlog_.shouldLog(clock_.monoNow())) {
    auto h = backlog_.health();
    common::logRecord(
        spdlog::level::critical,
        "database commits failing; incident changes and alerts are kept in memory and "
        "retried until they land",
        {{"waiting", h.waiting},
         {"failed_commits", h.failedCommits},
         {"probing_paused", backlog_.full()},
         {"error", h.lastError}});
  }
  if (backlog_.takeRecovered())
    common::logRecord(spdlog::level::warn,
                      "database commits recovered; every waiting change committed",
                      {{"failed_commits", backlog_.health().failedCommits}});
}

} // namespace mcpwatch::app
