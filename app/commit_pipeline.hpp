// The daemon's path to the database for what the detector decided: groups (an incident change,
// its outbox rows, the server's state) wait in the backlog, go to the store's writer thread in
// batches (one transaction and one fsync for many, in order, never two of one server at once),
// and are announced to the publisher once they have landed. A failing database keeps them in
// memory, retried after a backoff, and says so in the log.
#pragma once

#include "app/commit_backlog.hpp"
#include "app/event_publisher.hpp"
#include "common/asio.hpp"
#include "common/clock.hpp"
#include "store/store.hpp"

#include <functional>
#include <memory>
#include <mutex>
#include <optional>

namespace mcpwatch::app {

// Incident groups committed in one transaction at most (a mass outage's thousands of incidents
// take a few fsyncs instead of one each).
inline constexpr std::size_t kMaxCommitBatch = 256;

class CommitPipeline {
public:
  struct Hooks {
    // The server's state record committed with its group: the current one, so a group that
    // waited never writes an older state over a newer one; nullopt when the server is gone.
    std::function<std::optional<store::ServerStateRecord>(const std::string& slug)> currentState;
    // A batch failed: the owner's loop comes back at nextRetry().
    std::function<void()> retryLater;
    // A batch finished, landed or not (a stop waiting for the commits may finish now).
    std::function<void()> batchDone;
  };

  CommitPipeline(asio::any_io_executor executor, store::Store& store, common::Clock& clock,
                 EventPublisher& publisher, CommitBacklogSettings settings, Hooks hooks);
  CommitPipeline(const CommitPipeline&) = delete;
  CommitPipeline& operator=(const CommitPipeline&) = delete;

  // Queues `group` and, once per loop turn, sends the next batch.
  void submit(PendingCommit group);
  // Sends the next batch when none is out and the backlog's backoff allows.
  void flush();
  bool busy() const { return commitOut_; } // a batch is on the writer thread
  bool holds(const std::string& slug) const { return backlog_.holds(slug); }
  bool full() const { return backlog_.full(); }
  std::optional<common::MonoTime> nextRetry() const { return backlog_.nextRetry(); }
  CommitHealth health() const { return backlog_.health(); }
  // After the loop stopped: commits here, blocking, everything still waiting; returns how many
  // groups could not be committed (and are lost with the process, said at critical level).
  std::size_t drainNow();

private:
  std::vector<store::WriteOp> batchOps(std::vector<PendingCommit*>& batch);
  void done(std::uint64_t seq, store::WriteResult result);
  void announce(PendingCommit& group);
  void report();

  asio::any_io_executor executor_;
  store::Store& store_;
  common::Clock& clock_;
  EventPublisher& publisher_;
  Hooks hooks_;
  CommitBacklog backlog_;
  bool flushPosted_ = false; // a flush() is queued on the executor
  bool commitOut_ = false;   // a batch is being committed on the store's writer thread
  std::uint64_t commitSeq_ = 0;
  std::shared_ptr<std::optional<store::WriteResult>> outstanding_; // the batch's result, once in
  std::mutex outcomeMutex_; // guards *outstanding_ (written on the store's writer thread)
  // Handlers queued on the executor check it: they do nothing once the pipeline is gone.
  std::shared_ptr<int> lifetime_ = std::make_shared<int>(0);
};

} // namespace mcpwatch::app
