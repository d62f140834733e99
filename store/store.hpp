// The SQLite store: queued batched writes on a writer thread, durable sync writes, synchronous
// reads.
#pragma once

#include "common/expected.hpp"
#include "store/records.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace mcpwatch::store {

template <class T> using Result = common::Expected<T, std::string>;
using WriteResult = Result<std::monostate>;

struct StoreOptions {
  // Writes waiting for the writer thread. When the queue is full, record()/enqueue() block for up
  // to maxEnqueueWait for room and then drop the write (counted in Stats::dropped, logged), so a
  // stalled disk slows probing down briefly but can never exhaust memory or freeze it for good.
  std::size_t queueCapacity = 100'000;
  std::chrono::milliseconds maxEnqueueWait{2'000};
  // A batch is committed when it holds maxBatch writes or its oldest write is maxBatchDelay old,
  // whichever comes first; sync writes and flush() commit at once.
  std::size_t maxBatch = 500;
  std::chrono::milliseconds maxBatchDelay{100};
  std::chrono::milliseconds busyTimeout{5'000};
  std::size_t readConnections = 4;
  std::size_t pruneBatch = 2'000; // rows per prune transaction (a few ms each)
};

struct StoreStats {
  std::uint64_t committed = 0; // writes committed (queued and sync)
  std::uint64_t failed = 0;    // queued writes that failed and were logged
  std::uint64_t dropped = 0;   // queued writes refused because the queue stayed full
  std::uint64_t batches = 0;   // writer transactions
  std::size_t queueDepth = 0;  // writes waiting now
};

struct UptimeSummary {
  std::int64_t checks = 0;
  std::int64_t ok = 0;
  // ok / checks; unset when there were no checks (unknown, not 0% or 100%).
  std::optional<double> ratio() const {
    if (checks == 0)
      return std::nullopt;
    return static_cast<double>(ok) / static_cast<double>(checks);
  }
  friend bool operator==(const UptimeSummary&, const UptimeSummary&) = default;
};

// One UTC day of one server, for the 90-day status bar.
struct DaySummary {
  WallTime day; // 00:00:00 UTC
  std::int64_t checks = 0;
  std::int64_t ok = 0;
  // The failure reason seen most often that day (ties: alphabetically first); empty if none.
  std::string worstReason;
  std::optional<double> avgLatencyMs; // mean total_ms of that day's ok checks
  friend bool operator==(const DaySummary&, const DaySummary&) = default;
};

struct LatencyPoint {
  WallTime bucketStart;
  double avgMs = 0; // mean total_ms of the bucket's ok checks
  std::int64_t samples = 0;
  friend bool operator==(const LatencyPoint&, const LatencyPoint&) = default;
};

// What prune() removes: everything strictly before each cutoff (README "What is kept how long").
struct RetentionCutoffs {
  WallTime raw;      // successful checks (rounded down to a whole hour)
  WallTime hourly;   // hourly rollups (must not be later than raw)
  WallTime failures; // failed checks, closed incidents, schema changes
  WallTime rollups;  // daily rollups and failure reasons, ended maintenance windows
};

// How long hourly rollups are kept beside the daily ones: enough for the 7-day latency chart and
// the last week of any uptime window at hour precision (older parts of a window are read at day
// precision), never less than raw checks, never more than the daily rollups.
inline constexpr std::chrono::hours kHourlyRollupKeep{24 * 8};

// The cutoffs at `now` for retention durations {raw, rollups, failures}.
RetentionCutoffs retentionCutoffs(WallTime now, std::chrono::milliseconds raw,
                                  std::chrono::milliseconds rollups,
                                  std::chrono::milliseconds failures);

struct PruneResult {
  std::int64_t checks = 0;       // successful and failed
  std::int64_t failedChecks = 0; // of which failed
  std::int64_t incidents = 0;
  std::int64_t schemaChanges = 0;
  std::int64_t maintenance = 0;
  std::int64_t rollupRows = 0;
  std::int64_t batches = 0; // delete transactions
};

// Thread-safe. Writes go through one writer thread in submission order, so a sync write is
// committed after every write queued before it. Reads use pooled connections of their own (WAL
// lets them run beside the writer) and see only committed data: call flush() first when a read
// must see earlier queued writes.
//
// What the daemon uses:
//  - record() for checks (queued; probing never waits for the disk);
//  - commitAsync() for incident changes, the detector state and their outbox rows, atomically
//    (correctness after a crash depends on them, so they are fsync'd with synchronous=FULL): the
//    result comes back on the writer thread, and the daemon posts it to its own loop, so the loop
//    never waits for an fsync. Coroutines await the same through store/awaitable.hpp;
//  - the blocking *Sync() calls and commitNow() only where nothing else waits (start-up, admin
//    requests on the web thread, tools and tests);
//  - flush() at shutdown is implied by the destructor.
// Never call a blocking write from inside a CustomWrite (it runs on the writer thread).
class Store {
public:
  // Opens or creates the database at `path`, sets WAL, synchronous=NORMAL, foreign keys and the
  // busy timeout, and runs pending migrations. Fails with one line naming the path and the reason
  // (not a database, read-only, directory not writable, schema newer than this build).
  static Result<std::unique_ptr<Store>> open(const std::string& path, StoreOptions options = {});
  ~Store(); // commits everything queued, then stops the writer
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // --- Queued writes (return false only when dropped or the store is closing) ---
  bool record(CheckRecord check);
  bool enqueue(WriteOp op);
  // Blocks until every write queued before the call is committed (or has failed and been logged).
  void flush();

  // --- Durable writes: ops applied atomically (all or none), fsync'd before returning ---
  WriteResult commitNow(std::vector<WriteOp> ops);
  // The same durable, atomic commit without blocking: `done` runs exactly once on the writer thread
  // after the commit (or at once, with an error, if the store is closing). Keep it short and post
  // any real work to your own executor. Not bounded by queueCapacity: use it for state changes,
  // not for per-check traffic.
  void commitAsync(std::vector<WriteOp> ops, std::function<void(WriteResult)> done);
  WriteResult putBaselineSync(BaselineRecord baseline);
  // Sets an incident's public title (empty clears it); error if there is no such incident.
  WriteResult setIncidentTitleSync(std::string id, std::string title);
  // Adds a note to an incident; error if there is no such incident or it already has
  // kMaxIncidentNotes notes. Returns once committed; the note's id is in the returned value.
  Result<std::int64_t> addIncidentNoteSync(IncidentNote note);
  static constexpr std::size_t kMaxIncidentNotes = 200;
  WriteResult putMaintenanceSync(MaintenanceRecord window);
  WriteResult endMaintenanceSync(std::string id, WallTime at); // error if no such window
  WriteResult deleteMaintenanceSync(std::string id);           // error if no such window

  // Deletes successful checks before cutoffs.raw, failed checks before cutoffs.failures, hourly
  // rollups before cutoffs.hourly, daily rollups before cutoffs.rollups, schema changes and
  // incidents closed before cutoffs.failures, maintenance windows ended before cutoffs.rollups.
  // Each delete is its own transaction of at most pruneBatch rows, run on the writer thread and
  // queued behind the writes submitted before it, so writes are committed between batches and the
  // writer is never held for long. Blocks the caller (not the writer) until done; `afterBatch`
  // (optional) runs on the calling thread after each batch with the totals so far. Reads of
  // windows older than cutoffs.raw use the rollups from then on (see uptime()).
  Result<PruneResult> prune(const RetentionCutoffs& cutoffs,
                            const std::function<void(const PruneResult&)>& afterBatch = {});
  // Everything with the same cutoff.
  Result<PruneResult> prune(WallTime cutoff);

  // --- Reads ---
  Result<std::optional<CheckRecord>> latestCheck(const std::string& slug);
  Result<std::vector<CheckRecord>> latestChecks(); // one per server that has checks, by slug
  // Newest first: checks at or after `since`, at most `limit`.
  Result<std::vector<CheckRecord>> checksSince(const std::string& slug, WallTime since,
                                               std::size_t limit, bool failuresOnly = false);
  // Checks in [from, to). Whole UTC days and hours come from rollups and only the partial hours at
  // the two ends from the checks themselves, so any window costs about the same (~0.1 ms). Where
  // successful checks were pruned (older than raw retention) a partial hour at an end is counted
  // whole when the window covers at least half of it, else not at all; where hourly rollups were
  // pruned too, the same holds for a partial day. Inside the raw window the result is exact.
  Result<UptimeSummary> uptime(const std::string& slug, WallTime from, WallTime to);
  // `days` entries, oldest first, ending with the UTC day containing `now` (days without checks
  // have checks == 0).
  Result<std::vector<DaySummary>> dailySummary(const std::string& slug, int days, WallTime now);
  // Mean total_ms of ok checks in [from, to) per bucket [from + k*bucket, from + (k+1)*bucket);
  // only buckets with samples, in order. The part older than raw retention comes from hourly
  // rollups, each hour counted in the bucket its start falls in (exact when buckets are whole
  // hours aligned to `from`).
  Result<std::vector<LatencyPoint>> latencySeries(const std::string& slug, WallTime from,
                                                  WallTime to, std::chrono::milliseconds bucket);

  Result<std::vector<IncidentRecord>> openIncidents(); // oldest first
  Result<std::optional<IncidentRecord>> incident(const std::string& id);
  // Newest first, paged.
  Result<std::vector<IncidentRecord>> incidentsOf(const std::string& slug, std::size_t limit,
                                                  std::size_t offset = 0);
  Result<std::vector<IncidentRecord>> allIncidents(std::size_t limit, std::size_t offset = 0);
  // An incident's notes, oldest first (all of them: at most kMaxIncidentNotes).
  Result<std::vector<IncidentNote>> incidentNotes(const std::string& incidentId);

  Result<std::vector<ServerStateRecord>> loadServerStates(); // by slug

  Result<std::optional<BaselineRecord>> baseline(const std::string& slug);
  Result<std::vector<BaselineRecord>> baselines(); // by slug
  // The same without the tool lists (toolsJson empty): what start-up compares against.
  Result<std::vector<BaselineRecord>> baselineFingerprints();

  // Newest first; all servers when `slug` is unset.
  Result<std::vector<SchemaChangeRecord>> schemaChanges(const std::optional<std::string>& slug,
                                                        std::size_t limit);

  Result<std::vector<MaintenanceRecord>> maintenanceWindows();            // by start
  Result<std::vector<MaintenanceRecord>> activeMaintenance(WallTime now); // start <= now < end

  // For modules with their own tables: runs `fn` on a pooled read connection inside one read
  // transaction (a consistent snapshot). Exceptions from `fn` become the error.
  WriteResult read(const std::function<void(sqlite::Connection&)>& fn);

  StoreStats stats() const;
  const std::string& path() const;

  struct Impl;

private:
  explicit Store(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

} // namespace mcpwatch::store
