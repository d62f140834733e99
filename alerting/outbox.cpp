// The outbox tables' SQL; the dispatcher in alerting.cpp decides what to do with the rows.
#include "alerting/outbox.hpp"

#include "store/sqlite.hpp"

namespace mcpwatch::alerting {

std::string_view toString(RowState state) {
  switch (state) {
  case RowState::Pending:
    return "pending";
  case RowState::Delivered:
    return "delivered";
  case RowState::Failed:
    return "failed";
  case RowState::Dead:
    return "dead";
  }
  return "pending";
}

namespace outbox {
namespace {

std::int64_t toMs(common::WallTime t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}
common::WallTime fromMs(std::int64_t ms) {
  return common::WallTime(
      std::chrono::duration_cast<common::WallTime::duration>(std::chrono::milliseconds(ms)));
}
RowState parseState(const std::string& s) {
  if (s == "delivered")
    return RowState::Delivered;
  if (s == "failed")
    return RowState::Failed;
  if (s == "dead")
    return RowState::Dead;
  return RowState::Pending;
}

constexpr std::string_view kColumns =
    "id, event_id, event_type, incident_id, slug, sink, sink_settings, severity, body, state, "
    "attempts, created_at, first_attempt_at, next_attempt_at, last_status, last_error, "
    "attempt_started_at";

OutboxRow readRow(store::sqlite::Statement& s) {
  OutboxRow r;
  r.id = s.int64(0);
  r.eventId = s.text(1);
  r.eventType = s.text(2);
  r.incidentId = s.text(3);
  r.slug = s.text(4);
  r.sink = s.text(5);
  r.sinkSettings = s.text(6);
  r.severity = s.optText(7);
  r.body = s.text(8);
  r.state = parseState(s.text(9));
  r.attempts = static_cast<int>(s.int64(10));
  r.createdAt = fromMs(s.int64(11));
  if (auto v = s.optInt64(12))
    r.firstAttemptAt = fromMs(*v);
  r.nextAttemptAt = fromMs(s.int64(13));
  if (auto v = s.optInt64(14))
    r.lastStatus = static_cast<int>(*v);
  r.lastError = s.text(15);
  if (auto v = s.optInt64(16))
    r.attemptStartedAt = fromMs(*v);
  return r;
}

// OR IGNORE: publishing the same event twice (a daemon retry) must not deliver it twice.
// `whileOpen`: only rows whose incident is still open are written (reminders).
store::WriteOp insertRowsIf(std::vector<OutboxRow> rows, bool whileOpen) {
  return store::CustomWrite{[rows = std::move(rows), whileOpen](store::sqlite::Connection& c) {
    for (const auto& r : rows) {
      auto s = c.use(std::string("INSERT OR IGNORE INTO alert_outbox (event_id, event_type, "
                                 "incident_id, slug, sink, sink_settings, severity, body, state, "
                                 "attempts, created_at, next_attempt_at) SELECT ?, ?, ?, ?, ?, ?, "
                                 "?, ?, 'pending', 0, ?, ?") +
                     (whileOpen ? " WHERE EXISTS (SELECT 1 FROM incidents WHERE id = ?3 AND "
                                  "closed_at IS NULL)"
                                : ""));
      s->bind(1, r.eventId)
          .bind(2, r.eventType)
          .bind(3, r.incidentId)
          .bind(4, r.slug)
          .bind(5, r.sink)
          .bind(6, r.sinkSettings)
          .bind(7, r.severity)
          .bind(8, r.body)
          .bind(9, toMs(r.createdAt))
          .bind(10, toMs(r.nextAttemptAt));
      s->run();
    }
  }};
}

} // namespace

store::WriteOp insertRows(std::vector<OutboxRow> rows) {
  return insertRowsIf(std::move(rows), false);
}

store::WriteOp recordIncidentSinks(std::string incidentId, std::vector<IncidentSink> sinks,
                                   common::WallTime at) {
  return store::CustomWrite{[incidentId = std::move(incidentId), sinks = std::move(sinks),
                             at](store::sqlite::Connection& c) {
    for (const auto& s : sinks) {
      // A repeated trigger for the same incident keeps the first record: that is what PagerDuty
      // was told, so that is where the resolve must go.
      auto st = c.use("INSERT OR IGNORE INTO alert_incident_sinks (incident_id, sink, "
                      "sink_settings, severity, created_at) VALUES (?, ?, ?, ?, ?)");
      st->bind(1, incidentId).bind(2, s.sink).bind(3, s.sinkSettings).bind(4, s.severity);
      st->bind(5, toMs(at));
      st->run();
    }
  }};
}

store::WriteOp updateAfterAttempt(std::int64_t id, RowState state, int attempts,
                                  common::WallTime firstAttemptAt, common::WallTime nextAttemptAt,
                                  std::optional<int> lastStatus, std::string lastError,
                                  std::optional<common::WallTime> doneAt) {
  return store::CustomWrite{[=, lastError = std::move(lastError)](store::sqlite::Connection& c) {
    auto s = c.use("UPDATE alert_outbox SET state = ?, attempts = ?, first_attempt_at = ?, "
                   "next_attempt_at = ?, last_status = ?, last_error = ?, done_at = ?, "
                   "attempt_started_at = NULL WHERE id = ?");
    s->bind(1, toString(state))
        .bind(2, attempts)
        .bind(3, toMs(firstAttemptAt))
        .bind(4, toMs(nextAttemptAt))
        .bind(5, lastStatus)
        .bind(6, lastError);
    if (doneAt)
      s->bind(7, toMs(*doneAt));
    else
      s->bindNull(7);
    s->bind(8, id);
    s->run();
  }};
}

store::WriteOp insertReminderRows(std::vector<OutboxRow> rows) {
  return insertRowsIf(std::move(rows), true);
}

store::WriteOp markNotSent(std::int64_t id, std::string reason, common::WallTime at) {
  return store::CustomWrite{[=, reason = std::move(reason)](store::sqlite::Connection& c) {
    auto s = c.use("UPDATE alert_outbox SET state = 'failed', last_error = ?, done_at = ?, "
                   "attempt_started_at = NULL WHERE id = ? AND state = 'pending'");
    s->bind(1, reason).bind(2, toMs(at)).bind(3, id);
    s->run();
  }};
}

store::WriteOp markAttemptStarted(std::int64_t id, common::WallTime at) {
  return store::CustomWrite{[=](store::sqlite::Connection& c) {
    auto s = c.use("UPDATE alert_outbox SET attempt_started_at = ? WHERE id = ?");
    s->bind(1, toMs(at)).bind(2, id);
    s->run();
  }};
}

store::Result<std::vector<OutboxRow>> pendingHeads(store::Store& store) {
  std::vector<OutboxRow> rows;
  auto r = store.read([&](store::sqlite::Connection& c) {
    // A reminder head is stale once its incident is closed (or gone), or once a newer reminder of
    // the incident waits behind it for the same sink: it is then never sent, so a reminder never
    // follows its resolve and a sink that was down gets only the newest one.
    auto s = c.use(
        std::string("SELECT ") + std::string(kColumns) +
        ", CASE WHEN o.event_type != 'alert.reminder' THEN 0 "
        "WHEN NOT EXISTS (SELECT 1 FROM incidents i WHERE i.id = o.incident_id AND i.closed_at IS "
        "NULL) THEN 1 "
        "WHEN EXISTS (SELECT 1 FROM alert_outbox n WHERE n.state = 'pending' AND n.sink = o.sink "
        "AND n.slug = o.slug AND n.id > o.id AND n.incident_id = o.incident_id AND n.event_type "
        "= 'alert.reminder') THEN 2 ELSE 0 END"
        " FROM alert_outbox o WHERE o.id IN (SELECT MIN(id) FROM alert_outbox WHERE "
        "state = 'pending' GROUP BY sink, slug) ORDER BY o.next_attempt_at, o.id");
    while (s->step()) {
      rows.push_back(readRow(*s));
      const auto stale = s->int64(17);
      if (stale == 1)
        rows.back().staleReason =
            "not sent: the incident was resolved before this reminder went out";
      else if (stale == 2)
        rows.back().staleReason = "not sent: a newer reminder of this incident replaced it";
    }
  });
  if (!r)
    return common::unexpected(r.error());
  return rows;
}

store::Result<std::vector<IncidentSink>> incidentSinks(store::Store& store,
                                                       const std::string& incidentId) {
  std::vector<IncidentSink> out;
  auto r = store.read([&](store::sqlite::Connection& c) {
    auto s = c.use("SELECT sink, sink_settings, severity FROM alert_incident_sinks WHERE "
                   "incident_id = ? ORDER BY sink");
    s->bind(1, incidentId);
    while (s->step())
      out.push_back({s->text(0), s->text(1), s->optText(2)});
  });
  if (!r)
    return common::unexpected(r.error());
  return out;
}

store::Result<std::vector<ReminderCandidate>>
reminderCandidates(store::Store& store, const std::vector<std::string>& sinks) {
  std::vector<ReminderCandidate> out;
  if (sinks.empty())
    return out;
  common::Json names = sinks;
  auto r = store.read([&](store::sqlite::Connection& c) {
    // The outbox has no index on incident_id: the lookups go through (state, sink, slug, id), so
    // each reads one server's rows to one sink, not the whole table. The open incidents come
    // from the partial index incidents_open.
    auto s = c.use(
        "SELECT i.id, i.slug, i.opened_at, i.trigger_sent, s.sink, s.sink_settings, s.severity, "
        "s.created_at, "
        "(SELECT MAX(r.created_at) FROM alert_outbox r WHERE r.state IN ('pending', "
        "'delivered', 'failed', 'dead') AND r.sink = s.sink AND r.slug = i.slug AND "
        "r.incident_id = i.id AND r.event_type = 'alert.reminder'), "
        "(SELECT t.body FROM alert_outbox t WHERE t.state IN ('pending', 'delivered', 'failed', "
        "'dead') AND t.sink = s.sink AND t.slug = i.slug AND t.incident_id = i.id AND "
        "t.event_type = 'alert.triggered' ORDER BY t.id LIMIT 1) "
        "FROM incidents i JOIN alert_incident_sinks s ON s.incident_id = i.id "
        "WHERE i.closed_at IS NULL AND s.sink IN (SELECT value FROM json_each(?)) "
        "ORDER BY i.opened_at, i.id, s.sink");
    s->bind(1, names.dump());
    while (s->step()) {
      ReminderCandidate rc;
      rc.incidentId = s->text(0);
      rc.slug = s->text(1);
      rc.openedAt = fromMs(s->int64(2));
      rc.triggerSent = s->int64(3) != 0;
      rc.sink = s->text(4);
      rc.sinkSettings = s->text(5);
      rc.severity = s->optText(6);
      rc.triggerAt = fromMs(s->int64(7));
      if (auto v = s->optInt64(8))
        rc.lastReminderAt = fromMs(*v);
      rc.triggerBody = s->optText(9);
      out.push_back(std::move(rc));
    }
  });
  if (!r)
    return common::unexpected(r.error());
  return out;
}

store::Result<std::map<std::string, SinkCounts>> countsBySink(store::Store& store) {
  std::map<std::string, SinkCounts> out;
  auto r = store.read([&](store::sqlite::Connection& c) {
    auto s = c.use("SELECT sink, state, COUNT(*) FROM alert_outbox WHERE state != 'delivered' "
                   "GROUP BY sink, state");
    while (s->step()) {
      auto& counts = out[s->text(0)];
      const auto state = parseState(s->text(1));
      const auto n = s->int64(2);
      if (state == RowState::Pending)
        counts.pending = n;
      else if (state == RowState::Dead)
        counts.dead = n;
      else if (state == RowState::Failed)
        counts.failed = n;
    }
  });
  if (!r)
    return common::unexpected(r.error());
  return out;
}

store::Result<std::vector<OutboxRow>> allRows(store::Store& store) {
  std::vector<OutboxRow> rows;
  auto r = store.read([&](store::sqlite::Connection& c) {
    auto s =
        c.use(std::string("SELECT ") + std::string(kColumns) + " FROM alert_outbox ORDER BY id");
    while (s->step())
      rows.push_back(readRow(*s));
  });
  if (!r)
    return common::unexpected(r.error());
  return rows;
}

store::Result<std::vector<OutboxRow>> rowsInState(store::Store& store, RowState state,
                                                  std::size_t limit) {
  std::vector<OutboxRow> rows;
  auto r = store.read([&](store::sqlite::Connection& c) {
    auto s = c.use(std::string("SELECT ") + std::string(kColumns) +
                   " FROM alert_outbox WHERE state = ? ORDER BY id DESC LIMIT ?");
    s->bind(1, toString(state)).bind(2, static_cast<std::int64_t>(limit));
    while (s->step())
      rows.push_back(readRow(*s));
  });
  if (!r)
    return common::unexpected(r.error());
  return rows;
}

} // namespace outbox
} // namespace mcpwatch::alerting
