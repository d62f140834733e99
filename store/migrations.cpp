// Schema migrations: version 1 creates the monitor's tables; later modules append their own.
#include "store/migrations.hpp"

#include <array>
#include <fmt/format.h>

namespace mcpwatch::store {
namespace {

// Times are integer milliseconds since the Unix epoch (UTC); days are at / 86400000, hours
// at / 3600000.
// JSON columns are checked with json_valid so a bug upstream cannot store unreadable state.
constexpr std::string_view kV1 = R"sql(
CREATE TABLE checks (
  id INTEGER PRIMARY KEY,
  slug TEXT NOT NULL,
  at INTEGER NOT NULL,
  ok INTEGER NOT NULL CHECK (ok IN (0, 1)),
  reason TEXT NOT NULL DEFAULT '',
  detail TEXT NOT NULL DEFAULT '',
  http_status INTEGER,
  jsonrpc_code INTEGER,
  dns_ms REAL,
  connect_ms REAL,
  tls_ms REAL,
  handshake_ms REAL,
  tools_list_ms REAL,
  total_ms REAL,
  protocol_version TEXT,
  fingerprint TEXT,
  tool_count INTEGER,
  era TEXT,
  transport TEXT
);
CREATE INDEX checks_slug_at ON checks (slug, at);
CREATE INDEX checks_at ON checks (at);

-- Per-day rollups (day = at / 86400000), updated in the same transaction as each check, so 90-day uptime and status
-- bars read about 90 rows per server instead of ~130,000 checks.
CREATE TABLE check_days (
  slug TEXT NOT NULL,
  day INTEGER NOT NULL,
  checks INTEGER NOT NULL,
  ok INTEGER NOT NULL,
  latency_sum REAL NOT NULL DEFAULT 0,
  latency_count INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (slug, day)
) WITHOUT ROWID;
CREATE INDEX check_days_day ON check_days (day);

-- Hourly rollups bound the raw checks read at the ragged ends of a window (e.g. "last 24 h") to at
-- most an hour each side.
CREATE TABLE check_hours (
  slug TEXT NOT NULL,
  hour INTEGER NOT NULL,
  checks INTEGER NOT NULL,
  ok INTEGER NOT NULL,
  PRIMARY KEY (slug, hour)
) WITHOUT ROWID;
CREATE INDEX check_hours_hour ON check_hours (hour);

CREATE TABLE check_day_reasons (
  slug TEXT NOT NULL,
  day INTEGER NOT NULL,
  reason TEXT NOT NULL,
  failures INTEGER NOT NULL,
  PRIMARY KEY (slug, day, reason)
) WITHOUT ROWID;
CREATE INDEX check_day_reasons_day ON check_day_reasons (day);

CREATE TABLE server_state (
  slug TEXT PRIMARY KEY,
  state TEXT NOT NULL CHECK (json_valid(state)),
  updated_at INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE incidents (
  id TEXT PRIMARY KEY,
  slug TEXT NOT NULL,
  opened_at INTEGER NOT NULL,
  closed_at INTEGER,
  reason TEXT NOT NULL,
  detail TEXT NOT NULL,
  trigger_sent INTEGER NOT NULL DEFAULT 0,
  resolve_note TEXT NOT NULL DEFAULT '',
  delivery TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(delivery))
);
CREATE INDEX incidents_slug ON incidents (slug, opened_at);
CREATE INDEX incidents_opened ON incidents (opened_at);
CREATE INDEX incidents_open ON incidents (opened_at) WHERE closed_at IS NULL;

CREATE TABLE baselines (
  slug TEXT PRIMARY KEY,
  fingerprint TEXT NOT NULL,
  tools TEXT NOT NULL CHECK (json_valid(tools)),
  accepted_at INTEGER NOT NULL,
  pinned INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

CREATE TABLE schema_changes (
  id INTEGER PRIMARY KEY,
  slug TEXT NOT NULL,
  at INTEGER NOT NULL,
  old_fingerprint TEXT NOT NULL,
  new_fingerprint TEXT NOT NULL,
  diff TEXT NOT NULL CHECK (json_valid(diff))
);
CREATE INDEX schema_changes_slug ON schema_changes (slug, at);
CREATE INDEX schema_changes_at ON schema_changes (at);

CREATE TABLE maintenance (
  id TEXT PRIMARY KEY,
  selector TEXT NOT NULL CHECK (json_valid(selector)),
  start_at INTEGER NOT NULL,
  end_at INTEGER NOT NULL,
  created_by TEXT NOT NULL DEFAULT '',
  ended_early INTEGER NOT NULL DEFAULT 0,
  CHECK (end_at >= start_at)
);
CREATE INDEX maintenance_end ON maintenance (end_at);
)sql";

// The alerting outbox (alerting/outbox.cpp): one row per (event, sink), written durably before
// any network call, plus the sinks (with their settings at trigger time) each incident's trigger
// went to so its resolve follows them even after a config change.
constexpr std::string_view kV2 = R"sql(
CREATE TABLE alert_outbox (
  id INTEGER PRIMARY KEY,
  event_id TEXT NOT NULL,
  event_type TEXT NOT NULL,
  incident_id TEXT NOT NULL DEFAULT '',
  slug TEXT NOT NULL,
  sink TEXT NOT NULL,
  sink_settings TEXT NOT NULL CHECK (json_valid(sink_settings)),
  severity TEXT,
  body TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'failed', 'dead')),
  attempts INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  first_attempt_at INTEGER,
  next_attempt_at INTEGER NOT NULL,
  last_status INTEGER,
  last_error TEXT NOT NULL DEFAULT '',
  done_at INTEGER,
  UNIQUE (event_id, sink)
);
CREATE INDEX alert_outbox_pending ON alert_outbox (state, sink, slug, id);

CREATE TABLE alert_incident_sinks (
  incident_id TEXT NOT NULL,
  sink TEXT NOT NULL,
  sink_settings TEXT NOT NULL CHECK (json_valid(sink_settings)),
  severity TEXT,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (incident_id, sink)
) WITHOUT ROWID;
)sql";

// When an attempt started (cleared with its outcome): after a crash, the attempts that may have
// reached their receiver.
constexpr const char* kV3 = R"sql(
ALTER TABLE alert_outbox ADD COLUMN attempt_started_at INTEGER;
)sql";

// Storage bounded by design (README "What is kept how long"): successful raw checks are kept for a
// short window, failed ones far longer, and everything shown over longer windows reads rollups.
// The rollups gain latency min/max and fixed latency buckets (ok checks with a total_ms, like the
// existing latency_sum/latency_count): le_N counts totals in (previous bound, N] ms. Existing
// rollup rows keep their counts (their raw checks may be pruned already); the new columns are
// backfilled from the raw checks that remain. store_meta records how far raw successful checks
// were pruned, so readers know where raw rows stop being complete. The index on every check's time
// becomes two partial ones, so pruning ok and failed checks on different schedules never walks
// past rows it keeps.
constexpr std::string_view kV4 = R"sql(
ALTER TABLE check_hours ADD COLUMN latency_sum REAL NOT NULL DEFAULT 0;
ALTER TABLE check_hours ADD COLUMN latency_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE check_hours ADD COLUMN latency_min REAL;
ALTER TABLE check_hours ADD COLUMN latency_max REAL;
ALTER TABLE check_hours ADD COLUMN le_50 INTEGER NOT NULL DEFAULT 0;
ALTER TABLE check_hours ADD COLUMN le_100 INTEGER NOT NULL DEFAULT 0;
ALTER TABLE check_hours ADD COLUMN le_250 INTEGER NOT NULL DEFAULT 0;
ALTER TABLE check_hours ADD COLUMN le_500 INTEGER NOT NULL DEFAULT 0;
ALTER TABLE check_hours ADD COLUMN le_1000 INTEGER NOT NULL DEFAULT 0;
ALTER TABLE check_hours ADD COLUMN le_2500 INTEGER NOT NULL DEFAULT 0;
ALTER TABLE check_hours ADD COLUMN gt_2500 INTEGER NOT NULL DEFAULT 0;
ALTER TABLE check_days ADD COLUMN latency_min REAL;
ALTER TABLE check_days ADD COLUMN latency_max REAL;
ALTER TABLE check_days ADD COLUMN le_50 INTEGER NOT NULL DEFAULT 0;
ALTER TABLE check_days ADD COLUMN le_100 INTEGER NOT NULL DEFAULT 0;
ALTER TABLE check_days ADD COLUMN le_250 INTEGER NOT NULL DEFAULT 0;
ALTER TABLE check_days ADD COLUMN le_500 INTEGER NOT NULL DEFAULT 0;
ALTER TABLE check_days ADD COLUMN le_1000 INTEGER NOT NULL DEFAULT 0;
ALTER TABLE check_days ADD COLUMN le_2500 INTEGER NOT NULL DEFAULT 0;
ALTER TABLE check_days ADD COLUMN gt_2500 INTEGER NOT NULL DEFAULT 0;

INSERT INTO check_hours (slug, hour, checks, ok, latency_sum, latency_count, latency_min, latency_max, le_50, le_100, le_250, le_500, le_1000, le_2500, gt_2500)
SELECT slug, at / 3600000, count(*), coalesce(sum(ok), 0),
  coalesce(sum(CASE WHEN ok = 1 AND total_ms IS NOT NULL THEN total_ms END), 0), count(CASE WHEN ok = 1 AND total_ms IS NOT NULL THEN total_ms END), min(CASE WHEN ok = 1 AND total_ms IS NOT NULL THEN total_ms END), max(CASE WHEN ok = 1 AND total_ms IS NOT NULL THEN total_ms END),
  coalesce(sum(CASE WHEN ok = 1 AND total_ms IS NOT NULL AND total_ms <= 50 THEN 1 END), 0), coalesce(sum(CASE WHEN ok = 1 AND total_ms IS NOT NULL AND total_ms > 50 AND total_ms <= 100 THEN 1 END), 0),
  coalesce(sum(CASE WHEN ok = 1 AND total_ms IS NOT NULL AND total_ms > 100 AND total_ms <= 250 THEN 1 END), 0), coalesce(sum(CASE WHEN ok = 1 AND total_ms IS NOT NULL AND total_ms > 250 AND total_ms <= 500 THEN 1 END), 0),
  coalesce(sum(CASE WHEN ok = 1 AND total_ms IS NOT NULL AND total_ms > 500 AND total_ms <= 1000 THEN 1 END), 0), coalesce(sum(CASE WHEN ok = 1 AND total_ms IS NOT NULL AND total_ms > 1000 AND total_ms <= 2500 THEN 1 END), 0),
  coalesce(sum(CASE WHEN ok = 1 AND total_ms IS NOT NULL AND total_ms > 2500 THEN 1 END), 0)
FROM checks WHERE true GROUP BY slug, at / 3600000
ON CONFLICT (slug, hour) DO UPDATE SET
  latency_sum = excluded.latency_sum,
  latency_count = excluded.latency_count,
  latency_min = excluded.latency_min,
  latency_max = excluded.latency_max,
  le_50 = excluded.le_50,
  le_100 = excluded.le_100,
  le_250 = excluded.le_250,
  le_500 = excluded.le_500,
  le_1000 = excluded.le_1000,
  le_2500 = excluded.le_2500,
  gt_2500 = excluded.gt_2500;

INSERT INTO check_days (slug, day, checks, ok, latency_sum, latency_count, latency_min, latency_max, le_50, le_100, le_250, le_500, le_1000, le_2500, gt_2500)
SELECT slug, at / 86400000, count(*), coalesce(sum(ok), 0),
  coalesce(sum(CASE WHEN ok = 1 AND total_ms IS NOT NULL THEN total_ms END), 0), count(CASE WHEN ok = 1 AND total_ms IS NOT NULL THEN total_ms END), min(CASE WHEN ok = 1 AND total_ms IS NOT NULL THEN total_ms END), max(CASE WHEN ok = 1 AND total_ms IS NOT NULL THEN total_ms END),
  coalesce(sum(CASE WHEN ok = 1 AND total_ms IS NOT NULL AND total_ms <= 50 THEN 1 END), 0), coalesce(sum(CASE WHEN ok = 1 AND total_ms IS NOT NULL AND total_ms > 50 AND total_ms <= 100 THEN 1 END), 0),
  coalesce(sum(CASE WHEN ok = 1 AND total_ms IS NOT NULL AND total_ms > 100 AND total_ms <= 250 THEN 1 END), 0), coalesce(sum(CASE WHEN ok = 1 AND total_ms IS NOT NULL AND total_ms > 250 AND total_ms <= 500 THEN 1 END), 0),
  coalesce(sum(CASE WHEN ok = 1 AND total_ms IS NOT NULL AND total_ms > 500 AND total_ms <= 1000 THEN 1 END), 0), coalesce(sum(CASE WHEN ok = 1 AND total_ms IS NOT NULL AND total_ms > 1000 AND total_ms <= 2500 THEN 1 END), 0),
  coalesce(sum(CASE WHEN ok = 1 AND total_ms IS NOT NULL AND total_ms > 2500 THEN 1 END), 0)
FROM checks WHERE true GROUP BY slug, at / 86400000
ON CONFLICT (slug, day) DO UPDATE SET
  latency_min = excluded.latency_min,
  latency_max = excluded.latency_max,
  le_50 = excluded.le_50,
  le_100 = excluded.le_100,
  le_250 = excluded.le_250,
  le_500 = excluded.le_500,
  le_1000 = excluded.le_1000,
  le_2500 = excluded.le_2500,
  gt_2500 = excluded.gt_2500;

CREATE TABLE store_meta (
  key TEXT PRIMARY KEY,
  value INTEGER NOT NULL
) WITHOUT ROWID;

DROP INDEX checks_at;
CREATE INDEX checks_ok_at ON checks (at) WHERE ok = 1;
CREATE INDEX checks_failed_at ON checks (at) WHERE ok = 0;
)sql";

// Compact raw checks (README "Storage performance"): the per-row strings move to small
// dictionaries — servers (slug -> id), check_reasons (failure reason -> id, 0 = none) and
// check_profiles (the protocol version, tools fingerprint, tool count, era and transport a check
// saw, which change rarely) — and latencies become integer microseconds. The table is clustered on
// (server, at, seq) WITHOUT ROWID: per-server reads walk it directly, so it needs no index; seq
// numbers checks of one server with the same millisecond in the order they were written (0 for
// nearly all, which costs no bytes). Cleanup walks it per server (Store::prune). Existing rows are
// converted; latencies are rounded to the microsecond. The rollups' time indexes go too: cleanup
// deletes rollups per server through their primary keys.
constexpr std::string_view kV5 = R"sql(
CREATE TABLE servers (
  id INTEGER PRIMARY KEY,
  slug TEXT NOT NULL UNIQUE
);
INSERT INTO servers (slug)
SELECT slug FROM checks UNION SELECT slug FROM check_hours UNION SELECT slug FROM check_days
UNION SELECT slug FROM check_day_reasons ORDER BY 1;

CREATE TABLE check_reasons (
  id INTEGER PRIMARY KEY CHECK (id > 0),
  reason TEXT NOT NULL UNIQUE
);
INSERT INTO check_reasons (reason) SELECT DISTINCT reason FROM checks WHERE reason <> '' ORDER BY 1;

CREATE TABLE check_profiles (
  id INTEGER PRIMARY KEY,
  protocol_version TEXT,
  fingerprint TEXT,
  tool_count INTEGER,
  era TEXT,
  transport TEXT
);
CREATE INDEX check_profiles_fingerprint ON check_profiles (fingerprint);
INSERT INTO check_profiles (protocol_version, fingerprint, tool_count, era, transport)
SELECT DISTINCT protocol_version, fingerprint, tool_count, era, transport FROM checks
WHERE protocol_version IS NOT NULL OR fingerprint IS NOT NULL OR tool_count IS NOT NULL
  OR era IS NOT NULL OR transport IS NOT NULL;

CREATE TABLE checks_v5 (
  server INTEGER NOT NULL,
  at INTEGER NOT NULL,
  seq INTEGER NOT NULL DEFAULT 0,
  ok INTEGER NOT NULL CHECK (ok IN (0, 1)),
  reason INTEGER NOT NULL DEFAULT 0,
  detail TEXT NOT NULL DEFAULT '',
  http_status INTEGER,
  jsonrpc_code INTEGER,
  dns_us INTEGER,
  connect_us INTEGER,
  tls_us INTEGER,
  handshake_us INTEGER,
  tools_list_us INTEGER,
  total_us INTEGER,
  profile INTEGER,
  PRIMARY KEY (server, at, seq)
) WITHOUT ROWID;
INSERT INTO checks_v5 (server, at, seq, ok, reason, detail, http_status, jsonrpc_code, dns_us,
  connect_us, tls_us, handshake_us, tools_list_us, total_us, profile)
SELECT s.id, c.at, row_number() OVER (PARTITION BY c.slug, c.at ORDER BY c.id) - 1, c.ok,
  coalesce((SELECT r.id FROM check_reasons r WHERE r.reason = c.reason), 0), c.detail,
  c.http_status, c.jsonrpc_code,
  CAST(round(c.dns_ms * 1000) AS INTEGER), CAST(round(c.connect_ms * 1000) AS INTEGER),
  CAST(round(c.tls_ms * 1000) AS INTEGER), CAST(round(c.handshake_ms * 1000) AS INTEGER),
  CAST(round(c.tools_list_ms * 1000) AS INTEGER), CAST(round(c.total_ms * 1000) AS INTEGER),
  (SELECT p.id FROM check_profiles p WHERE p.fingerprint IS c.fingerprint
     AND p.protocol_version IS c.protocol_version AND p.tool_count IS c.tool_count
     AND p.era IS c.era AND p.transport IS c.transport)
FROM checks c JOIN servers s ON s.slug = c.slug;
DROP TABLE checks;
ALTER TABLE checks_v5 RENAME TO checks;

DROP INDEX check_hours_hour;
DROP INDEX check_days_day;
DROP INDEX check_day_reasons_day;
)sql";

// Incident communication (admin API): a public title per incident and operators' notes, which
// go with their incident when retention prunes it.
constexpr std::string_view kV6 = R"sql(
ALTER TABLE incidents ADD COLUMN title TEXT NOT NULL DEFAULT '';
CREATE TABLE incident_notes (
  id INTEGER PRIMARY KEY,
  incident_id TEXT NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
  at INTEGER NOT NULL,
  text TEXT NOT NULL,
  public INTEGER NOT NULL DEFAULT 1,
  author TEXT NOT NULL DEFAULT ''
);
CREATE INDEX incident_notes_incident ON incident_notes (incident_id, at);
)sql";

// The incident delivery column reserved in version 1 was never written: the outbox records where
// each trigger went (alert_incident_sinks).
constexpr std::string_view kV7 = R"sql(
ALTER TABLE incidents DROP COLUMN delivery;
)sql";

constexpr std::array kMigrations = {
    Migration{1, "checks, rollups, server state, incidents, baselines, schema changes, maintenance",
              kV1},
    Migration{2, "alerting outbox and the sinks each incident's trigger went to", kV2},
    Migration{3, "outbox attempts marked as started before they are sent", kV3},
    Migration{4, "latency statistics in the rollups, backfilled; raw retention horizon", kV4},
    Migration{5, "compact raw checks: server, reason and profile dictionaries, microseconds", kV5},
    Migration{6, "incident titles and notes", kV6},
    Migration{7, "the never-written incident delivery column dropped", kV7},
};

} // namespace

std::span<const Migration> migrations() {
  return kMigrations;
}

int latestSchemaVersion() {
  return kMigrations.back().version;
}

common::Expected<int, std::string> migrate(sqlite::Connection& connection) {
  // IMMEDIATE takes the write lock before reading user_version, so two processes starting on the
  // same file cannot both run a migration.
  sqlite::Transaction tx(connection, sqlite::Transaction::Mode::Immediate);
  const auto found = static_cast<int>(connection.queryInt("PRAGMA user_version"));
  if (found > latestSchemaVersion())
    return common::unexpected(fmt::format(
        "{}: schema version {} is newer than this mcpwatch supports ({}); upgrade mcpwatch",
        connection.path(), found, latestSchemaVersion()));
  for (const auto& m : kMigrations) {
    if (m.version <= found)
      continue;
    connection.exec(m.sql);
    // PRAGMA takes no bound parameters; the version is our own integer.
    connection.exec(fmt::format("PRAGMA user_version = {}", m.version));
  }
  tx.commit();
  return found;
}

} // namespace mcpwatch::store
