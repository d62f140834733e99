// The store: a writer thread batching queued writes into transactions, and a pool of readers.
#include "store/store.hpp"

#include "common/log.hpp"
#include "common/time.hpp"
#include "store/migrations.hpp"
#include "store/sqlite.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <cmath>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <fcntl.h>
#include <filesystem>
#include <fmt/format.h>
#include <functional>
#include <future>
#include <map>
#include <mutex>
#include <spdlog/spdlog.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <thread>
#include <tuple>
#include <type_traits>
#include <unistd.h>

namespace mcpwatch::store {
namespace {

using common::floorDiv;
using std::chrono::milliseconds;
constexpr std::int64_t kDayMs = 86'400'000;
constexpr std::int64_t kHourMs = 3'600'000;

std::int64_t toMs(WallTime t) {
  return std::chrono::floor<milliseconds>(t.time_since_epoch()).count();
}

WallTime fromMs(std::int64_t ms) {
  return WallTime(std::chrono::duration_cast<WallTime::duration>(milliseconds(ms)));
}

std::int64_t ceilDiv(std::int64_t a, std::int64_t b) {
  return -floorDiv(-a, b);
}

std::int64_t clampLimit(std::size_t n) {
  return static_cast<std::int64_t>(std::min<std::size_t>(n, INT64_MAX));
}

// Checks are stored compactly (migration 5): the slug, the failure reason and the profile
// (protocol version, fingerprint, tool count, era, transport) through dictionaries, latencies in
// integer microseconds. These columns read them back as CheckRecord fields, in readCheck's order.
constexpr std::string_view kCheckColumns =
    "s.slug, c.at, c.ok, coalesce(r.reason, ''), c.detail, c.http_status, c.jsonrpc_code, "
    "c.dns_us, c.connect_us, c.tls_us, c.handshake_us, c.tools_list_us, c.total_us, "
    "p.protocol_version, p.fingerprint, p.tool_count, p.era, p.transport FROM checks c "
    "JOIN servers s ON s.id = c.server LEFT JOIN check_reasons r ON r.id = c.reason "
    "LEFT JOIN check_profiles p ON p.id = c.profile";

// Latencies are stored to the microsecond.
std::optional<std::int64_t> toUs(const std::optional<double>& ms) {
  if (!ms)
    return std::nullopt;
  return std::llround(*ms * 1000.0);
}

std::optional<double> fromUs(const std::optional<std::int64_t>& us) {
  if (!us)
    return std::nullopt;
  return static_cast<double>(*us) / 1000.0;
}

CheckRecord readCheck(sqlite::Statement& s) {
  CheckRecord c;
  c.slug = s.text(0);
  c.at = fromMs(s.int64(1));
  c.ok = s.int64(2) != 0;
  c.reason = s.text(3);
  c.detail = s.text(4);
  if (auto v = s.optInt64(5))
    c.httpStatus = static_cast<int>(*v);
  c.jsonrpcCode = s.optInt64(6);
  c.dnsMs = fromUs(s.optInt64(7));
  c.connectMs = fromUs(s.optInt64(8));
  c.tlsMs = fromUs(s.optInt64(9));
  c.handshakeMs = fromUs(s.optInt64(10));
  c.toolsListMs = fromUs(s.optInt64(11));
  c.totalMs = fromUs(s.optInt64(12));
  c.protocolVersion = s.optText(13);
  c.fingerprint = s.optText(14);
  if (auto v = s.optInt64(15))
    c.toolCount = static_cast<int>(*v);
  c.era = s.optText(16);
  c.transport = s.optText(17);
  return c;
}

// The server id of a slug, if it ever had checks or rollups.
std::optional<std::int64_t> serverId(sqlite::Connection& c, const std::string& slug) {
  auto s = c.use("SELECT id FROM servers WHERE slug = ?1");
  s->bind(1, slug);
  if (!s->step())
    return std::nullopt;
  return s->int64(0);
}

// The last column counts the sinks the alerting outbox recorded for the incident's trigger
// (alert_incident_sinks, migration 2): zero while the trigger is held or when no route matched.
constexpr std::string_view kIncidentColumns =
    "id, slug, opened_at, closed_at, reason, detail, trigger_sent, resolve_note, "
    "(SELECT COUNT(*) FROM alert_incident_sinks s WHERE s.incident_id = incidents.id), title";

IncidentRecord readIncident(sqlite::Statement& s) {
  IncidentRecord r;
  r.id = s.text(0);
  r.slug = s.text(1);
  r.openedAt = fromMs(s.int64(2));
  if (auto v = s.optInt64(3))
    r.closedAt = fromMs(*v);
  r.reason = s.text(4);
  r.detail = s.text(5);
  r.triggerSent = s.int64(6) != 0;
  r.resolveNote = s.text(7);
  r.triggerSinks = static_cast<int>(s.int64(8));
  r.title = s.text(9);
  return r;
}

constexpr std::string_view kMaintenanceColumns =
    "id, selector, start_at, end_at, created_by, ended_early";

MaintenanceRecord readMaintenance(sqlite::Statement& s) {
  return MaintenanceRecord{s.text(0),          s.text(1), fromMs(s.int64(2)),
                           fromMs(s.int64(3)), s.text(4), s.int64(5) != 0};
}

constexpr std::string_view kBaselineColumns = "slug, fingerprint, tools, accepted_at, pinned";

BaselineRecord readBaseline(sqlite::Statement& s) {
  return BaselineRecord{s.text(0), s.text(1), s.text(2), fromMs(s.int64(3)), s.int64(4) != 0};
}

// The outbox keeps sink settings (routing keys, webhook secrets), so the database and its -wal and
// -shm files are private to their owner from the first byte. A missing database is created here,
// empty, with O_EXCL and mode 0600 (an empty file is a valid empty SQLite database): SQLite would
// create it 0644 & ~umask, and it creates -wal and -shm with exactly the database file's mode
// (os_unix.c: findCreateFileMode() and the -shm open copy it and fchmod to it), so all three are
// 0600 without touching the process-wide umask, which other threads (probes, the web server)
// must not see change. Files left readable by an older version are tightened: group and other
// bits go, the owner's stay (a read-only database stays read-only).
void makeDatabasePrivate(const std::string& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd >= 0) {
    ::close(fd);
    return;
  }
  if (errno != EEXIST)
    return; // a missing or unwritable directory: SQLite's open reports it (see diagnoseOpen)
  for (const char* suffix : {"", "-wal", "-shm"}) {
    const std::string file = path + suffix;
    struct stat st {};
    if (::stat(file.c_str(), &st) != 0 || !S_ISREG(st.st_mode) || (st.st_mode & 077) == 0)
      continue;
    // Best effort: a file owned by someone else cannot be changed, and SQLite will say whether
    // it can use it at all.
    (void)::chmod(file.c_str(), st.st_mode & 0700);
  }
}

// SQLite reports "unable to open database file" with whatever errno its last fallback left; the
// file system gives the reason a person can act on.
std::optional<std::string> diagnoseOpen(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path file(path);
  if (fs::is_directory(file, ec))
    return std::string("it is a directory");
  fs::path dir = file.parent_path();
  if (dir.empty())
    dir = ".";
  if (!fs::exists(dir, ec))
    return fmt::format("directory {} does not exist", dir.string());
  if (!fs::is_directory(dir, ec))
    return fmt::format("{} is not a directory", dir.string());
  // WAL needs to create the -wal and -shm files next to the database, even for an existing one.
  if (::access(dir.c_str(), W_OK | X_OK) != 0)
    return fmt::format("directory {} is not writable ({})", dir.string(), std::strerror(errno));
  if (fs::exists(file, ec) && ::access(file.c_str(), R_OK | W_OK) != 0)
    return fmt::format("the file is not readable and writable ({})", std::strerror(errno));
  return std::nullopt;
}

bool isAccessError(int code) {
  const int primary = code & 0xff;
  return primary == SQLITE_CANTOPEN || primary == SQLITE_READONLY || primary == SQLITE_PERM ||
         primary == SQLITE_IOERR || primary == SQLITE_AUTH;
}

std::string sql(std::string_view a, std::string_view b, std::string_view c = {}) {
  return std::string(a) + std::string(b) + std::string(c);
}

// Upper bounds (ms) of the rollups' latency buckets le_50 .. le_2500; gt_2500 holds the rest.
constexpr std::array<double, 6> kLatencyBounds = {50, 100, 250, 500, 1000, 2500};

// One rollup row being summed up in memory: the checks of one server in one hour or day.
struct RollupCell {
  std::int64_t checks = 0;
  std::int64_t ok = 0;
  double latencySum = 0; // ok checks with a total_ms, like everything below
  std::int64_t latencyCount = 0;
  std::optional<double> latencyMin;
  std::optional<double> latencyMax;
  std::array<std::int64_t, kLatencyBounds.size() + 1> buckets{};

  void add(const CheckRecord& r) {
    ++checks;
    if (!r.ok)
      return;
    ++ok;
    if (!r.totalMs)
      return;
    const double ms = *r.totalMs;
    latencySum += ms;
    ++latencyCount;
    latencyMin = latencyMin ? std::min(*latencyMin, ms) : ms;
    latencyMax = latencyMax ? std::max(*latencyMax, ms) : ms;
    std::size_t i = 0;
    while (i < kLatencyBounds.size() && ms > kLatencyBounds[i])
      ++i;
    ++buckets[i];
  }
};

// The rollups of every check in one writer transaction, written with one UPSERT per key rather
// than three or four statements per check.
class RollupBatch {
public:
  void add(const CheckRecord& r) {
    const std::int64_t at = toMs(r.at);
    const std::int64_t day = floorDiv(at, kDayMs);
    hours_[{r.slug, floorDiv(at, kHourMs)}].add(r);
    days_[{r.slug, day}].add(r);
    if (!r.ok)
      ++reasons_[{r.slug, day, r.reason}];
  }
  bool empty() const { return hours_.empty(); }

  void flush(sqlite::Connection& c) {
    write(c, "check_hours", "hour", hours_);
    write(c, "check_days", "day", days_);
    for (const auto& [key, failures] : reasons_) {
      auto s = c.use("INSERT INTO check_day_reasons (slug, day, reason, failures) "
                     "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (slug, day, reason) DO UPDATE SET "
                     "failures = failures + excluded.failures");
      s->bind(1, std::get<0>(key)).bind(2, std::get<1>(key)).bind(3, std::get<2>(key));
      s->bind(4, failures);
      s->run();
    }
    hours_.clear();
    days_.clear();
    reasons_.clear();
  }

private:
  using Key = std::pair<std::string, std::int64_t>;

  static void write(sqlite::Connection& c, std::string_view table, std::string_view unit,
                    const std::map<Key, RollupCell>& cells) {
    // min() and max() of SQLite return NULL when either side is: coalesce keeps the known one.
    const std::string query = fmt::format(
        "INSERT INTO {0} (slug, {1}, checks, ok, latency_sum, latency_count, latency_min, "
        "latency_max, le_50, le_100, le_250, le_500, le_1000, le_2500, gt_2500) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15) "
        "ON CONFLICT (slug, {1}) DO UPDATE SET checks = checks + excluded.checks, "
        "ok = ok + excluded.ok, latency_sum = latency_sum + excluded.latency_sum, "
        "latency_count = latency_count + excluded.latency_count, "
        "latency_min = coalesce(min(latency_min, excluded.latency_min), latency_min, "
        "excluded.latency_min), "
        "latency_max = coalesce(max(latency_max, excluded.latency_max), latency_max, "
        "excluded.latency_max), "
        "le_50 = le_50 + excluded.le_50, le_100 = le_100 + excluded.le_100, "
        "le_250 = le_250 + excluded.le_250, le_500 = le_500 + excluded.le_500, "
        "le_1000 = le_1000 + excluded.le_1000, le_2500 = le_2500 + excluded.le_2500, "
        "gt_2500 = gt_2500 + excluded.gt_2500",
        table, unit);
    for (const auto& [key, cell] : cells) {
      auto s = c.use(query);
      s->bind(1, key.first).bind(2, key.second).bind(3, cell.checks).bind(4, cell.ok);
      s->bind(5, cell.latencySum).bind(6, cell.latencyCount).bind(7, cell.latencyMin);
      s->bind(8, cell.latencyMax);
      for (std::size_t i = 0; i < cell.buckets.size(); ++i)
        s->bind(9 + static_cast<int>(i), cell.buckets[i]);
      s->run();
    }
  }

  std::map<Key, RollupCell> hours_;
  std::map<Key, RollupCell> days_;
  std::map<std::tuple<std::string, std::int64_t, std::string>, std::int64_t> reasons_;
};

// Applies one write on the writer connection. Throws on failure.
struct Applier {
  sqlite::Connection& c;
  // Checks written inside the current savepoint; their rollups are added once it is released.
  std::vector<const CheckRecord*>* pending = nullptr;

  // Only the raw row: its rollups are added to `rollups` and written once per (server, hour),
  // (server, day) and (server, day, reason) when the batch commits (RollupBatch::flush).
  void operator()(const CheckRecord& r) const {
    const std::int64_t server = id("SELECT id FROM servers WHERE slug = ?1",
                                   "INSERT INTO servers (slug) VALUES (?1) RETURNING id", r.slug);
    const std::int64_t reason =
        r.reason.empty()
            ? 0
            : id("SELECT id FROM check_reasons WHERE reason = ?1",
                 "INSERT INTO check_reasons (reason) VALUES (?1) RETURNING id", r.reason);
    std::optional<std::int64_t> profile;
    if (r.protocolVersion || r.fingerprint || r.toolCount || r.era || r.transport) {
      auto find = [&](sqlite::Statement& s) {
        s.bind(1, r.protocolVersion).bind(2, r.fingerprint).bind(3, r.toolCount);
        s.bind(4, r.era).bind(5, r.transport);
        if (s.step())
          profile = s.int64(0);
      };
      find(*c.use("SELECT id FROM check_profiles WHERE fingerprint IS ?2 AND "
                  "protocol_version IS ?1 AND tool_count IS ?3 AND era IS ?4 AND transport IS ?5"));
      if (!profile)
        find(*c.use("INSERT INTO check_profiles (protocol_version, fingerprint, tool_count, era, "
                    "transport) VALUES (?1, ?2, ?3, ?4, ?5) RETURNING id"));
    }
    // seq: after any check of the same server at the same millisecond, so reads keep the order
    // the checks were written in.
    auto s =
        c.use("INSERT INTO checks (server, at, seq, ok, reason, detail, http_status, jsonrpc_code, "
              "dns_us, connect_us, tls_us, handshake_us, tools_list_us, total_us, profile) "
              "VALUES (?1, ?2, coalesce((SELECT max(seq) + 1 FROM checks WHERE server = ?1 AND "
              "at = ?2), 0), ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)");
    s->bind(1, server).bind(2, toMs(r.at)).bind(3, r.ok).bind(4, reason).bind(5, r.detail);
    s->bind(6, r.httpStatus).bind(7, r.jsonrpcCode).bind(8, toUs(r.dnsMs));
    s->bind(9, toUs(r.connectMs)).bind(10, toUs(r.tlsMs)).bind(11, toUs(r.handshakeMs));
    s->bind(12, toUs(r.toolsListMs)).bind(13, toUs(r.totalMs)).bind(14, profile);
    s->run();
    if (pending != nullptr)
      pending->push_back(&r);
  }

  // The id of `value` in a dictionary table, added when new (inside the caller's savepoint, so a
  // failed write takes its new entries with it).
  std::int64_t id(std::string_view find, std::string_view add, const std::string& value) const {
    {
      auto s = c.use(find);
      s->bind(1, value);
      if (s->step())
        return s->int64(0);
    }
    auto s = c.use(add);
    s->bind(1, value);
    if (!s->step())
      throw std::runtime_error("store: dictionary insert returned no id");
    return s->int64(0);
  }

  void operator()(const ServerStateRecord& r) const {
    auto s = c.use("INSERT INTO server_state (slug, state, updated_at) VALUES (?1, ?2, ?3) "
                   "ON CONFLICT (slug) DO UPDATE SET state = excluded.state, "
                   "updated_at = excluded.updated_at");
    s->bind(1, r.slug).bind(2, r.stateJson).bind(3, toMs(r.updatedAt));
    s->run();
  }

  void operator()(const IncidentRecord& r) const {
    auto s = c.use("INSERT INTO incidents (id, slug, opened_at, closed_at, reason, detail, "
                   "trigger_sent, resolve_note, title) "
                   "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
    s->bind(1, r.id).bind(2, r.slug).bind(3, toMs(r.openedAt));
    if (r.closedAt)
      s->bind(4, toMs(*r.closedAt));
    else
      s->bindNull(4);
    s->bind(5, r.reason).bind(6, r.detail).bind(7, r.triggerSent).bind(8, r.resolveNote);
    s->bind(9, r.title);
    s->run();
  }

  void operator()(const CloseIncident& r) const {
    auto s = c.use("UPDATE incidents SET closed_at = ?1, resolve_note = ?2 "
                   "WHERE id = ?3 AND closed_at IS NULL");
    s->bind(1, toMs(r.closedAt)).bind(2, r.resolveNote).bind(3, r.id);
    s->run();
    requireChange(fmt::format("incident {} is not open", r.id));
  }

  void operator()(const SetTriggerSent& r) const {
    auto s = c.use("UPDATE incidents SET trigger_sent = ?1 WHERE id = ?2");
    s->bind(1, r.sent).bind(2, r.id);
    s->run();
    requireChange(fmt::format("incident {} not found", r.id));
  }

  void operator()(const BaselineRecord& r) const {
    auto s = c.use("INSERT INTO baselines (slug, fingerprint, tools, accepted_at, pinned) "
                   "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (slug) DO UPDATE SET "
                   "fingerprint = excluded.fingerprint, tools = excluded.tools, "
                   "accepted_at = excluded.accepted_at, pinned = excluded.pinned");
    s->bind(1, r.slug).bind(2, r.fingerprint).bind(3, r.toolsJson).bind(4, toMs(r.acceptedAt));
    s->bind(5, r.pinned);
    s->run();
  }

  void operator()(const SchemaChangeRecord& r) const {
    auto s = c.use("INSERT INTO schema_changes (slug, at, old_fingerprint, new_fingerprint, diff) "
                   "VALUES (?1, ?2, ?3, ?4, ?5)");
    s->bind(1, r.slug).bind(2, toMs(r.at)).bind(3, r.oldFingerprint).bind(4, r.newFingerprint);
    s->bind(5, r.diffJson);
    s->run();
  }

  void operator()(const MaintenanceRecord& r) const {
    auto s = c.use("INSERT INTO maintenance (id, selector, start_at, end_at, created_by, "
                   "ended_early) VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (id) DO UPDATE SET "
                   "selector = excluded.selector, start_at = excluded.start_at, "
                   "end_at = excluded.end_at, created_by = excluded.created_by, "
                   "ended_early = excluded.ended_early");
    s->bind(1, r.id).bind(2, r.selectorJson).bind(3, toMs(r.start)).bind(4, toMs(r.end));
    s->bind(5, r.createdBy).bind(6, r.endedEarly);
    s->run();
  }

  void operator()(const EndMaintenance& r) const {
    // Never before its start (the CHECK constraint), never later than planned.
    auto s = c.use("UPDATE maintenance SET end_at = max(start_at, min(end_at, ?1)), "
                   "ended_early = 1 WHERE id = ?2");
    s->bind(1, toMs(r.at)).bind(2, r.id);
    s->run();
    requireChange(fmt::format("maintenance window {} not found", r.id));
  }

  void operator()(const DeleteMaintenance& r) const {
    auto s = c.use("DELETE FROM maintenance WHERE id = ?1");
    s->bind(1, r.id);
    s->run();
    requireChange(fmt::format("maintenance window {} not found", r.id));
  }

  void operator()(const CustomWrite& r) const {
    if (!r.apply)
      throw std::invalid_argument("custom write without a function");
    r.apply(c);
  }

  void requireChange(const std::string& message) const {
    if (c.changes() == 0)
      throw std::runtime_error(message);
  }
};

struct Submission {
  WriteOp op;                 // a single queued write (when group is empty and !barrier)
  std::vector<WriteOp> group; // an atomic group from commitNow()
  // Called on the writer thread once committed or failed; unset for plain queued writes.
  std::function<void(WriteResult)> done;
  std::chrono::steady_clock::time_point queuedAt;
  bool counted = false; // counts against queueCapacity (plain queued writes)
  bool grouped = false;
  bool barrier = false; // flush(): nothing to write, only a completion
  bool durable = false;
  bool urgent = false; // someone is waiting: commit without waiting for a fuller batch
};

// Readers are created on demand up to a maximum and reused.
class ReaderPool {
public:
  ReaderPool(std::string path, std::size_t max, milliseconds busyTimeout)
      : path_(std::move(path)), max_(std::max<std::size_t>(max, 1)), busyTimeout_(busyTimeout) {}

  class Lease {
  public:
    Lease(ReaderPool& pool, std::unique_ptr<sqlite::Connection> c)
        : pool_(pool), c_(std::move(c)) {}
    ~Lease() { pool_.release(std::move(c_)); }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    sqlite::Connection& operator*() { return *c_; }

  private:
    ReaderPool& pool_;
    std::unique_ptr<sqlite::Connection> c_;
  };

  Lease acquire() {
    std::unique_lock lock(mutex_);
    available_.wait(lock, [&] { return !idle_.empty() || total_ < max_; });
    if (!idle_.empty()) {
      auto c = std::move(idle_.back());
      idle_.pop_back();
      return Lease(*this, std::move(c));
    }
    ++total_;
    lock.unlock();
    try {
      return Lease(*this, connect());
    } catch (...) {
      std::lock_guard relock(mutex_);
      --total_;
      available_.notify_one();
      throw;
    }
  }

  std::unique_ptr<sqlite::Connection> connect() const {
    auto c = std::make_unique<sqlite::Connection>(path_, false);
    // query_only: a reader can never write by mistake; the writer thread owns all writes.
    c->exec(fmt::format("PRAGMA busy_timeout = {}; PRAGMA query_only = 1", busyTimeout_.count()));
    return c;
  }

private:
  void release(std::unique_ptr<sqlite::Connection> c) {
    if (!c)
      return;
    std::lock_guard lock(mutex_);
    idle_.push_back(std::move(c));
    available_.notify_one();
  }

  std::string path_;
  std::size_t max_;
  milliseconds busyTimeout_;
  std::mutex mutex_;
  std::condition_variable available_;
  std::vector<std::unique_ptr<sqlite::Connection>> idle_;
  std::size_t total_ = 0;
};

} // namespace

struct Store::Impl {
  Impl(std::string p, StoreOptions o, std::unique_ptr<sqlite::Connection> w)
      : path(std::move(p)), options(o), writer(std::move(w)),
        readers(path, options.readConnections, options.busyTimeout) {}

  std::string path;
  StoreOptions options;
  std::unique_ptr<sqlite::Connection> writer;
  ReaderPool readers;

  std::mutex mutex;
  std::condition_variable work;  // writer waits for submissions
  std::condition_variable space; // producers wait for room
  std::deque<Submission> queue;
  std::size_t queuedAsync = 0; // counted against queueCapacity
  std::size_t urgent = 0;
  std::size_t waitingProducers = 0;
  bool stopping = false;
  std::thread thread;
  bool writerDurable = false; // the writer connection's current synchronous mode is FULL

  std::atomic<std::uint64_t> committed{0};
  std::atomic<std::uint64_t> failed{0};
  std::atomic<std::uint64_t> dropped{0};
  std::atomic<std::uint64_t> batches{0};
  // Writer thread only: rate limit of the queued-write failure line.
  std::optional<std::chrono::steady_clock::time_point> lastFailureLog;
  std::uint64_t failuresSinceLog = 0;

  // Queue length at which a batch goes without waiting for its deadline; a queue smaller than a
  // batch must not wait for a batch it can never hold.
  std::size_t batchTrigger() const {
    return std::max<std::size_t>(1, std::min(options.maxBatch, options.queueCapacity));
  }
  void run();
  void commitBatch(std::vector<Submission>& batch);
  bool submit(Submission& s); // false when closing
  WriteResult submitAndWait(Submission s);
  bool enqueue(WriteOp op);

  template <class F> auto read(F&& fn) -> Result<std::invoke_result_t<F, sqlite::Connection&>> {
    try {
      auto lease = readers.acquire();
      // One read transaction: multi-statement reads see one consistent snapshot.
      sqlite::Transaction tx(*lease);
      auto value = fn(*lease);
      tx.commit();
      return value;
    } catch (const std::exception& e) {
      return common::unexpected(fmt::format("store: read failed: {}", e.what()));
    } catch (...) {
      return common::unexpected(std::string("store: read failed: non-standard exception"));
    }
  }
};

void Store::Impl::run() {
  std::vector<Submission> batch;
  for (;;) {
    {
      std::unique_lock lock(mutex);
      work.wait(lock, [&] { return stopping || !queue.empty(); });
      if (queue.empty())
        return; // stopping and drained
      const auto deadline = queue.front().queuedAt + options.maxBatchDelay;
      work.wait_until(lock, deadline, [&] {
        return stopping || urgent > 0 || waitingProducers > 0 || queue.size() >= batchTrigger();
      });
      const std::size_t n = std::min(queue.size(), std::max<std::size_t>(options.maxBatch, 1));
      for (std::size_t i = 0; i < n; ++i) {
        Submission& s = queue.front();
        if (s.urgent)
          --urgent;
        if (s.counted)
          --queuedAsync;
        batch.push_back(std::move(s));
        queue.pop_front();
      }
    }
    space.notify_all();
    commitBatch(batch);
    batch.clear();
  }
}

void Store::Impl::commitBatch(std::vector<Submission>& batch) {
  std::vector<std::optional<std::string>> errors(batch.size());
  const bool durable =
      std::any_of(batch.begin(), batch.end(), [](const Submission& s) { return s.durable; });
  std::uint64_t ops = 0;
  try {
    if (durable != writerDurable) {
      // synchronous=FULL fsyncs the WAL at commit: only batches with a sync write pay for it.
      writer->exec(durable ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL");
      writerDurable = durable;
    }
    sqlite::Transaction tx(*writer, sqlite::Transaction::Mode::Immediate);
    std::vector<const CheckRecord*> pending;
    RollupBatch rollups;
    Applier apply{*writer, &pending};
    for (std::size_t i = 0; i < batch.size(); ++i) {
      Submission& s = batch[i];
      if (s.barrier)
        continue;
      pending.clear();
      try {
        sqlite::Savepoint sp(*writer);
        if (s.grouped) {
          for (const auto& op : s.group)
            std::visit(apply, op);
          ops += s.group.size();
        } else {
          std::visit(apply, s.op);
          ++ops;
        }
        sp.release();
        for (const auto* check : pending)
          rollups.add(*check);
      } catch (const std::exception& e) {
        errors[i] = e.what();
        if (!writer->inTransaction())
          throw; // SQLite rolled the whole transaction back (I/O error, disk full)
      } catch (...) {
        errors[i] = "custom write threw a non-standard exception";
        if (!writer->inTransaction())
          throw;
      }
    }
    // In the same transaction as the checks: a crash never keeps one without the other.
    if (!rollups.empty())
      rollups.flush(*writer);
    tx.commit();
  } catch (...) {
    ops = 0;
    std::string why = "unknown error";
    try {
      throw;
    } catch (const std::exception& e) {
      why = e.what();
    } catch (...) {
    }
    for (std::size_t i = 0; i < batch.size(); ++i)
      if (!errors[i] && !batch[i].barrier)
        errors[i] = fmt::format("not committed: {}", why);
  }
  ++batches;
  committed += ops;

  // Counters and the log line come before any waiter is released, so a caller returning from
  // flush() sees the statistics of everything it waited for.
  std::size_t asyncFailures = 0;
  const std::string* firstFailure = nullptr;
  for (std::size_t i = 0; i < batch.size(); ++i)
    if (!batch[i].done && errors[i]) {
      ++asyncFailures;
      if (firstFailure == nullptr)
        firstFailure = &*errors[i];
    }
  if (asyncFailures > 0) {
    failed += asyncFailures;
    // One line a minute at most, not one per batch or per write: a full disk must not flood the
    // log (the first failure is logged at once; the count covers the lines held back).
    failuresSinceLog += asyncFailures;
    const auto nowMono = std::chrono::steady_clock::now();
    if (!lastFailureLog || nowMono - *lastFailureLog >= std::chrono::minutes(1)) {
      common::logRecord(spdlog::level::err,
                        "queued store writes (check history) failed since the last report",
                        {{"failed", failuresSinceLog}, {"last_error", *firstFailure}});
      lastFailureLog = nowMono;
      failuresSinceLog = 0;
    }
  }
  for (std::size_t i = 0; i < batch.size(); ++i) {
    Submission& s = batch[i];
    if (!s.done)
      continue;
    try {
      if (errors[i])
        s.done(common::unexpected(fmt::format("store: {}", *errors[i])));
      else
        s.done(std::monostate{});
    } catch (const std::exception& e) {
      // A throwing callback must not take the writer thread (and every later write) down.
      common::logRecord(spdlog::level::err, "store write completion callback threw",
                        {{"error", e.what()}});
    } catch (...) {
      common::logRecord(spdlog::level::err, "store write completion callback threw", {});
    }
  }
}

bool Store::Impl::submit(Submission& s) {
  s.urgent = true;
  s.queuedAt = std::chrono::steady_clock::now();
  {
    std::lock_guard lock(mutex);
    if (stopping)
      return false;
    queue.push_back(std::move(s));
    ++urgent;
  }
  work.notify_one();
  return true;
}

WriteResult Store::Impl::submitAndWait(Submission s) {
  if (std::this_thread::get_id() == thread.get_id())
    return common::unexpected(std::string("store: blocking write from the writer thread"));
  // The promise lives on this stack frame; the writer fulfils it exactly once before we return.
  std::promise<WriteResult> promise;
  auto future = promise.get_future();
  s.done = [&promise](WriteResult r) { promise.set_value(std::move(r)); };
  if (!submit(s))
    return common::unexpected(fmt::format("store: {} is closing", path));
  return future.get();
}

bool Store::Impl::enqueue(WriteOp op) {
  std::unique_lock lock(mutex);
  if (queuedAsync >= options.queueCapacity) {
    // A full queue is a reason to commit now rather than at the batch deadline.
    ++waitingProducers;
    work.notify_one();
    const bool room = space.wait_for(lock, options.maxEnqueueWait, [&] {
      return stopping || queuedAsync < options.queueCapacity;
    });
    --waitingProducers;
    if (!room) {
      const auto n = ++dropped;
      // The first drop and then every 1000th, so a stalled disk is visible but not a log flood.
      if (n == 1 || n % 1000 == 0)
        common::logRecord(spdlog::level::err, "store write queue full: write dropped",
                          {{"waited_ms", options.maxEnqueueWait.count()}, {"dropped", n}});
      return false;
    }
  }
  if (stopping)
    return false;
  Submission s;
  s.op = std::move(op);
  s.queuedAt = std::chrono::steady_clock::now();
  s.counted = true;
  queue.push_back(std::move(s));
  ++queuedAsync;
  const bool wake = queue.size() == 1 || queue.size() >= batchTrigger();
  lock.unlock();
  if (wake)
    work.notify_one();
  return true;
}

Store::Store(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Store::~Store() {
  {
    std::lock_guard lock(impl_->mutex);
    impl_->stopping = true;
  }
  impl_->work.notify_all();
  impl_->space.notify_all();
  if (impl_->thread.joinable())
    impl_->thread.join();
  // The writer thread is gone, so this thread may use its connection: refresh the planner's
  // statistics as SQLite recommends at close. Failure only costs query plans; ignore it.
  try {
    impl_->writer->exec("PRAGMA optimize");
  } catch (const std::exception&) {
  }
}

Result<std::unique_ptr<Store>> Store::open(const std::string& path, StoreOptions options) {
  if (path.empty())
    return common::unexpected(std::string("store: database path is empty"));
  if (options.queueCapacity == 0 || options.maxBatch == 0 || options.readConnections == 0 ||
      options.pruneBatch == 0)
    return common::unexpected(std::string(
        "store: queueCapacity, maxBatch, readConnections and pruneBatch must be at least 1"));
  constexpr auto kMaxWait = std::chrono::hours(24); // beyond this, deadlines would overflow
  if (options.maxBatchDelay < milliseconds(0) || options.maxBatchDelay > kMaxWait ||
      options.maxEnqueueWait < milliseconds(0) || options.maxEnqueueWait > kMaxWait ||
      options.busyTimeout < milliseconds(0) || options.busyTimeout > kMaxWait)
    return common::unexpected(std::string(
        "store: maxBatchDelay, maxEnqueueWait and busyTimeout must be between 0 and 24h"));
  try {
    makeDatabasePrivate(path);
    auto writer = std::make_unique<sqlite::Connection>(path, true);
    if (writer->readOnly())
      return common::unexpected(fmt::format("store: cannot open {}: the file is read-only", path));
    writer->exec(fmt::format("PRAGMA busy_timeout = {}", options.busyTimeout.count()));
    {
      // The first statement that reads the file: a corrupt or foreign file fails here.
      sqlite::Statement mode(*writer, "PRAGMA journal_mode = WAL");
      const std::string got = mode.step() ? mode.text(0) : std::string();
      if (got != "wal")
        return common::unexpected(fmt::format(
            "store: cannot open {}: WAL mode unavailable (journal mode is '{}')", path, got));
    }
    // A 64 MB page cache keeps the index pages of 10,000 servers hot for the writer; checkpoints
    // every 32 MB of WAL rather than 4 MB cut rewrites of the same pages; the WAL file is trimmed
    // back to 64 MB after a burst (a prune, a restart catch-up).
    writer->exec("PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; "
                 "PRAGMA cache_size = -65536; PRAGMA wal_autocheckpoint = 8192; "
                 "PRAGMA journal_size_limit = 67108864");
    auto migrated = migrate(*writer);
    if (!migrated)
      return common::unexpected(fmt::format("store: cannot open {}", migrated.error()));

    auto impl = std::make_unique<Impl>(path, options, std::move(writer));
    // Prove a reader can attach now rather than on the first page view.
    impl->readers.acquire();
    auto* raw = impl.get();
    impl->thread = std::thread([raw] { raw->run(); });
    return std::unique_ptr<Store>(new Store(std::move(impl)));
  } catch (const sqlite::Error& e) {
    if (isAccessError(e.code()))
      if (auto reason = diagnoseOpen(path))
        return common::unexpected(fmt::format("store: cannot open {}: {}", path, *reason));
    return common::unexpected(fmt::format("store: cannot open {}", e.what()));
  } catch (const std::exception& e) {
    return common::unexpected(fmt::format("store: cannot open {}", e.what()));
  }
}

bool Store::record(CheckRecord check) {
  return impl_->enqueue(WriteOp(std::move(check)));
}

bool Store::enqueue(WriteOp op) {
  return impl_->enqueue(std::move(op));
}

void Store::flush() {
  Submission s;
  s.barrier = true;
  // A closing store has already drained what was queued before; nothing left to wait for.
  (void)impl_->submitAndWait(std::move(s));
}

void Store::commitAsync(std::vector<WriteOp> ops, std::function<void(WriteResult)> done) {
  Submission s;
  s.group = std::move(ops);
  s.grouped = true;
  s.durable = true;
  s.done = done ? std::move(done) : [](WriteResult) {};
  if (!impl_->submit(s))
    s.done(common::unexpected(fmt::format("store: {} is closing", impl_->path)));
}

WriteResult Store::commitNow(std::vector<WriteOp> ops) {
  Submission s;
  s.group = std::move(ops);
  s.grouped = true;
  s.durable = true;
  return impl_->submitAndWait(std::move(s));
}

namespace {
std::vector<WriteOp> one(WriteOp op) {
  std::vector<WriteOp> v;
  v.push_back(std::move(op));
  return v;
}
} // namespace

WriteResult Store::putBaselineSync(BaselineRecord baseline) {
  return commitNow(one(std::move(baseline)));
}
WriteResult Store::setIncidentTitleSync(std::string id, std::string title) {
  return commitNow(
      one(CustomWrite{[id = std::move(id), title = std::move(title)](sqlite::Connection& c) {
        auto s = c.use("UPDATE incidents SET title = ?1 WHERE id = ?2");
        s->bind(1, title).bind(2, id);
        s->run();
        if (c.changes() == 0)
          throw std::runtime_error(fmt::format("incident {} not found", id));
      }}));
}

Result<std::int64_t> Store::addIncidentNoteSync(IncidentNote note) {
  auto id = std::make_shared<std::int64_t>(0);
  auto written = commitNow(one(CustomWrite{[note = std::move(note), id](sqlite::Connection& c) {
    auto count = c.use("SELECT (SELECT COUNT(*) FROM incidents WHERE id = ?1), "
                       "(SELECT COUNT(*) FROM incident_notes WHERE incident_id = ?1)");
    count->bind(1, note.incidentId);
    count->step();
    if (count->int64(0) == 0)
      throw std::runtime_error(fmt::format("incident {} not found", note.incidentId));
    if (static_cast<std::size_t>(count->int64(1)) >= kMaxIncidentNotes)
      throw std::runtime_error(
          fmt::format("incident {} has {} notes already", note.incidentId, kMaxIncidentNotes));
    auto s = c.use("INSERT INTO incident_notes (incident_id, at, text, public, author) "
                   "VALUES (?1, ?2, ?3, ?4, ?5) RETURNING id");
    s->bind(1, note.incidentId).bind(2, toMs(note.at)).bind(3, note.text);
    s->bind(4, note.isPublic).bind(5, note.author);
    if (!s->step())
      throw std::runtime_error("store: note insert returned no id");
    *id = s->int64(0);
  }}));
  if (!written)
    return common::unexpected(written.error());
  return *id;
}

WriteResult Store::putMaintenanceSync(MaintenanceRecord window) {
  return commitNow(one(std::move(window)));
}
WriteResult Store::endMaintenanceSync(std::string id, WallTime at) {
  return commitNow(one(EndMaintenance{std::move(id), at}));
}
WriteResult Store::deleteMaintenanceSync(std::string id) {
  return commitNow(one(DeleteMaintenance{std::move(id)}));
}

RetentionCutoffs retentionCutoffs(WallTime now, std::chrono::milliseconds raw,
                                  std::chrono::milliseconds rollups,
                                  std::chrono::milliseconds failures) {
  const auto hourly = std::min<std::chrono::milliseconds>(
      rollups, std::max<std::chrono::milliseconds>(raw, kHourlyRollupKeep));
  return RetentionCutoffs{now - raw, now - hourly, now - failures, now - rollups};
}

Result<PruneResult> Store::prune(WallTime cutoff) {
  return prune(RetentionCutoffs{cutoff, cutoff, cutoff, cutoff});
}

Result<PruneResult> Store::prune(const RetentionCutoffs& cutoffs,
                                 const std::function<void(const PruneResult&)>& afterBatch) {
  // Successful checks go at whole hours, so the raw horizon is hour-aligned and a partial hour at
  // the end of a read window is either complete in raw checks or not there at all.
  const std::int64_t rawMs = floorDiv(toMs(cutoffs.raw), kHourMs) * kHourMs;
  const std::int64_t failuresMs = toMs(cutoffs.failures);
  // Hourly rollups never go before the raw checks they summarise.
  const std::int64_t hourCut = std::min(floorDiv(toMs(cutoffs.hourly), kHourMs), rawMs / kHourMs);
  const std::int64_t rollupsMs = toMs(cutoffs.rollups);
  const std::int64_t dayCut = floorDiv(rollupsMs, kDayMs); // days wholly before the cutoff
  const auto batch = static_cast<std::int64_t>(std::max<std::size_t>(impl_->options.pruneBatch, 1));
  PruneResult result;

  // The horizons first, in their own transaction: from then on readers take windows older than
  // them from the rollups, so no read sees a half-pruned hour. They only ever move forward.
  {
    Submission s;
    s.grouped = true;
    s.group.push_back(CustomWrite{[&](sqlite::Connection& c) {
      auto st = c.use("INSERT INTO store_meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) "
                      "DO UPDATE SET value = max(value, excluded.value)");
      st->bind(1, "raw_horizon").bind(2, rawMs);
      st->run();
      st->bind(1, "hour_horizon").bind(2, hourCut * kHourMs);
      st->run();
    }});
    if (auto r = impl_->submitAndWait(std::move(s)); !r)
      return common::unexpected(fmt::format("{} (prune)", r.error()));
  }

  // Each step is its own small transaction queued like any write, so checks recorded meanwhile
  // are committed between steps.
  auto drain = [&](std::string_view deleteSql, std::int64_t bound,
                   std::int64_t& counter) -> WriteResult {
    for (;;) {
      std::int64_t deleted = 0;
      Submission s;
      s.grouped = true;
      s.group.push_back(CustomWrite{[&](sqlite::Connection& c) {
        auto st = c.use(deleteSql);
        st->bind(1, bound).bind(2, batch);
        st->run();
        deleted = c.changes();
      }});
      auto r = impl_->submitAndWait(std::move(s));
      if (!r)
        return r;
      counter += deleted;
      ++result.batches;
      if (afterBatch)
        afterBatch(result);
      if (deleted < batch)
        return std::monostate{};
    }
  };

  // Checks are clustered by (server, at) and the rollups by (slug, hour/day), none with a time
  // index (migration 5): they are deleted server by server, each server's oldest rows first. One
  // transaction deletes at most `batch` rows and looks at no more than kServersPerBatch servers
  // (the ok = 1 delete steps over the failed checks kept longer, and the other way round).
  constexpr std::size_t kServersPerBatch = 256;
  auto servers = impl_->read([](sqlite::Connection& c) {
    std::vector<std::pair<std::int64_t, std::string>> out;
    auto s = c.use("SELECT id, slug FROM servers ORDER BY id");
    while (s->step())
      out.emplace_back(s->int64(0), s->text(1));
    return out;
  });
  if (!servers)
    return common::unexpected(fmt::format("{} (prune)", servers.error()));
  // `deleteSql` binds ?1 the server (its id, or its slug when bySlug), ?2 the bound, ?3 a limit.
  auto drainPerServer = [&](std::string_view deleteSql, bool bySlug, std::int64_t bound,
                            std::int64_t& counter) -> WriteResult {
    std::size_t next = 0;
    while (next < servers->size()) {
      std::int64_t deleted = 0;
      Submission s;
      s.grouped = true;
      s.group.push_back(CustomWrite{[&](sqlite::Connection& c) {
        auto st = c.use(deleteSql);
        for (std::size_t seen = 0;
             next < servers->size() && seen < kServersPerBatch && deleted < batch; ++seen) {
          const std::int64_t room = batch - deleted;
          const auto& [id, slug] = (*servers)[next];
          st->reset();
          if (bySlug)
            st->bind(1, slug);
          else
            st->bind(1, id);
          st->bind(2, bound).bind(3, room);
          st->run();
          const std::int64_t n = c.changes();
          deleted += n;
          if (n < room)
            ++next; // this server is done
        }
      }});
      if (auto r = impl_->submitAndWait(std::move(s)); !r)
        return r;
      counter += deleted;
      ++result.batches;
      if (afterBatch)
        afterBatch(result);
    }
    return std::monostate{};
  };

  std::int64_t okChecks = 0;
  struct PerServerStep {
    std::string_view sql;
    bool bySlug;
    std::int64_t bound;
    std::int64_t* counter;
  };
  const PerServerStep perServer[] = {
      {"DELETE FROM checks WHERE (server, at, seq) IN (SELECT server, at, seq FROM checks "
       "WHERE server = ?1 AND at < ?2 AND ok = 1 LIMIT ?3)",
       false, rawMs, &okChecks},
      {"DELETE FROM checks WHERE (server, at, seq) IN (SELECT server, at, seq FROM checks "
       "WHERE server = ?1 AND at < ?2 AND ok = 0 LIMIT ?3)",
       false, failuresMs, &result.failedChecks},
      {"DELETE FROM check_hours WHERE (slug, hour) IN (SELECT slug, hour FROM check_hours "
       "WHERE slug = ?1 AND hour < ?2 LIMIT ?3)",
       true, hourCut, &result.rollupRows},
      {"DELETE FROM check_days WHERE (slug, day) IN (SELECT slug, day FROM check_days "
       "WHERE slug = ?1 AND day < ?2 LIMIT ?3)",
       true, dayCut, &result.rollupRows},
      {"DELETE FROM check_day_reasons WHERE (slug, day, reason) IN (SELECT slug, day, reason "
       "FROM check_day_reasons WHERE slug = ?1 AND day < ?2 LIMIT ?3)",
       true, dayCut, &result.rollupRows},
  };
  for (const auto& step : perServer) {
    auto r = drainPerServer(step.sql, step.bySlug, step.bound, *step.counter);
    result.checks = okChecks + result.failedChecks;
    if (!r)
      return common::unexpected(fmt::format("{} (prune)", r.error()));
  }

  struct Step {
    std::string_view sql;
    std::int64_t bound;
    std::int64_t* counter;
  };
  const Step steps[] = {
      {"DELETE FROM schema_changes WHERE id IN "
       "(SELECT id FROM schema_changes WHERE at < ?1 ORDER BY at LIMIT ?2)",
       failuresMs, &result.schemaChanges},
      {"DELETE FROM incidents WHERE id IN (SELECT id FROM incidents "
       "WHERE closed_at IS NOT NULL AND closed_at < ?1 LIMIT ?2)",
       failuresMs, &result.incidents},
      {"DELETE FROM maintenance WHERE id IN "
       "(SELECT id FROM maintenance WHERE end_at < ?1 LIMIT ?2)",
       rollupsMs, &result.maintenance},
  };
  for (const auto& step : steps) {
    auto r = drain(step.sql, step.bound, *step.counter);
    if (!r)
      return common::unexpected(fmt::format("{} (prune)", r.error()));
  }
  return result;
}

Result<std::optional<CheckRecord>> Store::latestCheck(const std::string& slug) {
  return impl_->read([&](sqlite::Connection& c) -> std::optional<CheckRecord> {
    const auto server = serverId(c, slug);
    if (!server)
      return std::nullopt;
    auto s = c.use(sql("SELECT ", kCheckColumns,
                       " WHERE c.server = ?1 ORDER BY c.at DESC, c.seq DESC LIMIT 1"));
    s->bind(1, *server);
    if (!s->step())
      return std::nullopt;
    return readCheck(*s);
  });
}

Result<std::vector<CheckRecord>> Store::latestChecks() {
  return impl_->read([&](sqlite::Connection& c) {
    std::vector<CheckRecord> out;
    // One seek per known server (in slug order through the slug index), not a scan of the checks.
    std::vector<std::int64_t> servers;
    {
      auto s = c.use("SELECT id FROM servers ORDER BY slug");
      while (s->step())
        servers.push_back(s->int64(0));
    }
    auto s = c.use(sql("SELECT ", kCheckColumns,
                       " WHERE c.server = ?1 ORDER BY c.at DESC, c.seq DESC LIMIT 1"));
    for (const auto server : servers) {
      s->reset();
      s->bind(1, server);
      if (s->step())
        out.push_back(readCheck(*s));
    }
    return out;
  });
}

Result<std::vector<CheckRecord>> Store::checksSince(const std::string& slug, WallTime since,
                                                    std::size_t limit, bool failuresOnly) {
  return impl_->read([&](sqlite::Connection& c) {
    std::vector<CheckRecord> out;
    const auto server = serverId(c, slug);
    if (!server)
      return out;
    auto s = c.use(sql("SELECT ", kCheckColumns,
                       " WHERE c.server = ?1 AND c.at >= ?2 AND (?3 = 0 OR c.ok = 0) "
                       "ORDER BY c.at DESC, c.seq DESC LIMIT ?4"));
    s->bind(1, *server).bind(2, toMs(since)).bind(3, failuresOnly).bind(4, clampLimit(limit));
    while (s->step())
      out.push_back(readCheck(*s));
    return out;
  });
}

namespace {

constexpr std::int64_t kNoHorizon = INT64_MIN;

// Where successful raw checks (raw_horizon) and hourly rollups (hour_horizon) stop being complete:
// everything before them was pruned (milliseconds, hour-aligned).
struct Horizons {
  std::int64_t raw = kNoHorizon;
  std::int64_t hour = kNoHorizon;
};

Horizons readHorizons(sqlite::Connection& c) {
  Horizons h;
  auto s = c.use("SELECT key, value FROM store_meta WHERE key IN ('raw_horizon', 'hour_horizon')");
  while (s->step())
    (s->text(0) == "raw_horizon" ? h.raw : h.hour) = s->int64(1);
  return h;
}

// The nearest multiple of `unit` (halves round up).
std::int64_t roundTo(std::int64_t ms, std::int64_t unit) {
  return floorDiv(ms + unit / 2, unit) * unit;
}

// A window end older than a horizon moves to the nearest boundary the surviving data has.
std::int64_t snapToData(std::int64_t ms, const Horizons& h) {
  if (ms < h.raw)
    ms = roundTo(ms, kHourMs);
  if (ms < h.hour)
    ms = roundTo(ms, kDayMs);
  return ms;
}

} // namespace

Result<UptimeSummary> Store::uptime(const std::string& slug, WallTime from, WallTime to) {
  return impl_->read([&](sqlite::Connection& c) {
    UptimeSummary sum;
    const Horizons horizons = readHorizons(c);
    const std::int64_t startMs = snapToData(toMs(from), horizons);
    const std::int64_t endMs = snapToData(toMs(to), horizons);
    if (endMs <= startMs)
      return sum;
    const auto server = serverId(c, slug);
    auto raw = [&](std::int64_t a, std::int64_t b) {
      if (b <= a || !server)
        return;
      auto s = c.use("SELECT count(*), coalesce(sum(ok), 0) FROM checks "
                     "WHERE server = ?1 AND at >= ?2 AND at < ?3");
      s->bind(1, *server).bind(2, a).bind(3, b);
      if (s->step()) {
        sum.checks += s->int64(0);
        sum.ok += s->int64(1);
      }
    };
    auto rollup = [&](std::string_view query, std::int64_t a, std::int64_t b) {
      if (b <= a)
        return;
      auto s = c.use(query);
      s->bind(1, slug).bind(2, a).bind(3, b);
      if (s->step()) {
        sum.checks += s->int64(0);
        sum.ok += s->int64(1);
      }
    };
    auto hours = [&](std::int64_t a, std::int64_t b) {
      rollup("SELECT coalesce(sum(checks), 0), coalesce(sum(ok), 0) FROM check_hours "
             "WHERE slug = ?1 AND hour >= ?2 AND hour < ?3",
             a, b);
    };
    auto days = [&](std::int64_t a, std::int64_t b) {
      rollup("SELECT coalesce(sum(checks), 0), coalesce(sum(ok), 0) FROM check_days "
             "WHERE slug = ?1 AND day >= ?2 AND day < ?3",
             a, b);
    };
    // Coarsest pieces in the middle: raw checks for the partial hours at the ends, hourly rollups
    // up to the first and from the last whole day, daily rollups in between.
    const std::int64_t h0 = ceilDiv(startMs, kHourMs);
    const std::int64_t h1 = floorDiv(endMs, kHourMs);
    if (h0 >= h1) {
      raw(startMs, endMs);
      return sum;
    }
    raw(startMs, h0 * kHourMs);
    raw(h1 * kHourMs, endMs);
    constexpr std::int64_t kHoursPerDay = kDayMs / kHourMs;
    const std::int64_t d0 = ceilDiv(h0, kHoursPerDay);
    const std::int64_t d1 = floorDiv(h1, kHoursPerDay);
    if (d0 >= d1) {
      hours(h0, h1);
      return sum;
    }
    hours(h0, d0 * kHoursPerDay);
    days(d0, d1);
    hours(d1 * kHoursPerDay, h1);
    return sum;
  });
}

Result<std::vector<DaySummary>> Store::dailySummary(const std::string& slug, int days,
                                                    WallTime now) {
  if (days <= 0 || days > 3660)
    return common::unexpected(fmt::format("store: days must be 1..3660, got {}", days));
  const std::int64_t today = floorDiv(toMs(now), kDayMs);
  const std::int64_t first = today - days + 1;
  return impl_->read([&](sqlite::Connection& c) {
    std::vector<DaySummary> out(static_cast<std::size_t>(days));
    for (int i = 0; i < days; ++i)
      out[static_cast<std::size_t>(i)].day = fromMs((first + i) * kDayMs);
    {
      auto s = c.use("SELECT day, checks, ok, latency_sum, latency_count FROM check_days "
                     "WHERE slug = ?1 AND day >= ?2 AND day <= ?3");
      s->bind(1, slug).bind(2, first).bind(3, today);
      while (s->step()) {
        auto& d = out[static_cast<std::size_t>(s->int64(0) - first)];
        d.checks = s->int64(1);
        d.ok = s->int64(2);
        if (s->int64(4) > 0)
          d.avgLatencyMs = s->real(3) / static_cast<double>(s->int64(4));
      }
    }
    // Rows come ordered by (day, reason), so a strict '>' keeps the alphabetically first on ties.
    std::vector<std::int64_t> best(out.size(), 0);
    auto s = c.use("SELECT day, reason, failures FROM check_day_reasons "
                   "WHERE slug = ?1 AND day >= ?2 AND day <= ?3 ORDER BY day, reason");
    s->bind(1, slug).bind(2, first).bind(3, today);
    while (s->step()) {
      const auto i = static_cast<std::size_t>(s->int64(0) - first);
      if (s->int64(2) > best[i]) {
        best[i] = s->int64(2);
        out[i].worstReason = s->text(1);
      }
    }
    return out;
  });
}

Result<std::vector<LatencyPoint>> Store::latencySeries(const std::string& slug, WallTime from,
                                                       WallTime to,
                                                       std::chrono::milliseconds bucket) {
  if (bucket.count() <= 0)
    return common::unexpected(std::string("store: latency bucket must be positive"));
  const std::int64_t startMs = toMs(from);
  const std::int64_t endMs = toMs(to);
  const auto width = static_cast<std::int64_t>(bucket.count());
  return impl_->read([&](sqlite::Connection& c) {
    std::vector<LatencyPoint> out;
    // Raw checks from the raw horizon on (exactly as before pruning existed), hourly rollups
    // before it.
    const std::int64_t split = std::clamp(readHorizons(c).raw, startMs, std::max(startMs, endMs));
    struct Acc {
      double sum = 0;
      std::int64_t count = 0;
      std::optional<double> rawAvg; // the mean of a bucket that only raw checks fill
    };
    std::map<std::int64_t, Acc> buckets;
    if (split > startMs) {
      auto s = c.use("SELECT hour, latency_sum, latency_count FROM check_hours "
                     "WHERE slug = ?1 AND hour >= ?2 AND hour < ?3 AND latency_count > 0 "
                     "ORDER BY hour");
      s->bind(1, slug).bind(2, ceilDiv(startMs, kHourMs)).bind(3, ceilDiv(split, kHourMs));
      while (s->step()) {
        auto& acc = buckets[(s->int64(0) * kHourMs - startMs) / width];
        acc.sum += s->real(1);
        acc.count += s->int64(2);
      }
    }
    const auto server = serverId(c, slug);
    auto s = c.use("SELECT (at - ?1) / ?2 AS b, sum(total_us), count(*) FROM checks "
                   "WHERE server = ?3 AND at >= ?5 AND at < ?4 AND ok = 1 AND total_us IS NOT NULL "
                   "GROUP BY b ORDER BY b");
    s->bind(1, startMs).bind(2, width).bind(3, server.value_or(-1)).bind(4, endMs).bind(5, split);
    while (s->step()) {
      auto& acc = buckets[s->int64(0)];
      // Microseconds sum exactly; the mean is rounded once.
      const double sumMs = static_cast<double>(s->int64(1)) / 1000.0;
      const auto n = s->int64(2);
      if (acc.count == 0)
        acc.rawAvg = static_cast<double>(s->int64(1)) / static_cast<double>(n) / 1000.0;
      acc.sum += sumMs;
      acc.count += n;
    }
    for (const auto& [k, acc] : buckets) {
      // A bucket filled by raw checks alone (hours come first) keeps the exact mean of its
      // microseconds.
      out.push_back(LatencyPoint{
          fromMs(startMs + k * width),
          acc.rawAvg ? *acc.rawAvg : acc.sum / static_cast<double>(acc.count), acc.count});
    }
    return out;
  });
}

Result<std::vector<IncidentRecord>> Store::openIncidents() {
  return impl_->read([&](sqlite::Connection& c) {
    std::vector<IncidentRecord> out;
    auto s = c.use(sql("SELECT ", kIncidentColumns,
                       " FROM incidents WHERE closed_at IS NULL ORDER BY opened_at, id"));
    while (s->step())
      out.push_back(readIncident(*s));
    return out;
  });
}

Result<std::optional<IncidentRecord>> Store::incident(const std::string& id) {
  return impl_->read([&](sqlite::Connection& c) -> std::optional<IncidentRecord> {
    auto s = c.use(sql("SELECT ", kIncidentColumns, " FROM incidents WHERE id = ?1"));
    s->bind(1, id);
    if (!s->step())
      return std::nullopt;
    return readIncident(*s);
  });
}

Result<std::vector<IncidentNote>> Store::incidentNotes(const std::string& incidentId) {
  return impl_->read([&](sqlite::Connection& c) {
    std::vector<IncidentNote> notes;
    auto s = c.use("SELECT id, incident_id, at, text, public, author FROM incident_notes "
                   "WHERE incident_id = ?1 ORDER BY at, id");
    s->bind(1, incidentId);
    while (s->step()) {
      IncidentNote n;
      n.id = s->int64(0);
      n.incidentId = s->text(1);
      n.at = fromMs(s->int64(2));
      n.text = s->text(3);
      n.isPublic = s->int64(4) != 0;
      n.author = s->text(5);
      notes.push_back(std::move(n));
    }
    return notes;
  });
}

Result<std::vector<IncidentRecord>> Store::incidentsOf(const std::string& slug, std::size_t limit,
                                                       std::size_t offset) {
  return impl_->read([&](sqlite::Connection& c) {
    std::vector<IncidentRecord> out;
    auto s = c.use(sql("SELECT ", kIncidentColumns,
                       " FROM incidents WHERE slug = ?1 ORDER BY opened_at DESC, id DESC "
                       "LIMIT ?2 OFFSET ?3"));
    s->bind(1, slug).bind(2, clampLimit(limit)).bind(3, clampLimit(offset));
    while (s->step())
      out.push_back(readIncident(*s));
    return out;
  });
}

Result<std::vector<IncidentRecord>> Store::allIncidents(std::size_t limit, std::size_t offset) {
  return impl_->read([&](sqlite::Connection& c) {
    std::vector<IncidentRecord> out;
    auto s = c.use(sql("SELECT ", kIncidentColumns,
                       " FROM incidents ORDER BY opened_at DESC, id DESC LIMIT ?1 OFFSET ?2"));
    s->bind(1, clampLimit(limit)).bind(2, clampLimit(offset));
    while (s->step())
      out.push_back(readIncident(*s));
    return out;
  });
}

Result<std::vector<ServerStateRecord>> Store::loadServerStates() {
  return impl_->read([&](sqlite::Connection& c) {
    std::vector<ServerStateRecord> out;
    auto s = c.use("SELECT slug, state, updated_at FROM server_state ORDER BY slug");
    while (s->step())
      out.push_back(ServerStateRecord{s->text(0), s->text(1), fromMs(s->int64(2))});
    return out;
  });
}

Result<std::optional<BaselineRecord>> Store::baseline(const std::string& slug) {
  return impl_->read([&](sqlite::Connection& c) -> std::optional<BaselineRecord> {
    auto s = c.use(sql("SELECT ", kBaselineColumns, " FROM baselines WHERE slug = ?1"));
    s->bind(1, slug);
    if (!s->step())
      return std::nullopt;
    return readBaseline(*s);
  });
}

Result<std::vector<BaselineRecord>> Store::baselineFingerprints() {
  return impl_->read([&](sqlite::Connection& c) {
    std::vector<BaselineRecord> out;
    auto s = c.use("SELECT slug, fingerprint, accepted_at, pinned FROM baselines ORDER BY slug");
    while (s->step())
      out.push_back(
          BaselineRecord{s->text(0), s->text(1), "", fromMs(s->int64(2)), s->int64(3) != 0});
    return out;
  });
}

Result<std::vector<BaselineRecord>> Store::baselines() {
  return impl_->read([&](sqlite::Connection& c) {
    std::vector<BaselineRecord> out;
    auto s = c.use(sql("SELECT ", kBaselineColumns, " FROM baselines ORDER BY slug"));
    while (s->step())
      out.push_back(readBaseline(*s));
    return out;
  });
}

Result<std::vector<SchemaChangeRecord>> Store::schemaChanges(const std::optional<std::string>& slug,
                                                             std::size_t limit) {
  return impl_->read([&](sqlite::Connection& c) {
    std::vector<SchemaChangeRecord> out;
    auto s = c.use("SELECT id, slug, at, old_fingerprint, new_fingerprint, diff FROM "
                   "schema_changes WHERE ?1 IS NULL OR slug = ?1 ORDER BY at DESC, id DESC "
                   "LIMIT ?2");
    s->bind(1, slug).bind(2, clampLimit(limit));
    while (s->step())
      out.push_back(SchemaChangeRecord{s->int64(0), s->text(1), fromMs(s->int64(2)), s->text(3),
                                       s->text(4), s->text(5)});
    return out;
  });
}

Result<std::vector<MaintenanceRecord>> Store::maintenanceWindows() {
  return impl_->read([&](sqlite::Connection& c) {
    std::vector<MaintenanceRecord> out;
    auto s = c.use(sql("SELECT ", kMaintenanceColumns, " FROM maintenance ORDER BY start_at, id"));
    while (s->step())
      out.push_back(readMaintenance(*s));
    return out;
  });
}

Result<std::vector<MaintenanceRecord>> Store::activeMaintenance(WallTime now) {
  return impl_->read([&](sqlite::Connection& c) {
    std::vector<MaintenanceRecord> out;
    auto s = c.use(sql("SELECT ", kMaintenanceColumns,
                       " FROM maintenance WHERE start_at <= ?1 AND end_at > ?1 "
                       "ORDER BY start_at, id"));
    s->bind(1, toMs(now));
    while (s->step())
      out.push_back(readMaintenance(*s));
    return out;
  });
}

WriteResult Store::read(const std::function<void(sqlite::Connection&)>& fn) {
  return impl_->read([&](sqlite::Connection& c) {
    fn(c);
    return std::monostate{};
  });
}

StoreStats Store::stats() const {
  StoreStats st;
  st.committed = impl_->committed.load();
  st.failed = impl_->failed.load();
  st.dropped = impl_->dropped.load();
  st.batches = impl_->batches.load();
  std::lock_guard lock(impl_->mutex);
  st.queueDepth = impl_->queue.size();
  return st;
}

const std::string& Store::path() const {
  return impl_->path;
}

} // namespace mcpwatch::store
