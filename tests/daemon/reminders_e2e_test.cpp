// Reminders end to end through `mcpwatch run`: an outage of a demo MCP server, a reload (SIGHUP)
// that turns on `reminder_interval: 1m` for a webhook and a Slack sink, one "still down" reminder
// to each a minute after the incident opened (signed like every webhook, on the trigger's
// incident), then the resolve, and no reminder after it. About 70 s of real time: the shortest
// interval the config allows is a minute.
#include "tests/daemon/harness.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <sstream>

namespace mcpwatch::daemontest {
namespace {

using namespace std::chrono_literals;

constexpr const char* kHookSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

std::vector<Json> hookBodies(const fakes::FakeWebhookReceiver& hook) {
  std::vector<Json> out;
  for (const auto& d : hook.deliveries())
    if (auto j = common::parseJson(d.body))
      out.push_back(*j);
  return out;
}

std::vector<std::string> typesOf(const std::vector<Json>& bodies) {
  std::vector<std::string> out;
  for (const auto& b : bodies)
    out.push_back(b.value("type", ""));
  return out;
}

class RemindersE2E : public ::testing::Test {
protected:
  std::string configPath() const { return dir_.file("mcpwatch.yaml"); }
  DaemonProcess::Env env() { return {{"SLACK_URL", fakes_.slack().webhookUrl()}}; }

  void writeConfig(const std::string& url, const std::string& reminderYaml) {
    ConfigSpec spec;
    spec.servers = {{"demo", url, "Demo Server", {"e2e"}}};
    spec.databasePath = dir_.file("mcpwatch.db");
    std::ostringstream y;
    y << "sinks:\n"
      << "  hook:\n    type: webhook\n    url: " << Json(fakes_.hook().url()).dump() << "\n"
      << "    secret: " << Json(kHookSecret).dump() << "\n    timeout: 2s\n"
      << reminderYaml << "  chat:\n    type: slack\n    url: \"${SLACK_URL}\"\n    timeout: 2s\n"
      << reminderYaml << "routes:\n  - sinks: [hook, chat]\n";
    spec.extraYaml = y.str();
    writeFile(configPath(), renderConfig(spec));
  }

  std::string state() {
    return "webhook: " + Json(typesOf(hookBodies(fakes_.hook()))).dump() +
           ", slack messages: " + std::to_string(fakes_.slack().messages().size());
  }

  TempDir dir_;
  FakeReceivers fakes_{kHookSecret};
};

TEST_F(RemindersE2E, AReloadedIntervalRemindsOnceAMinuteUntilTheResolve) {
  auto demo = DemoServer::start();
  ASSERT_TRUE(demo) << demo.error();
  writeConfig((*demo)->url(), "");
  auto started = DaemonProcess::start(configPath(), env());
  ASSERT_TRUE(started) << started.error();
  auto& daemon = *started;
  ASSERT_TRUE(daemon->waitForLog([](const Json& l) { return isStateChange(l, "demo", "up"); }, 20s))
      << daemon->stderrTail();

  (*demo)->kill();
  ASSERT_TRUE(pollUntil(
      [&] { return !fakes_.hook().deliveries().empty() && !fakes_.slack().messages().empty(); },
      20s))
      << state() << "\n"
      << daemon->stderrTail();
  const auto trigger = hookBodies(fakes_.hook()).at(0);
  ASSERT_EQ(trigger.value("type", ""), "alert.triggered");
  const auto triggeredAt = std::chrono::steady_clock::now();

  // Reminders are turned on while the incident is open.
  writeConfig((*demo)->url(), "    reminder_interval: 1m\n");
  daemon->signal(SIGHUP);

  ASSERT_TRUE(pollUntil(
      [&] {
        return fakes_.hook().deliveries().size() >= 2 && fakes_.slack().messages().size() >= 2;
      },
      80s))
      << state() << "\n"
      << daemon->stderrTail();
  const auto waited = std::chrono::steady_clock::now() - triggeredAt;
  EXPECT_GE(waited, 55s) << "a reminder before its interval";
  const auto hook = fakes_.hook().deliveries();
  const auto reminder = *common::parseJson(hook.at(1).body);
  EXPECT_EQ(reminder.value("type", ""), "alert.reminder");
  EXPECT_EQ(reminder.value("incident_id", ""), trigger.value("incident_id", ""));
  EXPECT_EQ(reminder.value("failure_reason", ""), trigger.value("failure_reason", ""));
  EXPECT_EQ(reminder.value("failure_summary", ""), trigger.value("failure_summary", ""));
  EXPECT_EQ(reminder.value("server_name", ""), "Demo Server");
  EXPECT_TRUE(reminder.value("id", "").starts_with("evt_rem_")) << reminder.dump();
  EXPECT_EQ(hook.at(1).id, reminder.value("id", "")); // webhook-id, verified by the fake
  EXPECT_EQ(fakes_.hook().badSignatures(), 0u);
  const auto duration = reminder.value("duration_seconds", 0);
  EXPECT_GE(duration, 60);
  EXPECT_LE(duration, 75);
  const std::string slackText = fakes_.slack().messages().at(1).body.value("text", "");
  EXPECT_TRUE(slackText.starts_with("Still down for 1m ")) << slackText;
  EXPECT_TRUE(slackText.find(": Demo Server \xE2\x80\x94 ") != std::string::npos) << slackText;

  ASSERT_TRUE((*demo)->restart()) << "the demo server did not come back";
  ASSERT_TRUE(pollUntil(
      [&] {
        auto types = typesOf(hookBodies(fakes_.hook()));
        return !types.empty() && types.back() == "alert.resolved" &&
               fakes_.slack().messages().size() >= 3;
      },
      20s))
      << state() << "\n"
      << daemon->stderrTail();
  // Anything queued behind the resolve would arrive now.
  EXPECT_FALSE(pollUntil([&] { return fakes_.hook().requestCount() > 3; }, 2s)) << state();
  EXPECT_EQ(typesOf(hookBodies(fakes_.hook())),
            (std::vector<std::string>{"alert.triggered", "alert.reminder", "alert.resolved"}));
  EXPECT_EQ(fakes_.slack().messages().size(), 3u) << state();

  auto status = daemon->terminate(15s);
  ASSERT_TRUE(status);
  EXPECT_EQ(status->code, 0) << status->describe();
  const auto err = daemon->process().stderrText();
  EXPECT_EQ(err.find(fakes_.slack().token()), std::string::npos) << "the Slack URL leaked";
  EXPECT_EQ(err.find(kHookSecret), std::string::npos) << "the webhook secret leaked";
}

} // namespace
} // namespace mcpwatch::daemontest
