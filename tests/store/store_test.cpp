// Unit tests for the SQLite store: opening and migrations, every table's writes and reads, exact
// query results, prune, flush and queue semantics, and concurrent writers.
#include "store/migrations.hpp"
#include "store/sqlite.hpp"
#include "store/store.hpp"

#include <atomic>
#include <cstdlib>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <future>
#include <gtest/gtest.h>
#include <linux/fs.h>
#include <random>
#include <set>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

using namespace mcpwatch::store;
using namespace std::chrono_literals;
namespace fs = std::filesystem;
using std::chrono::milliseconds;

namespace {

// One write, committed durably (as the daemon's commit path does).
WriteResult commitOne(Store& store, WriteOp op) {
  std::vector<WriteOp> ops;
  ops.push_back(std::move(op));
  return store.commitNow(std::move(ops));
}

const WallTime kDay0 = std::chrono::sys_days{std::chrono::year{2026} / 11 / 20};

class TempDir {
public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "mcpwatch-store-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr)
      throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  fs::path file(const std::string& name) const { return path_ / name; }
  const fs::path& path() const { return path_; }

private:
  fs::path path_;
};

// Makes a file or directory unwritable even for root: mode 0555/0444 stops ordinary users and
// the immutable attribute stops root (CAP_LINUX_IMMUTABLE). Undone in the destructor.
class ReadOnly {
public:
  explicit ReadOnly(const fs::path& p) : path_(p) {
    fs::permissions(p, fs::perms::owner_write | fs::perms::group_write | fs::perms::others_write,
                    fs::perm_options::remove);
    immutable_ = setImmutable(true);
  }
  ~ReadOnly() {
    if (immutable_)
      setImmutable(false);
    std::error_code ec;
    fs::permissions(path_, fs::perms::owner_write, fs::perm_options::add, ec);
  }

private:
  bool setImmutable(bool on) {
    int fd = ::open(path_.c_str(), O_RDONLY | O_NONBLOCK);
    if (fd < 0)
      return false;
    int flags = 0;
    bool done = false;
    if (::ioctl(fd, FS_IOC_GETFLAGS, &flags) == 0) {
      flags = on ? (flags | FS_IMMUTABLE_FL) : (flags & ~FS_IMMUTABLE_FL);
      done = ::ioctl(fd, FS_IOC_SETFLAGS, &flags) == 0;
    }
    ::close(fd);
    return done;
  }

  fs::path path_;
  bool immutable_ = false;
};

bool canCreateIn(const fs::path& dir) {
  auto probe = dir / "probe";
  int fd = ::open(probe.c_str(), O_CREAT | O_WRONLY, 0644);
  if (fd < 0)
    return false;
  ::close(fd);
  ::unlink(probe.c_str());
  return true;
}

bool canWrite(const fs::path& file) {
  int fd = ::open(file.c_str(), O_WRONLY);
  if (fd < 0)
    return false;
  ::close(fd);
  return true;
}

std::unique_ptr<Store> openOrDie(const fs::path& p, StoreOptions o = {}) {
  auto s = Store::open(p.string(), o);
  if (!s)
    throw std::runtime_error(s.error());
  return std::move(s).value();
}

CheckRecord check(std::string slug, WallTime at, bool ok, std::string reason = {},
                  std::optional<double> totalMs = std::nullopt) {
  CheckRecord c;
  c.slug = std::move(slug);
  c.at = at;
  c.ok = ok;
  c.reason = ok ? std::string() : (reason.empty() ? std::string("timeout") : reason);
  c.totalMs = totalMs;
  return c;
}

std::int64_t countRows(Store& store, const std::string& table) {
  std::int64_t n = -1;
  auto r =
      store.read([&](sqlite::Connection& c) { n = c.queryInt("SELECT count(*) FROM " + table); });
  EXPECT_TRUE(r) << (r ? "" : r.error());
  return n;
}

class StoreTest : public ::testing::Test {
protected:
  TempDir dir_;
  fs::path db_ = dir_.file("mcpwatch.db");
};

} // namespace

// --- Opening and migrations ---

TEST(Migrations, VersionsAreConsecutiveFromOne) {
  int expected = 1;
  for (const auto& m : migrations()) {
    EXPECT_EQ(m.version, expected++);
    EXPECT_FALSE(m.sql.empty());
  }
  EXPECT_EQ(latestSchemaVersion(), expected - 1);
}

TEST_F(StoreTest, MigratesEmptyFileToLatestInWalMode) {
  auto store = openOrDie(db_);
  std::set<std::string> tables;
  std::int64_t version = 0;
  std::string mode;
  auto r = store->read([&](sqlite::Connection& c) {
    version = c.queryInt("PRAGMA user_version");
    sqlite::Statement s(c, "SELECT name FROM sqlite_master WHERE type = 'table'");
    while (s.step())
      tables.insert(s.text(0));
    sqlite::Statement m(c, "PRAGMA journal_mode");
    ASSERT_TRUE(m.step());
    mode = m.text(0);
  });
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(version, latestSchemaVersion());
  EXPECT_EQ(mode, "wal");
  for (auto t : {"checks", "check_days", "check_day_reasons", "server_state", "incidents",
                 "baselines", "schema_changes", "maintenance"})
    EXPECT_TRUE(tables.count(t)) << t;
}

TEST_F(StoreTest, ReopenKeepsDataAndVersion) {
  {
    auto store = openOrDie(db_);
    ASSERT_TRUE(store->record(check("a", kDay0 + 1s, true)));
    ASSERT_TRUE(commitOne(*store, ServerStateRecord{"a", R"({"state":"up"})", kDay0 + 2s}));
  }
  auto store = openOrDie(db_);
  auto latest = store->latestCheck("a");
  ASSERT_TRUE(latest);
  ASSERT_TRUE(latest->has_value());
  EXPECT_EQ((*latest)->at, kDay0 + 1s);
  auto states = store->loadServerStates();
  ASSERT_TRUE(states);
  ASSERT_EQ(states->size(), 1u);
  EXPECT_EQ((*states)[0].stateJson, R"({"state":"up"})");
  std::int64_t version = 0;
  ASSERT_TRUE(
      store->read([&](sqlite::Connection& c) { version = c.queryInt("PRAGMA user_version"); }));
  EXPECT_EQ(version, latestSchemaVersion());
}

TEST_F(StoreTest, NewerSchemaVersionIsRefused) {
  {
    sqlite::Connection c(db_.string(), true);
    c.exec("PRAGMA user_version = " + std::to_string(latestSchemaVersion() + 1));
  }
  auto store = Store::open(db_.string());
  ASSERT_FALSE(store);
  EXPECT_NE(store.error().find(db_.string()), std::string::npos) << store.error();
  EXPECT_NE(store.error().find("newer than this mcpwatch supports"), std::string::npos)
      << store.error();
  EXPECT_EQ(store.error().find('\n'), std::string::npos);
}

TEST_F(StoreTest, CorruptFileIsRefusedWithReason) {
  {
    std::ofstream out(db_, std::ios::binary);
    for (int i = 0; i < 512; ++i)
      out << "this is not a database file ";
  }
  auto store = Store::open(db_.string());
  ASSERT_FALSE(store);
  EXPECT_NE(store.error().find(db_.string()), std::string::npos) << store.error();
  EXPECT_NE(store.error().find("file is not a database"), std::string::npos) << store.error();
}

TEST_F(StoreTest, UnwritableDirectoryIsRefusedWithReason) {
  auto sub = dir_.file("locked");
  fs::create_directory(sub);
  ReadOnly guard(sub);
  if (canCreateIn(sub))
    GTEST_SKIP() << "cannot make a directory read-only here (no immutable attribute support)";
  auto path = (sub / "mcpwatch.db").string();
  auto store = Store::open(path);
  ASSERT_FALSE(store);
  EXPECT_NE(store.error().find(path), std::string::npos) << store.error();
  EXPECT_NE(store.error().find("directory " + sub.string() + " is not writable"), std::string::npos)
      << store.error();
  EXPECT_EQ(store.error().find('\n'), std::string::npos);
}

TEST_F(StoreTest, ExistingDatabaseInUnwritableDirectoryIsRefused) {
  auto sub = dir_.file("locked");
  fs::create_directory(sub);
  auto path = sub / "mcpwatch.db";
  openOrDie(path).reset(); // closing checkpoints and removes the -wal and -shm files
  ReadOnly guard(sub);
  if (canCreateIn(sub))
    GTEST_SKIP() << "cannot make a directory read-only here (no immutable attribute support)";
  auto store = Store::open(path.string());
  ASSERT_FALSE(store);
  EXPECT_NE(store.error().find("is not writable"), std::string::npos) << store.error();
}

TEST_F(StoreTest, MissingDirectoryIsRefusedWithReason) {
  auto path = dir_.file("nope") / "mcpwatch.db";
  auto store = Store::open(path.string());
  ASSERT_FALSE(store);
  EXPECT_NE(store.error().find("does not exist"), std::string::npos) << store.error();
}

TEST_F(StoreTest, ReadOnlyFileIsRefusedWithReason) {
  openOrDie(db_).reset();
  ReadOnly guard(db_);
  if (canWrite(db_))
    GTEST_SKIP() << "cannot make a file read-only here (no immutable attribute support)";
  auto store = Store::open(db_.string());
  ASSERT_FALSE(store);
  EXPECT_NE(store.error().find(db_.string()), std::string::npos) << store.error();
  EXPECT_NE(store.error().find("read-only"), std::string::npos) << store.error();
}

// The outbox holds routing keys and webhook secrets: the database, its -wal and its -shm must
// never be readable by others, not even for a moment after creation.
mode_t modeOf(const fs::path& p) {
  struct stat st {};
  if (::stat(p.c_str(), &st) != 0)
    return 07777; // "missing" never equals a real mode
  return st.st_mode & 0777;
}

// Restores the process umask when the test ends.
class Umask {
public:
  explicit Umask(mode_t mask) : old_(::umask(mask)) {}
  ~Umask() { ::umask(old_); }

private:
  mode_t old_;
};

TEST_F(StoreTest, DatabaseWalAndShmAreCreatedPrivate) {
  Umask permissive(022); // what most services run with: SQLite alone would create 0644 files
  auto store = openOrDie(db_);
  ASSERT_TRUE(store->commitNow({check("a", kDay0, true)}));
  const fs::path wal = db_.string() + "-wal";
  const fs::path shm = db_.string() + "-shm";
  ASSERT_TRUE(fs::exists(wal));
  ASSERT_TRUE(fs::exists(shm));
  EXPECT_EQ(modeOf(db_), 0600u);
  EXPECT_EQ(modeOf(wal), 0600u);
  EXPECT_EQ(modeOf(shm), 0600u);
  // A reader connection creates nothing readable either.
  EXPECT_EQ(countRows(*store, "checks"), 1);
  EXPECT_EQ(modeOf(shm), 0600u);
}

TEST_F(StoreTest, FilesLeftReadableByOthersAreTightenedAtOpen) {
  Umask permissive(022);
  // A database written by an older version: 0644 files, with -wal and -shm present (another
  // connection still has it open, as after a crash).
  sqlite::Connection old(db_.string(), true);
  old.exec("PRAGMA journal_mode = WAL; CREATE TABLE t (x); INSERT INTO t VALUES (1)");
  const fs::path wal = db_.string() + "-wal";
  const fs::path shm = db_.string() + "-shm";
  ASSERT_TRUE(fs::exists(wal) && fs::exists(shm));
  for (const auto& p : {db_, wal, shm})
    ASSERT_EQ(::chmod(p.c_str(), 0644), 0);
  auto store = openOrDie(db_);
  EXPECT_EQ(modeOf(db_), 0600u);
  EXPECT_EQ(modeOf(wal), 0600u);
  EXPECT_EQ(modeOf(shm), 0600u);
}

TEST(StoreOpen, EmptyPathIsRefused) {
  auto store = Store::open("");
  ASSERT_FALSE(store);
  EXPECT_NE(store.error().find("empty"), std::string::npos);
}

// --- Checks ---

TEST_F(StoreTest, CheckRoundTripsEveryField) {
  auto store = openOrDie(db_);
  CheckRecord full;
  full.slug = "github-mcp";
  full.at = kDay0 + 1234ms;
  full.ok = false;
  full.reason = "jsonrpc_error";
  full.detail = "method not found \"tools/list\" ü";
  full.httpStatus = 200;
  full.jsonrpcCode = -32601;
  full.dnsMs = 0.5;
  full.connectMs = 1.25;
  full.tlsMs = 3.0;
  full.handshakeMs = 4.5;
  full.toolsListMs = 2.0;
  full.totalMs = 11.25;
  full.protocolVersion = "2025-11-25";
  full.fingerprint = "sha256:abc";
  full.toolCount = 13;
  full.era = "modern";
  full.transport = "streamable-http";
  CheckRecord minimal = check("bare", kDay0 + 5s, true);
  ASSERT_TRUE(store->record(full));
  ASSERT_TRUE(store->record(minimal));
  store->flush();
  auto a = store->latestCheck("github-mcp");
  ASSERT_TRUE(a && a->has_value());
  EXPECT_EQ(**a, full);
  auto b = store->latestCheck("bare");
  ASSERT_TRUE(b && b->has_value());
  EXPECT_EQ(**b, minimal);
  auto none = store->latestCheck("nope");
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->has_value());
}

TEST_F(StoreTest, LatestChecksGivesNewestPerServer) {
  auto store = openOrDie(db_);
  for (int i = 0; i < 5; ++i)
    for (std::string slug : {"c", "a", "b"})
      store->record(check(slug, kDay0 + std::chrono::minutes(i), i % 2 == 0));
  store->flush();
  auto latest = store->latestChecks();
  ASSERT_TRUE(latest) << latest.error();
  ASSERT_EQ(latest->size(), 3u);
  EXPECT_EQ((*latest)[0].slug, "a");
  EXPECT_EQ((*latest)[1].slug, "b");
  EXPECT_EQ((*latest)[2].slug, "c");
  for (const auto& c : *latest) {
    EXPECT_EQ(c.at, kDay0 + 4min);
    EXPECT_TRUE(c.ok);
  }
}

TEST_F(StoreTest, ChecksSinceIsNewestFirstLimitedAndFilterable) {
  auto store = openOrDie(db_);
  for (int i = 0; i < 10; ++i)
    store->record(check("a", kDay0 + std::chrono::minutes(i), i % 3 != 0));
  store->record(check("other", kDay0 + 5min, false));
  store->flush();
  auto recent = store->checksSince("a", kDay0 + 4min, 3);
  ASSERT_TRUE(recent);
  ASSERT_EQ(recent->size(), 3u);
  EXPECT_EQ((*recent)[0].at, kDay0 + 9min);
  EXPECT_EQ((*recent)[2].at, kDay0 + 7min);
  auto all = store->checksSince("a", kDay0 + 4min, 100);
  ASSERT_TRUE(all);
  EXPECT_EQ(all->size(), 6u); // minutes 4..9
  auto failures = store->checksSince("a", kDay0, 100, true);
  ASSERT_TRUE(failures);
  ASSERT_EQ(failures->size(), 4u); // minutes 0, 3, 6, 9
  EXPECT_EQ((*failures)[0].at, kDay0 + 9min);
  EXPECT_EQ((*failures)[3].at, kDay0);
}

// Three days of checks every 6 hours (00, 06, 12, 18 h); day d fails at hours listed below.
// Day 0: fails 06. Day 1: fails 00, 12. Day 2: all ok.
class UptimeTest : public StoreTest {
protected:
  void SetUp() override {
    store_ = openOrDie(db_);
    const std::set<std::pair<int, int>> failures = {{0, 6}, {1, 0}, {1, 12}};
    for (int d = 0; d < 3; ++d)
      for (int h = 0; h < 24; h += 6) {
        bool ok = !failures.count({d, h});
        all_.push_back({kDay0 + std::chrono::hours(24 * d + h), ok});
        store_->record(check("a", all_.back().first, ok, "connect_timeout"));
      }
    store_->record(check("noise", kDay0 + 1h, false));
    store_->flush();
  }
  // The answer computed the slow way, from the list itself.
  UptimeSummary expected(WallTime from, WallTime to) const {
    UptimeSummary s;
    for (auto& [at, ok] : all_)
      if (at >= from && at < to) {
        ++s.checks;
        s.ok += ok;
      }
    return s;
  }
  std::unique_ptr<Store> store_;
  std::vector<std::pair<WallTime, bool>> all_;
};

TEST_F(UptimeTest, MatchesExactCountsOverWholeAndPartialDays) {
  struct Range {
    WallTime from, to;
  };
  const Range ranges[] = {
      {kDay0, kDay0 + 72h},            // three whole days: rollups only
      {kDay0 + 3h, kDay0 + 66h},       // partial head + 1 whole day + partial tail
      {kDay0 + 6h, kDay0 + 6h + 1ms},  // exactly one check, a failure
      {kDay0 + 6h + 1ms, kDay0 + 12h}, // nothing (end is exclusive)
      {kDay0 - 24h, kDay0 + 48h},      // an empty day and two days
      {kDay0 + 12h, kDay0 + 36h},      // spans midnight, no whole day
      {kDay0 + 24h, kDay0 + 48h},      // exactly day 1: 2 of 4
  };
  for (const auto& r : ranges) {
    auto got = store_->uptime("a", r.from, r.to);
    ASSERT_TRUE(got) << got.error();
    EXPECT_EQ(*got, expected(r.from, r.to));
  }
  auto day1 = store_->uptime("a", kDay0 + 24h, kDay0 + 48h);
  EXPECT_EQ(day1->checks, 4);
  EXPECT_EQ(day1->ok, 2);
  EXPECT_DOUBLE_EQ(*day1->ratio(), 0.5);
  auto all = store_->uptime("a", kDay0, kDay0 + 72h);
  EXPECT_EQ(all->checks, 12);
  EXPECT_EQ(all->ok, 9);
  auto empty = store_->uptime("a", kDay0 + 100h, kDay0 + 200h);
  ASSERT_TRUE(empty);
  EXPECT_FALSE(empty->ratio().has_value());
  auto backwards = store_->uptime("a", kDay0 + 10h, kDay0);
  ASSERT_TRUE(backwards);
  EXPECT_EQ(backwards->checks, 0);
}

TEST_F(StoreTest, UptimeMatchesBruteForceOnRandomChecksAndWindows) {
  auto store = openOrDie(db_);
  std::mt19937_64 rng(20261124); // fixed seed: the same checks and windows on every run
  const std::int64_t spanMs = 5LL * 86'400'000;
  std::uniform_int_distribution<std::int64_t> at(0, spanMs - 1);
  std::vector<std::pair<WallTime, bool>> checks;
  for (int i = 0; i < 2'000; ++i) {
    checks.push_back({kDay0 + milliseconds(at(rng)), rng() % 4 != 0});
    store->record(check("a", checks.back().first, checks.back().second));
  }
  // Checks exactly on hour and day boundaries, where an off-by-one would show.
  for (int h = 0; h <= 120; h += 1) {
    checks.push_back({kDay0 + std::chrono::hours(h), h % 3 != 0});
    store->record(check("a", checks.back().first, checks.back().second));
  }
  store->record(check("other", kDay0 + 1h, false));
  store->flush();
  std::uniform_int_distribution<std::int64_t> edge(-86'400'000, spanMs + 86'400'000);
  std::uniform_int_distribution<int> hourEdge(-30, 150);
  for (int i = 0; i < 300; ++i) {
    // Alternate arbitrary edges with edges on whole hours (the rollup seams).
    WallTime from, to;
    if (i % 2 == 0) {
      from = kDay0 + milliseconds(edge(rng));
      to = kDay0 + milliseconds(edge(rng));
    } else {
      from = kDay0 + std::chrono::hours(hourEdge(rng));
      to = kDay0 + std::chrono::hours(hourEdge(rng));
    }
    if (to < from)
      std::swap(from, to);
    UptimeSummary want;
    for (auto& [t, ok] : checks)
      if (t >= from && t < to) {
        ++want.checks;
        want.ok += ok;
      }
    auto got = store->uptime("a", from, to);
    ASSERT_TRUE(got) << got.error();
    ASSERT_EQ(*got, want) << "window " << (from - kDay0).count() << ".." << (to - kDay0).count();
  }
}

TEST_F(StoreTest, DailySummaryCountsWorstReasonAndLatency) {
  auto store = openOrDie(db_);
  // Day 0: two ok (10 ms, 30 ms), dns_error x1, timeout x2  -> worst timeout, avg 20.
  store->record(check("a", kDay0 + 1h, true, {}, 10.0));
  store->record(check("a", kDay0 + 2h, true, {}, 30.0));
  store->record(check("a", kDay0 + 3h, false, "dns_error", 5.0));
  store->record(check("a", kDay0 + 4h, false, "timeout"));
  store->record(check("a", kDay0 + 5h, false, "timeout"));
  // Day 2: tie between tls_error and connect_refused -> alphabetical: connect_refused.
  store->record(check("a", kDay0 + 49h, false, "tls_error"));
  store->record(check("a", kDay0 + 50h, false, "connect_refused"));
  store->record(check("a", kDay0 + 51h, true)); // ok without timing: no latency sample
  store->record(check("b", kDay0 + 1h, false, "not_mcp"));
  store->flush();

  auto days = store->dailySummary("a", 4, kDay0 + 50h + 30min);
  ASSERT_TRUE(days) << days.error();
  ASSERT_EQ(days->size(), 4u);
  const auto& d = *days;
  EXPECT_EQ(d[0].day, kDay0 - 24h);
  EXPECT_EQ(d[0].checks, 0);
  EXPECT_EQ(d[0].worstReason, "");
  EXPECT_FALSE(d[0].avgLatencyMs.has_value());
  EXPECT_EQ(d[1].day, kDay0);
  EXPECT_EQ(d[1].checks, 5);
  EXPECT_EQ(d[1].ok, 2);
  EXPECT_EQ(d[1].worstReason, "timeout");
  ASSERT_TRUE(d[1].avgLatencyMs.has_value());
  EXPECT_DOUBLE_EQ(*d[1].avgLatencyMs, 20.0);
  EXPECT_EQ(d[2].checks, 0);
  EXPECT_EQ(d[3].day, kDay0 + 48h);
  EXPECT_EQ(d[3].checks, 3);
  EXPECT_EQ(d[3].ok, 1);
  EXPECT_EQ(d[3].worstReason, "connect_refused");
  EXPECT_FALSE(d[3].avgLatencyMs.has_value());

  EXPECT_FALSE(store->dailySummary("a", 0, kDay0));
  EXPECT_FALSE(store->dailySummary("a", -3, kDay0));
}

TEST_F(StoreTest, LatencySeriesBucketsExactAverages) {
  auto store = openOrDie(db_);
  const WallTime from = kDay0 + 10min;
  // Bucket 0 [10:00, 15:00): 10 and 20 -> 15; a failure (ignored) and a check before `from`.
  store->record(check("a", kDay0 + 9min, true, {}, 1000.0));
  store->record(check("a", from, true, {}, 10.0));
  store->record(check("a", from + 4min + 59s, true, {}, 20.0));
  store->record(check("a", from + 1min, false, "timeout", 10000.0));
  // Bucket 1 is empty; bucket 2 [20:00, 25:00): 7 -> 7; a check at `to` is excluded.
  store->record(check("a", from + 10min, true, {}, 7.0));
  store->record(check("a", from + 15min, true, {}, 500.0));
  store->record(check("b", from, true, {}, 99.0));
  store->flush();
  auto series = store->latencySeries("a", from, from + 15min, 5min);
  ASSERT_TRUE(series) << series.error();
  ASSERT_EQ(series->size(), 2u);
  EXPECT_EQ((*series)[0], (LatencyPoint{from, 15.0, 2}));
  EXPECT_EQ((*series)[1], (LatencyPoint{from + 10min, 7.0, 1}));
  EXPECT_FALSE(store->latencySeries("a", from, from + 1h, 0ms));
}

// --- Incidents, state, baselines, schema changes, maintenance ---

TEST_F(StoreTest, IncidentsOpenCloseAndList) {
  auto store = openOrDie(db_);
  IncidentRecord one{"inc_1", "a", kDay0 + 1min, std::nullopt, "timeout", "no answer in 10s"};
  IncidentRecord two{"inc_2", "b", kDay0 + 2min, std::nullopt, "dns_error", "NXDOMAIN"};
  IncidentRecord three{"inc_3", "a", kDay0 + 3min, std::nullopt, "flapping", ""};
  ASSERT_TRUE(store->commitNow({one}));
  ASSERT_TRUE(store->commitNow({two}));
  ASSERT_TRUE(store->commitNow({three}));

  auto dup = store->commitNow({one});
  ASSERT_FALSE(dup);
  EXPECT_NE(dup.error().find("UNIQUE"), std::string::npos) << dup.error();

  ASSERT_TRUE(commitOne(*store, CloseIncident{"inc_1", kDay0 + 10min, "recovered"}));
  auto again = commitOne(*store, CloseIncident{"inc_1", kDay0 + 11min});
  ASSERT_FALSE(again);
  EXPECT_NE(again.error().find("inc_1 is not open"), std::string::npos) << again.error();
  EXPECT_FALSE(commitOne(*store, CloseIncident{"inc_missing", kDay0}));

  ASSERT_TRUE(store->commitNow({SetTriggerSent{"inc_2", true}}));

  auto open = store->openIncidents();
  ASSERT_TRUE(open);
  ASSERT_EQ(open->size(), 2u);
  EXPECT_EQ((*open)[0].id, "inc_2");
  EXPECT_TRUE((*open)[0].triggerSent);
  EXPECT_EQ((*open)[1].id, "inc_3");
  // No sink recorded for the trigger (held, or no route matched): the API must not claim it
  // was sent anywhere.
  EXPECT_EQ((*open)[0].triggerSinks, 0);
  ASSERT_TRUE(store->commitNow({CustomWrite{[](sqlite::Connection& c) {
    c.exec("INSERT INTO alert_incident_sinks (incident_id, sink, sink_settings, created_at) "
           "VALUES ('inc_2', 'pd', '{}', 0), ('inc_2', 'hook', '{}', 0)");
  }}}));
  EXPECT_EQ((*store->incident("inc_2"))->triggerSinks, 2);
  EXPECT_EQ((*store->openIncidents())[1].triggerSinks, 0);

  auto closed = store->incident("inc_1");
  ASSERT_TRUE(closed && closed->has_value());
  IncidentRecord want = one;
  want.closedAt = kDay0 + 10min;
  want.resolveNote = "recovered";
  EXPECT_EQ(**closed, want);

  auto ofA = store->incidentsOf("a", 1);
  ASSERT_TRUE(ofA);
  ASSERT_EQ(ofA->size(), 1u);
  EXPECT_EQ((*ofA)[0].id, "inc_3");
  auto ofA2 = store->incidentsOf("a", 1, 1);
  ASSERT_EQ(ofA2->size(), 1u);
  EXPECT_EQ((*ofA2)[0].id, "inc_1");
  EXPECT_TRUE(store->incidentsOf("a", 10, 2)->empty());
  auto all = store->allIncidents(10);
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[0].id, "inc_3");
  EXPECT_EQ((*all)[2].id, "inc_1");
}

TEST_F(StoreTest, IncidentTitlesAndNotesAreKeptAndPrunedWithTheirIncident) {
  auto store = openOrDie(db_);
  ASSERT_TRUE(
      store->commitNow({IncidentRecord{"inc_1", "a", kDay0 + 1min, std::nullopt, "timeout", ""}}));
  ASSERT_TRUE(
      store->commitNow({IncidentRecord{"inc_2", "a", kDay0 + 2min, std::nullopt, "timeout", ""}}));
  ASSERT_TRUE(store->setIncidentTitleSync("inc_1", "Database outage"));
  auto missing = store->setIncidentTitleSync("inc_nope", "x");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().find("inc_nope not found"), std::string::npos) << missing.error();
  EXPECT_EQ((*store->incident("inc_1"))->title, "Database outage");
  EXPECT_EQ((*store->openIncidents())[0].title, "Database outage");
  EXPECT_EQ((*store->incident("inc_2"))->title, "");

  auto first = store->addIncidentNoteSync({0, "inc_1", kDay0 + 5min, "Failing over", true, "me"});
  ASSERT_TRUE(first) << first.error();
  auto second = store->addIncidentNoteSync({0, "inc_1", kDay0 + 4min, "Internal", false, "me"});
  ASSERT_TRUE(second);
  EXPECT_NE(*first, *second);
  EXPECT_FALSE(store->addIncidentNoteSync({0, "inc_nope", kDay0, "x", true, ""}));
  auto notes = store->incidentNotes("inc_1");
  ASSERT_TRUE(notes);
  ASSERT_EQ(notes->size(), 2u);
  EXPECT_EQ((*notes)[0], (IncidentNote{*second, "inc_1", kDay0 + 4min, "Internal", false, "me"}))
      << "oldest first";
  EXPECT_EQ((*notes)[1].text, "Failing over");
  EXPECT_TRUE(store->incidentNotes("inc_2")->empty());

  // Bounded: an incident takes at most kMaxIncidentNotes notes.
  for (std::size_t i = 0; i < Store::kMaxIncidentNotes; ++i)
    ASSERT_TRUE(store->addIncidentNoteSync({0, "inc_2", kDay0 + 3min, "n", true, ""}));
  auto over = store->addIncidentNoteSync({0, "inc_2", kDay0 + 3min, "n", true, ""});
  ASSERT_FALSE(over);
  EXPECT_NE(over.error().find("has 200 notes already"), std::string::npos) << over.error();

  // Retention removes a closed incident's notes with it and keeps the open one's.
  ASSERT_TRUE(commitOne(*store, CloseIncident{"inc_1", kDay0 + 10min}));
  ASSERT_TRUE(store->prune(kDay0 + 1h));
  EXPECT_FALSE(store->incident("inc_1")->has_value());
  EXPECT_TRUE(store->incidentNotes("inc_1")->empty());
  EXPECT_EQ(store->incidentNotes("inc_2")->size(), Store::kMaxIncidentNotes);
}

TEST_F(StoreTest, AtomicGroupIsAllOrNothing) {
  auto store = openOrDie(db_);
  IncidentRecord inc{"inc_1", "a", kDay0, std::nullopt, "timeout", ""};
  // The state write is valid, the close fails: neither may land.
  auto r = store->commitNow(
      {ServerStateRecord{"a", R"({"down":true})", kDay0}, CloseIncident{"inc_missing", kDay0, ""}});
  ASSERT_FALSE(r);
  EXPECT_TRUE(store->loadServerStates()->empty());
  ASSERT_TRUE(store->commitNow({ServerStateRecord{"a", R"({"down":true})", kDay0}, inc}));
  EXPECT_EQ(store->loadServerStates()->size(), 1u);
  EXPECT_EQ(store->openIncidents()->size(), 1u);
}

TEST_F(StoreTest, ServerStateRoundTripsAndReplaces) {
  auto store = openOrDie(db_);
  ASSERT_TRUE(commitOne(*store, ServerStateRecord{"b", R"({"n":1})", kDay0}));
  ASSERT_TRUE(commitOne(*store, ServerStateRecord{"a", R"({"n":2})", kDay0 + 1s}));
  ASSERT_TRUE(commitOne(*store, ServerStateRecord{"b", R"({"n":3})", kDay0 + 2s}));
  auto bad = commitOne(*store, ServerStateRecord{"c", "{not json", kDay0});
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().find("CHECK constraint failed"), std::string::npos) << bad.error();
  auto states = store->loadServerStates();
  ASSERT_TRUE(states);
  ASSERT_EQ(states->size(), 2u);
  EXPECT_EQ((*states)[0], (ServerStateRecord{"a", R"({"n":2})", kDay0 + 1s}));
  EXPECT_EQ((*states)[1], (ServerStateRecord{"b", R"({"n":3})", kDay0 + 2s}));
}

TEST_F(StoreTest, BaselinesPutGetReplace) {
  auto store = openOrDie(db_);
  BaselineRecord b{"a", "sha256:1", R"({"echo":"h1"})", kDay0, false};
  ASSERT_TRUE(store->putBaselineSync(b));
  auto got = store->baseline("a");
  ASSERT_TRUE(got && got->has_value());
  EXPECT_EQ(**got, b);
  BaselineRecord pinned{"a", "sha256:2", R"({"echo":"h2","add":"h3"})", kDay0 + 1h, true};
  ASSERT_TRUE(store->putBaselineSync(pinned));
  EXPECT_EQ(**store->baseline("a"), pinned);
  EXPECT_FALSE(store->baseline("zzz")->has_value());
  ASSERT_TRUE(store->enqueue(BaselineRecord{"b", "sha256:9", "{}", kDay0, false}));
  store->flush();
  auto all = store->baselines();
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[1].slug, "b");
  // What start-up reads: the same rows without their tool lists.
  auto light = store->baselineFingerprints();
  ASSERT_TRUE(light);
  ASSERT_EQ(light->size(), 2u);
  BaselineRecord lightPinned = pinned;
  lightPinned.toolsJson = "";
  EXPECT_EQ((*light)[0], lightPinned);
  EXPECT_EQ((*light)[1].fingerprint, "sha256:9");
  EXPECT_FALSE((*light)[1].pinned);
}

TEST_F(StoreTest, SchemaChangesNewestFirstAndPerServer) {
  auto store = openOrDie(db_);
  store->enqueue(SchemaChangeRecord{0, "a", kDay0, "sha256:1", "sha256:2", R"({"added":["x"]})"});
  store->enqueue(SchemaChangeRecord{0, "b", kDay0 + 1h, "sha256:7", "sha256:8", "{}"});
  store->enqueue(SchemaChangeRecord{0, "a", kDay0 + 2h, "sha256:2", "sha256:3", "{}"});
  store->flush();
  auto all = store->schemaChanges(std::nullopt, 10);
  ASSERT_TRUE(all) << all.error();
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[0].newFingerprint, "sha256:3");
  EXPECT_EQ((*all)[2].diffJson, R"({"added":["x"]})");
  EXPECT_GT((*all)[0].id, 0);
  auto ofA = store->schemaChanges(std::string("a"), 1);
  ASSERT_EQ(ofA->size(), 1u);
  EXPECT_EQ((*ofA)[0].at, kDay0 + 2h);
}

TEST_F(StoreTest, MaintenanceCrud) {
  auto store = openOrDie(db_);
  MaintenanceRecord deploy{"mw_1", R"({"servers":["a"]})", kDay0 + 1h, kDay0 + 2h, "admin", false};
  MaintenanceRecord migration{"mw_2", R"({"tags":["internal"]})", kDay0 + 90min, kDay0 + 5h, "cli",
                              false};
  ASSERT_TRUE(store->putMaintenanceSync(deploy));
  ASSERT_TRUE(store->putMaintenanceSync(migration));
  MaintenanceRecord inverted{"mw_3", "{}", kDay0 + 2h, kDay0 + 1h, "x", false};
  EXPECT_FALSE(store->putMaintenanceSync(inverted));

  EXPECT_TRUE(store->activeMaintenance(kDay0 + 30min)->empty());
  EXPECT_EQ(store->activeMaintenance(kDay0 + 1h)->size(), 1u);
  EXPECT_EQ(store->activeMaintenance(kDay0 + 100min)->size(), 2u);
  EXPECT_EQ(store->activeMaintenance(kDay0 + 2h)->size(), 1u); // end is exclusive

  ASSERT_TRUE(store->endMaintenanceSync("mw_2", kDay0 + 3h));
  auto all = store->maintenanceWindows();
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[1].end, kDay0 + 3h);
  EXPECT_TRUE((*all)[1].endedEarly);
  EXPECT_TRUE(store->activeMaintenance(kDay0 + 3h)->empty());

  // Updating by id replaces the window.
  deploy.end = kDay0 + 4h;
  ASSERT_TRUE(store->putMaintenanceSync(deploy));
  EXPECT_EQ((*store->maintenanceWindows())[0].end, kDay0 + 4h);

  ASSERT_TRUE(store->deleteMaintenanceSync("mw_1"));
  EXPECT_EQ(store->maintenanceWindows()->size(), 1u);
  auto missing = store->deleteMaintenanceSync("mw_1");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().find("mw_1 not found"), std::string::npos);
  EXPECT_FALSE(store->endMaintenanceSync("mw_9", kDay0));
}

// --- Retention ---

TEST_F(StoreTest, PruneDeletesOldRowsInBatches) {
  StoreOptions o;
  o.pruneBatch = 7; // several transactions per table
  auto store = openOrDie(db_, o);
  // 50 checks on day 0 (25 per server), 10 on day 3.
  for (int i = 0; i < 50; ++i)
    store->record(check(i % 2 ? "a" : "b", kDay0 + std::chrono::minutes(i), i % 5 != 0));
  for (int i = 0; i < 10; ++i)
    store->record(check("a", kDay0 + 72h + std::chrono::minutes(i), true));
  store->enqueue(SchemaChangeRecord{0, "a", kDay0, "s1", "s2", "{}"});
  store->enqueue(SchemaChangeRecord{0, "a", kDay0 + 72h, "s2", "s3", "{}"});
  store->flush();
  ASSERT_TRUE(
      store->commitNow({IncidentRecord{"old_closed", "a", kDay0, std::nullopt, "timeout", ""}}));
  ASSERT_TRUE(commitOne(*store, CloseIncident{"old_closed", kDay0 + 1h}));
  ASSERT_TRUE(
      store->commitNow({IncidentRecord{"old_open", "b", kDay0, std::nullopt, "timeout", ""}}));
  ASSERT_TRUE(store->putMaintenanceSync({"mw_old", "{}", kDay0, kDay0 + 1h, "", false}));
  ASSERT_TRUE(store->putMaintenanceSync({"mw_new", "{}", kDay0, kDay0 + 80h, "", false}));

  const auto batchesBefore = store->stats().batches;
  auto pruned = store->prune(kDay0 + 48h);
  ASSERT_TRUE(pruned) << pruned.error();
  // 50 checks at 7 per transaction take 8 transactions, then at least one per other table: the
  // writer is never held for one big delete.
  EXPECT_GE(store->stats().batches - batchesBefore, 8u + 6u);
  EXPECT_EQ(pruned->checks, 50);
  EXPECT_EQ(pruned->schemaChanges, 1);
  EXPECT_EQ(pruned->incidents, 1);
  EXPECT_EQ(pruned->maintenance, 1);
  // Day 0 rollups for a and b: one day row, one hour row and one failure-reason row each.
  EXPECT_EQ(pruned->rollupRows, 6);
  EXPECT_EQ(countRows(*store, "checks"), 10);
  EXPECT_EQ(countRows(*store, "schema_changes"), 1);
  auto open = store->openIncidents();
  ASSERT_EQ(open->size(), 1u);
  EXPECT_EQ((*open)[0].id, "old_open");
  EXPECT_FALSE(store->incident("old_closed")->has_value());
  EXPECT_EQ(store->maintenanceWindows()->size(), 1u);
  EXPECT_EQ(store->uptime("a", kDay0, kDay0 + 96h)->checks, 10);
  auto again = store->prune(kDay0 + 48h);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->checks, 0);
}

// --- Queue semantics ---

TEST_F(StoreTest, QueuedWritesAreInvisibleUntilFlush) {
  StoreOptions o;
  o.maxBatch = 1'000'000;
  o.maxBatchDelay = std::chrono::hours(1); // the writer would wait an hour on its own
  auto store = openOrDie(db_, o);
  for (int i = 0; i < 100; ++i)
    ASSERT_TRUE(store->record(check("a", kDay0 + std::chrono::seconds(i), true)));
  EXPECT_EQ(countRows(*store, "checks"), 0);
  EXPECT_EQ(store->stats().queueDepth, 100u);
  store->flush();
  EXPECT_EQ(countRows(*store, "checks"), 100);
  EXPECT_EQ(store->stats().queueDepth, 0u);
  EXPECT_EQ(store->stats().committed, 100u);
}

TEST_F(StoreTest, SyncWriteCommitsEverythingQueuedBeforeIt) {
  StoreOptions o;
  o.maxBatch = 1'000'000;
  o.maxBatchDelay = std::chrono::hours(1);
  auto store = openOrDie(db_, o);
  for (int i = 0; i < 20; ++i)
    store->record(check("a", kDay0 + std::chrono::seconds(i), false));
  ASSERT_TRUE(commitOne(*store, ServerStateRecord{"a", R"({"failures":20})", kDay0 + 20s}));
  EXPECT_EQ(countRows(*store, "checks"), 20);
}

TEST_F(StoreTest, DestructorCommitsQueuedWrites) {
  StoreOptions o;
  o.maxBatch = 1'000'000;
  o.maxBatchDelay = std::chrono::hours(1);
  {
    auto store = openOrDie(db_, o);
    for (int i = 0; i < 250; ++i)
      store->record(check("a", kDay0 + std::chrono::seconds(i), true));
  }
  auto store = openOrDie(db_);
  EXPECT_EQ(countRows(*store, "checks"), 250);
  EXPECT_EQ(store->uptime("a", kDay0, kDay0 + 24h)->checks, 250);
}

TEST_F(StoreTest, FailedQueuedWriteDoesNotLoseItsBatch) {
  StoreOptions o;
  o.maxBatch = 1'000'000;
  o.maxBatchDelay = std::chrono::hours(1);
  auto store = openOrDie(db_, o);
  store->record(check("a", kDay0, true));
  store->enqueue(ServerStateRecord{"a", "{broken", kDay0});
  store->enqueue(CloseIncident{"inc_missing", kDay0, ""});
  store->record(check("a", kDay0 + 1s, true));
  store->flush();
  EXPECT_EQ(countRows(*store, "checks"), 2);
  EXPECT_EQ(store->stats().failed, 2u);
  EXPECT_EQ(store->stats().committed, 2u);
  EXPECT_EQ(store->stats().batches, 1u);
}

TEST_F(StoreTest, FullQueueBlocksThenDropsAndCounts) {
  StoreOptions o;
  o.queueCapacity = 1;
  o.maxBatchDelay = 0ms;
  o.maxEnqueueWait = 20ms;
  auto store = openOrDie(db_, o);
  std::promise<void> started;
  std::promise<void> release;
  auto releaseFuture = release.get_future().share();
  // Holds the writer inside a transaction, as a stalled disk would.
  ASSERT_TRUE(store->enqueue(CustomWrite{[&](sqlite::Connection&) {
    started.set_value();
    releaseFuture.wait();
  }}));
  started.get_future().wait();
  EXPECT_TRUE(store->record(check("a", kDay0, true)));       // fills the queue
  EXPECT_FALSE(store->record(check("a", kDay0 + 1s, true))); // waits 20 ms, then dropped
  EXPECT_EQ(store->stats().dropped, 1u);
  release.set_value();
  store->flush();
  auto kept = store->checksSince("a", kDay0, 10);
  ASSERT_TRUE(kept);
  ASSERT_EQ(kept->size(), 1u);
  EXPECT_EQ((*kept)[0].at, kDay0);
}

TEST_F(StoreTest, ManyConcurrentWritersLoseNothing) {
  StoreOptions o;
  o.queueCapacity = 256; // small, so producers really block on a full queue
  o.maxEnqueueWait = std::chrono::seconds(30);
  auto store = openOrDie(db_, o);
  constexpr int kThreads = 8;
  constexpr int kPerThread = 2'500;
  std::atomic<bool> done{false};
  std::atomic<int> reads{0};
  std::thread reader([&] {
    // Readers run beside the writer (WAL) and never fail.
    while (!done) {
      auto u = store->uptime("t0", kDay0, kDay0 + 72h);
      ASSERT_TRUE(u) << u.error();
      ++reads;
    }
  });
  std::vector<std::thread> writers;
  for (int t = 0; t < kThreads; ++t)
    writers.emplace_back([&, t] {
      const std::string slug = "t" + std::to_string(t);
      for (int i = 0; i < kPerThread; ++i)
        ASSERT_TRUE(store->record(check(slug, kDay0 + std::chrono::seconds(i * 60), i % 10 != 0)));
    });
  for (auto& w : writers)
    w.join();
  store->flush();
  done = true;
  reader.join();
  EXPECT_GT(reads.load(), 0);
  EXPECT_EQ(countRows(*store, "checks"), kThreads * kPerThread);
  for (int t = 0; t < kThreads; ++t) {
    auto u = store->uptime("t" + std::to_string(t), kDay0, kDay0 + 72h);
    ASSERT_TRUE(u);
    EXPECT_EQ(u->checks, kPerThread);
    EXPECT_EQ(u->ok, kPerThread - kPerThread / 10);
  }
  EXPECT_EQ(store->stats().dropped, 0u);
  EXPECT_EQ(store->stats().failed, 0u);
}

TEST_F(StoreTest, CustomReadAndWriteExtendTheStore) {
  auto store = openOrDie(db_);
  ASSERT_TRUE(store->commitNow({CustomWrite{[](sqlite::Connection& c) {
    c.exec("CREATE TABLE IF NOT EXISTS extra (v INTEGER)");
    auto s = c.use("INSERT INTO extra (v) VALUES (?1)");
    s->bind(1, 42);
    s->run();
  }}}));
  std::int64_t v = 0;
  ASSERT_TRUE(store->read([&](sqlite::Connection& c) { v = c.queryInt("SELECT v FROM extra"); }));
  EXPECT_EQ(v, 42);
  auto failing = store->commitNow({CustomWrite{[](sqlite::Connection& c) {
    c.exec("INSERT INTO extra (v) VALUES (1)");
    throw std::runtime_error("boom");
  }}});
  ASSERT_FALSE(failing);
  EXPECT_NE(failing.error().find("boom"), std::string::npos);
  EXPECT_EQ(countRows(*store, "extra"), 1);
  // Readers cannot write.
  auto write = store->read([](sqlite::Connection& c) { c.exec("DELETE FROM extra"); });
  EXPECT_FALSE(write);
}

TEST_F(StoreTest, CommitAsyncCallsBackOnceCommitted) {
  auto store = openOrDie(db_);
  std::promise<WriteResult> first;
  store->commitAsync({ServerStateRecord{"a", R"({"down":true})", kDay0},
                      IncidentRecord{"inc_1", "a", kDay0, std::nullopt, "timeout", ""}},
                     [&](WriteResult r) { first.set_value(std::move(r)); });
  auto r = first.get_future().get();
  ASSERT_TRUE(r) << r.error();
  // Committed before the callback ran: a reader sees it straight away.
  EXPECT_EQ(store->openIncidents()->size(), 1u);
  EXPECT_EQ(store->loadServerStates()->size(), 1u);

  std::promise<WriteResult> second;
  store->commitAsync({CloseIncident{"inc_404", kDay0, ""}},
                     [&](WriteResult r) { second.set_value(std::move(r)); });
  auto failed = second.get_future().get();
  ASSERT_FALSE(failed);
  EXPECT_NE(failed.error().find("inc_404 is not open"), std::string::npos) << failed.error();
  // A throwing callback is contained; the writer keeps working.
  store->commitAsync({}, [](WriteResult) { throw std::runtime_error("callback bug"); });
  EXPECT_TRUE(commitOne(*store, ServerStateRecord{"b", "{}", kDay0}));
}

TEST_F(StoreTest, InvalidOptionsAreRefused) {
  StoreOptions o;
  o.queueCapacity = 0;
  auto store = Store::open(db_.string(), o);
  ASSERT_FALSE(store);
  EXPECT_NE(store.error().find("queueCapacity"), std::string::npos);
}

// --- Bounded storage: rollups with latency statistics, split retention, batched cleanup ---

namespace {

struct HourRollup {
  std::int64_t checks = 0, ok = 0, latencyCount = 0;
  double latencySum = 0;
  std::optional<double> latencyMin, latencyMax;
  std::vector<std::int64_t> buckets; // le_50, le_100, le_250, le_500, le_1000, le_2500, gt_2500
};

HourRollup rollupRow(Store& store, const std::string& table, const std::string& unit,
                     const std::string& slug, std::int64_t key) {
  HourRollup out;
  auto r = store.read([&](sqlite::Connection& c) {
    sqlite::Statement s(c, "SELECT checks, ok, latency_sum, latency_count, latency_min, "
                           "latency_max, le_50, le_100, le_250, le_500, le_1000, le_2500, "
                           "gt_2500 FROM " +
                               table + " WHERE slug = ?1 AND " + unit + " = ?2");
    s.bind(1, slug).bind(2, key);
    if (!s.step())
      return;
    out.checks = s.int64(0);
    out.ok = s.int64(1);
    out.latencySum = s.real(2);
    out.latencyCount = s.int64(3);
    out.latencyMin = s.optReal(4);
    out.latencyMax = s.optReal(5);
    for (int i = 6; i < 13; ++i)
      out.buckets.push_back(s.int64(i));
  });
  EXPECT_TRUE(r) << (r ? "" : r.error());
  return out;
}

std::int64_t hourOf(WallTime t) {
  return std::chrono::floor<std::chrono::hours>(t.time_since_epoch()).count();
}
std::int64_t dayOf(WallTime t) {
  return std::chrono::floor<std::chrono::days>(t.time_since_epoch()).count();
}

} // namespace

TEST_F(StoreTest, RollupsCarryLatencyMinMaxAndBuckets) {
  StoreOptions o;
  o.maxBatch = 1'000'000;
  o.maxBatchDelay = std::chrono::hours(1); // everything below lands in one transaction
  auto store = openOrDie(db_, o);
  // One value per bucket edge and beyond; failures and ok checks without a total count in
  // checks/ok only.
  const double totals[] = {50, 50.5, 100, 250, 499, 1000, 2500, 2500.1, 9000};
  int minute = 0;
  for (double t : totals)
    store->record(check("a", kDay0 + 5h + std::chrono::minutes(minute++), true, {}, t));
  store->record(check("a", kDay0 + 5h + 50min, false, "timeout", 10'000.0));
  store->record(check("a", kDay0 + 5h + 51min, true));
  store->record(check("a", kDay0 + 7h, true, {}, 10.0)); // another hour, the same day
  store->flush();

  const auto h = rollupRow(*store, "check_hours", "hour", "a", hourOf(kDay0 + 5h));
  EXPECT_EQ(h.checks, 11);
  EXPECT_EQ(h.ok, 10);
  EXPECT_EQ(h.latencyCount, 9);
  EXPECT_DOUBLE_EQ(h.latencySum, 50 + 50.5 + 100 + 250 + 499 + 1000 + 2500 + 2500.1 + 9000);
  EXPECT_EQ(h.latencyMin, 50.0);
  EXPECT_EQ(h.latencyMax, 9000.0);
  EXPECT_EQ(h.buckets, (std::vector<std::int64_t>{1, 2, 1, 1, 1, 1, 2}));

  const auto d = rollupRow(*store, "check_days", "day", "a", dayOf(kDay0));
  EXPECT_EQ(d.checks, 12);
  EXPECT_EQ(d.ok, 11);
  EXPECT_EQ(d.latencyCount, 10);
  EXPECT_EQ(d.latencyMin, 10.0);
  EXPECT_EQ(d.latencyMax, 9000.0);
  EXPECT_EQ(d.buckets, (std::vector<std::int64_t>{2, 2, 1, 1, 1, 1, 2}));

  // A later batch merges into the same rows (min/max across batches, buckets added).
  store->record(check("a", kDay0 + 5h + 55min, true, {}, 5.0));
  store->flush();
  const auto h2 = rollupRow(*store, "check_hours", "hour", "a", hourOf(kDay0 + 5h));
  EXPECT_EQ(h2.checks, 12);
  EXPECT_EQ(h2.latencyMin, 5.0);
  EXPECT_EQ(h2.latencyMax, 9000.0);
  EXPECT_EQ(h2.buckets[0], 2);
}

TEST_F(StoreTest, MigrationBackfillsLatencyStatisticsFromRawChecks) {
  // A version-3 database with raw checks and the rollups version 3 kept (counts only).
  {
    sqlite::Connection c(db_.string(), true);
    for (const auto& m : migrations())
      if (m.version <= 3)
        c.exec(m.sql);
    c.exec("PRAGMA user_version = 3");
    const std::int64_t at = std::chrono::floor<milliseconds>(kDay0.time_since_epoch()).count();
    for (int i = 0; i < 4; ++i) {
      sqlite::Statement s(c,
                          "INSERT INTO checks (slug, at, ok, total_ms) VALUES ('a', ?1, ?2, ?3)");
      s.bind(1, at + i * 60'000).bind(2, i != 3).bind(3, 40.0 + 100.0 * i);
      s.run();
    }
    // Version 3 counted one more check in the day than the raw rows left (pruned meanwhile): the
    // counts must stay as they were.
    c.exec("INSERT INTO check_hours (slug, hour, checks, ok) VALUES ('a', " +
           std::to_string(hourOf(kDay0)) + ", 4, 3)");
    c.exec("INSERT INTO check_days (slug, day, checks, ok, latency_sum, latency_count) VALUES "
           "('a', " +
           std::to_string(dayOf(kDay0)) + ", 5, 4, 400.0, 4)");
  }
  auto store = openOrDie(db_);
  const auto h = rollupRow(*store, "check_hours", "hour", "a", hourOf(kDay0));
  EXPECT_EQ(h.checks, 4);
  EXPECT_EQ(h.ok, 3);
  EXPECT_EQ(h.latencyCount, 3); // ok checks: 40, 140, 240
  EXPECT_DOUBLE_EQ(h.latencySum, 420.0);
  EXPECT_EQ(h.latencyMin, 40.0);
  EXPECT_EQ(h.latencyMax, 240.0);
  EXPECT_EQ(h.buckets, (std::vector<std::int64_t>{1, 0, 2, 0, 0, 0, 0}));
  const auto d = rollupRow(*store, "check_days", "day", "a", dayOf(kDay0));
  EXPECT_EQ(d.checks, 5);                // kept
  EXPECT_DOUBLE_EQ(d.latencySum, 400.0); // kept: it already covered the pruned check
  EXPECT_EQ(d.latencyMin, 40.0);
  EXPECT_EQ(d.buckets, (std::vector<std::int64_t>{1, 0, 2, 0, 0, 0, 0}));
  // Migration 5 then clusters the checks by (server, at): no time index is left on them.
  std::int64_t indexes = -1;
  ASSERT_TRUE(store->read([&](sqlite::Connection& c) {
    indexes = c.queryInt("SELECT count(*) FROM sqlite_master WHERE type = 'index' AND "
                         "tbl_name = 'checks'");
  }));
  EXPECT_EQ(indexes, 0);
}

namespace {

// Seven days of one check a minute for "a" (every 17th a failure, latency varying), written the
// same way to two stores; one is then pruned with the default retention.
class RetentionTest : public StoreTest {
protected:
  static constexpr int kDays = 7; // inside the hourly rollups (kHourlyRollupKeep)
  const WallTime now_ = kDay0 + std::chrono::hours(24 * kDays);

  void fill(Store& store) {
    for (int m = 0; m < kDays * 24 * 60; ++m) {
      const bool ok = m % 17 != 0;
      store.record(check("a", kDay0 + std::chrono::minutes(m) + 7s, ok, "connect_timeout",
                         20.0 + (m * 37) % 400));
    }
    store.flush();
  }

  void SetUp() override {
    raw_ = openOrDie(dir_.file("raw.db"));
    pruned_ = openOrDie(db_);
    fill(*raw_);
    fill(*pruned_);
    auto r = pruned_->prune(
        retentionCutoffs(now_, 48h, std::chrono::hours(24 * 400), std::chrono::hours(24 * 400)));
    ASSERT_TRUE(r) << r.error();
    result_ = *r;
  }

  std::unique_ptr<Store> raw_;
  std::unique_ptr<Store> pruned_;
  PruneResult result_;
};

} // namespace

TEST_F(RetentionTest, SuccessfulChecksGoAfterRawRetentionFailuresStay) {
  const std::int64_t total = kDays * 24 * 60;
  const std::int64_t failed = (total + 16) / 17;
  // Successful checks of the last 48 h stay, every failure stays.
  std::int64_t okKept = 0;
  for (int m = (kDays - 2) * 24 * 60; m < total; ++m)
    okKept += m % 17 != 0;
  EXPECT_EQ(countRows(*pruned_, "checks"), okKept + failed);
  EXPECT_EQ(result_.checks, total - failed - okKept);
  EXPECT_EQ(result_.failedChecks, 0);
  auto failures = pruned_->checksSince("a", kDay0, 1'000'000, true);
  ASSERT_TRUE(failures);
  EXPECT_EQ(static_cast<std::int64_t>(failures->size()), failed);
  // The status bars (daily rollups) are untouched.
  EXPECT_EQ(*pruned_->dailySummary("a", kDays, now_ - 1ms),
            *raw_->dailySummary("a", kDays, now_ - 1ms));

  // Failures go after their own retention.
  auto later =
      pruned_->prune(retentionCutoffs(now_ + std::chrono::hours(24 * 398), 48h,
                                      std::chrono::hours(24 * 400), std::chrono::hours(24 * 400)));
  ASSERT_TRUE(later) << later.error();
  // 398 days on, failures cutoff = now - 2 days: the failures of the first 8 days go.
  std::int64_t oldFailures = 0;
  for (int m = 0; m < (kDays - 2) * 24 * 60; ++m)
    oldFailures += m % 17 == 0;
  EXPECT_EQ(later->failedChecks, oldFailures);
  EXPECT_EQ(countRows(*pruned_, "checks"), failed - oldFailures);
}

// Uptime over windows reaching past the raw retention comes from rollups and equals what the raw
// checks gave before pruning; inside the raw window nothing changes.
TEST_F(RetentionTest, RollupUptimeMatchesRawUptime) {
  struct Range {
    WallTime from, to;
  };
  const Range aligned[] = {
      {now_ - 24h, now_},                        // inside the raw window
      {now_ - 24h - 17min, now_ - 3min},         // inside, ragged ends
      {now_ - std::chrono::hours(24 * 7), now_}, // 7 days
      {kDay0, now_},                             // everything
      {kDay0 + 5h, now_ - 30h},                  // whole hours, mostly before the horizon
      {kDay0 + 5h, kDay0 + 6h},                  // one hour long before the horizon
  };
  for (const auto& r : aligned) {
    auto a = raw_->uptime("a", r.from, r.to);
    auto b = pruned_->uptime("a", r.from, r.to);
    ASSERT_TRUE(a && b);
    EXPECT_EQ(*a, *b) << (r.from - kDay0).count();
    EXPECT_GT(b->checks, 0);
  }
  // A ragged start older than the raw horizon counts whole hours: the one it covers at least half
  // of, not the one it covers less; an end inside the raw window stays exact.
  EXPECT_EQ(*pruned_->uptime("a", kDay0 + 5h + 20min, now_ - 30h - 40min),
            *raw_->uptime("a", kDay0 + 5h, now_ - 30h - 40min));
  EXPECT_EQ(*pruned_->uptime("a", kDay0 + 5h + 40min, now_ - 30h - 20min),
            *raw_->uptime("a", kDay0 + 6h, now_ - 30h - 20min));
  // Both ends before the horizon.
  EXPECT_EQ(*pruned_->uptime("a", kDay0 + 5h + 29min, now_ - 50h - 31min),
            *raw_->uptime("a", kDay0 + 5h, now_ - 51h));
}

TEST_F(RetentionTest, RollupLatencyMatchesRawLatency) {
  // The 7-day chart: 2 h buckets from an hour boundary.
  auto a = raw_->latencySeries("a", now_ - std::chrono::hours(24 * 7), now_, 2h);
  auto b = pruned_->latencySeries("a", now_ - std::chrono::hours(24 * 7), now_, 2h);
  ASSERT_TRUE(a && b);
  ASSERT_EQ(a->size(), b->size());
  ASSERT_EQ(a->size(), 84u);
  for (std::size_t i = 0; i < a->size(); ++i) {
    EXPECT_EQ((*a)[i].bucketStart, (*b)[i].bucketStart);
    EXPECT_EQ((*a)[i].samples, (*b)[i].samples);
    EXPECT_NEAR((*a)[i].avgMs, (*b)[i].avgMs, 1e-9);
  }
  // The 24-hour chart lies inside the raw window: bit for bit the same.
  EXPECT_EQ(*raw_->latencySeries("a", now_ - 24h - 5min, now_, 15min),
            *pruned_->latencySeries("a", now_ - 24h - 5min, now_, 15min));
}

TEST_F(StoreTest, LargeBacklogIsCleanedInBatchesWithWritesCommittedBetween) {
  StoreOptions o;
  o.pruneBatch = 100;
  auto store = openOrDie(db_, o);
  for (int i = 0; i < 2'000; ++i)
    store->record(check("a", kDay0 + std::chrono::seconds(i), true, {}, 12.0));
  store->flush();

  // After every batch, queue a new check; by the next batch it must be committed: the prune's
  // next delete waits behind it in the writer's queue rather than holding the writer.
  int recorded = 0;
  std::int64_t batchesSeen = 0;
  bool interleaved = true;
  auto r = store->prune(
      RetentionCutoffs{kDay0 + 1h, kDay0 + 1h, kDay0 + 1h, kDay0 + 1h}, [&](const PruneResult& p) {
        ++batchesSeen;
        if (recorded > 0 &&
            countRows(*store,
                      "checks WHERE at >= " + std::to_string(std::chrono::floor<milliseconds>(
                                                                 (kDay0 + 100h).time_since_epoch())
                                                                 .count())) != recorded)
          interleaved = false;
        EXPECT_EQ(p.batches, batchesSeen);
        store->record(check("a", kDay0 + 100h + std::chrono::seconds(recorded++), true));
      });
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(r->checks, 2'000);
  EXPECT_GE(r->batches, 20); // 2,000 rows at 100 per transaction, then the other tables
  EXPECT_TRUE(interleaved);
  EXPECT_GE(recorded, 20);
  store->flush();
  EXPECT_EQ(countRows(*store, "checks"), recorded);
}

// --- Migration 5: compact checks ---

namespace {

// Writes `r` the way version 4 stored it (one row, every field in its own column).
void insertV4Check(sqlite::Connection& c, const CheckRecord& r) {
  sqlite::Statement s(c, "INSERT INTO checks (slug, at, ok, reason, detail, http_status, "
                         "jsonrpc_code, dns_ms, connect_ms, tls_ms, handshake_ms, tools_list_ms, "
                         "total_ms, protocol_version, fingerprint, tool_count, era, transport) "
                         "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, "
                         "?15, ?16, ?17, ?18)");
  s.bind(1, r.slug)
      .bind(2, std::chrono::floor<milliseconds>(r.at.time_since_epoch()).count())
      .bind(3, r.ok)
      .bind(4, r.reason)
      .bind(5, r.detail);
  s.bind(6, r.httpStatus).bind(7, r.jsonrpcCode).bind(8, r.dnsMs).bind(9, r.connectMs);
  s.bind(10, r.tlsMs).bind(11, r.handshakeMs).bind(12, r.toolsListMs).bind(13, r.totalMs);
  s.bind(14, r.protocolVersion).bind(15, r.fingerprint).bind(16, r.toolCount);
  s.bind(17, r.era).bind(18, r.transport);
  s.run();
}

// A varied history: two servers, profiles that change, failures with reasons and details, NULL
// fields, two checks of one server in the same millisecond.
std::vector<CheckRecord> variedChecks() {
  std::vector<CheckRecord> out;
  for (int i = 0; i < 40; ++i)
    for (std::string slug : {"zeta", "alpha"}) {
      CheckRecord c = check(slug, kDay0 + std::chrono::minutes(i) + std::chrono::milliseconds(i),
                            i % 7 != 3, i % 2 == 0 ? "connect_timeout" : "http_status");
      if (!c.ok)
        c.detail = "attempt " + std::to_string(i) + " ü";
      if (i % 5 != 4) {
        c.dnsMs = 0.25 * i;
        c.connectMs = 10.5 + i;
        c.handshakeMs = 30.125;
        c.toolsListMs = 20.0 + i;
        c.totalMs = 61.0 + 2 * i + 0.375;
        c.httpStatus = i % 7 == 3 ? 503 : 200;
        c.protocolVersion = i < 20 ? "2025-06-18" : "2025-11-25";
        c.fingerprint = "sha256:" + std::string(i < 30 ? "aaaa" : "bbbb");
        c.toolCount = i < 30 ? 12 : 13;
        c.era = "modern";
        c.transport = slug == "alpha" ? "streamable-http" : "sse";
      }
      if (i == 11) {
        c.jsonrpcCode = -32601;
        c.tlsMs = 4.5;
      }
      out.push_back(std::move(c));
    }
  // Same server, same millisecond: written order decides which is "latest".
  CheckRecord twin = out.back();
  twin.ok = false;
  twin.reason = "protocol_error";
  twin.detail = "second of the same millisecond";
  out.push_back(twin);
  return out;
}

std::unique_ptr<Store> openV4With(const fs::path& db, const std::vector<CheckRecord>& checks) {
  {
    sqlite::Connection c(db.string(), true);
    for (const auto& m : migrations())
      if (m.version <= 4)
        c.exec(m.sql);
    c.exec("PRAGMA user_version = 4");
    for (const auto& r : checks)
      insertV4Check(c, r);
  }
  return openOrDie(db);
}

} // namespace

TEST_F(StoreTest, MigrationFiveConvertsChecksAndReadsBackTheSame) {
  const auto checks = variedChecks();
  auto migrated = openV4With(db_, checks);
  // The same checks written by this version through the store.
  auto fresh = openOrDie(dir_.file("fresh.db"));
  for (const auto& r : checks)
    ASSERT_TRUE(fresh->record(r));
  fresh->flush();

  std::int64_t version = 0;
  ASSERT_TRUE(
      migrated->read([&](sqlite::Connection& c) { version = c.queryInt("PRAGMA user_version"); }));
  EXPECT_EQ(version, latestSchemaVersion());
  EXPECT_EQ(countRows(*migrated, "checks"), static_cast<std::int64_t>(checks.size()));
  // The slugs, reasons and profiles moved to their dictionaries.
  EXPECT_EQ(countRows(*migrated, "servers"), 2);
  EXPECT_EQ(countRows(*migrated, "check_reasons"), 3);
  EXPECT_EQ(countRows(*migrated, "check_profiles"), 6);

  for (const std::string slug : {"alpha", "zeta"}) {
    std::vector<CheckRecord> expected;
    for (auto it = checks.rbegin(); it != checks.rend(); ++it)
      if (it->slug == slug)
        expected.push_back(*it); // newest first; the twin was written last
    auto all = migrated->checksSince(slug, kDay0, 1000);
    ASSERT_TRUE(all) << all.error();
    EXPECT_EQ(*all, expected) << slug;
    EXPECT_EQ(*all, *fresh->checksSince(slug, kDay0, 1000)) << slug;
    auto failures = migrated->checksSince(slug, kDay0 + 5min, 3, true);
    ASSERT_TRUE(failures);
    EXPECT_EQ(*failures, *fresh->checksSince(slug, kDay0 + 5min, 3, true));
    EXPECT_EQ(failures->size(), 3u);
    auto latest = migrated->latestCheck(slug);
    ASSERT_TRUE(latest && latest->has_value());
    EXPECT_EQ(**latest, expected.front());
    EXPECT_EQ(*migrated->uptime(slug, kDay0 + 3min, kDay0 + 33min),
              *fresh->uptime(slug, kDay0 + 3min, kDay0 + 33min));
    EXPECT_EQ(*migrated->latencySeries(slug, kDay0, kDay0 + 1h, 10min),
              *fresh->latencySeries(slug, kDay0, kDay0 + 1h, 10min));
  }
  EXPECT_EQ(migrated->latestCheck("alpha")->value().reason, "protocol_error"); // the twin
  auto latest = migrated->latestChecks();
  ASSERT_TRUE(latest);
  ASSERT_EQ(latest->size(), 2u);
  EXPECT_EQ((*latest)[0].slug, "alpha");
  EXPECT_EQ(*latest, *fresh->latestChecks());
  // New checks after the migration go on from the converted ones.
  CheckRecord next = check("alpha", kDay0 + 2h, true, {}, 5.5);
  ASSERT_TRUE(migrated->record(next));
  migrated->flush();
  EXPECT_EQ(migrated->latestCheck("alpha")->value(), next);
}

TEST_F(StoreTest, MigrationFiveRoundsLatenciesToTheMicrosecond) {
  CheckRecord r = check("a", kDay0, true, {}, 12.3456789);
  r.dnsMs = 0.0004; // below half a microsecond
  auto migrated = openV4With(db_, {r});
  auto got = migrated->latestCheck("a");
  ASSERT_TRUE(got && got->has_value());
  EXPECT_EQ((*got)->totalMs, 12.346);
  EXPECT_EQ((*got)->dnsMs, 0.0);
  // Written by this version: the same rounding.
  ASSERT_TRUE(migrated->record(check("b", kDay0, true, {}, 12.3456789)));
  migrated->flush();
  EXPECT_EQ(migrated->latestCheck("b")->value().totalMs, 12.346);
}

TEST_F(StoreTest, CompactChecksStoreProfilesAndReasonsOnce) {
  auto store = openOrDie(db_);
  for (const auto& r : variedChecks())
    ASSERT_TRUE(store->record(r));
  store->flush();
  // Two servers; reasons connect_timeout, http_status, protocol_error; profiles: protocol
  // version x fingerprint/tool count x transport = 3 combinations per server.
  EXPECT_EQ(countRows(*store, "servers"), 2);
  EXPECT_EQ(countRows(*store, "check_reasons"), 3);
  EXPECT_EQ(countRows(*store, "check_profiles"), 6);
  std::int64_t indexes = -1;
  ASSERT_TRUE(store->read([&](sqlite::Connection& c) {
    indexes = c.queryInt("SELECT count(*) FROM sqlite_master WHERE type = 'index' AND tbl_name IN "
                         "('checks', 'check_hours', 'check_days', 'check_day_reasons')");
  }));
  EXPECT_EQ(indexes, 0);
}

TEST_F(StoreTest, PruneWalksEveryServerAndKeepsNewerRows) {
  StoreOptions o;
  o.pruneBatch = 7; // several servers per batch, and servers split across batches
  auto store = openOrDie(db_, o);
  for (int s = 0; s < 30; ++s)
    for (int m = 0; m < 10; ++m)
      store->record(check("s" + std::to_string(s), kDay0 + std::chrono::minutes(m * 30), m != 2));
  store->flush();
  // Successful checks before 02:00 go (4 each, one of them failed and kept), failures stay.
  auto r = store->prune(
      RetentionCutoffs{kDay0 + 2h, kDay0, kDay0, kDay0 - std::chrono::hours(24 * 400)});
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(r->checks, 30 * 3);
  EXPECT_EQ(r->failedChecks, 0);
  EXPECT_EQ(countRows(*store, "checks"), 30 * 7);
  for (int s = 0; s < 30; ++s) {
    auto rest = store->checksSince("s" + std::to_string(s), kDay0, 100);
    ASSERT_TRUE(rest);
    ASSERT_EQ(rest->size(), 7u) << s;
    EXPECT_EQ(rest->back().at, kDay0 + 1h); // the failure at 01:00
    EXPECT_EQ((*rest)[rest->size() - 2].at, kDay0 + 2h);
  }
}

TEST(Retention, DefaultsKeepHourlyRollupsEightDays) {
  const WallTime now = kDay0 + 5h;
  const auto c =
      retentionCutoffs(now, 24h, std::chrono::hours(24 * 400), std::chrono::hours(24 * 400));
  EXPECT_EQ(c.raw, now - 24h);
  EXPECT_EQ(c.hourly, now - std::chrono::hours(24 * 8));
  // Never shorter than raw checks, never longer than the daily rollups.
  EXPECT_EQ(retentionCutoffs(now, std::chrono::hours(24 * 20), std::chrono::hours(24 * 400),
                             std::chrono::hours(24 * 400))
                .hourly,
            now - std::chrono::hours(24 * 20));
  EXPECT_EQ(
      retentionCutoffs(now, 24h, std::chrono::hours(24 * 5), std::chrono::hours(24 * 400)).hourly,
      now - std::chrono::hours(24 * 5));
}

TEST_F(StoreTest, MigrationSixKeepsIncidentsAndAddsTitlesAndNotes) {
  {
    sqlite::Connection c(db_.string(), true);
    for (const auto& m : migrations())
      if (m.version <= 5)
        c.exec(m.sql);
    c.exec("PRAGMA user_version = 5");
    c.exec("INSERT INTO incidents (id, slug, opened_at, reason, detail) "
           "VALUES ('inc_old', 'a', 1000, 'timeout', 'no answer')");
  }
  auto store = openOrDie(db_);
  auto old = store->incident("inc_old");
  ASSERT_TRUE(old && old->has_value()) << (old ? "" : old.error());
  EXPECT_EQ((*old)->reason, "timeout");
  EXPECT_EQ((*old)->title, "") << "an incident from before has no title";
  EXPECT_TRUE(store->incidentNotes("inc_old")->empty());
  ASSERT_TRUE(store->setIncidentTitleSync("inc_old", "Old outage"));
  ASSERT_TRUE(store->addIncidentNoteSync({0, "inc_old", kDay0, "Looking", true, ""}));
  EXPECT_EQ((*store->incident("inc_old"))->title, "Old outage");
  EXPECT_EQ(store->incidentNotes("inc_old")->size(), 1u);
}

TEST_F(StoreTest, MigrationSevenDropsTheDeliveryColumnAndKeepsIncidents) {
  {
    sqlite::Connection c(db_.string(), true);
    for (const auto& m : migrations())
      if (m.version <= 6)
        c.exec(m.sql);
    c.exec("PRAGMA user_version = 6");
    c.exec("INSERT INTO incidents (id, slug, opened_at, reason, detail, trigger_sent, delivery, "
           "title) VALUES ('inc_old', 'a', 1000, 'timeout', 'no answer', 1, '{}', 'Old')");
  }
  auto store = openOrDie(db_);
  auto old = store->incident("inc_old");
  ASSERT_TRUE(old && old->has_value()) << (old ? "" : old.error());
  EXPECT_EQ((*old)->reason, "timeout");
  EXPECT_TRUE((*old)->triggerSent);
  EXPECT_EQ((*old)->title, "Old");
  std::int64_t columns = -1;
  ASSERT_TRUE(store->read([&](sqlite::Connection& c) {
    columns = c.queryInt("SELECT COUNT(*) FROM pragma_table_info('incidents') WHERE name = "
                         "'delivery'");
  }));
  EXPECT_EQ(columns, 0);
  ASSERT_TRUE(commitOne(*store, CloseIncident{"inc_old", kDay0, "recovered"}));
}
