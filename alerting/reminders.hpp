// Reminders for sinks without an acknowledgement model: which are due (a pure function of the
// open incidents, the sinks their triggers went to, the configured intervals and the time), and
// the alert.reminder event each one is.
#pragma once

#include "alerting/event.hpp"
#include "common/clock.hpp"
#include "common/expected.hpp"
#include "common/json.hpp"
#include "config/config.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mcpwatch::alerting {

using ReminderInterval = std::chrono::milliseconds;
// Sink name -> its reminder_interval, for the sinks of the current config that have one.
using ReminderIntervals = std::map<std::string, ReminderInterval, std::less<>>;
ReminderIntervals reminderIntervals(const config::Config& config);

// A sink an open incident's trigger was routed to (an alert_incident_sinks record).
struct ReminderSink {
  std::string sink;
  // When the sink was last told about the incident: when its trigger was written to the outbox,
  // or its newest reminder, whichever is later.
  common::WallTime lastToldAt{};
};

struct ReminderIncident {
  std::string incidentId;
  common::WallTime openedAt{};
  bool open = true;
  bool triggerSent = false; // false while maintenance or a dependency holds the trigger
  bool test = false;        // a test alert's incident
  std::vector<ReminderSink> sinks;
};

// The reminder number `number` of an incident to one sink: due at openedAt + number x interval.
struct DueReminder {
  std::string incidentId;
  std::string sink;
  std::int64_t number = 0;
  ReminderInterval offset{}; // number x interval: how long after the incident opened it is due
  common::WallTime dueAt{};
  friend bool operator==(const DueReminder&, const DueReminder&) = default;
};

struct ReminderPlan {
  std::vector<DueReminder> due; // in the order of `incidents`, then of their sinks
  // The earliest time after `now` at which another reminder falls due; unset when none will
  // (no open incident has a sink with an interval).
  std::optional<common::WallTime> nextDue;
};

// For every open incident whose trigger was sent (not held, not a test) and every sink it went to
// that still has an interval: the latest due time openedAt + k x interval (k >= 1) at or before
// `now` is due when it is later than the sink was last told about the incident. So the first
// reminder comes at exactly openedAt + interval, a restart or a second evaluation adds nothing
// (the sink was told after that due time), after mcpwatch was stopped for a while only the
// latest missed one is due (never a burst), and a trigger released late (maintenance, a
// dependency) is not followed at once by a reminder.
ReminderPlan planReminders(const std::vector<ReminderIncident>& incidents,
                           const ReminderIntervals& intervals, common::WallTime now);

// "evt_rem_<incident without inc_>_<offset in seconds>": the same for the same incident and due
// offset whatever the sink or the process, so the outbox's UNIQUE (event_id, sink) drops a repeat.
std::string reminderEventId(std::string_view incidentId, ReminderInterval offset);

// The reminder (DESIGN.md section 7): the trigger with its own `id`, type alert.reminder,
// `occurred_at` now and `duration_seconds` since the incident opened; everything else (incident
// id, server context, failure reason and summary) as the trigger said it, except the trigger's
// `note` (it was about the trigger).
Event reminderEvent(Event trigger, const std::string& eventId, common::WallTime openedAt,
                    common::WallTime now);

} // namespace mcpwatch::alerting
