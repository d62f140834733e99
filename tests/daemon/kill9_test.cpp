// kill -9 while slow receivers (300 ms to answer) are being sent alerts: delivery stays
// at-least-once, and what a crash may repeat is resent according to the receiver. A webhook
// (Standard Webhooks) resend carries the same webhook-id, so the receiver drops it; a Slack resend
// says in its note that it may be a repeat. The test prints the duplicates per 100 kills.
#include "alerting/alerting.hpp"
#include "tests/daemon/harness.hpp"

#include <algorithm>
#include <cstdio>
#include <gtest/gtest.h>
#include <map>
#include <set>

namespace mcpwatch::daemontest {
namespace {

using namespace std::chrono_literals;

constexpr const char* kSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

TEST(KillNine, SlowReceiversGetEveryAlertAndARepeatIsDroppedOrMarked) {
  TempDir dir;
  FakeReceivers fakes(kSecret);
  fakes.hook().setAnswerDelay(300ms);
  fakes.slack().setAnswerDelay(300ms);
  auto demo = DemoServer::start();
  ASSERT_TRUE(demo) << demo.error();

  ConfigSpec spec;
  spec.servers = {{"demo", (*demo)->url(), "Demo", {}}};
  spec.databasePath = dir.file("mcpwatch.db");
  spec.extraYaml =
      "sinks:\n  hook:\n    type: webhook\n    url: " + Json(fakes.hook().url()).dump() +
      "\n    secret: " + Json(kSecret).dump() +
      "\n    timeout: 5s\n  chat:\n    type: slack\n    url: \"${SLACK_URL}\"\n"
      "    timeout: 5s\nroutes:\n  - sinks: [hook, chat]\n";
  writeFile(dir.file("mcpwatch.yaml"), renderConfig(spec));
  const DaemonProcess::Env env = {{"SLACK_URL", fakes.slack().webhookUrl()}};

  auto start = [&] {
    auto d = DaemonProcess::start(dir.file("mcpwatch.yaml"), env);
    EXPECT_TRUE(d) << (d ? "" : d.error());
    return d ? std::move(d.value()) : nullptr;
  };
  auto daemon = start();
  ASSERT_TRUE(daemon);
  ASSERT_TRUE(daemon->waitForLog([](const Json& l) { return isStateChange(l, "demo", "up"); }, 10s))
      << daemon->stderrTail();

  // Each round makes one alert (the server goes down, then comes back) and kills the daemon while
  // both receivers hold that alert's request, before they answer.
  constexpr int kKills = 6;
  bool down = false;
  for (int round = 0; round < kKills; ++round) {
    const auto hookBefore = fakes.hook().requestCount();
    const auto slackBefore = fakes.slack().requests().size();
    if (down)
      ASSERT_TRUE((*demo)->restart());
    else
      (*demo)->kill();
    down = !down;
    // The alert is decided and committed to the outbox (logged) ...
    ASSERT_TRUE(daemon->waitForEvents(down ? "alert.triggered" : "alert.resolved", 1, "demo", 15s))
        << "round " << round << "\n"
        << daemon->stderrTail();
    // ... and both receivers are holding a request when the daemon dies.
    ASSERT_TRUE(pollUntil(
        [&] {
          return fakes.hook().requestCount() > hookBefore &&
                 fakes.slack().requests().size() > slackBefore;
        },
        15s))
        << "round " << round << ": no delivery started\n"
        << daemon->stderrTail();
    daemon->kill9();
    daemon = start();
    ASSERT_TRUE(daemon);
  }
  // Let everything pending go out: kKills events, each to both sinks.
  ASSERT_TRUE(pollUntil(
      [&] {
        std::set<std::string> ids;
        for (const auto& d : fakes.hook().deliveries())
          ids.insert(d.id);
        return ids.size() >= static_cast<std::size_t>(kKills);
      },
      30s))
      << daemon->stderrTail();
  ASSERT_TRUE(pollUntil(
      [&] { return fakes.slack().messages().size() >= static_cast<std::size_t>(kKills); }, 30s))
      << daemon->stderrTail();
  auto status = daemon->terminate(8s);
  ASSERT_TRUE(status && status->code == 0) << daemon->stderrTail();

  // Webhook: every event arrived; repeats carry the same webhook-id (the receiver drops them).
  std::map<std::string, int> byId;
  for (const auto& d : fakes.hook().deliveries())
    ++byId[d.id];
  EXPECT_EQ(byId.size(), static_cast<std::size_t>(kKills));
  int hookRepeats = 0;
  for (const auto& [id, n] : byId)
    hookRepeats += n - 1;

  // Slack: every alert arrived; a message sent twice says so the second time.
  int slackMarked = 0;
  for (const auto& m : fakes.slack().messages())
    if (m.body.dump().find("Possible repeat") != std::string::npos)
      ++slackMarked;
  const int slackMessages = static_cast<int>(fakes.slack().messages().size());
  // Every alert arrived at least once, and every extra message is one marked as a possible repeat
  // (a marked one may also be the first to arrive, when the kill came before the request left).
  EXPECT_GE(slackMessages, kKills);
  const int slackUnmarked = std::max(0, slackMessages - kKills - slackMarked);
  EXPECT_EQ(slackUnmarked, 0) << "a repeated Slack message must say it may be a repeat";
  const int slackRepeats = slackMessages - kKills;
  EXPECT_GE(hookRepeats + slackMarked, 1) << "the kills landed while requests were in flight";

  std::printf("kill -9 during delivery to receivers answering in 300 ms: %d kills\n"
              "  webhook: %d resends per 100 kills (same webhook-id: dropped by the receiver; "
              "visible duplicates 0)\n"
              "  slack:   %d resends per 100 kills, each marked \"Possible repeat\"; unmarked "
              "duplicates %d\n",
              kKills, hookRepeats * 100 / kKills, slackRepeats * 100 / kKills, slackUnmarked);
}

} // namespace
} // namespace mcpwatch::daemontest
