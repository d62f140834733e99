// The reminder rule as a table: which (incident, sink, k) are due at an exact time, and when the
// next one is. No store, no loop, no sleeping: the time is an argument.
#include "alerting/reminders.hpp"
#include "alerting/sink.hpp"
#include "common/time.hpp"
#include "alerting/webhook_config.hpp"
#include "channels/email_config.hpp"
#include "channels/slack_config.hpp"

#include <gtest/gtest.h>

namespace mcpwatch::alerting {
namespace {

using namespace std::chrono_literals;
using common::WallTime;

const WallTime kOpened = *common::parseRfc3339("2026-11-24T02:00:00Z");

// An open incident whose trigger went to `sinks` at kOpened.
ReminderIncident incident(std::string id, std::vector<std::string> sinks) {
  ReminderIncident i;
  i.incidentId = std::move(id);
  i.openedAt = kOpened;
  i.triggerSent = true;
  for (auto& s : sinks)
    i.sinks.push_back({std::move(s), kOpened});
  return i;
}

std::vector<DueReminder> dueAt(const std::vector<ReminderIncident>& incidents,
                               const ReminderIntervals& intervals, WallTime now) {
  return planReminders(incidents, intervals, now).due;
}

DueReminder due(std::string incident, std::string sink, std::int64_t k,
                std::chrono::milliseconds interval) {
  return {std::move(incident), std::move(sink), k, k * interval, kOpened + k * interval};
}

const ReminderIntervals kChat30m = {{"chat", 30min}};

TEST(ReminderPlan, FirstReminderAtExactlyOneInterval) {
  const auto incidents = std::vector{incident("inc_1", {"chat"})};
  EXPECT_TRUE(dueAt(incidents, kChat30m, kOpened + 30min - 1ms).empty());
  EXPECT_EQ(dueAt(incidents, kChat30m, kOpened + 30min),
            (std::vector{due("inc_1", "chat", 1, 30min)}));
  // The next one is due one interval later, at the millisecond.
  EXPECT_EQ(planReminders(incidents, kChat30m, kOpened + 30min).nextDue, kOpened + 60min);
  EXPECT_EQ(planReminders(incidents, kChat30m, kOpened).nextDue, kOpened + 30min);
  EXPECT_EQ(planReminders(incidents, kChat30m, kOpened + 30min - 1ms).nextDue, kOpened + 30min);
}

TEST(ReminderPlan, ASecondEvaluationAddsNothingOnceTheSinkWasTold) {
  auto incidents = std::vector{incident("inc_1", {"chat"})};
  incidents[0].sinks[0].lastToldAt = kOpened + 30min + 5ms; // reminder 1 was written then
  EXPECT_TRUE(dueAt(incidents, kChat30m, kOpened + 30min + 10ms).empty());
  EXPECT_TRUE(dueAt(incidents, kChat30m, kOpened + 60min - 1ms).empty());
  EXPECT_EQ(dueAt(incidents, kChat30m, kOpened + 60min),
            (std::vector{due("inc_1", "chat", 2, 30min)}));
}

TEST(ReminderPlan, AfterAGapOnlyTheLatestMissedReminderIsDue) {
  // mcpwatch was stopped from +35m (reminder 1 sent at +30m) to +2h05m.
  auto incidents = std::vector{incident("inc_1", {"chat"})};
  incidents[0].sinks[0].lastToldAt = kOpened + 30min;
  EXPECT_EQ(dueAt(incidents, kChat30m, kOpened + 125min),
            (std::vector{due("inc_1", "chat", 4, 30min)}));
  EXPECT_EQ(planReminders(incidents, kChat30m, kOpened + 125min).nextDue, kOpened + 150min);
}

TEST(ReminderPlan, ATriggerReleasedLateIsNotFollowedAtOnceByAReminder) {
  // Held by maintenance until +2h10m, then sent: the next due point after that is +2h30m.
  auto incidents = std::vector{incident("inc_1", {"chat"})};
  incidents[0].sinks[0].lastToldAt = kOpened + 130min;
  EXPECT_TRUE(dueAt(incidents, kChat30m, kOpened + 130min).empty());
  EXPECT_TRUE(dueAt(incidents, kChat30m, kOpened + 150min - 1ms).empty());
  EXPECT_EQ(dueAt(incidents, kChat30m, kOpened + 150min),
            (std::vector{due("inc_1", "chat", 5, 30min)}));
}

TEST(ReminderPlan, NoneForHeldTestOrClosedIncidents) {
  auto held = incident("inc_held", {"chat"});
  held.triggerSent = false;
  auto test = incident("inc_test_1", {"chat"});
  test.test = true;
  auto closed = incident("inc_closed", {"chat"});
  closed.open = false;
  const auto plan = planReminders({held, test, closed}, kChat30m, kOpened + 3h);
  EXPECT_TRUE(plan.due.empty());
  EXPECT_FALSE(plan.nextDue) << "nothing will ever be due for them";
}

TEST(ReminderPlan, NoneForASinkWithoutIntervalOrNoLongerConfigured) {
  // The trigger went to "chat" and "pager"; only "chat" has an interval. After a reload that
  // removed it (or the sink), none at all.
  const auto incidents = std::vector{incident("inc_1", {"chat", "pager"})};
  EXPECT_EQ(dueAt(incidents, kChat30m, kOpened + 31min),
            (std::vector{due("inc_1", "chat", 1, 30min)}));
  const auto plan = planReminders(incidents, {}, kOpened + 31min);
  EXPECT_TRUE(plan.due.empty());
  EXPECT_FALSE(plan.nextDue);
  EXPECT_TRUE(dueAt(incidents, {{"other", 30min}}, kOpened + 31min).empty());
  EXPECT_TRUE(dueAt(incidents, {{"chat", 0ms}}, kOpened + 31min).empty());
}

TEST(ReminderPlan, OnlyTheSinksTheTriggerWentToEachOnItsOwnInterval) {
  auto a = incident("inc_a", {"chat", "mail"});
  auto b = incident("inc_b", {"mail"});
  b.openedAt = kOpened + 10min;
  b.sinks[0].lastToldAt = b.openedAt;
  const ReminderIntervals intervals = {{"chat", 30min}, {"mail", 1h}, {"hook", 1min}};
  EXPECT_EQ(dueAt({a, b}, intervals, kOpened + 1h),
            (std::vector{due("inc_a", "chat", 2, 30min), due("inc_a", "mail", 1, 1h)}));
  // inc_b's mail reminder is next (1h after it opened), before inc_a's next chat one.
  EXPECT_EQ(planReminders({a, b}, intervals, kOpened + 1h).nextDue, kOpened + 70min);
}

TEST(ReminderPlan, AWallClockSetBackIsNoTimePassed) {
  const auto incidents = std::vector{incident("inc_1", {"chat"})};
  const auto plan = planReminders(incidents, kChat30m, kOpened - 1h);
  EXPECT_TRUE(plan.due.empty());
  EXPECT_EQ(plan.nextDue, kOpened + 30min);
}

TEST(ReminderEvent, IdDependsOnlyOnIncidentAndOffset) {
  EXPECT_EQ(reminderEventId("inc_01abc", 30min), "evt_rem_01abc_1800");
  EXPECT_EQ(reminderEventId("inc_01abc", 2 * 30min), reminderEventId("inc_01abc", 1h));
  EXPECT_NE(reminderEventId("inc_01abc", 1h), reminderEventId("inc_01abd", 1h));
  EXPECT_EQ(reminderEventId("other", 1min), "evt_rem_other_60");
}

TEST(ReminderEvent, IsTheTriggerWithItsOwnIdTypeTimeAndDuration) {
  Event trigger;
  trigger.id = "evt_t";
  trigger.occurredAt = "2026-11-24T02:00:00Z";
  trigger.incidentId = "inc_1";
  trigger.slug = "github-mcp";
  trigger.name = "GitHub MCP";
  trigger.reason = "http_error";
  trigger.summary = "HTTP 503";
  trigger.owner = "Team Search";
  trigger.note = "trigger delayed by maintenance";
  const auto reminder = reminderEvent(trigger, "evt_rem_1_4800", kOpened, kOpened + 80min + 400ms);
  Event expected = trigger;
  expected.id = "evt_rem_1_4800";
  expected.type = EventType::Reminder;
  expected.occurredAt = "2026-11-24T03:20:00Z";
  expected.durationSeconds = 4800;
  expected.note.clear();
  EXPECT_EQ(reminder, expected);
  EXPECT_EQ(toJson(reminder)["type"], toString(EventType::Reminder));
  // A wall clock set back before the incident opened counts as no time passed.
  EXPECT_EQ(reminderEvent(trigger, "evt", kOpened, kOpened - 5min).durationSeconds, 0);
}

TEST(ReminderIntervalsOf, OnlySinksWithAnInterval) {
  config::Config c;
  c.sinks["chat"] = {"chat", channels::SlackSinkConfig{}};
  c.sinks["chat"].reminderInterval = 30min;
  c.sinks["hook"] = {"hook", alerting::WebhookSinkConfig{}};
  c.sinks["mail"] = {"mail", channels::EmailSinkConfig{}};
  c.sinks["mail"].reminderInterval = 2h;
  EXPECT_EQ(reminderIntervals(c), (ReminderIntervals{{"chat", 30min}, {"mail", 2h}}));
}

} // namespace
} // namespace mcpwatch::alerting
