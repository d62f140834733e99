// Schema drift policies: warn, fail, ignore, accepting and pinning a baseline.
#include "common/time.hpp"
#include "detector/detector.hpp"
#include "ledger.hpp"

#include <gtest/gtest.h>

namespace mcpwatch::detector {
namespace {

using namespace testing;

const ToolsSnapshot kV1{"sha256:v1", {{"echo", "h1"}, {"search", "h2"}, {"old", "h3"}}};
const ToolsSnapshot kV2{"sha256:v2", {{"echo", "h1"}, {"search", "h2-new"}, {"fresh", "h4"}}};
const ToolsSnapshot kV3{"sha256:v3", {{"echo", "h1"}}};

CheckOutcome okWith(common::WallTime when, const ToolsSnapshot& tools) {
  auto c = okAt(when);
  c.tools = tools;
  return c;
}

Detector withPolicy(DriftPolicy policy) {
  DetectorSettings settings;
  settings.drift = policy;
  return Detector(settings, CountingIds{}.generator());
}

TEST(Drift, DiffListsAddedRemovedAndChangedTools) {
  auto diff = diffTools(kV1, kV2);
  EXPECT_EQ(diff.added, std::vector<std::string>{"fresh"});
  EXPECT_EQ(diff.removed, std::vector<std::string>{"old"});
  EXPECT_EQ(diff.changed, std::vector<std::string>{"search"});
  EXPECT_EQ(describeDiff(diff), "tools 1 added (fresh), 1 removed (old), 1 changed (search)");
  EXPECT_TRUE(diffTools(kV1, kV1).empty());
  EXPECT_EQ(parseDriftPolicy("fail"), DriftPolicy::Fail);
  EXPECT_FALSE(parseDriftPolicy("block"));
}

TEST(Drift, FirstSchemaBecomesTheBaselineSilently) {
  auto d = withPolicy(DriftPolicy::Warn);
  auto out = d.record(okWith(t(0s), kV1), false);
  EXPECT_TRUE(out.events.empty());
  ASSERT_TRUE(d.state().schema.baseline);
  EXPECT_EQ(d.state().schema.baseline->fingerprint, "sha256:v1");
  // A failed check carries no schema and changes nothing.
  EXPECT_TRUE(d.record(failAt(t(60s)), false).events.empty());
  EXPECT_EQ(d.state().schema.baseline->fingerprint, "sha256:v1");
}

TEST(Drift, WarnAnnouncesOnceAndAdoptsTheNewSchema) {
  auto d = withPolicy(DriftPolicy::Warn);
  d.record(okWith(t(0s), kV1), false);
  auto out = d.record(okWith(t(60s), kV2), false);
  ASSERT_EQ(eventTypes(out.events), "schema.drifted");
  const Event& drift = out.events[0];
  ASSERT_TRUE(drift.schema);
  EXPECT_EQ(drift.schema->oldFingerprint, "sha256:v1");
  EXPECT_EQ(drift.schema->newFingerprint, "sha256:v2");
  EXPECT_EQ(drift.schema->added, std::vector<std::string>{"fresh"});
  EXPECT_TRUE(drift.incidentId.empty());
  EXPECT_EQ(drift.occurredAt, common::formatRfc3339(t(60s)));
  EXPECT_EQ(out.state, HealthState::Up); // warn never fails a check
  EXPECT_EQ(d.state().schema.baseline->fingerprint, "sha256:v2");
  EXPECT_TRUE(d.record(okWith(t(120s), kV2), false).events.empty());

  auto body = toJson(drift);
  EXPECT_EQ(body["type"], "schema.drifted");
  EXPECT_EQ(body["schema"]["old_fingerprint"], "sha256:v1");
  EXPECT_EQ(body["schema"]["removed"], common::Json::array({"old"}));
  EXPECT_TRUE(body["incident_id"].is_null());
}

TEST(Drift, FailCountsChecksAsFailedUntilAccepted) {
  auto d = withPolicy(DriftPolicy::Fail);
  d.record(okWith(t(0s), kV1), false);
  auto first = d.record(okWith(t(60s), kV2), false);
  EXPECT_EQ(eventTypes(first.events), "schema.drifted");
  EXPECT_EQ(first.state, HealthState::Failing);
  auto second = d.record(okWith(t(80s), kV2), false);
  ASSERT_EQ(eventTypes(second.events), "alert.triggered"); // drift announced only once
  EXPECT_EQ(second.events[0].reason, "schema_drift");
  EXPECT_NE(second.events[0].detail.find("1 added (fresh)"), std::string::npos);
  EXPECT_EQ(second.events[0].downSince, common::formatRfc3339(t(60s)));
  EXPECT_EQ(d.record(okWith(t(100s), kV2), false).state, HealthState::Down);
  EXPECT_EQ(d.state().schema.baseline->fingerprint, "sha256:v1"); // never adopted by itself

  EXPECT_TRUE(d.acceptBaseline()); // the latest seen: v2
  EXPECT_EQ(d.state().schema.baseline->fingerprint, "sha256:v2");
  auto after = d.record(okWith(t(120s), kV2), false);
  ASSERT_EQ(eventTypes(after.events), "alert.resolved");
  EXPECT_EQ(after.events[0].incidentId, second.events[0].incidentId);
  EXPECT_EQ(after.state, HealthState::Up);
}

TEST(Drift, FailRecoversWhenTheServerRevertsToTheBaseline) {
  auto d = withPolicy(DriftPolicy::Fail);
  d.record(okWith(t(0s), kV1), false);
  EXPECT_EQ(d.record(okWith(t(60s), kV2), false).state, HealthState::Failing);
  auto back = d.record(okWith(t(80s), kV1), false);
  EXPECT_TRUE(back.events.empty());
  EXPECT_EQ(back.state, HealthState::Up);
  // A later change to the same v2 is news again.
  EXPECT_EQ(eventTypes(d.record(okWith(t(140s), kV2), false).events), "schema.drifted");
}

TEST(Drift, FailAnnouncesEachDistinctNewSchema) {
  auto d = withPolicy(DriftPolicy::Fail);
  d.record(okWith(t(0s), kV1), false);
  EXPECT_EQ(eventTypes(d.record(okWith(t(60s), kV2), false).events), "schema.drifted");
  auto v3 = d.record(okWith(t(80s), kV3), false);
  ASSERT_EQ(eventTypes(v3.events), "schema.drifted,alert.triggered");
  EXPECT_EQ(v3.events[0].schema->oldFingerprint, "sha256:v1"); // against the accepted baseline
  EXPECT_EQ(v3.events[0].schema->removed, (std::vector<std::string>{"old", "search"}));
}

TEST(Drift, IgnoreRecordsTheLatestOnly) {
  auto d = withPolicy(DriftPolicy::Ignore);
  d.record(okWith(t(0s), kV1), false);
  auto out = d.record(okWith(t(60s), kV2), false);
  EXPECT_TRUE(out.events.empty());
  EXPECT_EQ(out.state, HealthState::Up);
  EXPECT_EQ(d.state().schema.latest->fingerprint, "sha256:v2");
  EXPECT_EQ(d.state().schema.baseline->fingerprint, "sha256:v1");
}

TEST(Drift, PinnedBaselineIsOnlyChangedByAccepting) {
  auto d = withPolicy(DriftPolicy::Warn);
  d.record(okWith(t(0s), kV1), false);
  d.setPinned(true);
  EXPECT_EQ(eventTypes(d.record(okWith(t(60s), kV2), false).events), "schema.drifted");
  EXPECT_TRUE(d.record(okWith(t(120s), kV2), false).events.empty()); // announced once
  EXPECT_EQ(d.state().schema.baseline->fingerprint, "sha256:v1");
  EXPECT_TRUE(d.state().schema.pinned);

  EXPECT_TRUE(d.acceptBaseline(kV3)); // an explicit snapshot, e.g. from the admin API
  EXPECT_EQ(d.state().schema.baseline->fingerprint, "sha256:v3");
  EXPECT_EQ(eventTypes(d.record(okWith(t(180s), kV2), false).events), "schema.drifted");
}

TEST(Drift, AcceptWithNothingSeenFails) {
  auto d = withPolicy(DriftPolicy::Fail);
  EXPECT_FALSE(d.acceptBaseline());
  EXPECT_FALSE(d.state().schema.baseline);
}

TEST(Drift, ABaselineInTheFormerFingerprintFormatCarriesOverSilently) {
  for (auto pinned : {false, true}) {
    auto d = withPolicy(DriftPolicy::Fail);
    d.record(okWith(t(0s), kV1), false);
    d.setPinned(pinned);
    // The same tools, now fingerprinted without the default execution field.
    auto check = okWith(t(60s), ToolsSnapshot{"sha256:v1-new", kV1.tools});
    check.formerFingerprint = "sha256:v1";
    auto out = d.record(check, false);
    EXPECT_TRUE(out.events.empty());
    EXPECT_EQ(out.state, HealthState::Up);
    EXPECT_EQ(d.state().schema.baseline->fingerprint, "sha256:v1-new");
    EXPECT_EQ(d.state().schema.pinned, pinned);
    // A former fingerprint that is not the baseline's is real drift.
    auto other = okWith(t(120s), kV2);
    other.formerFingerprint = "sha256:v9";
    EXPECT_EQ(eventTypes(d.record(other, false).events), "schema.drifted");
  }
}

TEST(ProtocolChange, AnOkCheckInAnotherTransportIsAProtocolChangeNotDrift) {
  auto d = withPolicy(DriftPolicy::Warn);
  auto first = okWith(t(0s), kV1);
  first.transport = "streamable-http";
  first.protocolVersion = "2025-11-25";
  EXPECT_FALSE(d.record(first, false).protocolChange);
  EXPECT_EQ(d.state().transport, "streamable-http");

  // A failed check says nothing about the era, even with the transport it tried.
  auto failed = failAt(t(60s));
  failed.transport = "modern";
  EXPECT_FALSE(d.record(failed, false).protocolChange);
  EXPECT_EQ(d.state().transport, "streamable-http");

  auto modern = okWith(t(120s), kV1);
  modern.transport = "modern";
  modern.protocolVersion = "2026-07-28";
  auto out = d.record(modern, false);
  ASSERT_TRUE(out.protocolChange);
  EXPECT_EQ(out.protocolChange->fromTransport, "streamable-http");
  EXPECT_EQ(out.protocolChange->toTransport, "modern");
  EXPECT_EQ(out.protocolChange->fromVersion, "2025-11-25");
  EXPECT_EQ(out.protocolChange->toVersion, "2026-07-28");
  // Announced as protocol.changed; the same tools give no schema.drifted.
  ASSERT_EQ(eventTypes(out.events), "protocol.changed");
  auto body = toJson(out.events[0]);
  EXPECT_TRUE(body["incident_id"].is_null());
  EXPECT_EQ(body["failure_detail"], "streamable-http 2025-11-25 -> modern 2026-07-28");
  EXPECT_EQ(body["protocol_version"], "2026-07-28");
  EXPECT_EQ(body["protocol"]["from"],
            (common::Json{{"transport", "streamable-http"}, {"protocol_version", "2025-11-25"}}));
  EXPECT_EQ(body["protocol"]["to"]["transport"], "modern");
  EXPECT_FALSE(body.contains("schema"));
  EXPECT_EQ(alerting::parseEventType("protocol.changed"), EventType::ProtocolChanged);
  EXPECT_EQ(d.state().transport, "modern");
  EXPECT_FALSE(d.record(modern, false).protocolChange);

  // The transport survives a restart (it decides what the next probe tries first).
  auto restored = stateFromJson(toJson(d.state()));
  ASSERT_TRUE(restored);
  EXPECT_EQ(restored->transport, "modern");
}

} // namespace
} // namespace mcpwatch::detector
