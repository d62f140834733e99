// Issue 6 end to end: one outage of a real MCP server (the official server-everything from npm,
// killed and restarted on its port) monitored by `mcpwatch run` shows up on Slack, Discord,
// OpsGenie (strict fakes) and email (a real SMTP server with STARTTLS and AUTH), and the recovery
// answers or closes each. Also `mcpwatch test-alert --sink NAME` for each of the four.
#include "tests/daemon/harness.hpp"
#include "tests/support/smtp_peer.hpp"

#include <gtest/gtest.h>
#include <sstream>

namespace mcpwatch::daemontest {
namespace {

using namespace std::chrono_literals;

constexpr const char* kHookSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
constexpr const char* kSmtpUser = "mcpwatch";
constexpr const char* kSmtpPassword = "smtp-Pa55word-e2e";

class ChannelsE2E : public ::testing::Test {
protected:
  void SetUp() override {
    if (auto why = testsupport::peersUnavailable())
      FAIL() << *why;
    if (auto why = testsupport::smtpPeerUnavailable())
      FAIL() << *why;
    testsupport::SmtpPeerOptions smtp;
    smtp.tls = testsupport::SmtpPeerTls::StartTls;
    smtp.authMethods = {"plain", "login"};
    smtp.user = kSmtpUser;
    smtp.password = kSmtpPassword;
    auto started = testsupport::SmtpPeer::start(smtp);
    ASSERT_TRUE(started) << started.error();
    smtp_ = std::move(started.value());
  }

  // Secrets travel through the environment, so they are in no file the daemon could echo.
  DaemonProcess::Env env() {
    return {{"SLACK_URL", fakes_.slack().webhookUrl()},
            {"DISCORD_URL", fakes_.discord().webhookUrl()},
            {"OG_KEY", kOpsGenieKey},
            {"SMTP_PASSWORD", kSmtpPassword}};
  }

  void writeConfig(const std::string& url) {
    ConfigSpec spec;
    spec.servers = {{"everything", url, "Everything MCP", {"e2e"}}};
    spec.databasePath = dir_.file("mcpwatch.db");
    std::ostringstream y;
    y << "sinks:\n"
      << "  chat:\n    type: slack\n    url: \"${SLACK_URL}\"\n    timeout: 2s\n"
      << "  disc:\n    type: discord\n    url: \"${DISCORD_URL}\"\n    username: mcpwatch-e2e\n"
      << "    timeout: 2s\n"
      << "  og:\n    type: opsgenie\n    api_key: \"${OG_KEY}\"\n    api_url: "
      << Json(fakes_.opsgenie().baseUrl()).dump() << "\n    tags: [mcp]\n    timeout: 2s\n"
      << "  mail:\n    type: email\n    host: 127.0.0.1\n    port: " << smtp_->port() << "\n"
      << "    tls: starttls\n    username: " << kSmtpUser << "\n"
      << "    password: \"${SMTP_PASSWORD}\"\n    auth: plain\n"
      << "    from: \"mcpwatch <mcpwatch@example.test>\"\n"
      << "    to: [oncall@example.test, sre@example.test]\n"
      << "    ca_file: " << Json(smtp_->caFile()).dump() << "\n    timeout: 5s\n"
      << "routes:\n  - sinks: [chat, disc, og, mail]\n";
    spec.extraYaml = y.str();
    writeFile(configPath(), renderConfig(spec));
  }

  std::string configPath() const { return dir_.file("mcpwatch.yaml"); }

  void expectNoSecretIn(const std::string& text) {
    EXPECT_EQ(text.find(fakes_.slack().token()), std::string::npos) << "the Slack URL leaked";
    EXPECT_EQ(text.find(fakes_.discord().token()), std::string::npos) << "the Discord URL leaked";
    EXPECT_EQ(text.find(kOpsGenieKey), std::string::npos) << "the OpsGenie key leaked";
    EXPECT_EQ(text.find(kSmtpPassword), std::string::npos) << "the SMTP password leaked";
  }

  std::string state() {
    auto alert = fakes_.opsgenie().alert("mcpwatch-everything");
    return "slack: " + std::to_string(fakes_.slack().messages().size()) +
           ", discord: " + std::to_string(fakes_.discord().messages().size()) +
           ", opsgenie requests: " + std::to_string(fakes_.opsgenie().requests().size()) +
           (alert ? (alert->open ? " (open)" : " (closed)") : " (no alert)") +
           ", mails: " + std::to_string(smtp_->messages().size());
  }

  TempDir dir_;
  FakeReceivers fakes_{kHookSecret};
  std::unique_ptr<testsupport::SmtpPeer> smtp_;
};

// server-everything binds $PORT (the preload pins it to 127.0.0.1): port 0 first, then the
// port it got, so the restarted server answers on the monitored URL.
Result<std::unique_ptr<testsupport::Peer>> startEverything(std::uint16_t port) {
  auto options = testsupport::serverEverything("streamableHttp");
  options.env = {{"PORT", std::to_string(port)}};
  return testsupport::startPeer(std::move(options));
}

TEST_F(ChannelsE2E, OneOutageShowsOnEveryChannelAndRecoveryAnswersOrClosesEach) {
  auto server = startEverything(0);
  ASSERT_TRUE(server) << server.error();
  const auto port = (*server)->port();
  const auto url = (*server)->url("/mcp");
  writeConfig(url);
  auto daemon = DaemonProcess::start(configPath(), env());
  ASSERT_TRUE(daemon) << daemon.error();
  ASSERT_TRUE((*daemon)->waitForLog(
      [](const Json& l) { return isStateChange(l, "everything", "up"); }, 20s))
      << (*daemon)->stderrTail();

  // The outage: the server dies without a goodbye.
  (*server)->process().stop(0ms);
  ASSERT_TRUE(pollUntil(
      [&] {
        auto alert = fakes_.opsgenie().alert("mcpwatch-everything");
        return !fakes_.slack().messages().empty() && !fakes_.discord().messages().empty() &&
               alert && alert->open && !smtp_->messages().empty();
      },
      30s))
      << state() << "\n"
      << (*daemon)->stderrTail();
  // The headline names the concrete failure; the stable reason stays in fields and tags.
  const std::string headline = "MCP server down: Everything MCP (connection refused)";

  auto slackDown = fakes_.slack().messages().at(0).body;
  EXPECT_EQ(slackDown.value("text", ""), headline) << slackDown.dump();
  EXPECT_NE(slackDown.dump().find(url), std::string::npos) << "the endpoint link is missing";
  EXPECT_NE(slackDown.dump().find("https://status.example.test/status/everything"),
            std::string::npos);

  auto discordDown = fakes_.discord().messages().at(0);
  EXPECT_TRUE(discordDown.mentionsOff);
  EXPECT_NE(discordDown.query.find("wait=true"), std::string::npos);
  ASSERT_EQ(discordDown.body["embeds"].size(), 1u) << discordDown.body.dump();
  const auto& embed = discordDown.body["embeds"][0];
  EXPECT_NE(embed.value("title", "").find("Everything MCP"), std::string::npos) << embed.dump();
  EXPECT_TRUE(embed["color"].is_number_integer());
  // The reason may be markdown-escaped ("connect\_refused"); the words must be there.
  EXPECT_NE(embed.dump().find("refused"), std::string::npos) << embed.dump();
  EXPECT_EQ(discordDown.body.value("username", ""), "mcpwatch-e2e");

  auto alert = *fakes_.opsgenie().alert("mcpwatch-everything");
  EXPECT_EQ(alert.body.value("message", ""), headline);
  EXPECT_EQ(alert.body.value("priority", ""), "P1");
  auto tags = alert.body["tags"].dump();
  EXPECT_NE(tags.find("\"mcp\""), std::string::npos) << tags;
  EXPECT_NE(tags.find("\"e2e\""), std::string::npos) << tags;
  EXPECT_NE(tags.find("connect_refused"), std::string::npos) << tags;
  EXPECT_EQ(alert.count, 1);

  auto mailDown = smtp_->messages().at(0);
  EXPECT_EQ(mailDown.subject, "[DOWN] Everything MCP: connection refused");
  EXPECT_TRUE(mailDown.secure) << "STARTTLS was not used";
  EXPECT_EQ(mailDown.user, kSmtpUser);
  EXPECT_EQ(mailDown.rcptTo, (std::vector<std::string>{"oncall@example.test", "sre@example.test"}));
  EXPECT_NE(mailDown.text.find("connect_refused"), std::string::npos);
  EXPECT_NE(mailDown.html.find("Everything MCP"), std::string::npos);
  EXPECT_FALSE(mailDown.messageId.empty());

  // Recovery on the same port.
  auto back = startEverything(port);
  ASSERT_TRUE(back) << back.error();
  ASSERT_TRUE(pollUntil(
      [&] {
        auto a = fakes_.opsgenie().alert("mcpwatch-everything");
        return fakes_.slack().messages().size() >= 2 && fakes_.discord().messages().size() >= 2 &&
               a && !a->open && smtp_->messages().size() >= 2;
      },
      30s))
      << state() << "\n"
      << (*daemon)->stderrTail();

  auto slackUp = fakes_.slack().messages().at(1).body;
  EXPECT_TRUE(slackUp.value("text", "").starts_with("MCP server recovered: Everything MCP"))
      << slackUp.dump();
  // Down and up look different at a glance: another colour bar.
  EXPECT_NE(slackDown["attachments"][0].value("color", ""),
            slackUp["attachments"][0].value("color", ""));
  auto discordUp = fakes_.discord().messages().at(1).body;
  EXPECT_NE(discordUp["embeds"][0].value("title", "").find("Everything MCP"), std::string::npos);
  EXPECT_NE(discordUp["embeds"][0]["color"], embed["color"]);
  auto closed = *fakes_.opsgenie().alert("mcpwatch-everything");
  EXPECT_FALSE(closed.open);
  EXPECT_EQ(fakes_.opsgenie().alerts().size(), 1u) << "the recovery must close, not create";
  auto mailUp = smtp_->messages().at(1);
  EXPECT_TRUE(mailUp.subject.starts_with("[RESOLVED] Everything MCP")) << mailUp.subject;
  EXPECT_EQ(mailUp.inReplyTo, mailDown.messageId);
  EXPECT_NE(mailUp.messageId, mailDown.messageId);

  // Exactly one page per channel and transition.
  EXPECT_EQ(fakes_.slack().messages().size(), 2u);
  EXPECT_EQ(fakes_.discord().messages().size(), 2u);
  EXPECT_EQ(smtp_->messages().size(), 2u);

  auto status = (*daemon)->terminate(15s);
  ASSERT_TRUE(status);
  EXPECT_EQ(status->code, 0) << status->describe();
  expectNoSecretIn((*daemon)->process().stderrText());
  expectNoSecretIn((*daemon)->process().stdoutText());
}

TEST_F(ChannelsE2E, TestAlertReachesEachSinkByName) {
  writeConfig("http://127.0.0.1:9/mcp");
  for (std::string sink : {"chat", "disc", "og", "mail"}) {
    testsupport::SpawnOptions options;
    options.argv = {
        testsupport::mcpwatchBinary(), "test-alert", "--config", configPath(), "--sink", sink};
    options.env = env();
    auto result = testsupport::runCommand(std::move(options), 60s);
    ASSERT_TRUE(result) << result.error();
    EXPECT_EQ(result->exitCode(), 0) << sink << "\n" << result->out << result->err;
    // Mail shows the SMTP reply, not an HTTP status.
    const std::string answer = sink == "mail" ? "SMTP 250" : "HTTP 2";
    EXPECT_NE(result->out.find(sink + " (via routes[0]): trigger " + answer), std::string::npos)
        << result->out;
    expectNoSecretIn(result->out + result->err);
  }
  ASSERT_EQ(fakes_.slack().messages().size(), 2u);
  EXPECT_TRUE(
      fakes_.slack().messages()[0].body.value("text", "").starts_with("[TEST] MCP server down"));
  ASSERT_EQ(fakes_.discord().messages().size(), 2u);
  ASSERT_EQ(fakes_.opsgenie().alerts().size(), 1u);
  EXPECT_FALSE(fakes_.opsgenie().alerts()[0].open);
  // Its own alias (the placeholder server "mcpwatch-test", this run's id), never a live one.
  EXPECT_EQ(fakes_.opsgenie().alerts()[0].alias.rfind("mcpwatch-mcpwatch-test.test-", 0), 0u)
      << fakes_.opsgenie().alerts()[0].alias;
  // The SMTP peer reports on its stdout, which may lag the 250 the client already got.
  ASSERT_TRUE(smtp_->waitForMessages(2, 10s)) << smtp_->messages().size();
  ASSERT_EQ(smtp_->messages().size(), 2u);
  EXPECT_TRUE(smtp_->messages()[0].subject.starts_with("[TEST] [DOWN]") ||
              smtp_->messages()[0].subject.starts_with("[DOWN] [TEST]"))
      << smtp_->messages()[0].subject;
}

} // namespace
} // namespace mcpwatch::daemontest
