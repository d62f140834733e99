// The reminder rule and the reminder event; the dispatcher (alerting.cpp) reads its inputs from
// the store and writes its outputs to the outbox.
#include "alerting/reminders.hpp"

#include "alerting/sink.hpp"
#include "common/time.hpp"

#include <algorithm>

namespace mcpwatch::alerting {

ReminderIntervals reminderIntervals(const config::Config& config) {
  ReminderIntervals out;
  for (const auto& [name, sink] : config.sinks)
    if (sink.reminderInterval && sink.reminderInterval->count() > 0 && sink.supportsReminders())
      out.emplace(name, *sink.reminderInterval);
  return out;
}

ReminderPlan planReminders(const std::vector<ReminderIncident>& incidents,
                           const ReminderIntervals& intervals, common::WallTime now) {
  ReminderPlan plan;
  auto later = [&](common::WallTime t) {
    plan.nextDue = plan.nextDue ? std::min(*plan.nextDue, t) : t;
  };
  for (const auto& incident : incidents) {
    if (!incident.open || !incident.triggerSent || incident.test)
      continue;
    for (const auto& told : incident.sinks) {
      auto it = intervals.find(told.sink);
      if (it == intervals.end() || it->second.count() <= 0)
        continue;
      const auto interval = it->second;
      const auto elapsed = std::chrono::duration_cast<ReminderInterval>(now - incident.openedAt);
      // A wall clock set back before the incident opened counts as no time passed.
      const std::int64_t k = elapsed.count() > 0 ? elapsed / interval : 0;
      later(incident.openedAt + (k + 1) * interval);
      if (k < 1)
        continue;
      const auto offset = k * interval;
      const auto dueAt = incident.openedAt + offset;
      if (dueAt <= told.lastToldAt)
        continue;
      plan.due.push_back({incident.incidentId, told.sink, k, offset, dueAt});
    }
  }
  return plan;
}

std::string reminderEventId(std::string_view incidentId, ReminderInterval offset) {
  if (incidentId.starts_with("inc_"))
    incidentId.remove_prefix(4);
  return "evt_rem_" + std::string(incidentId) + "_" +
         std::to_string(std::chrono::duration_cast<std::chrono::seconds>(offset).count());
}

Event reminderEvent(Event trigger, const std::string& eventId, common::WallTime openedAt,
                    common::WallTime now) {
  trigger.id = eventId;
  trigger.type = EventType::Reminder;
  trigger.occurredAt = common::formatRfc3339(now);
  trigger.durationSeconds = std::max<std::int64_t>(
      0, std::chrono::duration_cast<std::chrono::seconds>(now - openedAt).count());
  // The trigger's note was about the trigger (delayed by maintenance, ...), not about this one.
  trigger.note.clear();
  return trigger;
}

} // namespace mcpwatch::alerting
