// The probe path's pure translations: what the status page keeps of the last probe, and the log
// line of a state change.
#include "app/check_mapping.hpp"
#include "common/time.hpp"

#include <gtest/gtest.h>

namespace mcpwatch::app {
namespace {

const common::WallTime kT0 = *common::parseRfc3339("2026-12-07T12:00:00Z");

prober::ProbeResult healthy(bool withTls) {
  prober::ProbeResult r;
  r.ok = true;
  r.serverInfo = prober::ServerInfo{"search-server", "1.4.0", std::nullopt};
  r.tools = prober::ToolsSummary{};
  r.tools->count = 3;
  if (withTls)
    r.tls = prober::TlsInfo{kT0 + std::chrono::hours(24 * 30), 30};
  return r;
}

TEST(LastProbeAfter, AFailedProbeKeepsWhatTheServerSaidBefore) {
  auto first = lastProbeAfter(std::nullopt, healthy(true));
  EXPECT_EQ(first.serverName, "search-server");
  EXPECT_EQ(first.serverVersion, "1.4.0");
  EXPECT_EQ(first.toolCount, 3);
  EXPECT_EQ(first.tlsNotAfter, kT0 + std::chrono::hours(24 * 30));

  prober::ProbeResult refused; // nothing answered
  auto down = lastProbeAfter(first, refused);
  EXPECT_EQ(down.serverName, "search-server") << "a down server's page still names it";
  EXPECT_EQ(down.toolCount, 3);
  EXPECT_TRUE(down.tlsNotAfter);

  prober::ProbeResult renamed; // failed after the handshake: what it said now wins
  renamed.serverInfo = prober::ServerInfo{"search-v2", "2.0.0", std::nullopt};
  auto partly = lastProbeAfter(first, renamed);
  EXPECT_EQ(partly.serverName, "search-v2");
  EXPECT_EQ(partly.toolCount, 3);
}

TEST(LastProbeAfter, ASuccessfulProbeSaysEverythingAfresh) {
  auto https = lastProbeAfter(std::nullopt, healthy(true));
  auto http = lastProbeAfter(https, healthy(false));
  EXPECT_FALSE(http.tlsNotAfter) << "an http server has no certificate";
  EXPECT_EQ(http.serverName, "search-server");
}

TEST(LastProbeAfter, KeepsWhenTheOAuthTokenExpires) {
  auto withToken = healthy(false);
  withToken.auth = prober::AuthReport{};
  withToken.auth->expiresAt = kT0 + std::chrono::hours(1);
  auto first = lastProbeAfter(std::nullopt, withToken);
  EXPECT_EQ(first.oauthTokenExpiresAt, kT0 + std::chrono::hours(1));
  prober::ProbeResult renewalFailed; // auth_token_failed: the last token's expiry still counts
  renewalFailed.auth = prober::AuthReport{};
  EXPECT_EQ(lastProbeAfter(first, renewalFailed).oauthTokenExpiresAt, kT0 + std::chrono::hours(1));
  EXPECT_FALSE(lastProbeAfter(first, healthy(false)).oauthTokenExpiresAt)
      << "a server probed without a token has none";
}

TEST(StateChangeLog, NamesTheStateTheReasonAndMaintenance) {
  detector::ServerState st;
  EXPECT_FALSE(stateChangeLog("a", st, detector::Transition::Unchanged));

  st.status = detector::HealthState::Down;
  st.consecutiveFailures = 3;
  st.lastOk = false;
  st.recentFailures.push_back({kT0, "connect_refused", "refused"});
  auto down = stateChangeLog("a", st, detector::Transition::Changed);
  ASSERT_TRUE(down);
  EXPECT_EQ(down->level, spdlog::level::warn);
  EXPECT_EQ(down->fields["server"], "a");
  EXPECT_EQ(down->fields["state"], "down");
  EXPECT_EQ(down->fields["consecutive_failures"], 3);
  EXPECT_EQ(down->fields["reason"], "connect_refused");
  EXPECT_EQ(down->fields["detail"], "refused");
  EXPECT_FALSE(down->fields.contains("maintenance"));

  st.inMaintenance = true;
  auto held = stateChangeLog("a", st, detector::Transition::Changed);
  EXPECT_EQ(held->fields["maintenance"], true);

  st = {};
  st.status = detector::HealthState::Up;
  st.lastOk = true;
  st.recentFailures.push_back({kT0, "timeout", "slow"});
  auto up = stateChangeLog("a", st, detector::Transition::Changed);
  ASSERT_TRUE(up);
  EXPECT_EQ(up->level, spdlog::level::info);
  EXPECT_FALSE(up->fields.contains("reason")) << "a server that answers has no current reason";
}

} // namespace
} // namespace mcpwatch::app
