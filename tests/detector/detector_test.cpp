// Ledger tests of the state machine: thresholds, flapping, maintenance hold-back and removal.
#include "common/time.hpp"
#include "detector/detector.hpp"
#include "detector/schedule.hpp"
#include "detector/state.hpp"
#include "ledger.hpp"

#include <gtest/gtest.h>

namespace mcpwatch::detector {
namespace {

using namespace testing;
using R = Result;
using S = HealthState;
using Tr = Transition;

constexpr auto T = "alert.triggered";
constexpr auto Rs = "alert.resolved";

Detector makeDetector(DetectorSettings settings = {}, ServerState state = {}) {
  return Detector(settings, CountingIds{}.generator(), std::move(state));
}

TEST(Thresholds, DefaultTwoFailuresOpenOneSuccessCloses) {
  auto d = makeDetector();
  auto events = runLedger(d, {
                                 {0, R::Ok, false, S::Up, Tr::Changed, ""},
                                 {60, R::Fail, false, S::Failing, Tr::ChangePending, ""},
                                 {80, R::Ok, false, S::Up, Tr::Unchanged, ""},
                                 {140, R::Fail, false, S::Failing, Tr::ChangePending, ""},
                                 {160, R::Fail, false, S::Down, Tr::Changed, T},
                                 {180, R::Fail, false, S::Down, Tr::Unchanged, ""},
                                 {200, R::Ok, false, S::Up, Tr::Changed, Rs},
                                 {260, R::Ok, false, S::Up, Tr::Unchanged, ""},
                             });
  ASSERT_EQ(events.size(), 2u);
  const Event& trigger = events[0];
  const Event& resolve = events[1];
  EXPECT_EQ(trigger.incidentId, resolve.incidentId);
  EXPECT_EQ(trigger.incidentId.rfind("inc_", 0), 0u);
  EXPECT_EQ(trigger.id.rfind("evt_", 0), 0u);
  EXPECT_NE(trigger.id, resolve.id);
  EXPECT_EQ(trigger.occurredAt, common::formatRfc3339(t(160s)));
  EXPECT_EQ(trigger.reason, "connect_refused");
  EXPECT_EQ(trigger.detail, "connection refused");
  EXPECT_EQ(trigger.consecutiveFailures, 2);
  EXPECT_EQ(trigger.downSince,
            common::formatRfc3339(t(140s))); // the first failure of the streak, not the trigger
  ASSERT_EQ(trigger.recentFailures.size(), 3u);
  EXPECT_EQ(trigger.recentFailures[0].at, common::formatRfc3339(t(60s)));
  EXPECT_EQ(trigger.recentFailures[2].at, common::formatRfc3339(t(160s)));
  EXPECT_EQ(trigger.protocolVersion, "2025-11-25");
  EXPECT_FALSE(trigger.durationSeconds);
  EXPECT_EQ(resolve.occurredAt, common::formatRfc3339(t(200s)));
  EXPECT_EQ(resolve.durationSeconds, 60);
  EXPECT_EQ(resolve.downSince, common::formatRfc3339(t(140s)));
  EXPECT_EQ(resolve.responseTimeMs, 42.0);
  EXPECT_EQ(resolve.consecutiveFailures, 0);
  EXPECT_TRUE(resolve.note.empty());
}

TEST(Thresholds, CustomThreeFailuresTwoSuccesses) {
  DetectorSettings settings;
  settings.failureThreshold = 3;
  settings.successThreshold = 2;
  auto d = makeDetector(settings);
  auto events = runLedger(d, {
                                 {0, R::Fail, false, S::Failing, Tr::ChangePending, ""},
                                 {20, R::Fail, false, S::Failing, Tr::ChangePending, ""},
                                 {40, R::Fail, false, S::Down, Tr::Changed, T},
                                 {60, R::Ok, false, S::Down, Tr::ChangePending, ""},
                                 {80, R::Fail, false, S::Down, Tr::Unchanged, ""},
                                 {100, R::Ok, false, S::Down, Tr::ChangePending, ""},
                                 {120, R::Ok, false, S::Up, Tr::Changed, Rs},
                                 {180, R::Fail, false, S::Failing, Tr::ChangePending, ""},
                                 {200, R::Fail, false, S::Failing, Tr::ChangePending, ""},
                                 {220, R::Ok, false, S::Up, Tr::Unchanged, ""},
                             });
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].consecutiveFailures, 3);
  EXPECT_EQ(events[0].downSince, common::formatRfc3339(t(0s)));
  EXPECT_EQ(events[1].durationSeconds, 120);
}

TEST(Thresholds, ThresholdOneTriggersOnFirstFailureFromUnknown) {
  DetectorSettings settings;
  settings.failureThreshold = 1;
  auto d = makeDetector(settings);
  runLedger(d, {
                   {0, R::Fail, false, S::Down, Tr::Changed, T},
                   {20, R::Ok, false, S::Up, Tr::Changed, Rs},
               });
}

TEST(Thresholds, NonPositiveThresholdsActAsOne) {
  DetectorSettings settings;
  settings.failureThreshold = 0;
  settings.successThreshold = -3;
  auto d = makeDetector(settings);
  runLedger(d, {
                   {0, R::Fail, false, S::Down, Tr::Changed, T},
                   {20, R::Ok, false, S::Up, Tr::Changed, Rs},
               });
}

TEST(Thresholds, EmptyFailureReasonBecomesUnknown) {
  auto d = makeDetector();
  d.record(failAt(t(0s), "", ""), false);
  auto out = d.record(failAt(t(20s), "", ""), false);
  ASSERT_EQ(out.events.size(), 1u);
  EXPECT_EQ(out.events[0].reason, "unknown");
}

// The daemon's loop in miniature: the next check happens exactly when nextDue() says.
struct Simulation {
  Detector detector;
  ScheduleSettings schedule;
  common::WallTime now = kT0;
  std::vector<Event> events;
  int checks = 0;

  void check(bool ok, bool maintenance = false) {
    auto outcome = detector.record(ok ? okAt(now) : failAt(now), maintenance);
    ++checks;
    for (auto& e : outcome.events)
      events.push_back(std::move(e));
    now += nextDelay(schedule, detector.settings(), detector.state());
  }
  int count(EventType type) const {
    int n = 0;
    for (const auto& e : events)
      n += e.type == type;
    return n;
  }
};

TEST(Flapping, AlternatingForAnHourPagesOnceAndResolvesOnceWhenStable) {
  Simulation sim{makeDetector(), {}};
  bool ok = false;
  while (sim.now < t(1h)) {
    sim.check(ok);
    ok = !ok;
  }
  // Cadence 20 s after a failure, 60 s after a success: 45 fail/ok pairs in the hour.
  EXPECT_EQ(sim.checks, 90);
  ASSERT_EQ(sim.count(EventType::Triggered), 1);
  EXPECT_EQ(sim.count(EventType::Resolved), 0);
  const Event trigger = sim.events[0];
  EXPECT_EQ(trigger.reason, "flapping");
  EXPECT_EQ(sim.detector.state().status, HealthState::Flapping);
  EXPECT_TRUE(sim.detector.state().flapping);

  // Stable again: the incident stays open until the flap percentage falls below 25 %.
  int stableChecks = 0;
  while (sim.count(EventType::Resolved) == 0 && stableChecks < 100) {
    sim.check(true);
    ++stableChecks;
  }
  ASSERT_EQ(sim.count(EventType::Resolved), 1);
  EXPECT_GT(stableChecks, 5); // not on the first good check: it has to be stable
  EXPECT_LT(stableChecks, 21);
  EXPECT_EQ(sim.events.back().incidentId, trigger.incidentId);
  EXPECT_EQ(sim.detector.state().status, HealthState::Up);
  for (int i = 0; i < 30; ++i)
    sim.check(true);
  EXPECT_EQ(sim.events.size(), 2u);
}

TEST(Flapping, DisabledAlternatingNeverPages) {
  DetectorSettings settings;
  settings.flapping.enabled = false;
  Simulation sim{makeDetector(settings), {}};
  bool ok = false;
  while (sim.now < t(1h)) {
    sim.check(ok);
    ok = !ok;
  }
  EXPECT_TRUE(sim.events.empty());
  EXPECT_FALSE(sim.detector.state().flapping);
}

TEST(Flapping, FlappingThatTurnsIntoAnOutageStaysOneIncident) {
  Simulation sim{makeDetector(), {}};
  for (int i = 0; i < 24; ++i)
    sim.check(i % 2 == 1);
  ASSERT_EQ(sim.count(EventType::Triggered), 1);
  for (int i = 0; i < 40; ++i)
    sim.check(false); // hard down: flapping fades, the incident stays open
  EXPECT_FALSE(sim.detector.state().flapping);
  EXPECT_EQ(sim.detector.state().status, HealthState::Down);
  EXPECT_EQ(sim.count(EventType::Triggered), 1);
  sim.check(true);
  EXPECT_EQ(sim.count(EventType::Resolved), 1);
  EXPECT_EQ(sim.events.back().incidentId, sim.events.front().incidentId);
}

TEST(Flapping, OutageThatStartsFlappingKeepsItsIncident) {
  DetectorSettings settings;
  settings.successThreshold = 2; // single good checks never close it; flapping then holds it
  Simulation sim{makeDetector(settings), {}};
  sim.check(false);
  sim.check(false);
  ASSERT_EQ(sim.count(EventType::Triggered), 1);
  EXPECT_EQ(sim.events[0].reason, "connect_refused");
  for (int i = 0; i < 30; ++i)
    sim.check(i % 2 == 0);
  EXPECT_EQ(sim.detector.state().status, HealthState::Flapping);
  EXPECT_EQ(sim.count(EventType::Triggered), 1);
  EXPECT_EQ(sim.count(EventType::Resolved), 0); // a good check while flapping does not resolve
}

TEST(Flapping, PercentStateChangeIsWeightedOldestLightNewestHeavy) {
  std::deque<bool> same(21, true);
  EXPECT_DOUBLE_EQ(percentStateChange(same, 21), 0.0);
  std::deque<bool> alternating;
  for (int i = 0; i < 21; ++i)
    alternating.push_back(i % 2 == 0);
  EXPECT_NEAR(percentStateChange(alternating, 21), 100.0, 1e-9);
  std::deque<bool> newest(21, true);
  newest.back() = false;
  EXPECT_NEAR(percentStateChange(newest, 21), 1.2 * 100 / 20, 1e-9);
  std::deque<bool> oldest(21, true);
  oldest.front() = false;
  EXPECT_NEAR(percentStateChange(oldest, 21), 0.8 * 100 / 20, 1e-9);
  // A short history fills the newest slots: one recent flip is not yet flapping.
  EXPECT_NEAR(percentStateChange({true, false}, 21), 6.0, 1e-9);
  EXPECT_DOUBLE_EQ(percentStateChange({}, 21), 0.0);
  EXPECT_DOUBLE_EQ(percentStateChange({true, false}, 2), 0.0); // degenerate window
}

TEST(Flapping, HighAndLowThresholdsAreConfigurable) {
  DetectorSettings settings;
  settings.flapping.window = 5;
  settings.flapping.highThreshold = 70;
  settings.flapping.lowThreshold = 10;
  auto d = makeDetector(settings);
  // Changes in a 5-window: four slots weighing 0.8, 0.933, 1.067, 1.2 (divided by 4).
  runLedger(d, {
                   {0, R::Ok, false, S::Up, Tr::Changed, ""},
                   {60, R::Fail, false, S::Failing, Tr::ChangePending, ""}, // 30 %
                   {80, R::Ok, false, S::Up, Tr::Unchanged, ""},            // 56.7 %
                   {140, R::Fail, false, S::Flapping, Tr::Changed, T},      // 80 %
                   {160, R::Ok, false, S::Flapping, Tr::ChangePending, ""}, // 100 %
                   {220, R::Ok, false, S::Flapping, Tr::ChangePending, ""}, // 70 %
                   {280, R::Ok, false, S::Flapping, Tr::ChangePending, ""}, // 43.3 %
                   {340, R::Ok, false, S::Flapping, Tr::ChangePending, ""}, // 20 %
                   {400, R::Ok, false, S::Up, Tr::Changed, Rs},             // 0 %
               });
}

// --- maintenance -------------------------------------------------------------------------

TEST(Maintenance, WindowStartsWhileDownAndServerRecoversInsideIt) {
  auto d = makeDetector();
  auto events = runLedger(d, {
                                 {0, R::Fail, false, S::Failing, Tr::ChangePending, ""},
                                 {20, R::Fail, false, S::Down, Tr::Changed, T},
                                 {40, R::Fail, true, S::Down, Tr::Unchanged, ""},
                                 {60, R::Ok, true, S::Up, Tr::Changed, Rs}, // never held back
                             });
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].incidentId, events[0].incidentId);
  EXPECT_TRUE(d.state().inMaintenance);
  // The window ends: nothing more to say.
  EXPECT_TRUE(d.evaluate(t(120s), false).events.empty());
}

TEST(Maintenance, FailsAndRecoversEntirelyInsideAWindowSaysNothing) {
  auto d = makeDetector();
  auto events = runLedger(d, {
                                 {0, R::Ok, true, S::Up, Tr::Changed, ""},
                                 {60, R::Fail, true, S::Failing, Tr::ChangePending, ""},
                                 {80, R::Fail, true, S::Down, Tr::Changed, ""},
                                 {100, R::Fail, true, S::Down, Tr::Unchanged, ""},
                                 {120, R::Ok, true, S::Up, Tr::Changed, ""},
                             });
  EXPECT_TRUE(events.empty());
  EXPECT_TRUE(d.evaluate(t(300s), false).events.empty());
  EXPECT_FALSE(d.state().incident);
}

TEST(Maintenance, StillDownWhenTheWindowEndsTriggersThenOnce) {
  auto d = makeDetector();
  runLedger(d, {
                   {0, R::Fail, true, S::Failing, Tr::ChangePending, ""},
                   {20, R::Fail, true, S::Down, Tr::Changed, ""},
                   {40, R::Fail, true, S::Down, Tr::Unchanged, ""},
               });
  ASSERT_TRUE(d.state().incident);
  EXPECT_FALSE(d.state().incident->triggerSent);
  // Still inside the window: evaluate keeps holding.
  EXPECT_TRUE(d.evaluate(t(50s), true).events.empty());

  auto atEnd = d.evaluate(t(60s), false);
  ASSERT_EQ(eventTypes(atEnd.events), T);
  const Event trigger = atEnd.events[0];
  EXPECT_EQ(trigger.occurredAt, common::formatRfc3339(t(60s)));
  EXPECT_EQ(trigger.downSince, common::formatRfc3339(t(0s)));
  EXPECT_EQ(trigger.consecutiveFailures, 3);
  EXPECT_NE(trigger.note.find("held back by maintenance since 2026-11-24T02:00:20Z"),
            std::string::npos);
  EXPECT_FALSE(d.state().inMaintenance);
  EXPECT_TRUE(d.evaluate(t(61s), false).events.empty()); // no second trigger

  auto later = runLedger(d, {
                                {80, R::Fail, false, S::Down, Tr::Unchanged, ""},
                                {100, R::Ok, false, S::Up, Tr::Changed, Rs},
                            });
  EXPECT_EQ(later[0].incidentId, trigger.incidentId);
}

TEST(Maintenance, RecoveringWhenTheWindowEndsIsNotPaged) {
  DetectorSettings settings;
  settings.successThreshold = 2;
  auto d = makeDetector(settings);
  runLedger(d, {
                   {0, R::Fail, true, S::Failing, Tr::ChangePending, ""},
                   {20, R::Fail, true, S::Down, Tr::Changed, ""},
                   {40, R::Ok, true, S::Down, Tr::ChangePending, ""},
               });
  EXPECT_TRUE(d.evaluate(t(50s), false).events.empty()); // coming back: hold on
  runLedger(d, {
                   {60, R::Ok, false, S::Up, Tr::Changed, ""}, // closed without a word
               });
  auto again = makeDetector(settings);
  runLedger(again, {
                       {0, R::Fail, true, S::Failing, Tr::ChangePending, ""},
                       {20, R::Fail, true, S::Down, Tr::Changed, ""},
                       {40, R::Ok, true, S::Down, Tr::ChangePending, ""},
                       {60, R::Fail, false, S::Down, Tr::Unchanged, T}, // relapsed: page now
                   });
}

TEST(Maintenance, FirstCheckAfterTheWindowReleasesTheHeldTriggerWithoutEvaluate) {
  auto d = makeDetector();
  runLedger(d, {
                   {0, R::Fail, true, S::Failing, Tr::ChangePending, ""},
                   {20, R::Fail, true, S::Down, Tr::Changed, ""},
                   {40, R::Fail, false, S::Down, Tr::Unchanged, T},
                   {60, R::Fail, false, S::Down, Tr::Unchanged, ""},
               });
}

TEST(Maintenance, DownBeforeTheWindowAndStillDownAfterItIsNotPagedAgain) {
  auto d = makeDetector();
  runLedger(d, {
                   {0, R::Fail, false, S::Failing, Tr::ChangePending, ""},
                   {20, R::Fail, false, S::Down, Tr::Changed, T},
                   {40, R::Fail, true, S::Down, Tr::Unchanged, ""},
                   {60, R::Fail, true, S::Down, Tr::Unchanged, ""},
               });
  EXPECT_TRUE(d.evaluate(t(70s), false).events.empty());
  runLedger(d, {
                   {80, R::Fail, false, S::Down, Tr::Unchanged, ""},
                   {100, R::Ok, false, S::Up, Tr::Changed, Rs},
               });
}

TEST(Maintenance, FlagFileHoldsTriggersLikeAWindow) {
  // The daemon passes "flag file exists" as the same bool; flapping is held back too.
  Simulation sim{makeDetector(), {}};
  for (int i = 0; i < 30; ++i)
    sim.check(i % 2 == 1, /*maintenance=*/true);
  EXPECT_TRUE(sim.events.empty());
  EXPECT_EQ(sim.detector.state().status, HealthState::Flapping);
  auto released = sim.detector.evaluate(sim.now, false); // flag file removed
  ASSERT_EQ(eventTypes(released.events), T);
  EXPECT_EQ(released.events[0].reason, "flapping");
}

// --- removal -------------------------------------------------------------------------------

TEST(Removal, OpenIncidentIsResolvedWithANote) {
  auto d = makeDetector();
  auto events = runLedger(d, {
                                 {0, R::Fail, false, S::Failing, Tr::ChangePending, ""},
                                 {20, R::Fail, false, S::Down, Tr::Changed, T},
                             });
  auto removed = d.resolveForRemoval(t(300s));
  ASSERT_EQ(removed.events.size(), 1u);
  const auto& resolve = removed.events[0];
  EXPECT_EQ(resolve.type, EventType::Resolved);
  EXPECT_EQ(resolve.incidentId, events[0].incidentId);
  EXPECT_EQ(resolve.note, "server removed from the configuration");
  EXPECT_EQ(resolve.durationSeconds, 300);
  ASSERT_TRUE(removed.incident.closed);
  EXPECT_EQ(removed.incident.closed->id, events[0].incidentId);
  EXPECT_EQ(removed.incident.closed->note, "server removed from the configuration");
  EXPECT_FALSE(d.state().incident);
  auto again = d.resolveForRemoval(t(301s)); // only once
  EXPECT_TRUE(again.events.empty());
  EXPECT_FALSE(again.incident.any());
}

TEST(Dependencies, HeldByADependencyTriggersWhenReleasedAndSaysWhy) {
  auto d = makeDetector();
  const std::string why = "while dependency \"api\" was down";
  EXPECT_TRUE(d.record(failAt(t(0s)), false, why).events.empty());
  auto opened = d.record(failAt(t(20s)), false, why);
  EXPECT_TRUE(opened.events.empty()) << "the incident opens, its trigger is held";
  ASSERT_TRUE(d.state().incident);
  EXPECT_EQ(d.state().incident->heldBy, why);
  EXPECT_FALSE(d.state().inMaintenance) << "a dependency hold is not maintenance";
  EXPECT_EQ(d.state().status, HealthState::Down);
  // A maintenance boundary while the dependency is still down keeps holding.
  EXPECT_TRUE(d.evaluate(t(30s), false, why).events.empty());
  // The held reason survives a restart (state JSON).
  auto restored = stateFromJson(toJson(d.state()));
  ASSERT_TRUE(restored && restored->incident);
  EXPECT_EQ(restored->incident->heldBy, why);
  // The dependency recovered; this server still fails: its own trigger goes out now.
  auto released = d.record(failAt(t(40s)), false);
  ASSERT_EQ(eventTypes(released.events), T);
  EXPECT_EQ(released.events[0].note,
            "held back while dependency \"api\" was down since 2026-11-24T02:00:20Z");
}

TEST(Removal, NothingToResolveWhenHealthyOrNeverAnnounced) {
  auto healthy = makeDetector();
  healthy.record(okAt(t(0s)), false);
  EXPECT_FALSE(healthy.resolveForRemoval(t(10s)).incident.any());

  auto held = makeDetector();
  held.record(failAt(t(0s)), true);
  held.record(failAt(t(20s)), true);
  ASSERT_TRUE(held.state().incident);
  const std::string id = held.state().incident->id;
  auto removed = held.resolveForRemoval(t(30s));
  EXPECT_TRUE(removed.events.empty()) << "its trigger never went out";
  ASSERT_TRUE(removed.incident.closed) << "but the incident closes all the same";
  EXPECT_EQ(removed.incident.closed->id, id);
  EXPECT_FALSE(held.state().incident);
}

TEST(Events, ProductionIdsAreRandomHexWithTheirPrefix) {
  Detector d({}, nullptr); // no generator given: the CSPRNG one
  d.record(failAt(t(0s)), false);
  auto out = d.record(failAt(t(20s)), false);
  ASSERT_EQ(out.events.size(), 1u);
  const auto& id = out.events[0].id;
  const auto& incident = out.events[0].incidentId;
  EXPECT_EQ(id.size(), 4u + 24u);
  EXPECT_EQ(id.rfind("evt_", 0), 0u);
  EXPECT_EQ(incident.rfind("inc_", 0), 0u);
  EXPECT_EQ(id.find_first_not_of("0123456789abcdef", 4), std::string::npos);
  EXPECT_NE(id.substr(4), incident.substr(4));
}

TEST(Events, BodyCarriesTheDetectorFieldsOfDesignSection7) {
  auto d = makeDetector();
  d.record(failAt(t(0s), "timeout", "no answer in 10s"), false);
  auto out = d.record(failAt(t(20s), "timeout", "no answer in 10s"), false);
  ASSERT_EQ(out.events.size(), 1u);
  auto body = toJson(out.events[0]);
  EXPECT_EQ(body["type"], "alert.triggered");
  EXPECT_EQ(body["occurred_at"], "2026-11-24T02:00:20Z");
  EXPECT_EQ(body["incident_id"], out.events[0].incidentId);
  EXPECT_EQ(body["failure_reason"], "timeout");
  EXPECT_EQ(body["failure_detail"], "no answer in 10s");
  EXPECT_EQ(body["consecutive_failures"], 2);
  ASSERT_EQ(body["recent_failures"].size(), 2u);
  EXPECT_EQ(body["recent_failures"][0]["at"], "2026-11-24T02:00:00Z");
  EXPECT_EQ(body["recent_failures"][0]["reason"], "timeout");
  EXPECT_EQ(body["down_since"], "2026-11-24T02:00:00Z");
  EXPECT_TRUE(body["duration_seconds"].is_null());
  EXPECT_TRUE(body["response_time_ms"].is_null());
  EXPECT_FALSE(body.contains("note"));
  EXPECT_FALSE(body.contains("schema"));
  EXPECT_EQ(alerting::parseEventType("alert.resolved"), EventType::Resolved);
  EXPECT_FALSE(alerting::parseEventType("alert.other"));
}

} // namespace
} // namespace mcpwatch::detector
