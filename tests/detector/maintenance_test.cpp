// Maintenance calendar: one-off, cron in a time zone, runtime windows, and the daemon's loop.
#include "detector/detector.hpp"
#include "detector/maintenance.hpp"
#include "ledger.hpp"

#include <gtest/gtest.h>

namespace mcpwatch::detector {
namespace {

using namespace testing;

const ServerRef kGithub{"github-mcp", {"thirdparty"}};
const ServerRef kInternal{"db-mcp", {"internal", "eu"}};

MaintenanceWindow oneOff(std::string id, WindowTarget target, std::string_view start,
                         std::optional<std::string_view> end,
                         WindowSource source = WindowSource::Config) {
  auto w = makeOneOffWindow(std::move(id), std::move(target), at(start),
                            end ? std::optional(at(*end)) : std::nullopt, source);
  EXPECT_TRUE(w) << (w ? "" : w.error());
  return *w;
}

MaintenanceWindow recurring(std::string id, WindowTarget target, std::string_view cron,
                            std::chrono::seconds duration, std::string_view zone) {
  auto w = makeRecurringWindow(std::move(id), std::move(target), cron, duration, zone);
  EXPECT_TRUE(w) << (w ? "" : w.error());
  return *w;
}

TEST(MaintenanceTarget, MatchesBySlugTagOrAll) {
  EXPECT_TRUE(matches({false, {"github-mcp"}, {}}, kGithub));
  EXPECT_FALSE(matches({false, {"github-mcp"}, {}}, kInternal));
  EXPECT_TRUE(matches({false, {}, {"internal"}}, kInternal));
  EXPECT_FALSE(matches({false, {}, {"internal"}}, kGithub));
  EXPECT_TRUE(matches({true, {}, {}}, kGithub));
  EXPECT_FALSE(matches({}, kGithub)); // an empty selector selects nothing
}

TEST(MaintenanceOneOff, ActiveFromStartUntilEndExclusive) {
  MaintenanceCalendar calendar;
  ASSERT_FALSE(calendar.setConfigWindows({oneOff("migration", {false, {}, {"internal"}},
                                                 "2026-12-01T02:00:00Z", "2026-12-01T04:00:00Z")}));
  EXPECT_FALSE(calendar.active(kInternal, at("2026-12-01T01:59:59Z")));
  EXPECT_TRUE(calendar.active(kInternal, at("2026-12-01T02:00:00Z")));
  EXPECT_TRUE(calendar.active(kInternal, at("2026-12-01T03:59:59Z")));
  EXPECT_FALSE(calendar.active(kInternal, at("2026-12-01T04:00:00Z")));
  EXPECT_FALSE(calendar.active(kGithub, at("2026-12-01T03:00:00Z")));
  EXPECT_EQ(calendar.activeWindows(kInternal, at("2026-12-01T03:00:00Z")),
            std::vector<std::string>{"migration"});

  EXPECT_EQ(calendar.nextChange(kInternal, at("2026-11-30T00:00:00Z")), at("2026-12-01T02:00:00Z"));
  EXPECT_EQ(calendar.nextChange(kInternal, at("2026-12-01T02:00:00Z")), at("2026-12-01T04:00:00Z"));
  EXPECT_FALSE(calendar.nextChange(kInternal, at("2026-12-01T04:00:00Z")));
  EXPECT_FALSE(calendar.nextChange(kGithub, at("2026-11-30T00:00:00Z")));
}

TEST(MaintenanceOneOff, OverlappingWindowsChangeOnlyAtTheRealEdges) {
  MaintenanceCalendar calendar;
  ASSERT_FALSE(calendar.setConfigWindows(
      {oneOff("a", {true, {}, {}}, "2026-12-01T02:00:00Z", "2026-12-01T03:00:00Z"),
       oneOff("b", {false, {"github-mcp"}, {}}, "2026-12-01T02:30:00Z", "2026-12-01T05:00:00Z")}));
  EXPECT_EQ(calendar.nextChange(kGithub, at("2026-12-01T02:10:00Z")), at("2026-12-01T05:00:00Z"));
  EXPECT_EQ(calendar.nextChange(kInternal, at("2026-12-01T02:10:00Z")), at("2026-12-01T03:00:00Z"));
}

TEST(MaintenanceCalendarBoundary, TheNextEdgeOfAnyWindowForAnyServer) {
  MaintenanceCalendar calendar;
  EXPECT_FALSE(calendar.nextBoundary(at("2026-12-01T00:00:00Z"))) << "no windows, no sweeps";
  ASSERT_FALSE(calendar.setConfigWindows(
      {oneOff("a", {false, {}, {"internal"}}, "2026-12-01T02:00:00Z", "2026-12-01T03:00:00Z"),
       oneOff("b", {false, {"github-mcp"}, {}}, "2026-12-01T02:30:00Z", "2026-12-01T05:00:00Z"),
       recurring("nightly", {false, {"nobody"}, {}}, "0 4 * * *", std::chrono::hours(1), "UTC")}));
  EXPECT_EQ(calendar.nextBoundary(at("2026-12-01T00:00:00Z")), at("2026-12-01T02:00:00Z"));
  EXPECT_EQ(calendar.nextBoundary(at("2026-12-01T02:00:00Z")), at("2026-12-01T02:30:00Z"));
  EXPECT_EQ(calendar.nextBoundary(at("2026-12-01T02:30:00Z")), at("2026-12-01T03:00:00Z"));
  EXPECT_EQ(calendar.nextBoundary(at("2026-12-01T03:00:00Z")), at("2026-12-01T04:00:00Z"));
  EXPECT_EQ(calendar.nextBoundary(at("2026-12-01T04:30:00Z")), at("2026-12-01T05:00:00Z"));
  EXPECT_EQ(calendar.nextBoundary(at("2026-12-01T05:00:00Z")), at("2026-12-02T04:00:00Z"));
}

TEST(MaintenanceOneOff, InvalidDefinitionsAreErrors) {
  auto backwards =
      makeOneOffWindow("x", {true, {}, {}}, at("2026-12-01T04:00:00Z"), at("2026-12-01T02:00:00Z"));
  ASSERT_FALSE(backwards);
  EXPECT_EQ(backwards.error(), "end: must be after start");
  EXPECT_FALSE(makeOneOffWindow("", {true, {}, {}}, at("2026-12-01T04:00:00Z"), std::nullopt));
  MaintenanceCalendar calendar;
  auto dup = calendar.setConfigWindows(
      {oneOff("a", {true, {}, {}}, "2026-12-01T02:00:00Z", "2026-12-01T03:00:00Z"),
       oneOff("a", {true, {}, {}}, "2026-12-02T02:00:00Z", "2026-12-02T03:00:00Z")});
  ASSERT_TRUE(dup);
  EXPECT_NE(dup->find("used twice"), std::string::npos);
  EXPECT_TRUE(calendar.windows().empty());
}

TEST(MaintenanceCron, WeeklyWindowInBerlinTime) {
  // Tuesdays 03:00-03:30 Berlin time: 02:00 UTC in winter (CET), 01:00 UTC in summer (CEST).
  MaintenanceCalendar calendar;
  ASSERT_FALSE(
      calendar.setConfigWindows({recurring("deploy", {false, {"github-mcp"}, {}}, "0 3 * * 2",
                                           std::chrono::minutes(30), "Europe/Berlin")}));
  // 2026-11-24 is a Tuesday.
  EXPECT_FALSE(calendar.active(kGithub, at("2026-11-24T01:59:59Z")));
  EXPECT_TRUE(calendar.active(kGithub, at("2026-11-24T02:00:00Z")));
  EXPECT_TRUE(calendar.active(kGithub, at("2026-11-24T02:29:59Z")));
  EXPECT_FALSE(calendar.active(kGithub, at("2026-11-24T02:30:00Z")));
  EXPECT_FALSE(calendar.active(kGithub, at("2026-11-25T02:10:00Z"))); // Wednesday
  EXPECT_FALSE(calendar.active(kInternal, at("2026-11-24T02:10:00Z")));
  // Summer: 2026-07-07 is a Tuesday.
  EXPECT_TRUE(calendar.active(kGithub, at("2026-07-07T01:10:00Z")));
  EXPECT_FALSE(calendar.active(kGithub, at("2026-07-07T02:10:00Z")));

  EXPECT_EQ(calendar.nextChange(kGithub, at("2026-11-23T12:00:00Z")), at("2026-11-24T02:00:00Z"));
  EXPECT_EQ(calendar.nextChange(kGithub, at("2026-11-24T02:00:00Z")), at("2026-11-24T02:30:00Z"));
  EXPECT_EQ(calendar.nextChange(kGithub, at("2026-11-24T02:30:00Z")), at("2026-12-01T02:00:00Z"));
}

TEST(MaintenanceCron, OccurrencesLongerThanThePeriodMergeIntoOneSpan) {
  // Every hour for 90 minutes between 01:00 and 03:00 UTC: one span 01:00-04:30.
  MaintenanceCalendar calendar;
  ASSERT_FALSE(calendar.setConfigWindows(
      {recurring("batch", {true, {}, {}}, "0 1-3 * * *", std::chrono::minutes(90), "UTC")}));
  EXPECT_TRUE(calendar.active(kGithub, at("2026-11-24T02:45:00Z")));
  EXPECT_EQ(calendar.nextChange(kGithub, at("2026-11-24T01:10:00Z")), at("2026-11-24T04:30:00Z"));
}

TEST(MaintenanceCron, AlwaysActiveScheduleHasNoNextChangeAndReturnsPromptly) {
  MaintenanceCalendar calendar;
  ASSERT_FALSE(calendar.setConfigWindows(
      {recurring("forever", {true, {}, {}}, "* * * * *", std::chrono::minutes(5), "UTC")}));
  EXPECT_TRUE(calendar.active(kGithub, at("2026-11-24T02:45:30Z")));
  EXPECT_FALSE(calendar.nextChange(kGithub, at("2026-11-24T02:45:30Z")));
}

TEST(MaintenanceCron, ManyBoundariesInsideALongWindowStillMoveForward) {
  // A minute-by-minute window inside a month-long one: no flip for weeks. nextChange may stop
  // early, but only at an instant after `after` where asking again makes progress.
  MaintenanceCalendar calendar;
  ASSERT_FALSE(calendar.setConfigWindows(
      {recurring("pulse", {true, {}, {}}, "* * * * *", std::chrono::seconds(30), "UTC"),
       oneOff("month", {true, {}, {}}, "2026-11-01T00:00:00Z", "2026-12-01T00:00:00Z")}));
  auto cursor = at("2026-11-24T02:00:00Z");
  int asks = 0;
  while (cursor < at("2026-12-01T00:00:00Z") && asks < 10) {
    auto next = calendar.nextChange(kGithub, cursor);
    ASSERT_TRUE(next);
    ASSERT_GT(*next, cursor);
    cursor = *next;
    ++asks;
  }
  EXPECT_EQ(cursor, at("2026-12-01T00:00:30Z")); // the first real flip: pulse ends after month
  EXPECT_FALSE(calendar.active(kGithub, cursor));
}

TEST(MaintenanceCron, InvalidDefinitionsNameTheField) {
  auto badCron =
      makeRecurringWindow("x", {true, {}, {}}, "61 * * * *", std::chrono::minutes(5), "UTC");
  ASSERT_FALSE(badCron);
  EXPECT_EQ(badCron.error().rfind("cron: ", 0), 0u);
  auto badZone = makeRecurringWindow("x", {true, {}, {}}, "0 3 * * 2", std::chrono::minutes(5),
                                     "Mars/Olympus");
  ASSERT_FALSE(badZone);
  EXPECT_EQ(badZone.error(), "timezone: unknown IANA time zone");
  auto badDuration =
      makeRecurringWindow("x", {true, {}, {}}, "0 3 * * 2", std::chrono::seconds(0), "UTC");
  ASSERT_FALSE(badDuration);
  EXPECT_EQ(badDuration.error(), "duration: must be positive");
}

TEST(MaintenanceCron, TheConfigsParsedExpressionAndZoneAreUsedAsGiven) {
  auto cron = common::CronExpression::parse("0 3 * * 2");
  ASSERT_TRUE(cron);
  auto berlin = common::TimeZone::load("Europe/Berlin");
  ASSERT_TRUE(berlin);
  auto w = makeRecurringWindow("deploy", {true, {}, {}}, *cron, std::chrono::minutes(30), berlin);
  ASSERT_TRUE(w) << w.error();
  // Tuesday 2026-11-24 03:00 in Berlin is 02:00 UTC.
  EXPECT_TRUE(activeOccurrence(*w, at("2026-11-24T02:10:00Z")));
  EXPECT_FALSE(activeOccurrence(*w, at("2026-11-24T03:10:00Z")));
  auto noZone = makeRecurringWindow("deploy", {true, {}, {}}, *cron, std::chrono::minutes(30),
                                    std::shared_ptr<const common::TimeZone>());
  ASSERT_FALSE(noZone);
  EXPECT_EQ(noZone.error(), "timezone: unknown IANA time zone");
}

TEST(MaintenanceRuntime, AddListEndEarlyAndPersist) {
  MaintenanceCalendar calendar;
  ASSERT_FALSE(calendar.setConfigWindows({recurring(
      "deploy", {false, {"github-mcp"}, {}}, "0 3 * * 2", std::chrono::minutes(30), "UTC")}));
  // Admin API: maintenance for internal servers from now until stopped.
  auto manual = oneOff("adm-1", {false, {}, {"internal"}}, "2026-11-24T10:00:00Z", std::nullopt,
                       WindowSource::Runtime);
  manual.comment = "db upgrade";
  ASSERT_FALSE(calendar.add(manual));
  auto dup = calendar.add(manual);
  ASSERT_TRUE(dup);
  EXPECT_NE(dup->find("already exists"), std::string::npos);
  ASSERT_EQ(calendar.windows().size(), 2u);
  EXPECT_TRUE(calendar.active(kInternal, at("2026-11-30T00:00:00Z"))); // open-ended
  EXPECT_FALSE(calendar.nextChange(kInternal, at("2026-11-24T10:00:00Z")));

  // A config reload keeps runtime windows.
  ASSERT_FALSE(calendar.setConfigWindows({}));
  ASSERT_TRUE(calendar.find("adm-1"));

  auto notActive = calendar.endEarly("adm-1", at("2026-11-24T09:00:00Z"));
  ASSERT_TRUE(notActive);
  EXPECT_NE(notActive->find("not active"), std::string::npos);
  ASSERT_TRUE(calendar.endEarly("nope", at("2026-11-24T11:00:00Z")));
  ASSERT_FALSE(calendar.endEarly("adm-1", at("2026-11-24T11:00:00Z")));
  EXPECT_FALSE(calendar.active(kInternal, at("2026-11-24T11:00:00Z")));
  EXPECT_TRUE(calendar.active(kInternal, at("2026-11-24T10:59:59Z")));

  // Persisted and restored (the store keeps runtimeToJson()).
  MaintenanceCalendar restored;
  auto problems = restored.loadRuntime(common::Json::parse(calendar.runtimeToJson().dump()));
  EXPECT_TRUE(problems.empty());
  ASSERT_TRUE(restored.find("adm-1"));
  EXPECT_EQ(restored.find("adm-1")->comment, "db upgrade");
  EXPECT_EQ(restored.find("adm-1")->source, WindowSource::Runtime);
  EXPECT_FALSE(restored.active(kInternal, at("2026-11-24T11:00:00Z")));
  EXPECT_TRUE(restored.active(kInternal, at("2026-11-24T10:30:00Z")));

  calendar.pruneExpired(at("2026-11-24T12:00:00Z"));
  EXPECT_FALSE(calendar.find("adm-1"));
  EXPECT_FALSE(calendar.remove("adm-1"));
}

TEST(MaintenanceRuntime, EndingARecurringOccurrenceEarlyKeepsLaterOnes) {
  MaintenanceCalendar calendar;
  ASSERT_FALSE(calendar.setConfigWindows({recurring(
      "deploy", {false, {"github-mcp"}, {}}, "0 3 * * 2", std::chrono::minutes(30), "UTC")}));
  ASSERT_FALSE(calendar.endEarly("deploy", at("2026-11-24T03:10:00Z")));
  EXPECT_FALSE(calendar.active(kGithub, at("2026-11-24T03:10:00Z")));
  EXPECT_FALSE(calendar.active(kGithub, at("2026-11-24T03:20:00Z")));
  EXPECT_TRUE(calendar.active(kGithub, at("2026-12-01T03:10:00Z")));
  EXPECT_EQ(calendar.nextChange(kGithub, at("2026-11-24T03:10:00Z")), at("2026-12-01T03:00:00Z"));

  // The early end survives a config reload and a restart (saved with the runtime state).
  ASSERT_FALSE(calendar.setConfigWindows({recurring(
      "deploy", {false, {"github-mcp"}, {}}, "0 3 * * 2", std::chrono::minutes(30), "UTC")}));
  EXPECT_FALSE(calendar.active(kGithub, at("2026-11-24T03:20:00Z")));
  MaintenanceCalendar restarted;
  ASSERT_FALSE(restarted.setConfigWindows({recurring(
      "deploy", {false, {"github-mcp"}, {}}, "0 3 * * 2", std::chrono::minutes(30), "UTC")}));
  restarted.loadRuntime(calendar.runtimeToJson());
  EXPECT_FALSE(restarted.active(kGithub, at("2026-11-24T03:20:00Z")));
  EXPECT_TRUE(restarted.active(kGithub, at("2026-12-01T03:10:00Z")));
}

TEST(MaintenanceOccurrence, CurrentOrNextForTheStatusPage) {
  auto once = oneOff("migration", {true, {}, {}}, "2026-12-01T02:00:00Z", "2026-12-01T04:00:00Z");
  auto upcoming = currentOrNextOccurrence(once, at("2026-11-30T00:00:00Z"));
  ASSERT_TRUE(upcoming);
  EXPECT_EQ(upcoming->start, at("2026-12-01T02:00:00Z"));
  EXPECT_EQ(upcoming->end, at("2026-12-01T04:00:00Z"));
  EXPECT_EQ(currentOrNextOccurrence(once, at("2026-12-01T03:00:00Z"))->start,
            at("2026-12-01T02:00:00Z"));
  EXPECT_FALSE(currentOrNextOccurrence(once, at("2026-12-01T04:00:00Z"))) << "over";

  // Weekly, Tuesdays 03:00 Berlin: in progress, then the next Tuesday; an occurrence ended early
  // gives way to the next one.
  auto weekly = recurring("deploy", {false, {"github-mcp"}, {}}, "0 3 * * 2",
                          std::chrono::minutes(30), "Europe/Berlin");
  auto now = currentOrNextOccurrence(weekly, at("2026-11-24T02:10:00Z"));
  ASSERT_TRUE(now);
  EXPECT_EQ(now->start, at("2026-11-24T02:00:00Z"));
  EXPECT_EQ(now->end, at("2026-11-24T02:30:00Z"));
  EXPECT_EQ(currentOrNextOccurrence(weekly, at("2026-11-24T02:30:00Z"))->start,
            at("2026-12-01T02:00:00Z"));
  MaintenanceCalendar calendar;
  ASSERT_FALSE(calendar.setConfigWindows({weekly}));
  ASSERT_FALSE(calendar.endEarly("deploy", at("2026-11-24T02:10:00Z")));
  EXPECT_EQ(currentOrNextOccurrence(*calendar.find("deploy"), at("2026-11-24T02:15:00Z"))->start,
            at("2026-12-01T02:00:00Z"));
}

TEST(MaintenanceRuntime, BrokenSavedWindowsAreSkippedAndReported) {
  MaintenanceCalendar calendar;
  auto problems = calendar.loadRuntime(common::Json::parse(R"({"windows": [
      {"id": "ok", "kind": "one_off", "start": "2026-11-24T10:00:00Z", "end": null},
      {"id": "bad", "kind": "one_off", "start": "soon"},
      {"id": "worse", "kind": "weekly"},
      {"id": "zone", "kind": "recurring", "cron": "0 3 * * 2", "duration_seconds": 60,
       "timezone": "../../etc/passwd"},
      7]})"));
  EXPECT_EQ(problems.size(), 4u);
  EXPECT_EQ(calendar.windows().size(), 1u);
  EXPECT_FALSE(calendar.loadRuntime(common::Json("nope")).empty());
}

// The daemon's loop over a real window: probe results plus an evaluate() at each boundary.
TEST(MaintenanceLoop, TriggerHeldDuringCronWindowGoesOutAtItsEnd) {
  MaintenanceCalendar calendar;
  ASSERT_FALSE(calendar.setConfigWindows({recurring(
      "deploy", {false, {"github-mcp"}, {}}, "0 3 * * 2", std::chrono::minutes(30), "UTC")}));
  Detector d({}, CountingIds{}.generator());
  std::vector<Event> events;
  auto check = [&](std::string_view when, bool ok) {
    auto time = at(when);
    auto out = d.record(ok ? okAt(time) : failAt(time), calendar.active(kGithub, time));
    events.insert(events.end(), out.events.begin(), out.events.end());
  };
  check("2026-11-24T02:59:00Z", true);
  check("2026-11-24T03:05:00Z", false); // the deploy breaks it
  check("2026-11-24T03:05:20Z", false);
  check("2026-11-24T03:29:40Z", false);
  EXPECT_TRUE(events.empty());
  auto boundary = calendar.nextChange(kGithub, at("2026-11-24T03:29:40Z"));
  ASSERT_EQ(boundary, at("2026-11-24T03:30:00Z"));
  auto out = d.evaluate(*boundary, calendar.active(kGithub, *boundary));
  ASSERT_EQ(eventTypes(out.events), "alert.triggered");
  EXPECT_EQ(out.events[0].downSince, "2026-11-24T03:05:00Z");
  check("2026-11-24T03:30:00Z", false);
  check("2026-11-24T03:30:20Z", true);
  ASSERT_EQ(eventTypes(events), "alert.resolved");
}

} // namespace
} // namespace mcpwatch::detector
