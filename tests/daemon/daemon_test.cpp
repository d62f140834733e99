// `mcpwatch run` as users run it: real demo servers killed and restarted on the same port, the
// reference server-everything peer, restarts of the daemon itself, the maintenance flag file,
// SIGHUP reloads, schema drift, refusal of bad input and prompt SIGTERM.
#include "tests/daemon/harness.hpp"

#include <csignal>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <sstream>

namespace mcpwatch::daemontest {
namespace {

using namespace std::chrono_literals;

class DaemonE2E : public ::testing::Test {
protected:
  std::string configPath() const { return dir_.file("mcpwatch.yaml"); }
  std::string dbPath() const { return dir_.file("mcpwatch.db"); }

  void writeConfig(std::vector<ServerSpec> servers, std::string flagFile = "",
                   int probeThreads = 0) {
    ConfigSpec spec;
    spec.servers = std::move(servers);
    spec.databasePath = dbPath();
    spec.flagFile = std::move(flagFile);
    spec.probeThreads = probeThreads;
    writeFile(configPath(), renderConfig(spec));
  }

  std::unique_ptr<DemoServer> startDemo() {
    auto demo = DemoServer::start();
    EXPECT_TRUE(demo) << (demo ? "" : demo.error());
    return demo ? std::move(demo.value()) : nullptr;
  }

  std::unique_ptr<DaemonProcess> startDaemon() {
    auto d = DaemonProcess::start(configPath());
    EXPECT_TRUE(d) << (d ? "" : d.error());
    return d ? std::move(d.value()) : nullptr;
  }

  // SIGTERM must end the daemon with exit 0 within a few seconds.
  static void expectCleanStop(DaemonProcess& daemon) {
    auto status = daemon.terminate(8s);
    ASSERT_TRUE(status) << "mcpwatch run did not exit after SIGTERM\n" << daemon.stderrTail();
    EXPECT_EQ(status->code, 0) << status->describe() << "\n" << daemon.stderrTail();
  }

  TempDir dir_;
};

TEST_F(DaemonE2E, ServerEverythingStaysUpWithoutAlerts) {
  if (auto why = testsupport::peersUnavailable())
    FAIL() << *why;
  auto peer = testsupport::startPeer(testsupport::serverEverything("streamableHttp"));
  ASSERT_TRUE(peer) << peer.error();
  writeConfig({{"everything", (*peer)->url("/mcp"), "server-everything", {}}});
  auto daemon = startDaemon();
  ASSERT_TRUE(daemon);

  ASSERT_TRUE(
      daemon->waitForLog([](const Json& l) { return isStateChange(l, "everything", "up"); }, 10s))
      << daemon->stderrTail();
  // A few more probes (interval 1s): nothing may go wrong in the meantime.
  EXPECT_FALSE(daemon->waitForLog(
      [](const Json& l) {
        return isEvent(l, "alert.triggered") || isStateChange(l, "everything", "failing") ||
               isStateChange(l, "everything", "down");
      },
      3s))
      << daemon->stderrTail();
  expectCleanStop(*daemon);
  EXPECT_TRUE(daemon->events("alert.triggered").empty());
  EXPECT_TRUE(std::filesystem::exists(dbPath()));
  EXPECT_EQ(std::filesystem::status(dbPath()).permissions() & std::filesystem::perms::others_read,
            std::filesystem::perms::none);
}

TEST_F(DaemonE2E, KilledServerTriggersOnceAndResolvesOnceWhenBackOnTheSamePort) {
  auto demo = startDemo();
  ASSERT_TRUE(demo);
  writeConfig({{"demo", demo->url(), "Demo", {"e2e"}}});
  auto daemon = startDaemon();
  ASSERT_TRUE(daemon);
  ASSERT_TRUE(daemon->waitForLog([](const Json& l) { return isStateChange(l, "demo", "up"); }, 10s))
      << daemon->stderrTail();

  demo->kill();
  ASSERT_TRUE(daemon->waitForEvents("alert.triggered", 1, "demo", 10s)) << daemon->stderrTail();
  auto trigger = daemon->events("alert.triggered", "demo").at(0);
  EXPECT_EQ(trigger.value("failure_reason", ""), "connect_refused") << trigger.dump();
  EXPECT_EQ(trigger.value("consecutive_failures", 0), 2) << trigger.dump();
  EXPECT_EQ(trigger.value("server_name", ""), "Demo");
  EXPECT_EQ(trigger.value("check_url", ""), demo->url());
  EXPECT_EQ(trigger.value("status_url", ""), "https://status.example.test/status/demo");
  EXPECT_EQ(trigger.value("test", true), false);
  std::string incident = trigger.value("incident_id", "");
  EXPECT_EQ(incident.rfind("inc_", 0), 0u) << trigger.dump();
  // The first failure was only "failing": one failure never pages.
  auto changes = daemon->messages("state changed");
  bool sawFailing = false;
  for (const auto& c : changes)
    sawFailing = sawFailing || (c.value("state", "") == "failing");
  EXPECT_TRUE(sawFailing) << daemon->stderrTail();

  auto back = demo->restart();
  ASSERT_TRUE(back) << back.error();
  ASSERT_TRUE(daemon->waitForEvents("alert.resolved", 1, "demo", 10s)) << daemon->stderrTail();
  auto resolve = daemon->events("alert.resolved", "demo").at(0);
  EXPECT_EQ(resolve.value("incident_id", ""), incident);
  EXPECT_NE(resolve.value("id", ""), trigger.value("id", ""));

  expectCleanStop(*daemon);
  EXPECT_EQ(daemon->events("alert.triggered").size(), 1u) << daemon->stderrTail();
  EXPECT_EQ(daemon->events("alert.resolved").size(), 1u) << daemon->stderrTail();
}

// mcpwatch's own OAuth client in the daemon, against the SDK's requireBearerAuth and an
// authorization server issuing client-credentials tokens (tests/peers/v1-server.mjs).
class DaemonOAuth : public DaemonE2E {
protected:
  static constexpr const char* kSecret = "run-Client-Secret-7731";

  std::unique_ptr<testsupport::Peer> startPeer(const std::string& lifetime) {
    if (auto why = testsupport::peersUnavailable()) {
      ADD_FAILURE() << *why;
      return nullptr;
    }
    auto peer = testsupport::startPeer(testsupport::v1Server(
        {"--mode", "stateless", "--json", "--oauth-client", std::string("mcpwatch-run:") + kSecret,
         "--token-lifetime", lifetime, "--log"}));
    EXPECT_TRUE(peer) << (peer ? "" : peer.error());
    return peer ? std::move(*peer) : nullptr;
  }

  // The peer and a daemon that has seen the server up once; either null on failure.
  std::pair<std::unique_ptr<testsupport::Peer>, std::unique_ptr<DaemonProcess>>
  startUp(const std::string& lifetime) {
    auto peer = startPeer(lifetime);
    if (!peer)
      return {};
    auto daemon = startOAuthDaemon(*peer);
    if (!daemon)
      return {};
    EXPECT_TRUE(
        daemon->waitForLog([](const Json& l) { return isStateChange(l, "secured", "up"); }, 10s))
        << daemon->stderrTail();
    return {std::move(peer), std::move(daemon)};
  }

  std::unique_ptr<DaemonProcess> startOAuthDaemon(const testsupport::Peer& peer) {
    ServerSpec server{"secured", peer.url("/mcp"), "Secured", {}};
    server.extraYaml = "    auth: {type: client_credentials, client_id: mcpwatch-run, "
                       "client_secret: \"${OAUTH_CLIENT_SECRET}\"}\n";
    writeConfig({server});
    auto d = DaemonProcess::start(configPath(), {{"OAUTH_CLIENT_SECRET", kSecret}});
    EXPECT_TRUE(d) << (d ? "" : d.error());
    return d ? std::move(d.value()) : nullptr;
  }

  static std::size_t tokenRequests(testsupport::Peer& peer, const std::string& status = "200") {
    const std::string text = peer.process().stderrText(), line = "TOKEN " + status + " ";
    std::size_t n = 0;
    for (auto at = text.find(line); at != std::string::npos; at = text.find(line, at + 1))
      ++n;
    return n;
  }

  static bool notUp(const Json& l) {
    return isStateChange(l, "secured", "failing") || isStateChange(l, "secured", "down");
  }

  static void expectNoSecrets(DaemonProcess& daemon) {
    const std::string logs = daemon.process().stderrText() + daemon.process().stdoutText();
    EXPECT_EQ(logs.find(kSecret), std::string::npos);
    EXPECT_EQ(logs.find("mcp-access-"), std::string::npos) << "an access token reached the log";
  }
};

TEST_F(DaemonOAuth, TokenIsReusedAcrossProbesAndARevokedOneIsReplacedWithoutAFailure) {
  auto [peer, daemon] = startUp("3600");
  ASSERT_TRUE(peer && daemon && !HasFailure());
  // Three more probes (1 s apart) on the same token.
  EXPECT_FALSE(daemon->waitForLog(notUp, 3s)) << daemon->stderrTail();
  EXPECT_EQ(tokenRequests(*peer), 1u) << peer->process().stderrText();

  // The authorization server forgets every token: the next probe is refused once, gets a new
  // token and is up; the server is never seen failing.
  auto revoked = httpRequest(peer->port(), "POST", "/control/revoke");
  ASSERT_TRUE(revoked) << revoked.error();
  ASSERT_TRUE(pollUntil([&] { return tokenRequests(*peer) == 2; }, 5s))
      << peer->process().stderrText();
  EXPECT_FALSE(daemon->waitForLog(notUp, 2s)) << daemon->stderrTail();
  EXPECT_EQ(tokenRequests(*peer), 2u);

  // The token's expiry is a metric; neither it nor the token shows in the API or the page.
  auto port = daemon->webPort();
  ASSERT_TRUE(port) << port.error();
  auto metrics = httpGet(*port, "/metrics");
  ASSERT_TRUE(metrics) << metrics.error();
  EXPECT_NE(
      metrics->second.find("mcpwatch_oauth_token_expiry_timestamp_seconds{server=\"secured\"}"),
      std::string::npos)
      << metrics->second;
  for (const std::string target : {"/api/v1/servers/secured", "/status/secured", "/metrics"}) {
    auto got = httpGet(*port, target);
    ASSERT_TRUE(got) << got.error();
    EXPECT_EQ(got->second.find("mcp-access-"), std::string::npos) << target;
    EXPECT_EQ(got->second.find(kSecret), std::string::npos) << target;
  }
  expectCleanStop(*daemon);
  expectNoSecrets(*daemon);
}

TEST_F(DaemonOAuth, ShortLivedTokensAreRenewedAndAnAuthorizationServerOutageIsAuthTokenFailed) {
  auto [peer, daemon] = startUp("2"); // tokens live 2 s; the daemon probes every second
  ASSERT_TRUE(peer && daemon && !HasFailure());
  EXPECT_FALSE(daemon->waitForLog(notUp, 5s)) << daemon->stderrTail();
  // Renewed before expiry (about every 2 s), never after a refused probe.
  EXPECT_GE(tokenRequests(*peer), 3u) << peer->process().stderrText();

  // The authorization server goes away: once the token has expired the probe fails with
  // auth_token_failed (the monitor's credential), not with a reason that blames the server.
  auto down = httpRequest(peer->port(), "POST", "/control/token-status?status=503");
  ASSERT_TRUE(down) << down.error();
  ASSERT_TRUE(daemon->waitForEvents("alert.triggered", 1, "secured", 10s)) << daemon->stderrTail();
  auto trigger = daemon->events("alert.triggered", "secured").at(0);
  EXPECT_EQ(trigger.value("failure_reason", ""), "auth_token_failed") << trigger.dump();
  EXPECT_NE(trigger.value("failure_detail", "").find("token endpoint: HTTP 503"), std::string::npos)
      << trigger.dump();
  EXPECT_EQ(trigger.value("failure_summary", ""), "mcpwatch could not get an OAuth token")
      << trigger.dump();

  // It comes back: the next renewal works and the incident resolves.
  auto back = httpRequest(peer->port(), "POST", "/control/token-status?status=200");
  ASSERT_TRUE(back) << back.error();
  ASSERT_TRUE(daemon->waitForEvents("alert.resolved", 1, "secured", 10s)) << daemon->stderrTail();
  expectCleanStop(*daemon);
  expectNoSecrets(*daemon);
}

// `mcpwatch status --url` against the running daemon's API: what is not up, exit 1; all up, exit 0.
TEST_F(DaemonE2E, StatusCommandListsWhatIsNotUpAndExitsZeroOnlyWhenAllAreUp) {
  auto demoA = startDemo();
  auto demoB = startDemo();
  ASSERT_TRUE(demoA && demoB);
  writeConfig({{"alpha", demoA->url(), "Alpha MCP", {}}, {"beta", demoB->url(), "Beta MCP", {}}});
  auto daemon = startDaemon();
  ASSERT_TRUE(daemon);
  auto port = daemon->webPort();
  ASSERT_TRUE(port) << port.error();
  const std::string url = "http://127.0.0.1:" + std::to_string(*port);
  // The API's live state may be up to 5 s old: ask until it shows what the log already says.
  auto statusUntil = [&](int exitCode, const std::string& text) {
    std::optional<testsupport::CommandResult> last;
    pollUntil(
        [&] {
          auto run = testsupport::runMcpwatch({"status", "--url", url}, 15s);
          if (!run)
            return false;
          last = *run;
          return run->exitCode() == exitCode && run->out.find(text) != std::string::npos;
        },
        15s);
    return last;
  };

  demoB->kill();
  ASSERT_TRUE(daemon->waitForEvents("alert.triggered", 1, "beta", 10s)) << daemon->stderrTail();
  auto down = statusUntil(1, "DOWN");
  ASSERT_TRUE(down);
  EXPECT_EQ(down->exitCode(), 1) << down->out << down->err;
  EXPECT_NE(down->out.find("mcpwatch at " + url + ": 2 servers: 1 up, 1 down\n"), std::string::npos)
      << down->out;
  EXPECT_NE(down->out.find("\nDOWN         beta  Beta MCP  since "), std::string::npos)
      << down->out;
  // Asked without the admin token: the reason, and no detail naming hosts (public-safe).
  EXPECT_NE(down->out.find("  connect_refused"), std::string::npos) << down->out;
  EXPECT_EQ(down->out.find("Connection refused"), std::string::npos) << down->out;
  EXPECT_EQ(down->out.find("alpha"), std::string::npos) << "an up server is not listed\n"
                                                        << down->out;

  auto back = demoB->restart();
  ASSERT_TRUE(back) << back.error();
  ASSERT_TRUE(daemon->waitForEvents("alert.resolved", 1, "beta", 10s)) << daemon->stderrTail();
  auto up = statusUntil(0, "2 servers: 2 up");
  ASSERT_TRUE(up);
  EXPECT_EQ(up->exitCode(), 0) << up->out << up->err;
  EXPECT_EQ(up->out, "mcpwatch at " + url + ": 2 servers: 2 up\n");

  // --config finds the daemon by web.listen; this one picks its port at start, so it says so.
  auto fromConfig = testsupport::runMcpwatch({"status", "--config", configPath()}, 15s);
  ASSERT_TRUE(fromConfig) << fromConfig.error();
  EXPECT_EQ(fromConfig->exitCode(), 2);
  EXPECT_NE(fromConfig->err.find("pass the daemon's address with --url"), std::string::npos)
      << fromConfig->err;
  expectCleanStop(*daemon);
}

TEST_F(DaemonE2E, ProbesOnThreadsOfTheirOwnTriggerAndResolveExactlyOnce) {
  // scheduler.probe_threads: 2 moves probing off the scheduler's loop; results come back to it,
  // so what the detector decides is the same: one failure is "failing", two page once, and the
  // recovery resolves once.
  auto demo = startDemo();
  ASSERT_TRUE(demo);
  auto other = startDemo();
  ASSERT_TRUE(other);
  writeConfig({{"demo", demo->url(), "Demo", {}}, {"other", other->url(), "Other", {}}}, "", 2);
  auto daemon = startDaemon();
  ASSERT_TRUE(daemon);
  ASSERT_TRUE(daemon->waitForLog(
      [](const Json& l) {
        return l.value("msg", "") == "mcpwatch starting" && l.value("probe_threads", 0) == 2;
      },
      10s))
      << daemon->stderrTail();
  ASSERT_TRUE(daemon->waitForLog([](const Json& l) { return isStateChange(l, "demo", "up"); }, 10s))
      << daemon->stderrTail();
  ASSERT_TRUE(
      daemon->waitForLog([](const Json& l) { return isStateChange(l, "other", "up"); }, 10s))
      << daemon->stderrTail();

  demo->kill();
  ASSERT_TRUE(daemon->waitForEvents("alert.triggered", 1, "demo", 10s)) << daemon->stderrTail();
  auto trigger = daemon->events("alert.triggered", "demo").at(0);
  EXPECT_EQ(trigger.value("failure_reason", ""), "connect_refused") << trigger.dump();
  EXPECT_EQ(trigger.value("consecutive_failures", 0), 2) << trigger.dump();
  auto back = demo->restart();
  ASSERT_TRUE(back) << back.error();
  ASSERT_TRUE(daemon->waitForEvents("alert.resolved", 1, "demo", 10s)) << daemon->stderrTail();
  EXPECT_EQ(daemon->events("alert.resolved", "demo").at(0).value("incident_id", ""),
            trigger.value("incident_id", ""));

  expectCleanStop(*daemon);
  EXPECT_EQ(daemon->events("alert.triggered").size(), 1u) << daemon->stderrTail();
  EXPECT_EQ(daemon->events("alert.resolved").size(), 1u) << daemon->stderrTail();
}

TEST_F(DaemonE2E, OpenIncidentSurvivesKillNineAndResolvesOnceWithTheOriginalId) {
  auto demo = startDemo();
  ASSERT_TRUE(demo);
  writeConfig({{"demo", demo->url()}});
  auto first = startDaemon();
  ASSERT_TRUE(first);
  ASSERT_TRUE(first->waitForLog([](const Json& l) { return isStateChange(l, "demo", "up"); }, 10s))
      << first->stderrTail();
  demo->kill();
  ASSERT_TRUE(first->waitForEvents("alert.triggered", 1, "demo", 10s)) << first->stderrTail();
  std::string incident = first->events("alert.triggered", "demo").at(0).value("incident_id", "");
  ASSERT_FALSE(incident.empty());
  first->kill9();

  auto second = startDaemon();
  ASSERT_TRUE(second);
  ASSERT_TRUE(second->waitForLog(
      [&](const Json& l) {
        return l.value("msg", "") == "open incident restored" && l.value("server", "") == "demo" &&
               l.value("incident", "") == incident;
      },
      10s))
      << second->stderrTail();
  // Probes keep failing after the restart (interval 1s, retry 500ms): no second page.
  EXPECT_FALSE(second->waitForLog([](const Json& l) { return isEvent(l, "alert.triggered"); }, 3s))
      << second->stderrTail();

  auto back = demo->restart();
  ASSERT_TRUE(back) << back.error();
  ASSERT_TRUE(second->waitForEvents("alert.resolved", 1, "demo", 10s)) << second->stderrTail();
  EXPECT_EQ(second->events("alert.resolved", "demo").at(0).value("incident_id", ""), incident);
  expectCleanStop(*second);
  EXPECT_TRUE(second->events("alert.triggered").empty()) << second->stderrTail();
  EXPECT_EQ(second->events("alert.resolved").size(), 1u) << second->stderrTail();
}

TEST_F(DaemonE2E, FlagFileHoldsTheTriggerUntilItIsRemoved) {
  auto demo = startDemo();
  ASSERT_TRUE(demo);
  std::string flag = dir_.file("maintenance.flag");
  writeFile(flag, "deploying\n");
  writeConfig({{"demo", demo->url()}}, flag);
  auto daemon = startDaemon();
  ASSERT_TRUE(daemon);
  ASSERT_TRUE(daemon->waitForLog([](const Json& l) { return isStateChange(l, "demo", "up"); }, 10s))
      << daemon->stderrTail();

  demo->kill();
  // The failures are confirmed (the incident opens) but the page is held back.
  ASSERT_TRUE(daemon->waitForLog(
      [](const Json& l) {
        return l.value("msg", "") == "state changed" && l.value("server", "") == "demo" &&
               l.value("consecutive_failures", 0) >= 2;
      },
      10s))
      << daemon->stderrTail();
  EXPECT_FALSE(daemon->waitForLog([](const Json& l) { return isEvent(l, "alert.triggered"); }, 2s))
      << daemon->stderrTail();

  std::filesystem::remove(flag);
  ASSERT_TRUE(daemon->waitForEvents("alert.triggered", 1, "demo", 5s)) << daemon->stderrTail();
  std::string incident = daemon->events("alert.triggered", "demo").at(0).value("incident_id", "");

  auto back = demo->restart();
  ASSERT_TRUE(back) << back.error();
  ASSERT_TRUE(daemon->waitForEvents("alert.resolved", 1, "demo", 10s)) << daemon->stderrTail();
  EXPECT_EQ(daemon->events("alert.resolved", "demo").at(0).value("incident_id", ""), incident);
  expectCleanStop(*daemon);
  EXPECT_EQ(daemon->events("alert.triggered").size(), 1u) << daemon->stderrTail();
}

TEST_F(DaemonE2E, SighupAddsAndRemovesServersAndKeepsTheOldConfigWhenTheNewOneIsInvalid) {
  auto demoA = startDemo();
  auto demoB = startDemo();
  ASSERT_TRUE(demoA && demoB);
  writeConfig({{"alpha", demoA->url()}});
  auto daemon = startDaemon();
  ASSERT_TRUE(daemon);
  ASSERT_TRUE(
      daemon->waitForLog([](const Json& l) { return isStateChange(l, "alpha", "up"); }, 10s))
      << daemon->stderrTail();

  // Added server: probed after the reload.
  writeConfig({{"alpha", demoA->url()}, {"beta", demoB->url()}});
  daemon->signal(SIGHUP);
  ASSERT_TRUE(daemon->waitForLog(
      [](const Json& l) {
        return l.value("msg", "") == "config reloaded" && l.value("added", 0) == 1;
      },
      5s))
      << daemon->stderrTail();
  ASSERT_TRUE(daemon->waitForLog([](const Json& l) { return isStateChange(l, "beta", "up"); }, 10s))
      << daemon->stderrTail();

  // Removed server with an open incident: its resolve goes out, saying why.
  demoA->kill();
  ASSERT_TRUE(daemon->waitForEvents("alert.triggered", 1, "alpha", 10s)) << daemon->stderrTail();
  std::string incident = daemon->events("alert.triggered", "alpha").at(0).value("incident_id", "");
  writeConfig({{"beta", demoB->url()}});
  daemon->signal(SIGHUP);
  ASSERT_TRUE(daemon->waitForEvents("alert.resolved", 1, "alpha", 5s)) << daemon->stderrTail();
  auto resolve = daemon->events("alert.resolved", "alpha").at(0);
  EXPECT_EQ(resolve.value("incident_id", ""), incident);
  EXPECT_NE(resolve.value("note", "").find("removed"), std::string::npos) << resolve.dump();
  ASSERT_TRUE(daemon->waitForLog(
      [](const Json& l) {
        return l.value("msg", "") == "server removed" && l.value("server", "") == "alpha";
      },
      5s));

  // Invalid config: rejected with the problem named, the running config stays.
  writeFile(configPath(), "servers:\n  - slug: Not A Slug\n    url: nope\nbogus_key: 1\n");
  daemon->signal(SIGHUP);
  ASSERT_TRUE(daemon->waitForLog(
      [](const Json& l) { return l.value("msg", "") == "keeping the previous config"; }, 5s))
      << daemon->stderrTail();
  auto rejected = daemon->messages("config reload rejected");
  ASSERT_FALSE(rejected.empty());
  EXPECT_EQ(rejected[0].value("file", ""), configPath());
  EXPECT_FALSE(rejected[0].value("problem", "").empty());
  // beta is still monitored under the old config: its outage still pages.
  demoB->kill();
  ASSERT_TRUE(daemon->waitForEvents("alert.triggered", 1, "beta", 10s)) << daemon->stderrTail();
  expectCleanStop(*daemon);
  EXPECT_EQ(daemon->events("alert.triggered", "alpha").size(), 1u);
  EXPECT_EQ(daemon->events("alert.resolved", "alpha").size(), 1u);
}

TEST_F(DaemonE2E, SchemaDriftEmitsOneDriftEventWithTheAddedTool) {
  auto demo = startDemo();
  ASSERT_TRUE(demo);
  writeConfig({{"demo", demo->url()}});
  auto daemon = startDaemon();
  ASSERT_TRUE(daemon);
  ASSERT_TRUE(daemon->waitForLog([](const Json& l) { return isStateChange(l, "demo", "up"); }, 10s))
      << daemon->stderrTail();
  auto toggled = demo->toggleDrift();
  ASSERT_TRUE(toggled && *toggled / 100 == 2)
      << (toggled ? std::to_string(*toggled) : toggled.error());
  ASSERT_TRUE(daemon->waitForEvents("schema.drifted", 1, "demo", 10s)) << daemon->stderrTail();
  auto drift = daemon->events("schema.drifted", "demo").at(0);
  ASSERT_TRUE(drift.contains("schema")) << drift.dump();
  EXPECT_EQ(drift["schema"]["added"], Json::array({"demo_drift"})) << drift.dump();
  EXPECT_EQ(drift["schema"]["removed"], Json::array()) << drift.dump();
  // warn policy: the new schema becomes the baseline, so later probes report nothing new.
  EXPECT_FALSE(daemon->waitForLog(
      [](const Json& l) {
        return isEvent(l, "alert.triggered") || isStateChange(l, "demo", "failing");
      },
      2500ms))
      << daemon->stderrTail();
  expectCleanStop(*daemon);
  EXPECT_EQ(daemon->events("schema.drifted").size(), 1u) << daemon->stderrTail();
}

TEST_F(DaemonE2E, RefusesAnInvalidConfigWithEveryProblemAsPathColonMessage) {
  writeFile(configPath(), "defaults:\n  interval: soon\nservers:\n  - slug: Bad Slug\n"
                          "    url: http://127.0.0.1:1/mcp\nunknown_key: true\n");
  auto run = testsupport::runMcpwatch({"run", "--config", configPath()}, 10s);
  ASSERT_TRUE(run) << run.error();
  EXPECT_EQ(run->exitCode(), 2) << run->err;
  int problems = 0;
  std::istringstream lines(run->err);
  for (std::string line; std::getline(lines, line);)
    if (line.rfind(configPath() + ": ", 0) == 0)
      ++problems;
  EXPECT_GE(problems, 3) << run->err; // interval, slug and the unknown key, all at once
  EXPECT_NE(run->err.find("unknown_key"), std::string::npos) << run->err;
  EXPECT_FALSE(std::filesystem::exists(dbPath()));
}

TEST_F(DaemonE2E, RefusesACorruptDatabaseNamingTheFile) {
  std::string junk;
  for (int i = 0; i < 512; ++i)
    junk += "this is not an SQLite database. ";
  writeFile(dbPath(), junk);
  writeConfig({{"demo", "http://127.0.0.1:1/mcp"}});
  auto run = testsupport::runMcpwatch({"run", "--config", configPath()}, 10s);
  ASSERT_TRUE(run) << run.error();
  EXPECT_NE(run->exitCode(), 0) << run->err;
  EXPECT_FALSE(run->timedOut);
  EXPECT_NE(run->err.find(dbPath()), std::string::npos) << run->err;
}

TEST_F(DaemonE2E, SigtermExitsZeroPromptly) {
  auto demo = startDemo();
  ASSERT_TRUE(demo);
  writeConfig({{"demo", demo->url()}});
  auto daemon = startDaemon();
  ASSERT_TRUE(daemon);
  ASSERT_TRUE(daemon->waitForLog(
      [](const Json& l) { return l.value("msg", "") == "monitoring started"; }, 10s))
      << daemon->stderrTail();
  auto begin = std::chrono::steady_clock::now();
  auto status = daemon->terminate(5s);
  ASSERT_TRUE(status) << daemon->stderrTail();
  EXPECT_EQ(status->code, 0) << status->describe();
  EXPECT_LT(std::chrono::steady_clock::now() - begin, 3s);
  EXPECT_FALSE(daemon->messages("shutting down").empty());
  EXPECT_FALSE(daemon->messages("stopped").empty());
}

TEST(CheckConfig, ShippedExampleIsValid) {
  auto run = testsupport::runMcpwatch(
      {"check-config", std::string(MCPWATCH_SOURCE_DIR) + "/examples/mcpwatch.yaml"}, 10s);
  ASSERT_TRUE(run) << run.error();
  EXPECT_EQ(run->exitCode(), 0) << run->out << run->err;
}

std::vector<std::string> configWarnings(const DaemonProcess& daemon) {
  std::vector<std::string> out;
  for (const auto& l : daemon.messages("config warning"))
    out.push_back(l.value("problem", ""));
  return out;
}

TEST_F(DaemonE2E, RoutingWarningsAreLoggedAtStartAndOnReloadAndFilesStayPrivate) {
  auto demo = startDemo();
  ASSERT_TRUE(demo);
  writeConfig({{"demo", demo->url(), "Demo", {}}}); // no sinks, no routes
  auto daemon = startDaemon();
  ASSERT_TRUE(daemon);
  ASSERT_TRUE(daemon->waitForLog([](const Json& l) { return isStateChange(l, "demo", "up"); }, 10s))
      << daemon->stderrTail();
  EXPECT_EQ(configWarnings(*daemon),
            std::vector<std::string>{"routes: no sinks and no routes configured: incidents are "
                                     "recorded and shown, but nobody is alerted"})
      << daemon->stderrTail();
  for (const auto& l : daemon->messages("config warning"))
    EXPECT_EQ(l.value("level", "").rfind("warn", 0), 0u) << l.dump();

  // While it runs, the database and its -wal and -shm (routing keys, webhook secrets) are
  // readable by the owner only.
  for (const std::string suffix : {"", "-wal", "-shm"}) {
    const auto path = dbPath() + suffix;
    ASSERT_TRUE(std::filesystem::exists(path)) << path;
    EXPECT_EQ(std::filesystem::status(path).permissions() & std::filesystem::perms::all,
              std::filesystem::perms::owner_read | std::filesystem::perms::owner_write)
        << path;
  }

  // Reload with a sink that only a route matching nothing names: both the server and the sink
  // are reported, and the reload still happens (warnings are not errors).
  ConfigSpec spec;
  spec.servers = {{"demo", demo->url(), "Demo", {}}};
  spec.databasePath = dbPath();
  spec.extraYaml = "sinks:\n  spare: {type: webhook, url: \"http://127.0.0.1:9/hook\"}\n"
                   "routes:\n  - match: {tags: [nothing]}\n    sinks: [spare]\n";
  writeFile(configPath(), renderConfig(spec));
  daemon->signal(SIGHUP);
  ASSERT_TRUE(
      daemon->waitForLog([](const Json& l) { return l.value("msg", "") == "config reloaded"; }, 5s))
      << daemon->stderrTail();
  const auto warnings = configWarnings(*daemon);
  ASSERT_EQ(warnings.size(), 3u) << daemon->stderrTail();
  EXPECT_EQ(warnings[1].rfind("servers[0]: no route sends the alerts of \"demo\" to any sink", 0),
            0u)
      << warnings[1];
  EXPECT_EQ(warnings[2].rfind("sinks.spare: routes[0] names this sink but reaches no enabled "
                              "server",
                              0),
            0u)
      << warnings[2];
  expectCleanStop(*daemon);
}

} // namespace
} // namespace mcpwatch::daemontest
