// Start-up recovery without a store or a daemon: rows in, decisions out.
#include "common/time.hpp"
#include "durable/recovery.hpp"

#include <gtest/gtest.h>
#include <set>

namespace mcpwatch::durable {
namespace {

using namespace std::chrono_literals;

const common::WallTime kNow = *common::parseRfc3339("2026-12-07T12:00:00Z");

// The monitored slugs: configured servers that are enabled (`false` ones are left out).
std::set<std::string> configWith(std::vector<std::pair<std::string, bool>> servers) {
  std::set<std::string> monitored;
  for (auto& [slug, enabled] : servers)
    if (enabled)
      monitored.insert(slug);
  return monitored;
}

detector::IdGenerator counter() {
  auto n = std::make_shared<int>(0);
  return [n](std::string_view prefix) { return std::string(prefix) + std::to_string(++*n); };
}

store::ServerStateRecord saved(const std::string& slug, std::optional<detector::Incident> incident,
                               detector::HealthState status = detector::HealthState::Down) {
  detector::ServerState s;
  s.status = status;
  s.settled = status;
  s.consecutiveFailures = incident ? 3 : 0;
  s.lastCheckAt = kNow - 5min;
  s.incident = std::move(incident);
  return {slug, detector::toJson(s).dump(), kNow - 5min};
}

detector::Incident openIncident(const std::string& id, bool triggerSent) {
  detector::Incident i;
  i.id = id;
  i.openedAt = kNow - 1h;
  i.downSince = kNow - 1h;
  i.reason = "connect_timeout";
  i.detail = "no answer in 10s";
  i.triggerSent = triggerSent;
  return i;
}

TEST(Recovery, ConfiguredServersResumeFromTheirReadableState) {
  auto config = configWith({{"a", true}, {"b", true}, {"c", true}});
  std::vector<store::ServerStateRecord> states = {
      saved("a", openIncident("inc_a", true)),
      saved("b", std::nullopt, detector::HealthState::Up),
      {"c", "{not json", kNow},
  };
  auto r = recover(config, {{}, states, {}}, kNow, counter());
  ASSERT_EQ(r.states.size(), 2u);
  ASSERT_TRUE(r.states.at("a").incident);
  EXPECT_EQ(r.states.at("a").incident->id, "inc_a");
  EXPECT_EQ(r.states.at("b").status, detector::HealthState::Up);
  EXPECT_TRUE(r.removed.empty()) << "a configured server's incident stays open";
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_EQ(r.problems[0].message, "saved server state ignored");
  EXPECT_EQ(r.problems[0].fields.value("server", ""), "c");
}

TEST(Recovery, AServerNoLongerMonitoredHasItsIncidentClosed) {
  // "gone" left the config, "off" is disabled: neither is probed, so neither may keep an
  // incident open. "quiet" left too, with nothing open: nothing to do.
  auto config = configWith({{"off", false}});
  std::vector<store::ServerStateRecord> states = {
      saved("gone", openIncident("inc_gone", true)),
      saved("off", openIncident("inc_off", false)),
      saved("quiet", std::nullopt, detector::HealthState::Up),
  };
  auto r = recover(config, {{}, states, {}}, kNow, counter());
  EXPECT_TRUE(r.states.empty());
  ASSERT_EQ(r.removed.size(), 2u);

  const auto& gone = r.removed[0];
  EXPECT_EQ(gone.slug, "gone");
  ASSERT_TRUE(gone.outcome.incident.closed);
  EXPECT_EQ(gone.outcome.incident.closed->id, "inc_gone");
  ASSERT_EQ(gone.outcome.events.size(), 1u) << "its trigger paged: the resolve must follow";
  const auto& resolve = gone.outcome.events[0];
  EXPECT_EQ(resolve.type, detector::EventType::Resolved);
  EXPECT_EQ(resolve.incidentId, "inc_gone");
  EXPECT_EQ(resolve.occurredAt, common::formatRfc3339(kNow));
  EXPECT_EQ(resolve.id, "evt_1");
  EXPECT_EQ(gone.outcome.incident.closed->note, resolve.note);
  EXPECT_FALSE(gone.state.incident);

  const auto& off = r.removed[1];
  EXPECT_EQ(off.slug, "off");
  EXPECT_TRUE(off.outcome.events.empty()) << "a trigger that never went out gets no resolve";
  ASSERT_TRUE(off.outcome.incident.closed);
  EXPECT_EQ(off.outcome.incident.closed->id, "inc_off");
  EXPECT_EQ(off.outcome.incident.closed->note, "server removed from the configuration");
  EXPECT_FALSE(off.state.incident);
  EXPECT_TRUE(r.problems.empty());
}

TEST(Recovery, StoredWindowsStillToComeOrRunningComeBack) {
  std::vector<store::MaintenanceRecord> windows = {
      {"mw_running", R"({"servers":["a"],"comment":"DB upgrade"})", kNow - 1h, kNow + 1h, "admin",
       false},
      {"mw_later", R"({"tags":["prod"]})", kNow + 1h, kNow + 2h, "admin", false},
      {"mw_over", "{}", kNow - 2h, kNow - 1h, "admin", false},
      {"mw_ended", "{}", kNow - 1h, kNow + 1h, "admin", true},
      {"mw_broken", "{}", kNow + 2h, kNow + 1h, "admin", false},
  };
  auto r = recover(configWith({{"a", true}}), {windows, {}, {}}, kNow, counter());
  ASSERT_EQ(r.windows.size(), 2u);
  EXPECT_EQ(r.windows[0].id, "mw_running");
  EXPECT_EQ(r.windows[0].comment, "DB upgrade");
  EXPECT_EQ(r.windows[0].target.servers, std::vector<std::string>{"a"});
  EXPECT_FALSE(r.windows[0].target.all);
  EXPECT_EQ(r.windows[0].source, detector::WindowSource::Runtime);
  EXPECT_EQ(r.windows[1].id, "mw_later");
  EXPECT_EQ(r.windows[1].target.tags, std::vector<std::string>{"prod"});
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_EQ(r.problems[0].message, "stored maintenance window skipped");
  EXPECT_EQ(r.problems[0].fields.value("window", ""), "mw_broken");
}

TEST(Recovery, BaselinesOfMonitoredServersAreKnownAtStart) {
  std::vector<store::BaselineRecord> baselines = {
      {"a", "sha256:aa", "[]", kNow - 1h, true},
      {"gone", "sha256:gg", "[]", kNow - 1h, false},
  };
  auto r = recover(configWith({{"a", true}, {"b", true}}), {{}, {}, baselines}, kNow, counter());
  ASSERT_EQ(r.baselines.size(), 1u);
  EXPECT_EQ(r.baselines.at("a").fingerprint, "sha256:aa");
  EXPECT_TRUE(r.baselines.at("a").pinned);
}

TEST(Recovery, AWindowWithoutSelectorCoversEveryServer) {
  auto w = windowFromRecord({"mw", "not json", kNow, kNow + 1h, "", false});
  ASSERT_TRUE(w) << w.error();
  EXPECT_TRUE(w->target.all);
  EXPECT_EQ(w->comment, "");
}

} // namespace
} // namespace mcpwatch::durable
