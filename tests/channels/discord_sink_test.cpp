// Tests of the Discord sink: the pure message renderer (structure, escaping, limits), single
// attempts against the strict fake (error mapping, 429 hints, bucket holds, revocation), and
// trigger/resolve/errors/rate limits through the real outbox.
#include "alerting/webhook_sink.hpp"
#include "channels/discord_sink.hpp"
#include "common/strings.hpp"
#include "tests/channels/sink_test_support.hpp"
#include "tests/fakes/fake_discord.hpp"
#include "tests/fakes/fake_util.hpp"
#include "tests/fakes/outbox_harness.hpp"
#include "channels/discord_config.hpp"

#include <gtest/gtest.h>
#include <map>

namespace mcpwatch::channels {
namespace {

using namespace std::chrono_literals;
using common::Json;
using fakes::codePointCount;
using fakes::contains;
using fakes::eventBody;

const std::string kZwsp = "\xE2\x80\x8B";
const std::string kEllipsis = "\xE2\x80\xA6";

channels::DiscordSinkConfig dcConfig(std::string url) {
  channels::DiscordSinkConfig c;
  c.url = common::Secret(std::move(url));
  c.username = "mcpwatch";
  c.timeout = 2s;
  return c;
}

void expectValid(const Json& message) {
  if (auto errors = fakes::FakeDiscord::validate(message))
    ADD_FAILURE() << errors->dump();
  EXPECT_NO_THROW((void)message.dump()); // strict UTF-8: a split code point throws
}

// Every text of a message that Discord renders (content, title, description, field values).
std::vector<std::string> renderedTexts(const Json& message) {
  std::vector<std::string> out = {message["content"]};
  for (const auto& embed : message["embeds"]) {
    out.push_back(embed.value("title", ""));
    out.push_back(embed.value("description", ""));
    for (const auto& f : embed["fields"]) {
      out.push_back(f["name"]);
      out.push_back(f["value"]);
    }
    out.push_back(embed["footer"]["text"]);
  }
  return out;
}

std::optional<std::string> fieldValue(const Json& message, const std::string& name) {
  for (const auto& f : message["embeds"][0]["fields"])
    if (f["name"] == name)
      return f["value"].get<std::string>();
  return std::nullopt;
}

// ---- pure rendering ----

TEST(DiscordMessage, TriggerHasOneRedEmbedWithEveryFact) {
  const auto m =
      discordMessage(view(eventBody("alert.triggered")), "https://status.example.com", "mcpwatch");
  expectValid(m);
  EXPECT_EQ(m["content"], "\xF0\x9F\x94\xB4 MCP server down: GitHub MCP \\(connect\\_timeout\\)");
  EXPECT_EQ(m["allowed_mentions"], (Json{{"parse", Json::array()}}));
  EXPECT_EQ(m["username"], "mcpwatch");
  ASSERT_EQ(m["embeds"].size(), 1u);
  const auto& e = m["embeds"][0];
  EXPECT_EQ(e["color"], kDiscordRed);
  EXPECT_TRUE(e["color"].is_number_integer());
  EXPECT_EQ(e["title"], "DOWN: GitHub MCP");
  EXPECT_EQ(e["url"], "https://status.example.com/status/github-mcp");
  EXPECT_EQ(e["timestamp"], "2026-11-24T02:03:04Z");
  EXPECT_EQ(e["footer"]["text"], "mcpwatch \xC2\xB7 github-mcp \xC2\xB7 incident inc_1");
  const std::string desc = e["description"];
  EXPECT_EQ(desc, "**GitHub MCP** is down: connect\\_timeout.\n\nno answer in 10s");
  EXPECT_EQ(fieldValue(m, "Reason"), "connect\\_timeout");
  // 2026-11-24T02:02:04Z as a Discord timestamp, shown in each reader's time zone.
  EXPECT_EQ(fieldValue(m, "Down since"), "<t:1795485724:f> (<t:1795485724:R>)");
  EXPECT_EQ(fieldValue(m, "Failures in a row"), "2");
  EXPECT_EQ(fieldValue(m, "Protocol version"), "2025-11-25");
  EXPECT_EQ(fieldValue(m, "Recent failures"),
            "- <t:1795485724:f> connect\\_timeout: no answer in 10s");
  EXPECT_EQ(fieldValue(m, "Endpoint"), "`https://api.example.com/mcp`");
  EXPECT_EQ(fieldValue(m, "Status page"),
            "[github-mcp](https://status.example.com/status/github-mcp)");
  EXPECT_EQ(fieldValue(m, "Tags"), "thirdparty");
  EXPECT_FALSE(fieldValue(m, "Latency")); // not measured for a failed probe
}

TEST(DiscordMessage, ResolveIsGreenWithDurationAndLatency) {
  const auto m = discordMessage(view(eventBody("alert.resolved")), "", "");
  expectValid(m);
  EXPECT_FALSE(m.contains("username"));
  const auto& e = m["embeds"][0];
  EXPECT_EQ(e["color"], kDiscordGreen);
  EXPECT_EQ(e["title"], "RESOLVED: GitHub MCP");
  EXPECT_EQ(m["content"], "\xE2\x9C\x85 MCP server recovered: GitHub MCP \\(down 4m 10s\\)");
  EXPECT_EQ(e["description"], "**GitHub MCP** is answering again after 4m 10s.");
  EXPECT_EQ(fieldValue(m, "Down for"), "4m 10s");
  EXPECT_EQ(fieldValue(m, "Latency"), "42 ms");
  EXPECT_FALSE(fieldValue(m, "Reason"));
  EXPECT_FALSE(fieldValue(m, "Recent failures"));
}

TEST(DiscordMessage, AReminderIsRedAndSaysHowLongItIsStillDown) {
  const auto m = discordMessage(view(reminderOf(eventBody("alert.triggered"))), "", "");
  expectValid(m);
  const auto& e = m["embeds"][0];
  EXPECT_EQ(e["color"], kDiscordRed);
  EXPECT_EQ(e["title"], "STILL DOWN: GitHub MCP");
  EXPECT_EQ(m["content"],
            "\xF0\x9F\x94\xB4 Still down for 1h 20m: GitHub MCP \xE2\x80\x94 HTTP 503");
  EXPECT_EQ(e["description"],
            "**GitHub MCP** is still down after 1h 20m: HTTP 503. The incident is still open.");
  EXPECT_EQ(fieldValue(m, "Down for"), "1h 20m");
  EXPECT_EQ(fieldValue(m, "Reason"), "http\\_error");
  EXPECT_EQ(fieldValue(m, "Down since"), "<t:1795485724:f> (<t:1795485724:R>)");
  // A nudge, not a second trigger: the failures were in the trigger's message.
  EXPECT_FALSE(fieldValue(m, "Recent failures"));
  EXPECT_FALSE(fieldValue(m, "Failures in a row"));
  EXPECT_EQ(e["footer"]["text"], "mcpwatch \xC2\xB7 github-mcp \xC2\xB7 incident inc_1");
  EXPECT_TRUE(m["allowed_mentions"]["parse"].empty());
}

TEST(DiscordMessage, DriftIsAmberAndListsTheTools) {
  auto b = eventBody("schema.drifted");
  b["schema"]["removed"] = {"old_tool", "*x*"};
  const auto m = discordMessage(view(b), "", "");
  expectValid(m);
  const auto& e = m["embeds"][0];
  EXPECT_EQ(e["color"], kDiscordAmber);
  EXPECT_EQ(e["title"], "SCHEMA DRIFT: GitHub MCP");
  EXPECT_EQ(e["description"],
            "The tools of **GitHub MCP** changed: 1 added, 2 removed, 1 changed.");
  EXPECT_EQ(fieldValue(m, "Added (1)"), "create\\_issue");
  EXPECT_EQ(fieldValue(m, "Removed (2)"), "old\\_tool, \\*x\\*");
  EXPECT_EQ(fieldValue(m, "Changed (1)"), "search\\_code");
  EXPECT_EQ(fieldValue(m, "Fingerprint"), "`sha256:1111` \xE2\x86\x92 `sha256:2222`");
  EXPECT_EQ(e["footer"]["text"], "mcpwatch \xC2\xB7 github-mcp"); // no incident for drift
}

TEST(DiscordMessage, AProtocolChangeIsAmberAndSaysFromWhatToWhat) {
  auto b = eventBody("protocol.changed");
  b.erase("schema");
  b["protocol"] = {{"from", {{"transport", "streamable-http"}, {"protocol_version", "2025-11-25"}}},
                   {"to", {{"transport", "modern"}, {"protocol_version", "2026-07-28"}}}};
  const auto m = discordMessage(view(b), "", "");
  expectValid(m);
  const auto& e = m["embeds"][0];
  EXPECT_EQ(e["color"], kDiscordAmber);
  EXPECT_EQ(e["title"], "PROTOCOL CHANGED: GitHub MCP");
  EXPECT_EQ(e["description"], "**GitHub MCP** now answers in another protocol era or transport: "
                              "streamable-http 2025-11-25 \xE2\x86\x92 modern 2026-07-28.");
  EXPECT_EQ(fieldValue(m, "Protocol"),
            "`streamable-http 2025-11-25 \xE2\x86\x92 modern 2026-07-28`");
}

TEST(DiscordMessage, TestAlertsSayTheyAreTests) {
  auto b = eventBody("alert.triggered");
  b["test"] = true;
  const auto m = discordMessage(view(b), "", "");
  expectValid(m);
  EXPECT_EQ(m["embeds"][0]["title"], "\\[TEST\\] DOWN: GitHub MCP");
  EXPECT_TRUE(std::string(m["content"]).find("\\[TEST\\] MCP server down") != std::string::npos);
  EXPECT_EQ(std::string(m["embeds"][0]["description"]).rfind("*This is a test alert", 0), 0u);
}

TEST(DiscordMessage, UrlFallsBackToThePublicUrlAndSkipsInvalidOnes) {
  auto b = eventBody("alert.triggered");
  b["status_url"] = nullptr;
  auto m = discordMessage(view(b), "https://mcpwatch.example.org", "");
  EXPECT_EQ(m["embeds"][0]["url"], "https://mcpwatch.example.org/");
  EXPECT_FALSE(fieldValue(m, "Status page"));
  b["status_url"] = "javascript:alert(1)";
  m = discordMessage(view(b), "not a url", "");
  expectValid(m);
  EXPECT_FALSE(m["embeds"][0].contains("url"));
  EXPECT_FALSE(fieldValue(m, "Status page"));
}

TEST(DiscordEscape, MarkdownIsEscapedAndMentionsDefused) {
  EXPECT_EQ(escapeDiscordMarkdown("*bold* _it_ ~~s~~ `c` ||sp|| \\"),
            "\\*bold\\* \\_it\\_ \\~\\~s\\~\\~ \\`c\\` \\|\\|sp\\|\\| \\\\");
  EXPECT_EQ(escapeDiscordMarkdown("[click](https://evil.example)"),
            "\\[click\\]\\(https://evil.example\\)");
  EXPECT_EQ(escapeDiscordMarkdown("# big\n> quote\n- item\n  - nested\na-b"),
            "\\# big\n\\> quote\n\\- item\n  \\- nested\na-b");
  EXPECT_EQ(escapeDiscordMarkdown("@everyone @here"), "@" + kZwsp + "everyone @" + kZwsp + "here");
  EXPECT_EQ(escapeDiscordMarkdown("<@123> <@&456> <#789>"),
            "\\<@" + kZwsp + "123\\> \\<@" + kZwsp + "&456\\> \\<\\#789\\>");
  EXPECT_EQ(escapeDiscordMarkdown("a\x1b[31mb\r\n\x07"), "a\\[31mb\n");
  EXPECT_EQ(escapeDiscordMarkdown("caf\xC3\xA9"), "caf\xC3\xA9");
}

TEST(DiscordEscape, CutNeverLeavesADanglingEscape) {
  EXPECT_EQ(cutDiscordText("abc", 3), "abc");
  EXPECT_EQ(cutDiscordText("abcd", 3), "ab" + kEllipsis);
  EXPECT_EQ(cutDiscordText("a\\*b", 3), "a" + kEllipsis); // not "a\…"
  EXPECT_EQ(cutDiscordText("\\\\\\\\x", 4), "\\\\" + kEllipsis);
  EXPECT_EQ(cutDiscordText("\xF0\x9F\x98\x80\xF0\x9F\x98\x80\xF0\x9F\x98\x80", 2),
            "\xF0\x9F\x98\x80" + kEllipsis);
  EXPECT_EQ(cutDiscordText("abc", 0), "");
}

TEST(DiscordMessage, HostileServerTextCannotFormatPingOrLink) {
  auto b = eventBody("alert.triggered");
  b["server_name"] = "@everyone <@&123> **pwn** [x](https://evil.example)";
  b["failure_detail"] = "@here\n# Heading\n> quote\n```\ncode\n``` <script>alert(1)</script> "
                        "<!channel> ||spoiler|| <#42> @everyone";
  b["recent_failures"][0]["detail"] = "@everyone ping";
  b["server_tags"] = {"@here", "*t*"};
  const auto m = discordMessage(view(b), "", "");
  expectValid(m);
  for (const auto& text : renderedTexts(m)) {
    EXPECT_FALSE(contains(text, "@everyone")) << text;
    EXPECT_FALSE(contains(text, "@here")) << text;
    for (auto at = text.find('@'); at != std::string::npos; at = text.find('@', at + 1))
      EXPECT_EQ(text.substr(at + 1, kZwsp.size()), kZwsp) << text; // no mention can form
    EXPECT_FALSE(contains(text, "<#")) << text;
    EXPECT_FALSE(contains(text, "](https://evil")) << text;
    EXPECT_FALSE(contains(text, "**pwn")) << text;
    EXPECT_FALSE(contains(text, "\n#")) << text;
    EXPECT_FALSE(contains(text, "```")) << text;
  }
  const std::string desc = m["embeds"][0]["description"];
  EXPECT_TRUE(contains(desc, "\\<script\\>alert\\(1\\)\\</script\\>")) << desc;
  EXPECT_TRUE(contains(desc, "@" + kZwsp + "here\n\\# Heading\n\\> quote\n")) << desc;
  EXPECT_EQ(m["allowed_mentions"]["parse"], Json::array());
}

TEST(DiscordMessage, HugeInputsMeetEveryLimitByTruncation) {
  auto b = eventBody("alert.triggered");
  std::string accented;
  for (int i = 0; i < 5000; ++i)
    accented += "\xC3\xA9*"; // é plus a character that doubles when escaped
  b["server_name"] = accented;
  b["failure_detail"] = std::string(1 << 20, '_');
  b["note"] = std::string(50000, 'n');
  b["check_url"] = "https://example.com/" + std::string(5000, 'u');
  b["server_tags"] = Json::array();
  for (int i = 0; i < 500; ++i)
    b["server_tags"].push_back("tag-" + std::to_string(i));
  b["recent_failures"] = Json::array();
  for (int i = 0; i < 30; ++i)
    b["recent_failures"].push_back({{"at", "2026-11-24T02:02:04Z"},
                                    {"reason", "timeout"},
                                    {"detail", std::string(9000, '|')}});
  const auto m = discordMessage(view(b), "", std::string(300, 'u'));
  expectValid(m);
  const auto& e = m["embeds"][0];
  EXPECT_LE(codePointCount(m["content"]), kDiscordMaxContent);
  EXPECT_TRUE(std::string(m["content"]).ends_with(kEllipsis));
  EXPECT_EQ(codePointCount(e["title"]), kDiscordMaxTitle);
  EXPECT_LE(codePointCount(e["description"]), kDiscordMaxDescription);
  EXPECT_LE(e["fields"].size(), kDiscordMaxFields);
  for (const auto& f : e["fields"])
    EXPECT_LE(codePointCount(f["value"]), kDiscordMaxFieldValue) << f["name"];
  EXPECT_LE(discordEmbedChars(e), kDiscordMaxEmbedTotal);
  EXPECT_EQ(codePointCount(m["username"]), kDiscordMaxUsername);
  // The description (the server's detail) was trimmed first; the short facts survive.
  EXPECT_EQ(fieldValue(m, "Reason"), "connect\\_timeout");
  EXPECT_TRUE(fieldValue(m, "Recent failures"));
  EXPECT_TRUE(fieldValue(m, "Status page"));
}

TEST(DiscordMessage, TotalLimitTrimsTheDescriptionBeforeTheFields) {
  auto b = eventBody("alert.triggered");
  b["failure_detail"] = std::string(5000, 'd');
  b["check_url"] = "https://example.com/" + std::string(900, 'u');
  b["recent_failures"] = Json::array();
  for (int i = 0; i < 3; ++i)
    b["recent_failures"].push_back({{"at", "2026-11-24T02:02:04Z"},
                                    {"reason", "timeout"},
                                    {"detail", std::string(2000, 'r')}});
  b["server_tags"] = Json::array();
  for (int i = 0; i < 200; ++i)
    b["server_tags"].push_back("t" + std::to_string(i));
  const auto m = discordMessage(view(b), "", "");
  expectValid(m);
  const auto& e = m["embeds"][0];
  EXPECT_EQ(discordEmbedChars(e), kDiscordMaxEmbedTotal); // trimmed exactly to the limit
  EXPECT_TRUE(std::string(e["description"]).ends_with("d" + kEllipsis));
  EXPECT_LT(codePointCount(e["description"]), kDiscordMaxDescription);
  // Three lines of 340 characters: untouched by the trim.
  EXPECT_EQ(codePointCount(*fieldValue(m, "Recent failures")), 1022u);
  EXPECT_EQ(codePointCount(*fieldValue(m, "Endpoint")), 922u);
}

TEST(DiscordMessage, UnicodeTruncationNeverSplitsACodePoint) {
  auto b = eventBody("alert.triggered");
  std::string emoji;
  for (int i = 0; i < 3000; ++i)
    emoji += "\xF0\x9F\x98\x80";
  b["server_name"] = emoji;
  b["failure_detail"] = emoji + emoji;
  const auto m = discordMessage(view(b), "", "");
  expectValid(m);
  const std::string title = m["embeds"][0]["title"];
  EXPECT_EQ(codePointCount(title), kDiscordMaxTitle);
  EXPECT_TRUE(title.ends_with("\xF0\x9F\x98\x80" + kEllipsis));
}

TEST(DiscordUrl, WaitTrueIsAddedAndOtherParametersKept) {
  auto u = discordRequestUrl(common::Secret("https://discord.com/api/webhooks/1/tok"));
  ASSERT_TRUE(u);
  EXPECT_EQ(u->target, "/api/webhooks/1/tok?wait=true");
  u = discordRequestUrl(common::Secret("https://discord.com/api/webhooks/1/tok?thread_id=99"));
  EXPECT_EQ(u->target, "/api/webhooks/1/tok?thread_id=99&wait=true");
  u = discordRequestUrl(
      common::Secret("https://discord.com/api/webhooks/1/tok?wait=false&thread_id=99"));
  EXPECT_EQ(u->target, "/api/webhooks/1/tok?thread_id=99&wait=true");
  EXPECT_FALSE(discordRequestUrl(common::Secret("discord.com/api/webhooks/1/tok")));
  EXPECT_FALSE(discordRequestUrl(common::Secret("")));
}

TEST(DiscordError, NestedFormErrorsAreFlattened) {
  EXPECT_EQ(describeDiscordError(
                R"({"message":"Invalid Form Body","code":50035,"errors":{"embeds":{"0":{"title":)"
                R"({"_errors":[{"code":"BASE_TYPE_MAX_LENGTH","message":"Must be 256 or fewer )"
                R"(in length."}]}},"_errors":[{"code":"MAX_EMBED_SIZE_EXCEEDED","message":)"
                R"("Embed size exceeds maximum size of 6000"}]}}})"),
            "Invalid Form Body (code 50035): embeds.0.title: Must be 256 or fewer in length.; "
            "embeds: Embed size exceeds maximum size of 6000");
  EXPECT_EQ(describeDiscordError(R"({"message":"Unknown Webhook","code":10015})"),
            "Unknown Webhook (code 10015)");
  EXPECT_EQ(describeDiscordError(R"({"message":5,"code":"x","errors":[1]})"),
            R"({"code":"x","errors":[1],"message":5})");
  EXPECT_EQ(describeDiscordError("<html>\n502 Bad Gateway</html>"),
            "<html> 502 Bad Gateway</html>");
  EXPECT_EQ(describeDiscordError(""), "empty response body");
  EXPECT_LE(codePointCount(describeDiscordError(std::string(100000, 'x'))), 1000u);
}

// The fake refuses what Discord refuses, so a passing renderer test means something.
TEST(DiscordFake, ValidationRefusesDiscordsLimits) {
  Json ok = {{"content", "x"}, {"embeds", {{{"title", "t"}, {"color", 5}}}}};
  EXPECT_FALSE(fakes::FakeDiscord::validate(ok));
  auto bad = ok;
  bad["content"] = std::string(2001, 'c');
  EXPECT_TRUE(fakes::FakeDiscord::validate(bad));
  bad = ok;
  bad["embeds"][0]["color"] = "#e01e5a";
  EXPECT_TRUE(fakes::FakeDiscord::validate(bad));
  bad = ok;
  bad["embeds"][0]["timestamp"] = "yesterday";
  EXPECT_TRUE(fakes::FakeDiscord::validate(bad));
  bad = ok;
  bad["embeds"][0]["fields"] = Json::array();
  for (int i = 0; i < 26; ++i)
    bad["embeds"][0]["fields"].push_back({{"name", "n"}, {"value", "v"}});
  EXPECT_TRUE(fakes::FakeDiscord::validate(bad));
  bad = ok;
  bad["embeds"][0]["description"] = std::string(4000, 'd');
  bad["embeds"][0]["fields"] = {{{"name", "n"}, {"value", std::string(1024, 'v')}},
                                {{"name", "n"}, {"value", std::string(1024, 'v')}}};
  const auto total = fakes::FakeDiscord::validate(bad);
  ASSERT_TRUE(total);
  EXPECT_EQ((*total)["embeds"]["_errors"][0]["code"], "MAX_EMBED_SIZE_EXCEEDED");
}

// ---- single attempts against the fake ----

class DiscordAttempt : public ::testing::Test {
protected:
  alerting::AttemptResult attempt(const channels::DiscordSinkConfig& c, const Json& body) {
    alerting::SinkContext context;
    context.executor = ioc_.get_executor();
    context.clock = &clock_;
    context.gates = &gates_;
    DiscordSink sink(c, context);
    const auto r = fakes::deliverOnce(ioc_, sink, fakes::deliveryOf(body));
    EXPECT_FALSE(contains(r.error, fake_.token())) << r.error;
    return r;
  }
  alerting::AttemptResult attempt(const Json& body) {
    return attempt(dcConfig(fake_.webhookUrl()), body);
  }

  asio::io_context ioc_;
  common::SystemClock clock_;
  alerting::DestinationGates gates_;
  fakes::FakeDiscord fake_{ioc_.get_executor()};
};

TEST_F(DiscordAttempt, TheRequestIsWhatDiscordExpects) {
  const auto r = attempt(eventBody("alert.triggered"));
  ASSERT_EQ(r.status, 200) << r.error;
  EXPECT_TRUE(r.error.empty());
  ASSERT_EQ(fake_.messages().size(), 1u);
  const auto m = fake_.messages()[0];
  EXPECT_EQ(m.query, "wait=true");
  EXPECT_TRUE(m.mentionsOff);
  EXPECT_EQ(m.body["embeds"][0]["title"], "DOWN: GitHub MCP");
  const auto req = fake_.requests()[0];
  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(fakes::headerValue(req.headers, "Content-Type"), "application/json");
}

TEST_F(DiscordAttempt, AReminderIsAcceptedByTheStrictFake) {
  const auto r = attempt(reminderOf(eventBody("alert.triggered")));
  ASSERT_EQ(r.status, 200) << r.error;
  ASSERT_EQ(fake_.messages().size(), 1u);
  const auto m = fake_.messages()[0];
  EXPECT_TRUE(m.mentionsOff);
  EXPECT_EQ(m.body["embeds"][0]["title"], "STILL DOWN: GitHub MCP");
  EXPECT_EQ(m.body["embeds"][0]["color"], kDiscordRed);
}

TEST_F(DiscordAttempt, ThreadIdIsKept) {
  const auto r =
      attempt(dcConfig(fake_.webhookUrl() + "?thread_id=1234567890"), eventBody("alert.triggered"));
  ASSERT_EQ(r.status, 200) << r.error;
  EXPECT_EQ(fake_.messages()[0].query, "thread_id=1234567890&wait=true");
}

TEST_F(DiscordAttempt, BadRequestIsPermanentWithDiscordsExplanation) {
  // A thread_id that is not a snowflake gets Discord's form error.
  const auto r =
      attempt(dcConfig(fake_.webhookUrl() + "?thread_id=general"), eventBody("alert.triggered"));
  ASSERT_EQ(r.status, 400);
  EXPECT_EQ(r.outcome, alerting::AttemptOutcome::Permanent);
  EXPECT_TRUE(contains(r.error, "Invalid Form Body (code 50035): thread_id: Value is not "
                                "snowflake."))
      << r.error;
  EXPECT_TRUE(contains(r.error, "Discord (127.0.0.1)")) << r.error;
  // Not a revocation: the next message goes out.
  EXPECT_EQ(attempt(eventBody("alert.triggered", "evt_2")).status, 200);
}

TEST_F(DiscordAttempt, ADeletedWebhookIsRevokedAndNotContactedAgain) {
  fake_.revoke();
  const auto first = attempt(eventBody("alert.triggered"));
  ASSERT_EQ(first.status, 404);
  EXPECT_EQ(first.outcome, alerting::AttemptOutcome::Revoked);
  EXPECT_TRUE(contains(first.error, "Unknown Webhook (code 10015)")) << first.error;
  EXPECT_TRUE(contains(first.error, "update the sink's url")) << first.error;
  const auto second = attempt(eventBody("alert.resolved", "evt_2"));
  EXPECT_FALSE(second.status) << "not sent: nothing answered";
  EXPECT_EQ(second.outcome, alerting::AttemptOutcome::Revoked);
  EXPECT_TRUE(contains(second.error, "refused earlier")) << second.error;
  EXPECT_TRUE(contains(second.error, "Unknown Webhook")) << second.error;
  EXPECT_EQ(fake_.requests().size(), 1u);
}

TEST_F(DiscordAttempt, AWrongTokenIsRevokedWithoutShowingTheToken) {
  auto url = fake_.webhookUrl();
  url.replace(url.size() - 6, 6, "XXXXXX");
  const auto r = attempt(dcConfig(url), eventBody("alert.triggered"));
  ASSERT_EQ(r.status, 401);
  EXPECT_TRUE(contains(r.error, "Invalid Webhook Token (code 50027)")) << r.error;
  EXPECT_FALSE(contains(r.error, url.substr(url.rfind('/') + 1))) << r.error;
  EXPECT_EQ(r.outcome, alerting::AttemptOutcome::Revoked);
  EXPECT_EQ(attempt(dcConfig(url), eventBody("alert.triggered")).outcome,
            alerting::AttemptOutcome::Revoked);
  EXPECT_EQ(fake_.requests().size(), 1u);
  // The right webhook is a different destination and still works.
  EXPECT_EQ(attempt(eventBody("alert.triggered")).status, 200);
}

TEST_F(DiscordAttempt, A429WithOnlyTheJsonRetryAfterHoldsTheWebhook) {
  fake_.failNext(1, 429, 1.25, fakes::DiscordRetryHint::BodyOnly);
  const auto first = attempt(eventBody("alert.triggered"));
  ASSERT_EQ(first.status, 429);
  EXPECT_EQ(first.outcome, alerting::AttemptOutcome::Retry);
  EXPECT_EQ(first.retryAfter, "2"); // 1.25 s rounded up: never earlier than Discord allows
  EXPECT_TRUE(contains(first.error, "rate limited")) << first.error;
  // A header-only 429 is read too.
  fakes::FakeDiscord other(ioc_.get_executor(), "42", "other-token-123456");
  other.failNext(1, 429, 7.0, fakes::DiscordRetryHint::HeaderOnly);
  EXPECT_EQ(attempt(dcConfig(other.webhookUrl()), eventBody("alert.triggered")).retryAfter, "7");
  // The first webhook is held; an attempt inside the hold waits for its end instead of sending.
  const auto started = std::chrono::steady_clock::now();
  const auto second = attempt(eventBody("alert.triggered", "evt_2"));
  EXPECT_EQ(second.status, 200) << second.error;
  ASSERT_EQ(fake_.requests().size(), 2u);
  EXPECT_GE(fake_.requests()[1].at - fake_.requests()[0].at, 1200ms);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 3s);
}

TEST_F(DiscordAttempt, ALongHoldIsDeferredToTheOutbox) {
  fake_.failNext(1, 429, 30.0);
  ASSERT_EQ(attempt(eventBody("alert.triggered")).retryAfter, "30");
  const auto r = attempt(eventBody("alert.triggered", "evt_2"));
  EXPECT_FALSE(r.status);
  EXPECT_EQ(r.outcome, alerting::AttemptOutcome::Retry);
  ASSERT_TRUE(r.retryAfter);
  EXPECT_GE(std::stoi(*r.retryAfter), 29);
  EXPECT_LE(std::stoi(*r.retryAfter), 30);
  EXPECT_EQ(fake_.requests().size(), 1u);
}

TEST_F(DiscordAttempt, AGlobal429HoldsEveryWebhookOnTheHost) {
  fakes::FakeDiscord other(ioc_.get_executor(), "42", "other-token-123456");
  fake_.failNext(1, 429, 20.0, fakes::DiscordRetryHint::BodyAndHeader, true);
  const auto first = attempt(eventBody("alert.triggered"));
  ASSERT_EQ(first.status, 429);
  EXPECT_TRUE(contains(first.error, "(global)")) << first.error;
  const auto r = attempt(dcConfig(other.webhookUrl()), eventBody("alert.triggered"));
  EXPECT_FALSE(r.status);
  ASSERT_TRUE(r.retryAfter);
  EXPECT_GE(std::stoi(*r.retryAfter), 19);
  EXPECT_TRUE(other.requests().empty());
}

TEST_F(DiscordAttempt, AnEmptyBucketPausesSendingUntilItResets) {
  fake_.setBucket(2, 1500ms);
  for (int i = 0; i < 3; ++i)
    ASSERT_EQ(attempt(eventBody("alert.triggered", "evt_" + std::to_string(i))).status, 200);
  const auto reqs = fake_.requests();
  ASSERT_EQ(reqs.size(), 3u);
  // Paced half a second apart, then held until the bucket's reset (X-RateLimit-Reset-After).
  EXPECT_GE(reqs[1].at - reqs[0].at, 450ms);
  EXPECT_GE(reqs[2].at - reqs[0].at, 1450ms);
  EXPECT_EQ(fake_.invalidRequests(), 0u);
}

TEST_F(DiscordAttempt, ServerErrorsRetryAndNetworkErrorsNameTheHostOnly) {
  fake_.failNext(1, 502);
  auto r = attempt(eventBody("alert.triggered"));
  EXPECT_EQ(r.status, 502);
  EXPECT_EQ(r.outcome, alerting::AttemptOutcome::Retry);
  EXPECT_TRUE(contains(r.error, "HTTP 502 from Discord (127.0.0.1): scripted failure")) << r.error;
  std::uint16_t port = 0;
  {
    net::HttpServer closed(
        ioc_.get_executor(),
        [](const net::ServerRequest&, net::ResponseWriter&) -> Awaitable<void> { co_return; });
    port = closed.listen("127.0.0.1", 0).value();
  }
  r = attempt(
      dcConfig("http://127.0.0.1:" + std::to_string(port) + "/api/webhooks/1/" + fake_.token()),
      eventBody("alert.triggered"));
  EXPECT_FALSE(r.status);
  EXPECT_EQ(r.outcome, alerting::AttemptOutcome::Retry);
  EXPECT_TRUE(contains(r.error, "Discord (127.0.0.1)")) << r.error;
}

TEST_F(DiscordAttempt, ABadUrlIsPermanent) {
  const auto r =
      attempt(dcConfig("ftp://discord.com/x/" + fake_.token()), eventBody("alert.triggered"));
  EXPECT_EQ(r.outcome, alerting::AttemptOutcome::Permanent);
  EXPECT_TRUE(fake_.requests().empty());
}

// ---- through the outbox ----

class DiscordOutbox : public ::testing::Test {
protected:
  void start() {
    harness_.addSink("chat", dcConfig(fake_.webhookUrl()));
    harness_.start({{"discord", discordSinkKind()}});
  }
  alerting::SinkStats stats() { return harness_.sinkStats("chat"); }
  void expectNoSecret(const std::string& log) {
    EXPECT_FALSE(contains(log, fake_.token())) << log;
    EXPECT_FALSE(contains(log, fake_.webhookUrl())) << log;
  }

  fakes::LogCapture log_;
  fakes::OutboxHarness harness_;
  fakes::FakeDiscord fake_{harness_.executor()};
};

TEST_F(DiscordOutbox, TriggerThenResolveArriveInOrder) {
  start();
  harness_.publish("alert.triggered", "evt_1");
  harness_.publish("alert.resolved", "evt_2");
  ASSERT_TRUE(harness_.pump([&] { return stats().attempts["delivered"] == 2; }));
  const auto messages = fake_.messages();
  ASSERT_EQ(messages.size(), 2u);
  EXPECT_EQ(messages[0].body["embeds"][0]["color"], kDiscordRed);
  EXPECT_EQ(messages[1].body["embeds"][0]["color"], kDiscordGreen);
  EXPECT_EQ(messages[1].body["embeds"][0]["url"], "https://status.example.com/status/github-mcp");
  EXPECT_GE(messages[1].at - messages[0].at, 450ms); // paced per webhook
  EXPECT_EQ(fake_.invalidRequests(), 0u);
  expectNoSecret(log_.text());
}

TEST_F(DiscordOutbox, TriggerErrorsAreRetriedUntilAccepted) {
  fake_.failNext(2, 500);
  start();
  harness_.publish("alert.triggered", "evt_1");
  ASSERT_TRUE(harness_.pump([&] { return stats().attempts["delivered"] == 1; }));
  EXPECT_EQ(stats().attempts["retry"], 2u);
  EXPECT_EQ(fake_.messages().size(), 1u);
  EXPECT_TRUE(contains(log_.text(), "HTTP 500 from Discord (127.0.0.1)")) << log_.text();
  expectNoSecret(log_.text());
}

TEST_F(DiscordOutbox, ARefusedTriggerIsNotRetried) {
  fake_.failNext(1, 400);
  start();
  harness_.publish("alert.triggered", "evt_1");
  ASSERT_TRUE(harness_.pump([&] { return stats().failed == 1; }));
  EXPECT_EQ(fake_.requests().size(), 1u);
  EXPECT_TRUE(fake_.messages().empty());
  expectNoSecret(log_.text());
}

TEST_F(DiscordOutbox, ResolveErrorsAreRetriedUntilDelivered) {
  start();
  harness_.publish("alert.triggered", "evt_1");
  ASSERT_TRUE(harness_.pump([&] { return stats().attempts["delivered"] == 1; }));
  fake_.failNext(1, 503);
  fake_.failNext(1, 429, 0.2);
  harness_.publish("alert.resolved", "evt_2");
  ASSERT_TRUE(harness_.pump([&] { return stats().attempts["delivered"] == 2; }));
  EXPECT_EQ(stats().attempts["retry"], 2u);
  ASSERT_EQ(fake_.messages().size(), 2u);
  EXPECT_EQ(fake_.messages()[1].body["embeds"][0]["title"], "RESOLVED: GitHub MCP");
}

TEST_F(DiscordOutbox, ADeletedWebhookFailsTheResolveAndIsNotContactedAgain) {
  start();
  harness_.publish("alert.triggered", "evt_1");
  ASSERT_TRUE(harness_.pump([&] { return stats().attempts["delivered"] == 1; }));
  fake_.revoke();
  harness_.publish("alert.resolved", "evt_2");
  ASSERT_TRUE(harness_.pump([&] { return stats().failed == 1; }));
  harness_.publish("alert.triggered", "evt_3", "other-mcp");
  harness_.publish("alert.triggered", "evt_4", "third-mcp");
  ASSERT_TRUE(harness_.pump([&] { return stats().failed == 3; }));
  EXPECT_EQ(fake_.requests().size(), 2u); // the trigger and the one 404
  EXPECT_EQ(fake_.invalidRequests(), 1u);
  EXPECT_TRUE(contains(log_.text(), "Unknown Webhook")) << log_.text();
  expectNoSecret(log_.text());
}

TEST_F(DiscordOutbox, RetryAfterFromTheJsonBodyIsHonoured) {
  fake_.failNext(1, 429, 1.25, fakes::DiscordRetryHint::BodyOnly);
  start();
  harness_.publish("alert.triggered", "evt_1");
  ASSERT_TRUE(harness_.pump([&] { return fake_.messages().size() == 1; }));
  const auto reqs = fake_.requests();
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_EQ(reqs[0].answered, 429);
  // The schedule alone would retry after 100 ms.
  EXPECT_GE(reqs[1].at - reqs[0].at, 1250ms);
}

TEST_F(DiscordOutbox, ABurstRespectsTheBucketWithoutA429) {
  fake_.setBucket(2, 1s);
  start();
  for (int i = 0; i < 5; ++i)
    harness_.publish("alert.triggered", "evt_" + std::to_string(i), "server-" + std::to_string(i));
  ASSERT_TRUE(harness_.pump([&] { return fake_.messages().size() == 5; }, 10s));
  EXPECT_EQ(fake_.invalidRequests(), 0u);
  const auto messages = fake_.messages();
  // Never more than two inside any one-second window.
  for (std::size_t i = 2; i < messages.size(); ++i)
    EXPECT_GE(messages[i].at - messages[i - 2].at, 950ms) << i;
  EXPECT_EQ(stats().failed, 0);
}

TEST_F(DiscordOutbox, HostileDetailCannotPingAnyone) {
  start();
  auto event = fakes::OutboxHarness::event("alert.triggered", "evt_1", "inc_1");
  event.detail = "@everyone the server says hi <@&1234> @here";
  event.name = "@everyone";
  harness_.publish(event);
  ASSERT_TRUE(harness_.pump([&] { return fake_.messages().size() == 1; }));
  const auto m = fake_.messages()[0];
  EXPECT_TRUE(m.mentionsOff);
  EXPECT_EQ(m.body["allowed_mentions"], (Json{{"parse", Json::array()}}));
  const std::string raw = m.body.dump();
  EXPECT_FALSE(contains(raw, "@everyone")) << raw;
  EXPECT_FALSE(contains(raw, "@here")) << raw;
  EXPECT_FALSE(contains(raw, "<@&")) << raw;
  EXPECT_TRUE(contains(m.body["embeds"][0]["description"], "@" + kZwsp + "everyone the server"));
}

TEST_F(DiscordOutbox, TestAlertSendsATriggerAndItsResolve) {
  harness_.addServer();
  start();
  const auto result = harness_.testAlert(std::string("github-mcp"), std::string("chat"));
  ASSERT_TRUE(result) << result.error();
  ASSERT_EQ(result->size(), 1u);
  EXPECT_TRUE((*result)[0].ok()) << (*result)[0].trigger.error;
  const auto messages = fake_.messages();
  ASSERT_EQ(messages.size(), 2u);
  EXPECT_EQ(messages[0].body["embeds"][0]["title"], "\\[TEST\\] DOWN: GitHub MCP");
  EXPECT_EQ(messages[1].body["embeds"][0]["title"], "\\[TEST\\] RESOLVED: GitHub MCP");
  expectNoSecret(log_.text());
}

TEST(DiscordMessage, ShowsTheServerContextOwnerRunbookAndLinks) {
  const auto m = discordMessage(view(withServerContext(eventBody("alert.triggered"))),
                                "https://status.example.com", "mcpwatch");
  expectValid(m);
  const auto& embed = m["embeds"][0];
  std::map<std::string, std::string> fields;
  for (const auto& f : embed["fields"])
    fields[f["name"]] = f["value"];
  EXPECT_EQ(fields["Owner"], "Team Search \\(\\#search-oncall\\)"); // Markdown escaped
  EXPECT_EQ(fields["Runbook"], "[Open the runbook](https://wiki.example.com/runbooks/github-mcp)");
  EXPECT_NE(fields["Links"].find("[Grafana](https://grafana.example.com/d/mcp)"), std::string::npos)
      << fields["Links"];
  EXPECT_NE(embed["description"].get<std::string>().find("Code search for the platform team"),
            std::string::npos);
}

} // namespace
} // namespace mcpwatch::channels
