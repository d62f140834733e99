// The durable outbox: SQL for the alert_outbox and alert_incident_sinks tables (migration 2).
#pragma once

#include "common/clock.hpp"
#include "common/json.hpp"
#include "store/store.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace mcpwatch::alerting {

enum class RowState { Pending, Delivered, Failed, Dead };
std::string_view toString(RowState state);

struct OutboxRow {
  std::int64_t id = 0; // assigned on insert; FIFO order within a (sink, server) pair
  std::string eventId;
  std::string eventType;
  std::string incidentId;
  std::string slug;
  std::string sink;
  std::string sinkSettings; // JSON (saveSinkSettings), fixed when the row is written
  std::optional<std::string> severity;
  std::string body;
  RowState state = RowState::Pending;
  int attempts = 0;
  common::WallTime createdAt{};
  std::optional<common::WallTime> firstAttemptAt;
  common::WallTime nextAttemptAt{};
  std::optional<int> lastStatus;
  std::string lastError;
  // Set (durably) just before a request goes out and cleared with the attempt's outcome: a
  // pending row that still has it after a restart was being sent when mcpwatch died, so the
  // receiver may already have it ("in doubt").
  std::optional<common::WallTime> attemptStartedAt;
  // Filled by pendingHeads() for reminders only: why this one must not go out any more (its
  // incident was resolved, or a newer reminder of the incident waits for the same sink).
  std::string staleReason;
};

// A sink an incident's trigger was routed to, as it was configured then.
struct IncidentSink {
  std::string sink;
  std::string sinkSettings;
  std::optional<std::string> severity;
};

// One sink an open incident's trigger went to, with what a reminder to it is made from.
struct ReminderCandidate {
  std::string incidentId;
  std::string slug;
  common::WallTime openedAt{};
  bool triggerSent = false;
  std::string sink;
  std::string sinkSettings; // as when the trigger was routed (a reminder follows its trigger)
  std::optional<std::string> severity;
  common::WallTime triggerAt{};                   // when the trigger was written to the outbox
  std::optional<common::WallTime> lastReminderAt; // when the newest reminder was
  std::optional<std::string> triggerBody;         // the trigger's row to this sink
};

struct SinkCounts {
  std::int64_t pending = 0;
  std::int64_t dead = 0;
  std::int64_t failed = 0;
};

// Writes return store ops to commit together (atomic); reads run on a store read connection.
namespace outbox {

store::WriteOp insertRows(std::vector<OutboxRow> rows);
store::WriteOp recordIncidentSinks(std::string incidentId, std::vector<IncidentSink> sinks,
                                   common::WallTime at);
// Reminder rows (insertRows' rules), each written only while its incident is still open: a
// reminder planned from a read that a resolve overtook is never queued behind that resolve.
store::WriteOp insertReminderRows(std::vector<OutboxRow> rows);
// Ends a pending row without sending it (a stale reminder): state failed, no attempt, `reason` as
// its last error.
store::WriteOp markNotSent(std::int64_t id, std::string reason, common::WallTime at);
// Marks an attempt as started (before the request is sent).
store::WriteOp markAttemptStarted(std::int64_t id, common::WallTime at);
// Stores the outcome of one attempt on a row (and clears the started mark).
store::WriteOp updateAfterAttempt(std::int64_t id, RowState state, int attempts,
                                  common::WallTime firstAttemptAt, common::WallTime nextAttemptAt,
                                  std::optional<int> lastStatus, std::string lastError,
                                  std::optional<common::WallTime> doneAt);

// The oldest pending row of every (sink, server) pair: only these may be attempted, so a resolve
// never overtakes its trigger.
store::Result<std::vector<OutboxRow>> pendingHeads(store::Store& store);
store::Result<std::vector<IncidentSink>> incidentSinks(store::Store& store,
                                                       const std::string& incidentId);
// Every (open incident, sink its trigger went to) for the sinks named in `sinks`, oldest incident
// first. Reads the store's incidents table beside the outbox's own.
store::Result<std::vector<ReminderCandidate>>
reminderCandidates(store::Store& store, const std::vector<std::string>& sinks);
store::Result<std::map<std::string, SinkCounts>> countsBySink(store::Store& store);
// Every row, oldest first (tests and diagnostics).
store::Result<std::vector<OutboxRow>> allRows(store::Store& store);
// Newest first, at most `limit` rows in `state` (the API's dead-letter listing).
store::Result<std::vector<OutboxRow>> rowsInState(store::Store& store, RowState state,
                                                  std::size_t limit);

} // namespace outbox
} // namespace mcpwatch::alerting
