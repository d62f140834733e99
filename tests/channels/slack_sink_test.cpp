// Tests of the Slack sink: the pure Block Kit renderer (structure, escaping, limits), single
// attempts against the strict fake (Slack's answers, revocation, 429 holds), and
// trigger/resolve/errors/pacing/test-alert through the real outbox. The outbox tests with
// retries or pacing run on a FakeClock shared by the dispatcher and the fake: sends happen when
// the test moves time, and their times are asserted exactly.
#include "channels/slack_sink.hpp"
#include "tests/channels/sink_test_support.hpp"
#include "tests/fakes/fake_slack.hpp"
#include "tests/fakes/fake_util.hpp"
#include "tests/fakes/outbox_harness.hpp"
#include "channels/slack_config.hpp"

#include <gtest/gtest.h>
#include <set>

namespace mcpwatch::channels {
namespace {

using namespace std::chrono_literals;
using common::Json;
using fakes::codePointCount;
using fakes::contains;
using fakes::eventBody;
using fakes::occurrences;

void expectAccepted(const Json& message) {
  auto refusal = fakes::FakeSlack::validate(message);
  EXPECT_FALSE(refusal) << refusal->code << ": " << refusal->problem;
  // A strict UTF-8 dump throws if a truncation split a code point.
  EXPECT_NO_THROW((void)message.dump());
}

const Json& attachmentBlocks(const Json& m) {
  return m["attachments"][0]["blocks"];
}

// Every mrkdwn/plain text of the attachment blocks, joined.
std::string allText(const Json& m) {
  return m.dump();
}

std::vector<std::string> fieldTexts(const Json& m) {
  std::vector<std::string> out;
  for (const auto& b : attachmentBlocks(m))
    if (b.contains("fields"))
      for (const auto& f : b["fields"])
        out.push_back(f["text"]);
  return out;
}

std::optional<std::string> fieldText(const Json& m, const std::string& label) {
  for (const auto& f : fieldTexts(m))
    if (f.rfind("*" + label + "*\n", 0) == 0)
      return f.substr(label.size() + 3);
  return std::nullopt;
}

std::vector<std::string> sectionTexts(const Json& m) {
  std::vector<std::string> out;
  for (const auto& b : attachmentBlocks(m))
    if (b["type"] == "section" && b.contains("text"))
      out.push_back(b["text"]["text"]);
  return out;
}

std::vector<Json> buttons(const Json& m) {
  std::vector<Json> out;
  for (const auto& b : attachmentBlocks(m))
    if (b["type"] == "actions")
      for (const auto& e : b["elements"])
        out.push_back(e);
  return out;
}

std::size_t blockCount(const Json& m) {
  return m["blocks"].size() + attachmentBlocks(m).size();
}

// ---- the pure renderer ----

TEST(SlackMessage, TriggerHasFallbackHeaderRedBarFactsAndLinks) {
  const auto m = slackMessage(view(eventBody("alert.triggered")), "https://status.example.com");
  expectAccepted(m);
  EXPECT_EQ(m["text"], "MCP server down: GitHub MCP (connect_timeout)");
  EXPECT_EQ(m["mrkdwn"], false);
  ASSERT_EQ(m["blocks"].size(), 1u);
  EXPECT_EQ(m["blocks"][0]["type"], "header");
  EXPECT_EQ(m["blocks"][0]["text"]["type"], "plain_text");
  EXPECT_EQ(m["blocks"][0]["text"]["text"],
            "\xF0\x9F\x94\xB4 MCP server down: GitHub MCP (connect_timeout)");
  EXPECT_EQ(m["attachments"][0]["color"], "danger");
  EXPECT_EQ(fieldText(m, "Reason"), "`connect_timeout`");
  EXPECT_EQ(fieldText(m, "Consecutive failures"), "2");
  EXPECT_EQ(fieldText(m, "Protocol version"), "`2025-11-25`");
  EXPECT_EQ(fieldText(m, "Server"), "`github-mcp`");
  EXPECT_EQ(fieldText(m, "Endpoint"), "`https://api.example.com/mcp`");
  // Down since is a Slack date token (reader's time zone) with the RFC 3339 time as fallback.
  EXPECT_EQ(fieldText(m, "Down since"),
            "<!date^1795485724^{date_short_pretty} {time_secs}|2026-11-24T02:02:04Z>");
  const auto sections = sectionTexts(m);
  ASSERT_EQ(sections.size(), 2u);
  EXPECT_EQ(sections[0], "*Detail*\n```\nno answer in 10s\n```");
  EXPECT_TRUE(contains(sections[1], "*Recent failures*")) << sections[1];
  EXPECT_TRUE(contains(sections[1], "`connect_timeout`: `no answer in 10s`")) << sections[1];
  const auto b = buttons(m);
  ASSERT_EQ(b.size(), 2u);
  EXPECT_EQ(b[0]["text"]["text"], "Status page");
  EXPECT_EQ(b[0]["url"], "https://status.example.com/status/github-mcp");
  EXPECT_EQ(b[1]["text"]["text"], "Endpoint");
  EXPECT_EQ(b[1]["url"], "https://api.example.com/mcp");
  EXPECT_TRUE(contains(allText(m), "`evt_1`")) << allText(m);
}

TEST(SlackMessage, AProtocolChangeIsAmberAndSaysFromWhatToWhat) {
  auto b = eventBody("protocol.changed");
  b.erase("schema");
  b["protocol"] = {{"from", {{"transport", "streamable-http"}, {"protocol_version", "2025-11-25"}}},
                   {"to", {{"transport", "modern"}, {"protocol_version", "2026-07-28"}}}};
  const auto m = slackMessage(view(b), "");
  expectAccepted(m);
  EXPECT_EQ(m["attachments"][0]["color"], "warning");
  EXPECT_EQ(m["text"], "MCP protocol changed: GitHub MCP (streamable-http 2025-11-25 \xE2\x86\x92 "
                       "modern 2026-07-28)");
  EXPECT_EQ(fieldText(m, "Protocol"),
            "`streamable-http 2025-11-25 \xE2\x86\x92 modern 2026-07-28`");
}

TEST(SlackMessage, ResolveAndDriftLookDifferentAtAGlance) {
  const auto resolved = slackMessage(view(eventBody("alert.resolved")), "");
  expectAccepted(resolved);
  EXPECT_EQ(resolved["attachments"][0]["color"], "good");
  EXPECT_EQ(resolved["text"], "MCP server recovered: GitHub MCP (down 4m 10s)");
  EXPECT_EQ(resolved["blocks"][0]["text"]["text"],
            "\xE2\x9C\x85 MCP server recovered: GitHub MCP (down 4m 10s)");
  EXPECT_EQ(fieldText(resolved, "Down for"), "4m 10s");
  EXPECT_EQ(fieldText(resolved, "Latency"), "42 ms");
  EXPECT_FALSE(fieldText(resolved, "Reason"));
  EXPECT_TRUE(sectionTexts(resolved).empty());

  const auto drift = slackMessage(view(eventBody("schema.drifted")), "");
  expectAccepted(drift);
  EXPECT_EQ(drift["attachments"][0]["color"], "warning");
  EXPECT_EQ(drift["text"], "MCP tools changed: GitHub MCP (1 added, 1 changed)");
  EXPECT_EQ(std::string(drift["blocks"][0]["text"]["text"]).rfind("\xF0\x9F\x9F\xA1 ", 0), 0u);
  EXPECT_EQ(fieldText(drift, "Tools"), "1 added, 1 changed");
  const auto sections = sectionTexts(drift);
  ASSERT_EQ(sections.size(), 2u);
  EXPECT_EQ(sections[0], "*Added (1)*\n`create_issue`");
  EXPECT_EQ(sections[1], "*Changed (1)*\n`search_code`");
  EXPECT_TRUE(contains(drift.dump(), "Fingerprint `sha256:1111` \xE2\x86\x92 `sha256:2222`"));
}

TEST(SlackMessage, AReminderIsRedAndSaysHowLongItIsStillDown) {
  const auto m =
      slackMessage(view(reminderOf(eventBody("alert.triggered"))), "https://status.example.com");
  expectAccepted(m);
  const std::string title = "Still down for 1h 20m: GitHub MCP \xE2\x80\x94 HTTP 503";
  EXPECT_EQ(m["text"], title);
  EXPECT_EQ(m["blocks"][0]["text"]["text"], "\xF0\x9F\x94\xB4 " + title);
  EXPECT_EQ(m["attachments"][0]["color"], "danger");
  EXPECT_EQ(fieldText(m, "Down for"), "1h 20m");
  EXPECT_EQ(fieldText(m, "Reason"), "`http_error`");
  EXPECT_EQ(fieldText(m, "Down since"),
            "<!date^1795485724^{date_short_pretty} {time_secs}|2026-11-24T02:02:04Z>");
  EXPECT_EQ(fieldText(m, "Server"), "`github-mcp`");
  EXPECT_FALSE(fieldText(m, "Consecutive failures")); // the trigger's count, stale by now
  // A nudge, not a second trigger: the detail and the failures were in the trigger's message.
  EXPECT_TRUE(sectionTexts(m).empty());
  EXPECT_EQ(buttons(m).size(), 2u);
  EXPECT_TRUE(contains(allText(m), "`evt_rem_1_4800`")) << allText(m);
  EXPECT_TRUE(contains(allText(m), "incident `inc_1`")) << allText(m);
}

TEST(SlackMessage, WithoutAStatusPageTheButtonOpensMcpwatch) {
  auto body = eventBody("alert.triggered");
  body["status_url"] = nullptr;
  auto b = buttons(slackMessage(view(body), "https://mcpwatch.example.com"));
  ASSERT_EQ(b.size(), 2u);
  EXPECT_EQ(b[0]["url"], "https://mcpwatch.example.com");
  // No public URL and a non-http endpoint: no buttons at all, and still a valid message.
  body["check_url"] = "stdio:/usr/bin/server";
  const auto m = slackMessage(view(body), "");
  EXPECT_TRUE(buttons(m).empty());
  expectAccepted(m);
}

TEST(SlackMessage, TestAlertsAreClearlyMarked) {
  auto body = eventBody("alert.triggered");
  body["test"] = true;
  const auto m = slackMessage(view(body), "");
  expectAccepted(m);
  EXPECT_EQ(std::string(m["text"]).rfind("[TEST] ", 0), 0u);
  EXPECT_TRUE(contains(m["blocks"][0]["text"]["text"], "[TEST] MCP server down"));
  EXPECT_TRUE(contains(m.dump(), "*Test alert* sent by `mcpwatch test-alert`"));
  EXPECT_FALSE(contains(slackMessage(view(eventBody("alert.triggered")), "").dump(), "Test alert"));
}

TEST(SlackMessage, HostileServerStringsCannotPingLinkOrFormat) {
  auto body = eventBody("alert.triggered");
  body["server_name"] = "<!channel> *boss* & co";
  body["failure_reason"] = "<!here>_x_";
  body["failure_detail"] = "<@U123> <http://evil.example|click> ~s~ `code`\n```\n<script>";
  body["note"] = "<!everyone> @everyone";
  body["recent_failures"] = Json::array(
      {{{"at", "<!subteam^S1>"}, {"reason", "*r*"}, {"detail", "<https://x.example|y>"}}});
  const auto m = slackMessage(view(body), "");
  expectAccepted(m);
  const std::string all = m.dump();
  for (const char* raw : {"<!channel>", "<!here>", "<@U123>", "<http://evil", "<https://x",
                          "<script>", "<!everyone>", "<!subteam"})
    EXPECT_FALSE(contains(all, raw)) << raw;
  // The only '<' left are mcpwatch's own date tokens.
  EXPECT_EQ(occurrences(all, "<"), occurrences(all, "<!date^"));
  EXPECT_EQ(m["text"], "MCP server down: &lt;!channel&gt; *boss* &amp; co (&lt;!here&gt;_x_)");
  // In mrkdwn the server's strings sit in code spans, where * _ ~ do not format; backticks from
  // the server become 'ˋ' so the span cannot be closed early.
  EXPECT_EQ(fieldText(m, "Reason"), "`&lt;!here&gt;_x_`");
  const auto detail = sectionTexts(m)[0];
  EXPECT_EQ(occurrences(detail, "`"), 6u) << detail; // the two ``` fences only
  EXPECT_TRUE(contains(detail, "\xCB\x8B"
                               "code\xCB\x8B"))
      << detail;
  EXPECT_TRUE(contains(detail, "&lt;@U123&gt; &lt;http://evil.example|click&gt; ~s~")) << detail;
  EXPECT_TRUE(contains(detail, "&lt;script&gt;")) << detail;
  EXPECT_TRUE(contains(sectionTexts(m)[1], "`*r*`")) << sectionTexts(m)[1];
  // The header is plain_text (no formatting at all), still escaped.
  EXPECT_EQ(m["blocks"][0]["text"]["type"], "plain_text");
  EXPECT_TRUE(contains(m["blocks"][0]["text"]["text"], "&lt;!channel&gt; *boss* &amp; co"));
}

TEST(SlackMessage, ControlAndBidiCharactersAreDropped) {
  EXPECT_EQ(slackEscape("a\x1b[31mb\x07\r\tc\xE2\x80\xAE"
                        "d",
                        100),
            "a[31mb cd");
  EXPECT_EQ(slackEscape("one\ntwo", 100), "one two");
  EXPECT_EQ(slackEscape("one\ntwo", 100, true), "one\ntwo");
}

TEST(SlackMessage, CodeSpansNeutraliseFormatting) {
  EXPECT_EQ(slackCode("a*b_c~d`e", 100), "`a*b_c~d\xCB\x8B"
                                         "e`");
  EXPECT_EQ(slackCode("", 100), "\xE2\x80\x94");
  EXPECT_EQ(slackCode("   ", 100), "\xE2\x80\x94");
  EXPECT_EQ(slackCode("line1\nline2", 100), "`line1 line2`");
  EXPECT_EQ(slackCodeBlock("x\n```y", 100), "```\nx\n\xCB\x8B\xCB\x8B\xCB\x8By\n```");
  EXPECT_EQ(codePointCount(slackCode(std::string(500, 'a'), 50)), 50u);
  EXPECT_EQ(codePointCount(slackCodeBlock(std::string(500, 'a'), 50)), 50u);
}

TEST(SlackMessage, TruncationIsUtf8SafeAndNeverSplitsAnEntity) {
  std::string accents;
  for (int i = 0; i < 5000; ++i)
    accents += "\xC3\xA9";
  const auto cut = slackEscape(accents, 100);
  EXPECT_EQ(codePointCount(cut), 100u);
  EXPECT_EQ(cut.substr(cut.size() - 3), "\xE2\x80\xA6");
  EXPECT_NO_THROW((void)Json(cut).dump());
  std::string emoji;
  for (int i = 0; i < 100; ++i)
    emoji += "\xF0\x9F\x98\x80";
  // Emoji past U+FFFF count twice (UTF-16, as Slack counts): 4 of them and the ellipsis.
  const auto e = slackEscape(emoji, 10);
  EXPECT_EQ(codePointCount(e), 5u);
  EXPECT_EQ(e.substr(e.size() - 3), "\xE2\x80\xA6");
  EXPECT_NO_THROW((void)Json(e).dump());
  EXPECT_EQ(slackEscape(std::string(100, '&'), 12), "&amp;&amp;\xE2\x80\xA6");
  EXPECT_EQ(slackEscape("&&", 10), "&amp;&amp;"); // exactly 10: no cut
  // Invalid UTF-8 becomes U+FFFD rather than breaking the JSON.
  EXPECT_EQ(slackEscape("a\xFF\xC3z", 10), "a\xEF\xBF\xBD\xEF\xBF\xBDz");
  EXPECT_EQ(slackEscape("\xED\xA0\x80", 10), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
}

TEST(SlackMessage, HugeInputsAreTruncatedToEveryLimitNeverRefused) {
  const std::string big(100000, 'x');
  std::string bigAmp;
  for (int i = 0; i < 20000; ++i)
    bigAmp += "<&>\xC3\xA9";
  Json recent = Json::array();
  for (int i = 0; i < 25; ++i)
    recent.push_back({{"at", "2026-11-24T02:02:04Z"}, {"reason", big}, {"detail", bigAmp}});
  Json tools = Json::array();
  for (int i = 0; i < 5000; ++i)
    tools.push_back("tool_" + std::to_string(i) + std::string(100, 'y'));
  for (const char* type : {"alert.triggered", "alert.resolved", "schema.drifted"}) {
    auto body = eventBody(type);
    body["server_name"] = big;
    body["server_slug"] = big;
    body["check_url"] = "https://api.example.com/" + big;
    body["protocol_version"] = bigAmp;
    body["note"] = bigAmp;
    body["id"] = big;
    body["incident_id"] = big;
    if (std::string(type) == "alert.triggered") {
      body["failure_reason"] = bigAmp;
      body["failure_detail"] = bigAmp;
      body["recent_failures"] = recent;
    }
    if (std::string(type) == "schema.drifted") {
      body["schema"]["added"] = tools;
      body["schema"]["removed"] = tools;
      body["schema"]["changed"] = tools;
      body["schema"]["old_fingerprint"] = big;
      body["schema"]["new_fingerprint"] = big;
    }
    body["test"] = true;
    const auto m = slackMessage(view(body), "https://status.example.com");
    SCOPED_TRACE(type);
    expectAccepted(m);
    EXPECT_LE(blockCount(m), kSlackMaxBlocks);
    EXPECT_LE(slackTextLength(m), kSlackMaxTotalText);
    EXPECT_LE(codePointCount(m["blocks"][0]["text"]["text"]), kSlackMaxHeaderText);
    EXPECT_TRUE(contains(m["blocks"][0]["text"]["text"], "\xE2\x80\xA6"));
    for (const auto& f : fieldTexts(m))
      EXPECT_LE(codePointCount(f), kSlackMaxFieldText);
    for (const auto& s : sectionTexts(m))
      EXPECT_LE(codePointCount(s), kSlackMaxSectionText);
    // The 3 kB endpoint URL is too long for a button but still shown (truncated) as a field.
    for (const auto& b : buttons(m))
      EXPECT_NE(b["text"]["text"], "Endpoint");
    EXPECT_TRUE(fieldText(m, "Endpoint"));
    if (std::string(type) == "schema.drifted") {
      const auto sections = sectionTexts(m);
      ASSERT_EQ(sections.size(), 3u);
      EXPECT_TRUE(contains(sections[0], " more")) << sections[0].substr(sections[0].size() - 40);
    }
  }
}

TEST(SlackMessage, TheFakeRefusesWhatSlackRefuses) {
  // The validator must be strict, or the acceptance checks above prove nothing.
  const auto good = slackMessage(view(eventBody("alert.triggered")), "");
  auto code = [](const Json& m) {
    auto r = fakes::FakeSlack::validate(m);
    return r ? r->code : std::string("accepted");
  };
  EXPECT_EQ(code(good), "accepted");
  auto m = good;
  for (int i = 0; i < 50; ++i)
    m["attachments"][0]["blocks"].push_back({{"type", "divider"}});
  EXPECT_EQ(code(m), "invalid_blocks");
  m = good;
  m["blocks"][0]["text"]["text"] = std::string(151, 'h');
  EXPECT_EQ(code(m), "invalid_blocks");
  m = good;
  m["blocks"][0]["text"]["type"] = "mrkdwn";
  EXPECT_EQ(code(m), "invalid_blocks");
  m = good;
  m["attachments"][0]["blocks"][0]["fields"][0]["text"] = std::string(2001, 'f');
  EXPECT_EQ(code(m), "invalid_blocks");
  m = good;
  for (int i = 0; i < 11; ++i)
    m["attachments"][0]["blocks"][0]["fields"][i] = {{"type", "mrkdwn"}, {"text", "x"}};
  EXPECT_EQ(code(m), "invalid_blocks");
  m = good;
  m["attachments"][0]["blocks"][1]["text"]["text"] = std::string(3001, 's');
  EXPECT_EQ(code(m), "invalid_blocks");
  m = good;
  m["attachments"][0]["blocks"][1]["text"]["type"] = "markdown";
  EXPECT_EQ(code(m), "invalid_blocks");
  m = good;
  m["attachments"][0]["blocks"][1]["type"] = "table";
  EXPECT_EQ(code(m), "invalid_blocks");
  m = good;
  m["attachments"][0]["color"] = "red";
  EXPECT_EQ(code(m), "invalid_attachments");
  m = good;
  m["attachments"][0]["color"] = "#36a64f";
  EXPECT_EQ(code(m), "accepted");
  EXPECT_EQ(code(Json::object()), "no_text");
  EXPECT_EQ(code(Json::array()), "invalid_payload");
  EXPECT_EQ(code({{"text", 5}}), "invalid_payload");
}

// ---- single attempts against the strict fake ----

class SlackAttempt : public ::testing::Test {
protected:
  channels::SlackSinkConfig slackConfig(std::string url = "") {
    channels::SlackSinkConfig c;
    c.url = common::Secret(url.empty() ? fake_.webhookUrl() : std::move(url));
    c.timeout = 2s;
    return c;
  }

  alerting::AttemptResult attempt(const channels::SlackSinkConfig& c, const Json& body,
                                  alerting::DestinationGates* gates = nullptr) {
    alerting::SinkContext context;
    context.executor = ioc_.get_executor();
    context.clock = &clock_;
    context.gates = gates;
    SlackSink sink(c, context);
    return fakes::deliverOnce(ioc_, sink, fakes::deliveryOf(body));
  }

  void expectNoSecret(const std::string& text) {
    EXPECT_FALSE(contains(text, fake_.token())) << text;
    EXPECT_FALSE(contains(text, "/services/")) << text;
  }

  asio::io_context ioc_;
  common::SystemClock clock_;
  fakes::FakeSlack fake_{ioc_.get_executor()};
};

TEST_F(SlackAttempt, SuccessIsA200OkAndTheRequestIsWhatSlackExpects) {
  const auto r = attempt(slackConfig(), eventBody("alert.triggered"));
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(r.error.empty()) << r.error;
  EXPECT_EQ(r.outcome, alerting::AttemptOutcome::Delivered);
  ASSERT_EQ(fake_.messages().size(), 1u);
  const auto req = fake_.requests()[0];
  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(req.target, "/services/T0MCPWATCH/B0MCPWATCH/" + fake_.token());
  EXPECT_EQ(req.contentType, "application/json; charset=utf-8");
  EXPECT_EQ(req.answer, "ok");
  EXPECT_EQ(fake_.messages()[0].body["attachments"][0]["color"], "danger");
}

TEST_F(SlackAttempt, AReminderIsPostedAndAcceptedByTheStrictFake) {
  const auto r = attempt(slackConfig(), reminderOf(eventBody("alert.triggered")));
  EXPECT_EQ(r.status, 200) << r.error;
  EXPECT_EQ(r.outcome, alerting::AttemptOutcome::Delivered);
  ASSERT_EQ(fake_.messages().size(), 1u);
  const auto posted = fake_.messages()[0].body;
  EXPECT_EQ(posted["text"], "Still down for 1h 20m: GitHub MCP \xE2\x80\x94 HTTP 503");
  EXPECT_EQ(posted["attachments"][0]["color"], "danger");
}

TEST_F(SlackAttempt, A200WithAnotherBodyIsNotDeliveredButRetried) {
  fake_.failNext(1, 200, std::nullopt, "<html>captive portal</html>");
  auto r = attempt(slackConfig(), eventBody("alert.triggered"));
  EXPECT_EQ(r.outcome, alerting::AttemptOutcome::Retry);
  EXPECT_TRUE(contains(r.error, "instead of \"ok\"")) << r.error;
  EXPECT_TRUE(contains(r.error, "captive portal")) << r.error;
  EXPECT_TRUE(contains(r.error, "127.0.0.1")) << r.error;
  expectNoSecret(r.error);
  // Slack's Web API style answer is no success either.
  fake_.failNext(1, 200, std::nullopt, R"({"ok":false,"error":"invalid_auth"})");
  r = attempt(slackConfig(), eventBody("alert.triggered"));
  EXPECT_EQ(r.outcome, alerting::AttemptOutcome::Retry);
  EXPECT_TRUE(contains(r.error, "invalid_auth")) << r.error;
}

TEST_F(SlackAttempt, A400IsPermanentWithSlacksErrorCode) {
  fake_.failNext(1, 400, std::nullopt, "invalid_blocks");
  const auto r = attempt(slackConfig(), eventBody("alert.triggered"));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.outcome, alerting::AttemptOutcome::Permanent);
  EXPECT_TRUE(contains(r.error, "HTTP 400 invalid_blocks")) << r.error;
  expectNoSecret(r.error);
  // A 500 rollup_error is retried.
  fake_.failNext(1, 500);
  const auto s = attempt(slackConfig(), eventBody("alert.triggered"));
  EXPECT_EQ(s.outcome, alerting::AttemptOutcome::Retry);
  EXPECT_TRUE(contains(s.error, "rollup_error")) << s.error;
}

TEST_F(SlackAttempt, GoneWebhooksAreRevokedAndNotCalledAgain) {
  for (int status : {404, 410, 403}) {
    SCOPED_TRACE(status);
    fakes::FakeSlack fake(ioc_.get_executor());
    fake.revoke(status == 403 ? 404 : status);
    if (status == 403)
      fake.failNext(1, 403, std::nullopt, "action_prohibited");
    alerting::DestinationGates gates;
    const auto c = slackConfig(fake.webhookUrl());
    const auto first = attempt(c, eventBody("alert.triggered"), &gates);
    EXPECT_EQ(first.status, status);
    EXPECT_EQ(first.outcome, alerting::AttemptOutcome::Revoked);
    EXPECT_TRUE(contains(first.error,
                         "Slack webhook revoked or channel gone (HTTP " + std::to_string(status)))
        << first.error;
    EXPECT_TRUE(contains(first.error, "create a new incoming webhook")) << first.error;
    EXPECT_FALSE(contains(first.error, fake.token())) << first.error;
    // Another server's event is not sent at all and fails permanently with the same reason.
    const auto second = attempt(c, eventBody("alert.triggered", "evt_2", "other-mcp"), &gates);
    EXPECT_EQ(fake.requests().size(), 1u);
    EXPECT_EQ(second.outcome, alerting::AttemptOutcome::Revoked);
    EXPECT_FALSE(second.status) << "nothing answered: it was not sent";
    EXPECT_TRUE(contains(second.error, first.error)) << second.error;
    EXPECT_TRUE(contains(second.error, "(not sent)")) << second.error;
  }
  {
    fakes::FakeSlack archived(ioc_.get_executor());
    archived.revoke(410);
    const auto r = attempt(slackConfig(archived.webhookUrl()), eventBody("alert.triggered"));
    EXPECT_TRUE(contains(r.error, "HTTP 410 channel_is_archived")) << r.error;
  }
  // Another webhook URL is not affected by a revocation.
  alerting::DestinationGates gates;
  fakes::FakeSlack gone(ioc_.get_executor());
  gone.revoke();
  EXPECT_EQ(attempt(slackConfig(gone.webhookUrl()), eventBody("alert.triggered"), &gates).status,
            404);
  EXPECT_EQ(attempt(slackConfig(), eventBody("alert.triggered"), &gates).status, 200);
}

TEST_F(SlackAttempt, AWrongTokenIsRefusedLikeSlackDoes) {
  auto url = fake_.webhookUrl();
  url.replace(url.size() - 4, 4, "ZZZZ");
  const auto r = attempt(slackConfig(url), eventBody("alert.triggered"));
  EXPECT_EQ(r.status, 403);
  EXPECT_TRUE(contains(r.error, "invalid_token")) << r.error;
  EXPECT_FALSE(contains(r.error, "ZZZZ")) << r.error;
  EXPECT_TRUE(fake_.messages().empty());
}

TEST_F(SlackAttempt, A429HoldsTheWebhookForEveryServer) {
  alerting::DestinationGates gates;
  fake_.failNext(1, 429, "30");
  const auto first = attempt(slackConfig(), eventBody("alert.triggered"), &gates);
  ASSERT_EQ(first.status, 429);
  EXPECT_EQ(first.retryAfter, "30");
  EXPECT_EQ(first.outcome, alerting::AttemptOutcome::Retry);
  EXPECT_TRUE(contains(first.error, "rate limited")) << first.error;
  EXPECT_TRUE(contains(first.error, "rate_limited")) << first.error;
  const auto second = attempt(slackConfig(), eventBody("alert.triggered", "evt_2", "b"), &gates);
  EXPECT_FALSE(second.status);
  ASSERT_TRUE(second.retryAfter);
  EXPECT_GE(std::stoi(*second.retryAfter), 29);
  EXPECT_LE(std::stoi(*second.retryAfter), 30);
  EXPECT_TRUE(contains(second.error, "deferred")) << second.error;
  expectNoSecret(second.error);
  EXPECT_EQ(fake_.requests().size(), 1u);
}

TEST_F(SlackAttempt, A429WithoutRetryAfterStillHoldsConservatively) {
  alerting::DestinationGates gates;
  fake_.failNext(1, 429);
  const auto r = attempt(slackConfig(), eventBody("alert.triggered"), &gates);
  EXPECT_EQ(r.retryAfter, "30");
  ASSERT_TRUE(gates.busyUntil(alerting::DestinationGates::keyOf("slack\n" + fake_.webhookUrl())));
}

TEST_F(SlackAttempt, NetworkErrorsAreRetriedAndNameTheHostOnly) {
  std::uint16_t port = 0;
  {
    net::HttpServer closed(
        ioc_.get_executor(),
        [](const net::ServerRequest&, net::ResponseWriter&) -> Awaitable<void> { co_return; });
    port = closed.listen("127.0.0.1", 0).value();
  }
  const auto r = attempt(
      slackConfig("http://127.0.0.1:" + std::to_string(port) + "/services/T1/B1/SECRETTOKEN"),
      eventBody("alert.triggered"));
  EXPECT_FALSE(r.status);
  EXPECT_EQ(r.outcome, alerting::AttemptOutcome::Retry);
  EXPECT_TRUE(contains(r.error, "127.0.0.1")) << r.error;
  EXPECT_FALSE(contains(r.error, "SECRETTOKEN")) << r.error;
}

TEST_F(SlackAttempt, ABadUrlIsPermanentWithoutASend) {
  const auto bad =
      attempt(slackConfig("not a url/services/T1/B1/SECRET"), eventBody("alert.triggered"));
  EXPECT_EQ(bad.outcome, alerting::AttemptOutcome::Permanent);
  EXPECT_FALSE(contains(bad.error, "SECRET")) << bad.error;
  EXPECT_TRUE(fake_.requests().empty());
}

// ---- through the outbox ----

class SlackOutbox : public ::testing::Test {
protected:
  void start() {
    channels::SlackSinkConfig c;
    c.url = common::Secret(fake_.webhookUrl());
    c.timeout = 2s;
    harness_.addSink("slack", c);
    harness_.start({{"slack", slackSinkKind()}});
  }
  // Retries, Retry-After and the one-per-second pacing then wait for advance().
  void startOnFakeClock() {
    harness_.useFakeClock();
    start();
  }
  std::chrono::steady_clock::time_point monoNow() const { return harness_.clock().monoNow(); }
  alerting::SinkStats stats() { return harness_.sinkStats("slack"); }
  void expectNoSecret(const std::string& text) {
    EXPECT_FALSE(contains(text, fake_.token())) << text;
    EXPECT_FALSE(contains(text, "/services/")) << text;
  }

  fakes::LogCapture log_;
  fakes::OutboxHarness harness_;
  fakes::FakeSlack fake_{harness_.executor(), &harness_.clock()};
};

TEST_F(SlackOutbox, TriggerThenResolvePostTwoDistinctMessages) {
  startOnFakeClock();
  const auto t0 = monoNow();
  harness_.publish("alert.triggered", "evt_1");
  harness_.publish("alert.resolved", "evt_2");
  ASSERT_TRUE(harness_.pump([&] { return stats().attempts["delivered"] == 1; }));
  // The resolve waits for the next one-per-second slot.
  harness_.advance(1s);
  ASSERT_TRUE(harness_.pump([&] { return stats().attempts["delivered"] == 2; }));
  const auto messages = fake_.messages();
  ASSERT_EQ(messages.size(), 2u);
  EXPECT_EQ(messages[0].body["attachments"][0]["color"], "danger");
  EXPECT_EQ(messages[0].body["text"], "MCP server down: GitHub MCP (connect_timeout)");
  EXPECT_EQ(messages[1].body["attachments"][0]["color"], "good");
  EXPECT_EQ(messages[1].body["text"], "MCP server recovered: GitHub MCP (down 4m 10s)");
  EXPECT_EQ(messages[0].at, t0);
  EXPECT_EQ(messages[1].at, t0 + 1s); // paced: one per second
  expectNoSecret(log_.text());
}

TEST_F(SlackOutbox, TriggerErrorsAreRetriedUntilPosted) {
  fake_.failNext(2, 500);
  startOnFakeClock();
  const auto t0 = monoNow();
  harness_.publish("alert.triggered", "evt_1");
  // The clock moves only once an attempt's outcome is recorded (its retry time counts from then).
  ASSERT_TRUE(harness_.pump([&] { return stats().attempts["retry"] == 1; }));
  // The retries come 100 ms and 200 ms after each failure by the schedule, but each waits for
  // the next one-per-second slot.
  harness_.advance(1s);
  ASSERT_TRUE(harness_.pump([&] { return stats().attempts["retry"] == 2; }));
  harness_.advance(1s);
  ASSERT_TRUE(harness_.pump([&] { return stats().attempts["delivered"] == 1; }));
  EXPECT_EQ(stats().attempts["retry"], 2u);
  const auto requests = fake_.requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[0].at, t0);
  EXPECT_EQ(requests[1].at, t0 + 1s);
  EXPECT_EQ(requests[2].at, t0 + 2s);
  EXPECT_EQ(fake_.messages().size(), 1u);
  EXPECT_TRUE(contains(log_.text(), "rollup_error")) << log_.text();
  expectNoSecret(log_.text());
}

TEST_F(SlackOutbox, AnInvalidPayloadTriggerIsNotRetried) {
  fake_.failNext(1, 400, std::nullopt, "invalid_payload");
  start();
  harness_.publish("alert.triggered", "evt_1");
  ASSERT_TRUE(harness_.pump([&] { return stats().failed == 1; }));
  EXPECT_EQ(fake_.requests().size(), 1u);
  EXPECT_TRUE(contains(log_.text(), "invalid_payload")) << log_.text();
  expectNoSecret(log_.text());
}

TEST_F(SlackOutbox, ResolveErrorsAreRetriedUntilPosted) {
  startOnFakeClock();
  harness_.publish("alert.triggered", "evt_1");
  ASSERT_TRUE(harness_.pump([&] { return stats().attempts["delivered"] == 1; }));
  fake_.failNext(1, 503, std::nullopt, "service_unavailable");
  fake_.failNext(1, 200, std::nullopt, "not ok");
  harness_.publish("alert.resolved", "evt_2");
  // One second per slot: the 503, the 200 that is not "ok", then the post.
  harness_.advance(1s);
  ASSERT_TRUE(harness_.pump([&] { return stats().attempts["retry"] == 1; }));
  harness_.advance(1s);
  ASSERT_TRUE(harness_.pump([&] { return stats().attempts["retry"] == 2; }));
  harness_.advance(1s);
  ASSERT_TRUE(harness_.pump([&] { return stats().attempts["delivered"] == 2; }));
  EXPECT_EQ(fake_.requests().size(), 4u);
  EXPECT_EQ(stats().attempts["retry"], 2u);
  ASSERT_EQ(fake_.messages().size(), 2u);
  EXPECT_EQ(fake_.messages()[1].body["attachments"][0]["color"], "good");
  expectNoSecret(log_.text());
}

TEST_F(SlackOutbox, ARevokedWebhookFailsLoudlyAndIsNotCalledAgain) {
  startOnFakeClock();
  harness_.publish("alert.triggered", "evt_1");
  ASSERT_TRUE(harness_.pump([&] { return stats().attempts["delivered"] == 1; }));
  fake_.revoke(410);
  harness_.publish("alert.resolved", "evt_2");
  harness_.advance(1s); // its send slot
  ASSERT_TRUE(harness_.pump([&] { return stats().failed == 1; }));
  EXPECT_EQ(fake_.requests().size(), 2u);
  const auto text = log_.text();
  EXPECT_TRUE(contains(text, "Slack webhook revoked or channel gone (HTTP 410 "
                             "channel_is_archived)"))
      << text;
  EXPECT_TRUE(contains(text, "create a new incoming webhook")) << text;
  // A later event for another server is refused at once without contacting Slack.
  harness_.publish("alert.triggered", "evt_3", "other-mcp");
  ASSERT_TRUE(harness_.pump([&] { return stats().failed == 2; }));
  EXPECT_EQ(fake_.requests().size(), 2u);
  EXPECT_TRUE(contains(log_.text(), "(not sent)")) << log_.text();
  expectNoSecret(log_.text());
}

TEST_F(SlackOutbox, RetryAfterOn429IsHonoured) {
  fake_.failNext(1, 429, "1");
  startOnFakeClock();
  const auto t0 = monoNow();
  harness_.publish("alert.triggered", "evt_1");
  ASSERT_TRUE(harness_.pump([&] { return stats().attempts["retry"] == 1; }));
  // The retry schedule alone would retry after 100 ms.
  harness_.advance(999ms);
  EXPECT_FALSE(harness_.pump([&] { return fake_.requests().size() > 1; }, 300ms));
  harness_.advance(1ms);
  ASSERT_TRUE(harness_.pump([&] { return fake_.messages().size() == 1; }));
  const auto requests = fake_.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].answered, 429);
  EXPECT_EQ(requests[0].at, t0);
  EXPECT_EQ(requests[1].at, t0 + 1s);
  EXPECT_EQ(stats().failed, 0);
}

TEST_F(SlackOutbox, EventsForSeveralServersArePacedNotDropped) {
  // Slack's "one message per second", exactly: the fake and the pacing share the fake clock.
  fake_.setRateLimit(1s);
  startOnFakeClock();
  const auto t0 = monoNow();
  harness_.publish("alert.triggered", "evt_1", "a-mcp");
  harness_.publish("alert.triggered", "evt_2", "b-mcp");
  harness_.publish("alert.triggered", "evt_3", "c-mcp");
  // All three are attempted at once; two wait for their slots (1 s and 2 s later).
  ASSERT_TRUE(harness_.pump([&] { return fake_.messages().size() == 1; }));
  harness_.advance(1s);
  ASSERT_TRUE(harness_.pump([&] { return fake_.messages().size() == 2; }));
  harness_.advance(1s);
  ASSERT_TRUE(harness_.pump([&] { return fake_.messages().size() == 3; }));
  EXPECT_EQ(fake_.rateLimited(), 0u);
  EXPECT_EQ(fake_.requests().size(), 3u);
  const auto messages = fake_.messages();
  EXPECT_EQ(messages[0].at, t0);
  EXPECT_EQ(messages[1].at, t0 + 1s);
  EXPECT_EQ(messages[2].at, t0 + 2s);
  std::set<std::string> slugs;
  for (const auto& m : messages)
    slugs.insert(fieldText(m.body, "Server").value_or(""));
  EXPECT_EQ(slugs, (std::set<std::string>{"`a-mcp`", "`b-mcp`", "`c-mcp`"}));
  EXPECT_EQ(stats().failed, 0);
}

TEST_F(SlackOutbox, TestAlertPostsAMarkedTriggerAndResolve) {
  start();
  const auto result = harness_.testAlert(std::nullopt, std::string("slack"));
  ASSERT_TRUE(result) << result.error();
  ASSERT_EQ(result->size(), 1u);
  EXPECT_TRUE((*result)[0].ok()) << (*result)[0].trigger.error;
  const auto messages = fake_.messages();
  ASSERT_EQ(messages.size(), 2u);
  for (const auto& m : messages) {
    EXPECT_EQ(std::string(m.body["text"]).rfind("[TEST] ", 0), 0u) << m.body["text"];
    EXPECT_TRUE(contains(m.body.dump(), "*Test alert*"));
  }
  EXPECT_EQ(messages[0].body["attachments"][0]["color"], "danger");
  EXPECT_EQ(messages[1].body["attachments"][0]["color"], "good");
  expectNoSecret(log_.text());
}

TEST(SlackMessage, ShowsTheServerContextOwnerRunbookAndLinks) {
  const auto m =
      slackMessage(view(withServerContext(eventBody("alert.triggered"))), "https://s.example");
  expectAccepted(m);
  EXPECT_EQ(fieldText(m, "Owner"), "Team Search (#search-oncall)");
  bool described = false;
  for (const auto& t : sectionTexts(m))
    described |= t == "Code search for the platform team &lt;b&gt;";
  EXPECT_TRUE(described) << allText(m);
  std::vector<std::string> urls;
  for (const auto& b : buttons(m))
    urls.push_back(b["url"]);
  EXPECT_NE(std::find(urls.begin(), urls.end(), "https://wiki.example.com/runbooks/github-mcp"),
            urls.end());
  EXPECT_NE(std::find(urls.begin(), urls.end(), "https://grafana.example.com/d/mcp"), urls.end());
  EXPECT_NE(std::find(urls.begin(), urls.end(), "https://logs.example.com/?q=github-mcp"),
            urls.end());
  // Without context nothing of it appears.
  const auto plain = slackMessage(view(eventBody("alert.triggered")), "");
  EXPECT_FALSE(fieldText(plain, "Owner"));
  EXPECT_FALSE(contains(plain.dump(), "Runbook"));
}

} // namespace
} // namespace mcpwatch::channels
