// What a detector outcome writes, driven by a real detector: the detector names the incident
// change, outcomeWrites turns it into rows without looking at any state before or after.
#include "durable/writes.hpp"

#include <gtest/gtest.h>

namespace mcpwatch::durable {
namespace {

using namespace std::chrono_literals;

const common::WallTime kT0 = *common::parseRfc3339("2026-12-07T12:00:00Z");

detector::Detector makeDetector() {
  auto n = std::make_shared<int>(0);
  detector::DetectorSettings settings;
  settings.failureThreshold = 2;
  settings.successThreshold = 1;
  return detector::Detector(settings, [n](std::string_view prefix) {
    return std::string(prefix) + std::to_string(++*n);
  });
}

detector::CheckOutcome check(common::WallTime at, bool ok) {
  detector::CheckOutcome c;
  c.at = at;
  c.ok = ok;
  if (!ok) {
    c.failureReason = "connect_refused";
    c.failureDetail = "refused";
  }
  return c;
}

TEST(OutcomeWrites, OpenedSentClosed) {
  auto d = makeDetector();
  EXPECT_TRUE(outcomeWrites("a", d.record(check(kT0, false), false, ""), kT0, "").empty())
      << "failing below the threshold writes no incident";

  auto opened = d.record(check(kT0 + 20s, false), false, "");
  auto ops = outcomeWrites("a", opened, kT0 + 20s, "");
  ASSERT_EQ(ops.size(), 1u);
  const auto& incident = std::get<store::IncidentRecord>(ops[0]);
  EXPECT_EQ(incident.id, d.state().incident->id);
  EXPECT_EQ(incident.slug, "a");
  EXPECT_EQ(incident.openedAt, kT0 + 20s);
  EXPECT_EQ(incident.reason, "connect_refused");
  EXPECT_TRUE(incident.triggerSent) << "nothing held it: the trigger went out in the same call";
  const std::string id = incident.id;

  EXPECT_TRUE(outcomeWrites("a", d.record(check(kT0 + 40s, false), false, ""), kT0, "").empty());

  auto closed = outcomeWrites("a", d.record(check(kT0 + 60s, true), false, ""), kT0 + 61s, "");
  ASSERT_EQ(closed.size(), 1u);
  const auto& close = std::get<store::CloseIncident>(closed[0]);
  EXPECT_EQ(close.id, id);
  EXPECT_EQ(close.closedAt, kT0 + 61s);
  EXPECT_EQ(close.resolveNote, "");
}

TEST(OutcomeWrites, AHeldTriggerIsReleasedLater) {
  auto d = makeDetector();
  d.record(check(kT0, false), true, "");
  auto opened = outcomeWrites("a", d.record(check(kT0 + 20s, false), true, ""), kT0, "");
  ASSERT_EQ(opened.size(), 1u);
  EXPECT_FALSE(std::get<store::IncidentRecord>(opened[0]).triggerSent) << "held by maintenance";
  EXPECT_TRUE(outcomeWrites("a", d.evaluate(kT0 + 30s, true, ""), kT0, "").empty());

  auto released = outcomeWrites("a", d.evaluate(kT0 + 40s, false, ""), kT0 + 40s, "");
  ASSERT_EQ(released.size(), 1u);
  EXPECT_EQ(std::get<store::SetTriggerSent>(released[0]).id, d.state().incident->id);
  EXPECT_TRUE(outcomeWrites("a", d.evaluate(kT0 + 50s, false, ""), kT0, "").empty())
      << "released once";
}

TEST(OutcomeWrites, RemovalClosesWithItsNote) {
  auto d = makeDetector();
  d.record(check(kT0, false), true, "");
  d.record(check(kT0 + 20s, false), true, ""); // held: never paged
  const std::string id = d.state().incident->id;
  auto ops = outcomeWrites("a", d.resolveForRemoval(kT0 + 30s), kT0 + 30s, "");
  ASSERT_EQ(ops.size(), 1u);
  EXPECT_EQ(std::get<store::CloseIncident>(ops[0]).id, id);
  EXPECT_EQ(std::get<store::CloseIncident>(ops[0]).resolveNote,
            "server removed from the configuration");
}

TEST(OutcomeWrites, ProtocolChangesAreHistoryWithTheToolsOnBothSides) {
  detector::Outcome outcome;
  outcome.protocolChange =
      detector::ProtocolChange{"streamable-http", "modern", "2025-11-25", std::nullopt};
  auto ops = outcomeWrites("a", outcome, kT0, "sha256:abc");
  ASSERT_EQ(ops.size(), 1u);
  const auto& change = std::get<store::SchemaChangeRecord>(ops[0]);
  EXPECT_EQ(change.slug, "a");
  EXPECT_EQ(change.oldFingerprint, "sha256:abc");
  EXPECT_EQ(change.newFingerprint, "sha256:abc");
  auto diff = *common::parseJson(change.diffJson);
  EXPECT_EQ(diff["protocol"]["from"]["transport"], "streamable-http");
  EXPECT_EQ(diff["protocol"]["from"]["protocol_version"], "2025-11-25");
  EXPECT_EQ(diff["protocol"]["to"]["transport"], "modern");
  EXPECT_TRUE(diff["protocol"]["to"]["protocol_version"].is_null());
}

} // namespace
} // namespace mcpwatch::durable
