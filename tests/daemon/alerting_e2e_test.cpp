// Alert delivery end to end: a real outage of a real (demo) MCP server monitored by `mcpwatch run`
// becomes a well-formed PagerDuty incident and a verified webhook, recovery closes both, and
// delivery survives sink failures and a kill -9 of the daemon. Also `mcpwatch test-alert`.
#include "tests/daemon/harness.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <set>
#include <sstream>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

namespace mcpwatch::daemontest {
namespace {

using namespace std::chrono_literals;

constexpr const char* kHookSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

std::string header(const net::HeaderList& headers, const std::string& name) {
  for (const auto& [k, v] : headers) {
    if (k.size() != name.size())
      continue;
    bool same = true;
    for (std::size_t i = 0; i < k.size() && same; ++i)
      same = std::tolower(static_cast<unsigned char>(k[i])) ==
             std::tolower(static_cast<unsigned char>(name[i]));
    if (same)
      return v;
  }
  return {};
}

std::vector<Json> pdActions(const fakes::FakePagerDuty& pd, const std::string& action) {
  std::vector<Json> out;
  for (const auto& e : pd.acceptedEvents())
    if (e.value("event_action", "") == action)
      out.push_back(e);
  return out;
}

std::vector<Json> hookBodies(const fakes::FakeWebhookReceiver& hook, const std::string& type) {
  std::vector<Json> out;
  for (const auto& d : hook.deliveries())
    if (auto j = common::parseJson(d.body); j && j->value("type", "") == type)
      out.push_back(*j);
  return out;
}

class AlertingE2E : public ::testing::Test {
protected:
  std::string configPath() const { return dir_.file("mcpwatch.yaml"); }
  DaemonProcess::Env env() const { return {{"PD_ROUTING_KEY", kRoutingKey}}; }

  void writeConfig(const std::string& url) {
    ConfigSpec spec;
    spec.servers = {
        {"demo",
         url,
         "Demo Server",
         {"e2e"},
         "    owner: Team Demo\n"
         "    description: The demo server\n"
         "    runbook_url: https://wiki.example.test/runbooks/demo\n"
         "    links: [{name: Grafana, url: \"https://grafana.example.test/d/demo\"}]\n"}};
    spec.databasePath = dir_.file("mcpwatch.db");
    spec.extraYaml = fakeSinksYaml(fakes_.pd().eventsUrl(), fakes_.hook().url(), kHookSecret);
    writeFile(configPath(), renderConfig(spec));
  }

  std::unique_ptr<DaemonProcess> startDaemon() {
    auto d = DaemonProcess::start(configPath(), env());
    EXPECT_TRUE(d) << (d ? "" : d.error());
    return d ? std::move(d.value()) : nullptr;
  }

  bool waitForDeliveries(std::size_t pdEvents, std::size_t hookDeliveries,
                         std::chrono::milliseconds timeout = 10s) {
    return pollUntil(
        [&] {
          return fakes_.pd().acceptedEvents().size() >= pdEvents &&
                 fakes_.hook().deliveries().size() >= hookDeliveries;
        },
        timeout);
  }

  void expectNoSecretIn(const std::string& text) {
    EXPECT_EQ(text.find(kRoutingKey), std::string::npos) << "the routing key leaked";
    EXPECT_EQ(text.find(kHookSecret), std::string::npos) << "the webhook secret leaked";
  }

  std::string state() {
    return "PD requests: " + std::to_string(fakes_.pd().requests().size()) +
           ", webhook requests: " + std::to_string(fakes_.hook().requestCount());
  }

  TempDir dir_;
  FakeReceivers fakes_{kHookSecret};
};

TEST_F(AlertingE2E, OutageBecomesOnePagerDutyIncidentAndOneVerifiedWebhookAndRecoveryClosesBoth) {
  auto demo = DemoServer::start();
  ASSERT_TRUE(demo) << demo.error();
  writeConfig((*demo)->url());
  auto daemon = startDaemon();
  ASSERT_TRUE(daemon);
  ASSERT_TRUE(daemon->waitForLog([](const Json& l) { return isStateChange(l, "demo", "up"); }, 10s))
      << daemon->stderrTail();

  (*demo)->kill();
  ASSERT_TRUE(waitForDeliveries(1, 1)) << state() << "\n" << daemon->stderrTail();
  auto trigger = fakes_.pd().acceptedEvents().at(0);
  EXPECT_EQ(trigger.value("routing_key", ""), kRoutingKey);
  EXPECT_EQ(trigger.value("event_action", ""), "trigger");
  EXPECT_EQ(trigger.value("dedup_key", ""), "mcpwatch-demo");
  const auto& payload = trigger["payload"];
  EXPECT_EQ(payload.value("summary", ""), "MCP server down: Demo Server (connection refused)");
  EXPECT_EQ(payload["custom_details"].value("failure", ""), "connection refused");
  EXPECT_EQ(payload.value("severity", ""), "error");
  EXPECT_EQ(payload.value("source", ""), "mcpwatch-e2e");
  EXPECT_EQ(payload.value("component", ""), "demo");
  EXPECT_EQ(payload.value("class", ""), "connect_refused");
  EXPECT_FALSE(payload.value("timestamp", "").empty());
  ASSERT_TRUE(payload.contains("custom_details")) << trigger.dump();
  EXPECT_EQ(payload["custom_details"].value("slug", ""), "demo");
  EXPECT_EQ(payload["custom_details"].value("check_url", ""), (*demo)->url());
  EXPECT_EQ(payload["custom_details"]["recent_failures"].size(), 2u) << trigger.dump();
  // The server's context from the config reaches the responder.
  EXPECT_EQ(payload["custom_details"].value("owner", ""), "Team Demo");
  EXPECT_EQ(payload["custom_details"].value("runbook_url", ""),
            "https://wiki.example.test/runbooks/demo");
  EXPECT_NE(trigger["links"].dump().find("https://grafana.example.test/d/demo"), std::string::npos);
  ASSERT_TRUE(trigger["links"].is_array() && !trigger["links"].empty()) << trigger.dump();
  EXPECT_NE(trigger["links"].dump().find("https://status.example.test/status/demo"),
            std::string::npos)
      << trigger.dump();
  EXPECT_EQ(trigger.value("client", ""), "mcpwatch");
  EXPECT_EQ(trigger.value("client_url", ""), "https://status.example.test");

  auto delivery = fakes_.hook().deliveries().at(0);
  auto hookTrigger = *common::parseJson(delivery.body);
  EXPECT_EQ(hookTrigger.value("type", ""), "alert.triggered");
  EXPECT_EQ(hookTrigger.value("failure_reason", ""), "connect_refused");
  EXPECT_EQ(hookTrigger.value("failure_summary", ""), "connection refused");
  EXPECT_EQ(hookTrigger.value("server_owner", ""), "Team Demo");
  EXPECT_EQ(hookTrigger.value("server_description", ""), "The demo server");
  EXPECT_EQ(hookTrigger.value("runbook_url", ""), "https://wiki.example.test/runbooks/demo");
  EXPECT_EQ(hookTrigger["server_links"],
            (Json::array({{{"name", "Grafana"}, {"url", "https://grafana.example.test/d/demo"}}})));
  EXPECT_EQ(delivery.id, hookTrigger.value("id", ""));
  // The fake recomputed both signatures from the secret: it accepts only verified requests.
  EXPECT_EQ(fakes_.hook().badSignatures(), 0u);
  EXPECT_FALSE(header(delivery.headers, "X-Mcpwatch-Signature").empty());
  EXPECT_EQ(header(delivery.headers, "webhook-signature").rfind("v1,", 0), 0u);
  EXPECT_EQ(header(delivery.headers, "User-Agent").rfind("mcpwatch/", 0), 0u);

  ASSERT_TRUE((*demo)->restart());
  ASSERT_TRUE(waitForDeliveries(2, 2)) << state() << "\n" << daemon->stderrTail();
  auto resolve = fakes_.pd().acceptedEvents().at(1);
  EXPECT_EQ(resolve.value("event_action", ""), "resolve");
  EXPECT_EQ(resolve.value("dedup_key", ""), "mcpwatch-demo");
  EXPECT_EQ(resolve.value("routing_key", ""), kRoutingKey);
  auto hookResolve = *common::parseJson(fakes_.hook().deliveries().at(1).body);
  EXPECT_EQ(hookResolve.value("type", ""), "alert.resolved");
  EXPECT_EQ(hookResolve.value("incident_id", ""), hookTrigger.value("incident_id", ""));

  auto status = daemon->terminate(8s);
  ASSERT_TRUE(status && status->code == 0) << daemon->stderrTail();
  EXPECT_EQ(pdActions(fakes_.pd(), "trigger").size(), 1u);
  EXPECT_EQ(pdActions(fakes_.pd(), "resolve").size(), 1u);
  EXPECT_EQ(fakes_.hook().deliveries().size(), 2u);
  expectNoSecretIn(daemon->process().stderrText() + daemon->process().stdoutText());
}

TEST_F(AlertingE2E, PagerDutyFailingThreeTimesStillGetsTriggerThenResolve) {
  fakes_.pd().failNext(3, 500);
  auto demo = DemoServer::start();
  ASSERT_TRUE(demo) << demo.error();
  writeConfig((*demo)->url());
  auto daemon = startDaemon();
  ASSERT_TRUE(daemon);
  ASSERT_TRUE(daemon->waitForLog([](const Json& l) { return isStateChange(l, "demo", "up"); }, 10s))
      << daemon->stderrTail();
  (*demo)->kill();
  ASSERT_TRUE(daemon->waitForEvents("alert.triggered", 1, "demo", 10s)) << daemon->stderrTail();
  ASSERT_TRUE((*demo)->restart());
  ASSERT_TRUE(waitForDeliveries(2, 2)) << state() << "\n" << daemon->stderrTail();

  auto events = fakes_.pd().acceptedEvents();
  EXPECT_EQ(events.at(0).value("event_action", ""), "trigger");
  EXPECT_EQ(events.at(1).value("event_action", ""), "resolve");
  int failed = 0;
  for (const auto& r : fakes_.pd().requests())
    failed += r.answered == 500 ? 1 : 0;
  EXPECT_EQ(failed, 3);
  auto status = daemon->terminate(8s);
  ASSERT_TRUE(status && status->code == 0) << daemon->stderrTail();
  EXPECT_EQ(fakes_.pd().acceptedEvents().size(), 2u);
  EXPECT_EQ(hookBodies(fakes_.hook(), "alert.triggered").size(), 1u);
  EXPECT_EQ(hookBodies(fakes_.hook(), "alert.resolved").size(), 1u);
  expectNoSecretIn(daemon->process().stderrText());
}

TEST_F(AlertingE2E, PendingDeliveriesSurviveKillNineAndArriveOnceAfterTheRestart) {
  // Both receivers down for the first attempts: the trigger is still pending at the kill.
  fakes_.pd().failNext(4, 503);
  fakes_.hook().failNext(4, 503);
  auto demo = DemoServer::start();
  ASSERT_TRUE(demo) << demo.error();
  writeConfig((*demo)->url());
  auto first = startDaemon();
  ASSERT_TRUE(first);
  ASSERT_TRUE(first->waitForLog([](const Json& l) { return isStateChange(l, "demo", "up"); }, 10s))
      << first->stderrTail();
  (*demo)->kill();
  ASSERT_TRUE(first->waitForEvents("alert.triggered", 1, "demo", 10s)) << first->stderrTail();
  ASSERT_TRUE(pollUntil(
      [&] { return fakes_.pd().requests().size() >= 1 && fakes_.hook().requestCount() >= 1; }, 5s))
      << state();
  first->kill9();
  ASSERT_TRUE(fakes_.pd().acceptedEvents().empty()) << "delivered before the kill; " << state();
  ASSERT_TRUE(fakes_.hook().deliveries().empty()) << "delivered before the kill; " << state();

  auto second = startDaemon();
  ASSERT_TRUE(second);
  ASSERT_TRUE(waitForDeliveries(1, 1)) << state() << "\n" << second->stderrTail();
  ASSERT_TRUE((*demo)->restart());
  ASSERT_TRUE(waitForDeliveries(2, 2)) << state() << "\n" << second->stderrTail();
  auto status = second->terminate(8s);
  ASSERT_TRUE(status && status->code == 0) << second->stderrTail();

  EXPECT_EQ(pdActions(fakes_.pd(), "trigger").size(), 1u);
  EXPECT_EQ(pdActions(fakes_.pd(), "resolve").size(), 1u);
  std::set<std::string> ids;
  for (const auto& d : fakes_.hook().deliveries())
    EXPECT_TRUE(ids.insert(d.id).second) << "delivered twice: " << d.id;
  EXPECT_EQ(ids.size(), 2u);
  // The restarted daemon resumed the old trigger; it did not page again.
  EXPECT_TRUE(second->events("alert.triggered").empty()) << second->stderrTail();
  auto trigger = hookBodies(fakes_.hook(), "alert.triggered");
  ASSERT_EQ(trigger.size(), 1u);
  EXPECT_EQ(trigger[0].value("id", ""),
            first->events("alert.triggered", "demo").at(0).value("id", ""));
  expectNoSecretIn(first->process().stderrText() + second->process().stderrText());
}

TEST_F(AlertingE2E, TestAlertReachesBothSinksAndReportsAPagerDutyRejection) {
  writeConfig("http://127.0.0.1:1/mcp");
  testsupport::SpawnOptions options;
  options.argv = {testsupport::mcpwatchBinary(), "test-alert", "--config", configPath()};
  options.env = env();
  auto ok = testsupport::runCommand(options, 20s);
  ASSERT_TRUE(ok) << ok.error();
  EXPECT_EQ(ok->exitCode(), 0) << ok->out << ok->err;
  auto events = fakes_.pd().acceptedEvents();
  ASSERT_EQ(events.size(), 2u) << ok->out;
  EXPECT_EQ(events[0].value("event_action", ""), "trigger");
  EXPECT_EQ(events[0]["payload"].value("summary", "").rfind("[TEST] ", 0), 0u) << events[0].dump();
  EXPECT_EQ(events[0]["payload"]["custom_details"].value("test", false), true);
  EXPECT_EQ(events[1].value("event_action", ""), "resolve");
  EXPECT_EQ(events[1].value("dedup_key", ""), events[0].value("dedup_key", ""));
  auto hookTrigger = hookBodies(fakes_.hook(), "alert.triggered");
  auto hookResolve = hookBodies(fakes_.hook(), "alert.resolved");
  ASSERT_EQ(hookTrigger.size(), 1u);
  ASSERT_EQ(hookResolve.size(), 1u);
  EXPECT_EQ(hookTrigger[0].value("test", false), true);
  EXPECT_EQ(hookResolve[0].value("test", false), true);
  EXPECT_EQ(fakes_.hook().badSignatures(), 0u);
  expectNoSecretIn(ok->out + ok->err);

  fakes_.pd().failNext(1, 400);
  auto rejected = testsupport::runCommand(options, 20s);
  ASSERT_TRUE(rejected) << rejected.error();
  EXPECT_EQ(rejected->exitCode(), 1) << rejected->out << rejected->err;
  std::string pdLine;
  std::istringstream lines(rejected->out);
  for (std::string line; std::getline(lines, line);)
    if (line.rfind("pd ", 0) == 0)
      pdLine = line;
  EXPECT_NE(pdLine.find("400"), std::string::npos) << rejected->out;
  EXPECT_NE(pdLine.find("FAILED"), std::string::npos) << rejected->out;
  expectNoSecretIn(rejected->out + rejected->err);
}

TEST_F(AlertingE2E, TestAlertNeverUsesTheLiveDedupKeyOfItsServer) {
  // The server is down from the first probe: the daemon opens a real incident at PagerDuty.
  writeConfig("http://127.0.0.1:1/mcp");
  auto daemon = startDaemon();
  ASSERT_TRUE(daemon);
  ASSERT_TRUE(waitForDeliveries(1, 1)) << state() << "\n" << daemon->stderrTail();
  const auto live = fakes_.pd().acceptedEvents().at(0);
  ASSERT_EQ(live.value("event_action", ""), "trigger");
  const std::string liveKey = live.value("dedup_key", "");
  ASSERT_EQ(liveKey, "mcpwatch-demo");
  // Routed to both sinks: the API says the trigger went out.
  auto port = daemon->webPort();
  ASSERT_TRUE(port) << port.error();
  auto incidents = httpGet(*port, "/api/v1/incidents?state=open");
  ASSERT_TRUE(incidents) << incidents.error();
  auto listed = common::parseJson(incidents->second);
  ASSERT_TRUE(listed && (*listed)["incidents"].size() == 1u) << incidents->second;
  EXPECT_EQ((*listed)["incidents"][0].value("trigger_sent", false), true) << incidents->second;

  // `test-alert --server demo` while that incident is open, twice.
  testsupport::SpawnOptions options;
  options.argv = {
      testsupport::mcpwatchBinary(), "test-alert", "--config", configPath(), "--server", "demo"};
  options.env = env();
  std::set<std::string> testKeys;
  for (int run = 0; run < 2; ++run) {
    const auto before = fakes_.pd().acceptedEvents().size();
    auto r = testsupport::runCommand(options, 20s);
    ASSERT_TRUE(r) << r.error();
    EXPECT_EQ(r->exitCode(), 0) << r->out << r->err;
    // Each sink says which route brings real alerts of this server to it.
    EXPECT_NE(r->out.find("pd (via routes[0]): trigger HTTP 202, resolve HTTP 202 -> ok"),
              std::string::npos)
        << r->out;
    EXPECT_NE(r->out.find("hook (via routes[0]): trigger HTTP 200, resolve HTTP 200 -> ok"),
              std::string::npos)
        << r->out;
    auto events = fakes_.pd().acceptedEvents();
    ASSERT_EQ(events.size(), before + 2) << r->out;
    const auto& trigger = events[before];
    const auto& resolve = events[before + 1];
    EXPECT_EQ(trigger.value("event_action", ""), "trigger");
    EXPECT_EQ(resolve.value("event_action", ""), "resolve");
    const std::string key = trigger.value("dedup_key", "");
    EXPECT_EQ(resolve.value("dedup_key", ""), key);
    EXPECT_NE(key, liveKey) << "a test alert must never resolve the real incident";
    EXPECT_EQ(key.rfind(liveKey + ".test-", 0), 0u) << key;
    testKeys.insert(key);
    expectNoSecretIn(r->out + r->err);
  }
  EXPECT_EQ(testKeys.size(), 2u) << "every run has its own key";
  // Nothing ever resolved the live key: the real incident is still open at PagerDuty.
  for (const auto& e : pdActions(fakes_.pd(), "resolve"))
    EXPECT_NE(e.value("dedup_key", ""), liveKey) << e.dump();
  auto status = daemon->terminate(8s);
  ASSERT_TRUE(status && status->code == 0) << daemon->stderrTail();
}

TEST_F(AlertingE2E, TestAlertPrintsWhenNoRouteReachesTheSink) {
  ConfigSpec spec;
  spec.servers = {{"demo", "http://127.0.0.1:1/mcp", "Demo Server", {"e2e"}}};
  spec.databasePath = dir_.file("mcpwatch.db");
  spec.extraYaml =
      "sinks:\n  hook:\n    type: webhook\n    url: " + Json(fakes_.hook().url()).dump() +
      "\n    secret: " + Json(kHookSecret).dump() + "\n    timeout: 2s\n";
  writeFile(configPath(), renderConfig(spec));
  auto r = testsupport::runCommand(
      {testsupport::mcpwatchBinary(), "test-alert", "--config", configPath()}, 20s);
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(r->exitCode(), 0) << r->out << r->err;
  EXPECT_EQ(r->out,
            "hook (no route: real alerts never reach this sink): trigger HTTP 200, resolve HTTP "
            "200 -> ok\n");
}

// A loopback listener that accepts one connection and never answers: while `test-alert` waits
// on it, the test looks at what the command put on disk.
class SilentReceiver {
public:
  SilentReceiver() {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = 0;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(fd_, 4) != 0 || ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
      throw std::runtime_error("cannot listen on 127.0.0.1");
    port_ = ntohs(addr.sin_port);
  }
  ~SilentReceiver() {
    if (client_ >= 0)
      ::close(client_);
    ::close(fd_);
  }
  std::uint16_t port() const { return port_; }
  bool accept(std::chrono::milliseconds timeout) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) != 1)
      return false;
    client_ = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
    return client_ >= 0;
  }
  void hangUp() {
    if (client_ >= 0)
      ::close(client_);
    client_ = -1;
  }

private:
  int fd_ = -1;
  int client_ = -1;
  std::uint16_t port_ = 0;
};

TEST_F(AlertingE2E, TestAlertUsesAFreshPrivateTemporaryDirectoryAndRemovesIt) {
  // It used to use $TMPDIR/mcpwatch-test-alert-<pid> and accept one that already existed: a
  // predictable name another local user could plant (or point a symlink at).
  TempDir tmp;
  SilentReceiver receiver;
  ConfigSpec spec;
  spec.servers = {{"demo", "http://127.0.0.1:1/mcp", "Demo Server", {}}};
  spec.databasePath = dir_.file("mcpwatch.db");
  spec.extraYaml =
      "sinks:\n  hook: {type: webhook, url: \"http://127.0.0.1:" + std::to_string(receiver.port()) +
      "/hook\", timeout: 5s}\n" + "routes:\n  - sinks: [hook]\n";
  writeFile(configPath(), renderConfig(spec));
  testsupport::SpawnOptions options;
  options.argv = {testsupport::mcpwatchBinary(), "test-alert", "--config", configPath()};
  options.env = {{"TMPDIR", tmp.path().string()}};
  auto child = testsupport::ChildProcess::spawn(options);
  ASSERT_TRUE(child) << child.error();
  ASSERT_TRUE(receiver.accept(10s)) << (*child)->stderrText();

  std::vector<std::filesystem::path> entries;
  for (const auto& e : std::filesystem::directory_iterator(tmp.path()))
    entries.push_back(e.path());
  ASSERT_EQ(entries.size(), 1u) << "one directory of its own";
  const auto& used = entries[0];
  const std::string name = used.filename().string();
  EXPECT_EQ(name.rfind("mcpwatch-test-alert-", 0), 0u) << name;
  EXPECT_NE(name, "mcpwatch-test-alert-" + std::to_string((*child)->pid()))
      << "the old predictable name";
  struct stat st {};
  ASSERT_EQ(::lstat(used.c_str(), &st), 0);
  EXPECT_TRUE(S_ISDIR(st.st_mode)) << "a real directory, not a symlink";
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  EXPECT_EQ(st.st_uid, ::getuid());
  struct stat db {};
  ASSERT_EQ(::stat((used / "outbox.db").c_str(), &db), 0);
  EXPECT_EQ(db.st_mode & 0777, 0600u);

  receiver.hangUp(); // the trigger fails: exit 1, and the directory goes away
  auto status = (*child)->waitForExit(15s);
  ASSERT_TRUE(status) << (*child)->stderrText();
  EXPECT_EQ(status->code, 1) << (*child)->stdoutText() << (*child)->stderrText();
  EXPECT_NE((*child)->stdoutText().find("hook (via routes[0]): trigger"), std::string::npos)
      << (*child)->stdoutText();
  EXPECT_TRUE(std::filesystem::is_empty(tmp.path())) << "the temporary directory is removed";
}

} // namespace
} // namespace mcpwatch::daemontest
