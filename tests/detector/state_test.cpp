// Restart safety: the state round-trips through JSON and an open incident survives a restart.
#include "common/time.hpp"
#include "detector/detector.hpp"
#include "ledger.hpp"

#include <gtest/gtest.h>

namespace mcpwatch::detector {
namespace {

using namespace testing;

ServerState restore(const ServerState& state) {
  // Through text, as the store keeps it.
  auto parsed = common::parseJson(toJson(state).dump());
  EXPECT_TRUE(parsed);
  auto restored = stateFromJson(*parsed);
  EXPECT_TRUE(restored) << (restored ? "" : restored.error());
  return restored ? *restored : ServerState{};
}

TEST(Restart, OpenIncidentStaysOpenAndResolvesOnceWithTheSameId) {
  CountingIds ids;
  Detector before({}, ids.generator());
  before.record(okAt(t(0s)), false);
  before.record(failAt(t(60s)), false);
  auto trigger = before.record(failAt(t(80s)), false);
  ASSERT_EQ(eventTypes(trigger.events), "alert.triggered");

  Detector after({}, ids.generator(), restore(before.state()));
  EXPECT_EQ(after.state().status, HealthState::Down);
  auto again = after.record(failAt(t(100s)), false);
  EXPECT_TRUE(again.events.empty()); // no second trigger after the restart
  EXPECT_EQ(again.transition, Transition::Unchanged);
  auto resolved = after.record(okAt(t(120s), 17.5), false);
  ASSERT_EQ(eventTypes(resolved.events), "alert.resolved");
  EXPECT_EQ(resolved.events[0].incidentId, trigger.events[0].incidentId);
  EXPECT_EQ(resolved.events[0].downSince, common::formatRfc3339(t(60s)));
  EXPECT_EQ(resolved.events[0].durationSeconds, 60);
  EXPECT_EQ(resolved.events[0].responseTimeMs, 17.5);
  ASSERT_EQ(resolved.events[0].recentFailures.size(), 3u);
  EXPECT_EQ(resolved.events[0].recentFailures[0].at, common::formatRfc3339(t(60s)));
}

TEST(Restart, FailureCountSurvivesMidFailing) {
  Detector before({}, CountingIds{}.generator());
  before.record(okAt(t(0s)), false);
  before.record(failAt(t(60s)), false);
  ASSERT_EQ(before.state().status, HealthState::Failing);
  Detector after({}, CountingIds{}.generator(), restore(before.state()));
  EXPECT_EQ(after.state().status, HealthState::Failing);
  auto out = after.record(failAt(t(80s)), false);
  ASSERT_EQ(eventTypes(out.events), "alert.triggered");
  EXPECT_EQ(out.events[0].downSince, common::formatRfc3339(t(60s)));
  EXPECT_EQ(out.transition, Transition::Changed);
}

TEST(Restart, HeldTriggerIsStillHeldAndReleasedAfterRestart) {
  Detector before({}, CountingIds{}.generator());
  before.record(failAt(t(0s)), true);
  before.record(failAt(t(20s)), true);
  Detector after({}, CountingIds{}.generator(), restore(before.state()));
  ASSERT_TRUE(after.state().incident);
  EXPECT_FALSE(after.state().incident->triggerSent);
  EXPECT_TRUE(after.state().inMaintenance);
  EXPECT_EQ(eventTypes(after.evaluate(t(60s), false).events), "alert.triggered");
}

// A detector fed alternating results (flapping, an open incident, three recent failures) with a
// pinned tool schema.
Detector flappingDetector() {
  Detector d({}, CountingIds{}.generator());
  for (int i = 0; i < 15; ++i) {
    auto c =
        i % 2 ? okAt(t(std::chrono::seconds(i * 40))) : failAt(t(std::chrono::seconds(i * 40)));
    if (c.ok)
      c.tools = ToolsSnapshot{"sha256:a", {{"echo", "h"}}};
    d.record(c, false);
  }
  d.setPinned(true);
  return d;
}

TEST(Restart, FlappingHistoryAndSchemaSurvive) {
  Detector before = flappingDetector();
  ASSERT_TRUE(before.state().flapping);
  ServerState restored = restore(before.state());
  EXPECT_EQ(toJson(restored), toJson(before.state())); // nothing lost or changed
  EXPECT_EQ(restored.history, before.state().history);
  EXPECT_TRUE(restored.flapping);
  EXPECT_EQ(restored.status, HealthState::Flapping);
  EXPECT_EQ(restored.schema.baseline, before.state().schema.baseline);
  EXPECT_TRUE(restored.schema.pinned);
}

// A state with every field set.
ServerState busyState() {
  auto s = flappingDetector().state();
  s.protocolVersion = "2025-11-25";
  s.transport = "streamable-http";
  s.inMaintenance = true;
  return s;
}

TEST(StateSummary, EveryFieldButTheSchemaAndTheFlapWindow) {
  // Through the JSON form, so a field added to ServerState (and to toJson) that the summary
  // forgets fails here.
  auto full = busyState();
  ASSERT_TRUE(full.incident);
  ASSERT_TRUE(full.schema.baseline);
  ASSERT_FALSE(full.history.empty());
  auto expected = full;
  expected.schema = {};
  expected.history.clear();
  auto summary = stateSummary(full);
  EXPECT_EQ(toJson(summary), toJson(expected));
  EXPECT_FALSE(summary.schema.baseline);
  EXPECT_TRUE(summary.history.empty());
}

TEST(DurableSignature, ASteadyServerKeepsItsSignatureAsChecksGoBy) {
  DetectorSettings settings;
  settings.successThreshold = 2;
  Detector d(settings, CountingIds{}.generator());
  std::vector<std::uint64_t> sigs;
  for (int i = 0; i < 30; ++i) {
    d.record(okAt(t(std::chrono::seconds(i * 60)), 10.0 + i), false);
    sigs.push_back(durableSignature(d.state(), 2));
  }
  // The flap window (21 checks) fills, then only the time, latency and streak length move.
  ASSERT_EQ(settings.flapping.window, 21u);
  for (int i = 21; i < 30; ++i)
    EXPECT_EQ(sigs[i], sigs[20]) << i;
  EXPECT_NE(sigs[0], sigs[20]);
  EXPECT_NE(sigs[19], sigs[20]);
}

TEST(DurableSignature, EverythingThatMattersChangesIt) {
  DetectorSettings settings;
  Detector d(settings, CountingIds{}.generator());
  for (int i = 0; i < 25; ++i)
    d.record(okAt(t(std::chrono::seconds(i * 60))), false);
  const auto base = d.state();
  const auto sig = durableSignature(base, 1);
  auto changed = [&](auto edit) {
    auto s = base;
    edit(s);
    return durableSignature(s, 1) != sig;
  };
  EXPECT_TRUE(changed([](ServerState& s) { s.status = HealthState::Failing; }));
  EXPECT_TRUE(changed([](ServerState& s) { s.settled = HealthState::Down; }));
  EXPECT_TRUE(changed([](ServerState& s) { s.consecutiveFailures = 1; }));
  EXPECT_TRUE(changed([](ServerState& s) { s.lastOk = false; }));
  EXPECT_TRUE(changed([](ServerState& s) { s.failingSince = t(5s); }));
  EXPECT_TRUE(changed([](ServerState& s) { s.protocolVersion = "2024-11-05"; }));
  EXPECT_TRUE(changed([](ServerState& s) { s.transport = "sse"; }));
  EXPECT_TRUE(changed([](ServerState& s) { s.flapping = true; }));
  EXPECT_TRUE(changed([](ServerState& s) { s.percentStateChange = 12.5; }));
  EXPECT_TRUE(changed([](ServerState& s) { s.history.back() = false; }));
  EXPECT_TRUE(changed([](ServerState& s) { s.recentFailures.push_back({t(1s), "timeout", ""}); }));
  EXPECT_TRUE(changed(
      [](ServerState& s) { s.incident = Incident{"inc_1", t(1s), t(1s), "timeout", "", false}; }));
  EXPECT_TRUE(changed([](ServerState& s) { s.inMaintenance = true; }));
  EXPECT_TRUE(changed([](ServerState& s) { s.schema.latest = ToolsSnapshot{"sha256:b", {}}; }));
  EXPECT_TRUE(changed([](ServerState& s) { s.schema.pinned = true; }));
  EXPECT_TRUE(changed([](ServerState& s) { s.schema.notifiedFingerprint = "sha256:c"; }));
  // What only moves with time does not.
  EXPECT_FALSE(changed([](ServerState& s) { s.lastCheckAt = t(99999s); }));
  EXPECT_FALSE(changed([](ServerState& s) { s.lastResponseTimeMs = 999.0; }));
  EXPECT_FALSE(changed([](ServerState& s) { s.consecutiveSuccesses += 100; }));
  // An incident's trigger going out does.
  auto open = base;
  open.incident = Incident{"inc_1", t(1s), t(1s), "timeout", "", false};
  auto sent = open;
  sent.incident->triggerSent = true;
  EXPECT_NE(durableSignature(open, 1), durableSignature(sent, 1));
}

TEST(StateJson, MissingFieldsTakeDefaults) {
  auto empty = stateFromJson(common::Json::object());
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->status, HealthState::Unknown);
  EXPECT_FALSE(empty->incident);

  // An old or partial blob with only the incident id still resolves that incident.
  auto partial = stateFromJson(common::Json::parse(
      R"({"version": 1, "incident": {"id": "inc_old"}, "last_check_at": "2026-11-24T02:00:00Z"})"));
  ASSERT_TRUE(partial);
  ASSERT_TRUE(partial->incident);
  EXPECT_TRUE(partial->incident->triggerSent);
  EXPECT_EQ(partial->status, HealthState::Down);
  Detector d({}, CountingIds{}.generator(), *partial);
  auto out = d.record(okAt(t(60s)), false);
  ASSERT_EQ(eventTypes(out.events), "alert.resolved");
  EXPECT_EQ(out.events[0].incidentId, "inc_old");
  EXPECT_EQ(out.events[0].durationSeconds, 60);
}

TEST(StateJson, WrongTypesAreIgnoredAndGarbageIsAnError) {
  auto odd = stateFromJson(common::Json::parse(R"({
    "consecutive_failures": "two", "consecutive_successes": -5, "flapping": 1,
    "history": "uudxx?u", "recent_failures": [1, {"at": "yesterday"}, {"at": "2026-11-24T02:00:00Z"}],
    "incident": {"id": 7}, "schema": {"baseline": {"fingerprint": 3}}, "status": "exploded"})"));
  ASSERT_TRUE(odd);
  EXPECT_EQ(odd->consecutiveFailures, 0);
  EXPECT_EQ(odd->consecutiveSuccesses, 0);
  EXPECT_FALSE(odd->flapping);
  EXPECT_EQ(odd->history, (std::deque<bool>{true, true, false, true}));
  ASSERT_EQ(odd->recentFailures.size(), 1u);
  EXPECT_EQ(odd->recentFailures[0].reason, "unknown");
  EXPECT_FALSE(odd->incident);
  EXPECT_FALSE(odd->schema.baseline);
  EXPECT_EQ(odd->status, HealthState::Unknown);

  auto array = stateFromJson(common::Json::array());
  ASSERT_FALSE(array);
  EXPECT_NE(array.error().find("not a JSON object"), std::string::npos);
  auto future = stateFromJson(common::Json::parse(R"({"version": 99})"));
  ASSERT_FALSE(future);
  EXPECT_NE(future.error().find("newer"), std::string::npos);
}

TEST(StateJson, HistoryFromAHostileBlobIsBounded) {
  common::Json j = {{"history", std::string(100'000, 'd')}};
  auto s = stateFromJson(j);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->history.size(), 1000u);
  Detector d({}, CountingIds{}.generator(), *s);
  d.record(okAt(t(0s)), false);
  EXPECT_EQ(d.state().history.size(), 21u); // trimmed to the window on the next check
}

} // namespace
} // namespace mcpwatch::detector
