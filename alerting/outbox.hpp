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
  std::string sinkSettings; // JSON (sinkSettingsToJson), fixed when the row is written
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
};

// A sink an incident's trigger was routed to, as it was configured then.
struct IncidentSink {
  std::string sink;
  std::string sinkSettings;
  std::optional<std::string> severity;
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
store::Result<std::map<std::string, SinkCounts>> countsBySink(store::Store& store);
// Every row, oldest first (tests and diagnostics).
store::Result<std::vector<OutboxRow>> allRows(store::Store& store);
// Newest first, at most `limit` rows in `state` (the API's dead-letter listing).
store::Result<std::vector<OutboxRow>> rowsInState(store::Store& store, RowState state,
                                                  std::size_t limit);

} // namespace outbox
} // namespace mcpwatch::alerting
