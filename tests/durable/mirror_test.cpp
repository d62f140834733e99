// What a detector outcome commits, decided by planCommit from the store's mirror: driven by a
// real detector and an injected monotonic time, no store and no clock of its own.
#include "durable/mirror.hpp"

#include <gtest/gtest.h>

namespace mcpwatch::durable {
namespace {

using namespace std::chrono_literals;

const common::WallTime kT0 = *common::parseRfc3339("2026-12-07T12:00:00Z");
const common::MonoTime kM0{std::chrono::hours(100)};

detector::Detector makeDetector() {
  auto n = std::make_shared<int>(0);
  detector::DetectorSettings settings;
  settings.failureThreshold = 2;
  settings.successThreshold = 1;
  return detector::Detector(settings, [n](std::string_view prefix) {
    return std::string(prefix) + std::to_string(++*n);
  });
}

detector::CheckOutcome check(common::WallTime at, bool ok, std::string fingerprint = "") {
  detector::CheckOutcome c;
  c.at = at;
  c.ok = ok;
  if (!ok) {
    c.failureReason = "connect_refused";
    c.failureDetail = "refused";
  }
  if (!fingerprint.empty())
    c.tools = detector::ToolsSnapshot{fingerprint, {{"search", "sha256:" + fingerprint}}};
  return c;
}

template <class T> int count(const CommitPlan& plan) {
  int n = 0;
  for (const auto& op : plan.ops)
    n += std::holds_alternative<T>(op) ? 1 : 0;
  return n;
}

struct Server {
  detector::Detector d = makeDetector();
  StoreMirror mirror;
  CommitPlan record(common::WallTime at, bool ok, common::MonoTime mono, std::string fp = "") {
    auto outcome = d.record(check(at, ok, std::move(fp)), false, "");
    return planCommit("a", outcome, d.state(), 1, mirror, at, mono);
  }
};

TEST(PlanCommit, ASteadyServersStateIsWrittenWhenItMattersOrEveryRefresh) {
  Server r;
  auto first = r.record(kT0, true, kM0); // unknown -> up
  EXPECT_FALSE(first.durable);
  EXPECT_TRUE(first.ops.empty());
  ASSERT_TRUE(first.state);
  EXPECT_EQ(first.state->slug, "a");
  EXPECT_EQ(first.state->updatedAt, kT0);
  EXPECT_EQ(r.mirror.stateAt, kM0);

  // The state's history fills up over the first checks (each one changes it); after that a
  // healthy check changes nothing that matters.
  common::MonoTime mono = kM0;
  common::WallTime at = kT0;
  int written = 0;
  for (int i = 0; i < 40; ++i) {
    mono += 1s;
    at += 1min;
    auto plan = r.record(at, true, mono);
    EXPECT_FALSE(plan.durable);
    written += plan.state ? 1 : 0;
    if (i >= 30)
      EXPECT_FALSE(plan.state) << "check " << i << ": nothing that matters changed";
  }
  EXPECT_GT(written, 0);
  EXPECT_LT(written, 30);

  auto almost = r.record(at + 1min, true, *r.mirror.stateAt + kStateRefresh - 1s);
  EXPECT_FALSE(almost.state);
  auto refresh = r.record(at + 2min, true, *r.mirror.stateAt + kStateRefresh);
  ASSERT_TRUE(refresh.state) << "kStateRefresh passed";
  EXPECT_FALSE(refresh.durable);
  mono = *r.mirror.stateAt;

  auto failing = r.record(at + 3min, false, mono + 1s); // up -> failing
  EXPECT_FALSE(failing.durable) << "a state change alone goes with the check rows";
  EXPECT_TRUE(failing.state);
}

TEST(PlanCommit, AnIncidentCommitsDurablyWithTheState) {
  Server r;
  r.record(kT0, true, kM0);
  r.record(kT0 + 1min, false, kM0 + 1min);
  auto opened = r.record(kT0 + 2min, false, kM0 + 2min); // the second failure opens it
  EXPECT_TRUE(opened.durable);
  EXPECT_EQ(count<store::IncidentRecord>(opened), 1);
  ASSERT_TRUE(opened.state) << "a durable group always carries the state";
  EXPECT_NE(opened.state->stateJson.find("\"down\""), std::string::npos) << opened.state->stateJson;

  // An unchanged signature does not spare the state of a durable group.
  auto closed = r.record(kT0 + 3min, true, kM0 + 3min);
  EXPECT_TRUE(closed.durable);
  EXPECT_EQ(count<store::CloseIncident>(closed), 1);
  EXPECT_TRUE(closed.state);
}

TEST(PlanCommit, TheBaselineIsWrittenWhenItDiffersFromTheStoredOne) {
  Server r;
  r.mirror.baselineKnown = true; // read from the store: none stored
  auto first = r.record(kT0, true, kM0, "fp1");
  ASSERT_EQ(count<store::BaselineRecord>(first), 1);
  const auto& b = std::get<store::BaselineRecord>(first.ops.back());
  EXPECT_EQ(b.slug, "a");
  EXPECT_EQ(b.fingerprint, "fp1");
  EXPECT_EQ(b.toolsJson, R"({"search":"sha256:fp1"})");
  EXPECT_TRUE(first.durable) << "the baseline row commits durably";
  EXPECT_EQ(r.mirror.baseline, "fp1");

  auto again = r.record(kT0 + 1min, true, kM0 + 1min, "fp1");
  EXPECT_EQ(count<store::BaselineRecord>(again), 0) << "the store holds it already";

  r.d.setPinned(true); // a person pinned it: written again, pinned
  auto pinned = r.record(kT0 + 2min, true, kM0 + 2min, "fp1");
  ASSERT_EQ(count<store::BaselineRecord>(pinned), 1);
  EXPECT_TRUE(std::get<store::BaselineRecord>(pinned.ops.back()).pinned);
  EXPECT_TRUE(r.mirror.pinned);

  // A stored baseline equal to the detector's (read at start-up) is not written again.
  Server restored;
  restored.mirror = {true, "fp1", false, 0, std::nullopt};
  auto firstAfterRestart = restored.record(kT0, true, kM0, "fp1");
  EXPECT_EQ(count<store::BaselineRecord>(firstAfterRestart), 0);
}

} // namespace
} // namespace mcpwatch::durable
