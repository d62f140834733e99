// Tests of the OpsGenie sink: the pure create/close bodies and alias encoding, single attempts
// against the strict fake, and trigger/resolve/drift/errors/429 through the real outbox.
#include "alerting/webhook_sink.hpp"
#include "channels/opsgenie_sink.hpp"
#include "common/strings.hpp"
#include "tests/channels/sink_test_support.hpp"
#include "tests/fakes/fake_opsgenie.hpp"
#include "tests/fakes/fake_util.hpp"
#include "tests/fakes/outbox_harness.hpp"
#include "channels/opsgenie_config.hpp"

#include <gtest/gtest.h>
#include <set>

namespace mcpwatch::channels {
namespace {

using namespace std::chrono_literals;
using common::Json;
using fakes::codePointCount;
using fakes::contains;
using fakes::eventBody;
using fakes::LogCapture;

const std::string kKey = "3f2b8a0e-5d1c-4c7a-9e2f-1a2b3c4d5e6f";
const std::string kWrongKey = "0badc0de-1111-2222-3333-444444444444";

channels::OpsGenieSinkConfig ogConfig(std::string apiUrl = std::string(channels::kOpsGenieUsUrl),
                                    std::string key = kKey) {
  channels::OpsGenieSinkConfig c;
  c.apiKey = common::Secret(std::move(key));
  c.apiUrl = std::move(apiUrl);
  c.tags = {"team-sre"};
  c.responders = {{"team", "sre"}, {"user", "ann@example.com"}};
  c.timeout = 2s;
  return c;
}

void expectValid(const Json& body) {
  auto errors = fakes::FakeOpsGenie::validateCreate(body);
  if (errors)
    for (const auto& [k, v] : *errors)
      ADD_FAILURE() << k << ": " << v;
  // Strict UTF-8 dump: throws if a truncation split a code point.
  EXPECT_NO_THROW((void)body.dump());
}

// ---- pure builders ----

TEST(OpsGenieBody, AliasIsThePagerDutyStyleKeyAndDriftAndTestAreDistinct) {
  auto c = ogConfig();
  EXPECT_EQ(opsGenieAlias(c, "github-mcp"), "mcpwatch-github-mcp");
  EXPECT_EQ(opsGenieDriftAlias(c, "github-mcp"), "mcpwatch-github-mcp-schema");
  c.dedupPrefix = "acme.prod";
  EXPECT_EQ(opsGenieAliasFor(c, view(eventBody("alert.triggered"))), "acme.prod-github-mcp");
  EXPECT_EQ(opsGenieAliasFor(c, view(eventBody("alert.resolved"))), "acme.prod-github-mcp");
  EXPECT_EQ(opsGenieAliasFor(c, view(eventBody("schema.drifted"))), "acme.prod-github-mcp-schema");
  auto test = eventBody("alert.triggered");
  test["test"] = true;
  test["incident_id"] = "inc_test_0123456789abcdef";
  EXPECT_EQ(opsGenieAliasFor(c, view(test)), "acme.prod-github-mcp.test-0123456789abcdef");
  auto testResolve = eventBody("alert.resolved");
  testResolve["test"] = true;
  testResolve["incident_id"] = "inc_test_0123456789abcdef";
  EXPECT_EQ(opsGenieAliasFor(c, view(testResolve)), opsGenieAliasFor(c, view(test)));
}

TEST(OpsGenieBody, ATestAliasIsNeverTheLiveAliasOfAnyServer) {
  // The old fixed "-test" suffix made `test-alert --server github-mcp` close the real alert of a
  // server whose slug is "github-mcp-test".
  auto c = ogConfig();
  auto test = eventBody("alert.resolved");
  test["test"] = true;
  test["incident_id"] = "inc_test_0123456789abcdef";
  const auto alias = opsGenieAliasFor(c, view(test));
  EXPECT_NE(alias, opsGenieAlias(c, "github-mcp"));
  EXPECT_NE(alias, opsGenieAlias(c, "github-mcp-test"));
  EXPECT_NE(alias, opsGenieAlias(c, "github-mcp-test-0123456789abcdef"));
  // Each run has its own alias.
  test["incident_id"] = "inc_test_fedcba9876543210";
  EXPECT_NE(opsGenieAliasFor(c, view(test)), alias);
  // A huge prefix is cut before the suffix, which always survives.
  c.dedupPrefix = std::string(600, 'p');
  const auto cut = opsGenieAliasFor(c, view(test));
  EXPECT_EQ(cut.size(), 512u);
  EXPECT_TRUE(cut.ends_with(".test-fedcba9876543210")) << cut;
}

TEST(OpsGenieBody, AliasStaysWithin512Characters) {
  auto c = ogConfig();
  c.dedupPrefix = std::string(600, 'p');
  EXPECT_EQ(opsGenieAlias(c, "s").size(), 512u);
  const auto drift = opsGenieDriftAlias(c, "s");
  EXPECT_EQ(drift.size(), 512u);
  EXPECT_TRUE(drift.ends_with("-schema"));
  EXPECT_NE(drift, opsGenieAlias(c, "s"));
}

TEST(OpsGenieBody, EncoderEscapesEverythingOutsideUnreserved) {
  EXPECT_EQ(opsGenieEncodePathSegment("AZaz09-._~"), "AZaz09-._~");
  EXPECT_EQ(opsGenieEncodePathSegment("a/b c?d#e%f&g+h"), "a%2Fb%20c%3Fd%23e%25f%26g%2Bh");
  EXPECT_EQ(opsGenieEncodePathSegment("caf\xC3\xA9"), "caf%C3%A9");
  EXPECT_EQ(opsGenieEncodePathSegment(std::string("\0\x7F", 2)), "%00%7F");
  EXPECT_EQ(opsGenieEncodePathSegment(""), "");
}

TEST(OpsGenieBody, TriggerBodyHasEveryFieldAndPassesTheStrictValidation) {
  const auto body =
      createBody(ogConfig(), view(eventBody("alert.triggered")), std::nullopt, "https://s.example");
  expectValid(body);
  EXPECT_EQ(body["message"], "MCP server down: GitHub MCP (connect_timeout)");
  EXPECT_EQ(body["alias"], "mcpwatch-github-mcp");
  EXPECT_EQ(body["priority"], "P1");
  EXPECT_EQ(body["source"], "mcpwatch");
  EXPECT_EQ(body["entity"], "github-mcp");
  EXPECT_EQ(body["tags"], (Json{"team-sre", "mcpwatch", "connect_timeout", "thirdparty"}));
  EXPECT_EQ(body["responders"], (Json{{{"type", "team"}, {"name", "sre"}},
                                      {{"type", "user"}, {"username", "ann@example.com"}}}));
  const auto& d = body["details"];
  EXPECT_EQ(d["slug"], "github-mcp");
  EXPECT_EQ(d["reason"], "connect_timeout");
  EXPECT_EQ(d["check_url"], "https://api.example.com/mcp");
  EXPECT_EQ(d["status_url"], "https://status.example.com/status/github-mcp");
  EXPECT_EQ(d["protocol_version"], "2025-11-25");
  EXPECT_EQ(d["consecutive_failures"], "2");
  EXPECT_EQ(d["incident_id"], "inc_1");
  for (const auto& [k, v] : d.items())
    EXPECT_TRUE(v.is_string()) << k;
  const std::string desc = body["description"];
  EXPECT_TRUE(contains(desc, "Reason: connect_timeout\n")) << desc;
  EXPECT_TRUE(contains(desc, "Detail: no answer in 10s\n")) << desc;
  EXPECT_TRUE(contains(desc, "Down since: 2026-11-24T02:02:04Z")) << desc;
  EXPECT_TRUE(contains(desc, "Status page: https://status.example.com/status/github-mcp")) << desc;
  EXPECT_TRUE(contains(desc, "Endpoint: https://api.example.com/mcp")) << desc;
  EXPECT_TRUE(contains(desc, "- 2026-11-24T02:02:04Z connect_timeout: no answer in 10s")) << desc;
}

TEST(OpsGenieBody, RouteSeverityMapsOntoTriggerPriorityButNotDrift) {
  auto c = ogConfig();
  c.priority = channels::OpsGeniePriority::P2;
  const auto trigger = view(eventBody("alert.triggered"));
  EXPECT_EQ(createBody(c, trigger, std::nullopt, "")["priority"], "P2");
  EXPECT_EQ(createBody(c, trigger, config::Severity::Critical, "")["priority"], "P1");
  EXPECT_EQ(createBody(c, trigger, config::Severity::Error, "")["priority"], "P2");
  EXPECT_EQ(createBody(c, trigger, config::Severity::Warning, "")["priority"], "P3");
  EXPECT_EQ(createBody(c, trigger, config::Severity::Info, "")["priority"], "P5");
  EXPECT_EQ(
      createBody(c, view(eventBody("schema.drifted")), config::Severity::Critical, "")["priority"],
      "P4");
}

TEST(OpsGenieBody, DriftBodyUsesTheDriftAliasPriorityAndListsTheTools) {
  auto c = ogConfig();
  c.driftPriority = channels::OpsGeniePriority::P5;
  const auto body = createBody(c, view(eventBody("schema.drifted")), std::nullopt, "");
  expectValid(body);
  EXPECT_EQ(body["alias"], "mcpwatch-github-mcp-schema");
  EXPECT_EQ(body["priority"], "P5");
  EXPECT_EQ(body["message"], "MCP tools changed: GitHub MCP (1 added, 1 changed)");
  const std::string desc = body["description"];
  EXPECT_TRUE(contains(desc, "Added (1): create_issue\n")) << desc;
  EXPECT_TRUE(contains(desc, "Changed (1): search_code\n")) << desc;
  EXPECT_FALSE(contains(desc, "Removed")) << desc;
  EXPECT_TRUE(contains(desc, "Fingerprint: sha256:1111 -> sha256:2222")) << desc;
  EXPECT_EQ(body["details"]["tools_added"], "create_issue");
  EXPECT_EQ(body["tags"], (Json{"team-sre", "mcpwatch", "schema_drift", "thirdparty"}));
}

TEST(OpsGenieBody, AProtocolChangeIsItsOwnLowPriorityAlert) {
  auto b = eventBody("protocol.changed");
  b.erase("schema");
  b["protocol"] = {{"from", {{"transport", "streamable-http"}, {"protocol_version", "2025-11-25"}}},
                   {"to", {{"transport", "modern"}, {"protocol_version", "2026-07-28"}}}};
  const auto body = createBody(ogConfig(), view(b), config::Severity::Critical, "");
  expectValid(body);
  EXPECT_EQ(body["alias"], "mcpwatch-github-mcp-protocol"); // neither the down nor the tools alert
  EXPECT_EQ(body["priority"], "P4");                        // drift_priority, not the route's
  EXPECT_EQ(body["message"], "MCP protocol changed: GitHub MCP (streamable-http 2025-11-25 "
                             "\xE2\x86\x92 modern 2026-07-28)");
  EXPECT_EQ(body["tags"], (Json{"team-sre", "mcpwatch", "protocol_changed", "thirdparty"}));
}

TEST(OpsGenieBody, CloseBodyCarriesTheRecoveryNote) {
  auto c = ogConfig();
  c.source = "mcpwatch-eu";
  const auto body = closeBody(c, view(eventBody("alert.resolved")));
  EXPECT_EQ(body["source"], "mcpwatch-eu");
  EXPECT_EQ(body["user"], "mcpwatch");
  const std::string note = body["note"];
  EXPECT_EQ(note.rfind("Recovered after 4m 10s", 0), 0u) << note;
  EXPECT_FALSE(fakes::FakeOpsGenie::validateClose(body));
  auto test = eventBody("alert.resolved");
  test["test"] = true;
  EXPECT_EQ(std::string(closeBody(c, view(test))["note"]).rfind("[TEST] Recovered after", 0), 0u);
}

TEST(OpsGenieBody, HostileServerStringsStayPlainSingleLineText) {
  auto b = eventBody("alert.triggered");
  b["server_name"] = "<script>alert(1)</script>\n@everyone <!channel> *bold*\x1b[31m";
  b["failure_detail"] = "line1\r\nline2\x07<b>&amp;";
  b["server_tags"] = {"a,b", "x\ny", ""};
  const auto body = createBody(ogConfig(), view(b), std::nullopt, "");
  expectValid(body);
  const std::string message = body["message"];
  // Plain text: OpsGenie's message also goes out as SMS, voice and push, where HTML entities
  // would be read literally; what matters is one line without control characters.
  EXPECT_EQ(message, "MCP server down: <script>alert(1)</script> @everyone <!channel> "
                     "*bold* [31m (connect_timeout)");
  for (unsigned char c : message)
    EXPECT_GE(c, 0x20);
  const std::string desc = body["description"];
  EXPECT_TRUE(contains(desc, "Detail: line1\nline2<b>&amp;\n")) << desc;
  EXPECT_FALSE(contains(desc, "\x1b"));
  EXPECT_FALSE(contains(desc, "\r"));
  EXPECT_FALSE(contains(desc, "\x07"));
  for (const auto& t : body["tags"])
    EXPECT_FALSE(contains(t.get<std::string>(), "\n")) << t;
  EXPECT_EQ(body["details"]["server_name"].get<std::string>(),
            "<script>alert(1)</script> @everyone <!channel> *bold* [31m");
}

TEST(OpsGenieBody, HugeInputsAreTruncatedToEveryLimit) {
  auto b = eventBody("alert.triggered");
  std::string accented;
  for (int i = 0; i < 10000; ++i)
    accented += "\xC3\xA9"; // é
  b["server_name"] = accented;
  b["server_slug"] = std::string(2000, 's');
  b["failure_detail"] = std::string(1 << 20, 'd');
  b["check_url"] = "https://example.com/" + std::string(20000, 'u');
  b["server_tags"] = Json::array();
  for (int i = 0; i < 500; ++i)
    b["server_tags"].push_back("tag-" + std::to_string(i) + std::string(100, 't'));
  b["recent_failures"] = Json::array();
  for (int i = 0; i < 50; ++i)
    b["recent_failures"].push_back({{"at", "2026-11-24T02:02:04Z"},
                                    {"reason", "timeout"},
                                    {"detail", std::string(9000, 'r')}});
  auto c = ogConfig();
  c.source = std::string(300, 'o');
  const auto body = createBody(c, view(b), std::nullopt, "");
  expectValid(body);
  EXPECT_EQ(codePointCount(body["message"]), 130u);
  EXPECT_TRUE(std::string(body["message"]).ends_with("\xE2\x80\xA6"));
  EXPECT_LE(codePointCount(body["description"]), 15000u);
  EXPECT_TRUE(contains(body["description"], "Reason: connect_timeout"));
  EXPECT_EQ(body["tags"].size(), 20u);
  for (const auto& t : body["tags"])
    EXPECT_LE(codePointCount(t), 50u);
  std::size_t total = 0;
  for (const auto& [k, v] : body["details"].items())
    total += codePointCount(k) + codePointCount(v.get<std::string>());
  EXPECT_LE(total, 8000u);
  EXPECT_EQ(body["details"]["slug"].get<std::string>().substr(0, 10), "ssssssssss");
  EXPECT_LE(codePointCount(body["entity"]), 512u);
  EXPECT_LE(codePointCount(body["source"]), 100u);
  EXPECT_LE(opsGenieAliasFor(c, view(b)).size(), 512u);
}

TEST(OpsGenieBody, UnicodeTruncationNeverSplitsACodePoint) {
  auto b = eventBody("alert.triggered");
  std::string emoji;
  for (int i = 0; i < 300; ++i)
    emoji += "\xF0\x9F\x98\x80"; // U+1F600, four bytes
  b["server_name"] = emoji;
  b["failure_detail"] = emoji + emoji + emoji + emoji + emoji + emoji + emoji;
  const auto body = createBody(ogConfig(), view(b), std::nullopt, "");
  expectValid(body);
  const std::string message = body["message"];
  EXPECT_EQ(codePointCount(message), 130u);
  EXPECT_TRUE(message.ends_with("\xE2\x80\xA6"));
  EXPECT_TRUE(contains(message, "\xF0\x9F\x98\x80"));
}

TEST(OpsGenieBody, TagsAreDeduplicatedAndOperatorTagsSurviveTheCut) {
  auto c = ogConfig();
  c.tags = {"thirdparty", "routing-key"};
  auto b = eventBody("alert.triggered");
  b["server_tags"] = Json::array();
  b["server_tags"].push_back("mcpwatch");
  b["server_tags"].push_back("thirdparty");
  for (int i = 0; i < 30; ++i)
    b["server_tags"].push_back("t" + std::to_string(i));
  const auto tags = createBody(c, view(b), std::nullopt, "")["tags"];
  ASSERT_EQ(tags.size(), 20u);
  EXPECT_EQ(tags[0], "thirdparty");
  EXPECT_EQ(tags[1], "routing-key");
  EXPECT_EQ(tags[2], "mcpwatch");
  EXPECT_EQ(tags[3], "connect_timeout");
  EXPECT_EQ(tags[4], "t0");
  std::set<std::string> unique;
  for (const auto& t : tags)
    unique.insert(t);
  EXPECT_EQ(unique.size(), 20u);
}

TEST(OpsGenieBody, AuthHintNamesTheHostAndRegion) {
  const auto us = opsGenieAuthHint(channels::kOpsGenieUsUrl);
  EXPECT_TRUE(contains(us, "api.opsgenie.com (region us); EU accounts need region: eu")) << us;
  EXPECT_TRUE(contains(us, "API integration")) << us;
  const auto eu = opsGenieAuthHint(channels::kOpsGenieEuUrl);
  EXPECT_TRUE(contains(eu, "api.eu.opsgenie.com (region eu); US accounts need region: us")) << eu;
  const auto custom = opsGenieAuthHint("https://og-proxy.internal/opsgenie");
  EXPECT_TRUE(contains(custom, "og-proxy.internal (api_url)")) << custom;
}

TEST(OpsGenieBody, DescribeErrorReadsOpsGenieBodies) {
  EXPECT_EQ(
      describeOpsGenieError(R"({"message":"Request body is not processable.",)"
                            R"("errors":{"message":"Message can not be empty."},)"
                            R"("took":0.0,"requestId":"r-1"})"),
      "Request body is not processable. (message: Message can not be empty.) [requestId r-1]");
  EXPECT_EQ(describeOpsGenieError("<html>\n<b>Bad gateway</b>\n</html>"),
            "<html> <b>Bad gateway</b> </html>");
  EXPECT_EQ(describeOpsGenieError(""), "empty response body");
  EXPECT_LE(codePointCount(describeOpsGenieError(std::string(100000, 'x'))), 1000u);
}

// ---- single attempts against the fake ----

class OpsGenieAttempt : public ::testing::Test {
protected:
  alerting::AttemptResult attempt(const channels::OpsGenieSinkConfig& c, const Json& body,
                                  alerting::DestinationGates* gates = nullptr) {
    alerting::SinkContext context;
    context.executor = ioc_.get_executor();
    context.clock = &clock_;
    context.gates = gates;
    OpsGenieSink sink(c, context);
    return fakes::deliverOnce(ioc_, sink, fakes::deliveryOf(body));
  }

  asio::io_context ioc_;
  common::SystemClock clock_;
  fakes::FakeOpsGenie fake_{ioc_.get_executor(), kKey};
};

TEST_F(OpsGenieAttempt, WrongKeyIsPermanentWithTheRegionHintAndNoKey) {
  const auto r = attempt(ogConfig(fake_.baseUrl(), kWrongKey), eventBody("alert.triggered"));
  ASSERT_EQ(r.status, 401);
  EXPECT_EQ(r.outcome, alerting::AttemptOutcome::Permanent);
  EXPECT_TRUE(contains(r.error, "Could not authenticate")) << r.error;
  EXPECT_TRUE(contains(r.error, "check the region")) << r.error;
  EXPECT_TRUE(contains(r.error, "127.0.0.1 (api_url)")) << r.error;
  EXPECT_TRUE(contains(r.error, "API integration")) << r.error;
  EXPECT_FALSE(contains(r.error, kWrongKey)) << r.error;
  EXPECT_FALSE(contains(r.error, "0badc0de")) << r.error;
  EXPECT_TRUE(fake_.alerts().empty());
  // A key of the wrong shape gets OpsGenie's other 401 text.
  const auto bad = attempt(ogConfig(fake_.baseUrl(), "not-a-key"), eventBody("alert.triggered"));
  EXPECT_EQ(bad.status, 401);
  EXPECT_TRUE(contains(bad.error, "Key format is not valid!")) << bad.error;
  EXPECT_FALSE(contains(bad.error, "not-a-key")) << bad.error;
}

TEST_F(OpsGenieAttempt, AReminderIsRefusedWithoutARequest) {
  // The config refuses reminder_interval on OpsGenie; a hand-made row still never re-creates
  // (and so re-notifies) the alert.
  const auto r = attempt(ogConfig(fake_.baseUrl()), reminderOf(eventBody("alert.triggered")));
  EXPECT_FALSE(r.status) << "nothing was sent, nothing answered";
  EXPECT_EQ(r.outcome, alerting::AttemptOutcome::Permanent);
  EXPECT_TRUE(contains(r.error, "reminders are not sent to OpsGenie")) << r.error;
  EXPECT_TRUE(fake_.requests().empty());
}

TEST_F(OpsGenieAttempt, TheRequestIsWhatOpsGenieExpects) {
  const auto r = attempt(ogConfig(fake_.baseUrl()), eventBody("alert.triggered"));
  ASSERT_EQ(r.status, 202) << r.error;
  EXPECT_TRUE(r.error.empty());
  ASSERT_EQ(fake_.requests().size(), 1u);
  const auto req = fake_.requests()[0];
  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(req.target, "/v2/alerts");
  EXPECT_EQ(fakes::headerValue(req.headers, "Authorization"), "GenieKey " + kKey);
  ASSERT_EQ(fake_.processed().size(), 1u);
  EXPECT_EQ(fake_.processed()[0].status, "Created alert");
}

TEST_F(OpsGenieAttempt, AnAliasNeedingEncodingClosesTheRightAlert) {
  // The loader only allows [A-Za-z0-9._-] in prefixes; a hand-built config must still be safe.
  auto c = ogConfig(fake_.baseUrl());
  c.dedupPrefix = "ops/team #1?caf\xC3\xA9 %2F";
  ASSERT_EQ(attempt(c, eventBody("alert.triggered")).status, 202);
  const std::string alias = "ops/team #1?caf\xC3\xA9 %2F-github-mcp";
  ASSERT_TRUE(fake_.alert(alias));
  const auto r = attempt(c, eventBody("alert.resolved", "evt_2"));
  ASSERT_EQ(r.status, 202) << r.error;
  EXPECT_EQ(fake_.requests().back().target,
            "/v2/alerts/ops%2Fteam%20%231%3Fcaf%C3%A9%20%252F-github-mcp/close"
            "?identifierType=alias");
  EXPECT_FALSE(fake_.alert(alias)->open);
  EXPECT_TRUE(fake_.processed().back().isSuccess) << fake_.processed().back().status;
}

TEST_F(OpsGenieAttempt, CloseOfAnAlertOpsGenieNoLongerHasCountsAsDelivered) {
  fake_.failNext(1, 404, std::nullopt, "Alert does not exist");
  const auto r = attempt(ogConfig(fake_.baseUrl()), eventBody("alert.resolved"));
  EXPECT_EQ(r.outcome, alerting::AttemptOutcome::Delivered) << r.error;
  EXPECT_TRUE(r.error.empty());
  // A 404 on create, though, is a configuration problem.
  fake_.failNext(1, 404, std::nullopt, "Alert does not exist");
  const auto create = attempt(ogConfig(fake_.baseUrl()), eventBody("alert.triggered"));
  EXPECT_EQ(create.outcome, alerting::AttemptOutcome::Permanent);
}

Awaitable<void> exchangeInto(asio::any_io_executor ex, net::Request request,
                             std::optional<alerting::Exchange>* out) {
  *out = co_await alerting::exchangeOnce(ex, std::move(request), 2s);
}

TEST_F(OpsGenieAttempt, ClosingAnUnknownAliasIsAcceptedAndFailsOnlyInTheRequestStatus) {
  // OpsGenie's close is asynchronous: 202 first, "Alert does not exist" in the request status.
  const auto r = attempt(ogConfig(fake_.baseUrl()), eventBody("alert.resolved"));
  ASSERT_EQ(r.status, 202) << r.error;
  ASSERT_EQ(fake_.processed().size(), 1u);
  const auto p = fake_.processed()[0];
  EXPECT_FALSE(p.isSuccess);
  EXPECT_EQ(p.status, "Alert does not exist");
  EXPECT_EQ(p.alias, "mcpwatch-github-mcp");
  net::Request get;
  get.method = "GET";
  get.url = *common::Url::parse(fake_.baseUrl() + "/v2/alerts/requests/" + p.requestId);
  get.headers.set("Authorization", "GenieKey " + kKey);
  std::optional<alerting::Exchange> out;
  asio::co_spawn(ioc_, exchangeInto(ioc_.get_executor(), get, &out), asio::detached);
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (!out && std::chrono::steady_clock::now() < deadline)
    ioc_.run_for(5ms);
  ASSERT_TRUE(out && out->response);
  EXPECT_EQ(out->response->head.status, 200);
  const auto status = Json::parse(out->response->body);
  EXPECT_EQ(status["data"]["status"], "Alert does not exist");
  EXPECT_EQ(status["data"]["isSuccess"], false);
}

TEST_F(OpsGenieAttempt, A404ThatIsNotOpsGenieIsPermanent) {
  // A wrong api_url path: the fake has no route there.
  const auto r = attempt(ogConfig(fake_.baseUrl() + "/proxy"), eventBody("alert.resolved"));
  ASSERT_EQ(r.status, 404);
  EXPECT_EQ(r.outcome, alerting::AttemptOutcome::Permanent);
  EXPECT_TRUE(contains(r.error, "check api_url")) << r.error;
}

TEST_F(OpsGenieAttempt, ServerErrorsAndPlanLimitsMapOntoRetryAndPermanent) {
  const auto c = ogConfig(fake_.baseUrl());
  fake_.failNext(1, 503, std::nullopt, "Service unavailable");
  auto r = attempt(c, eventBody("alert.triggered"));
  EXPECT_EQ(r.outcome, alerting::AttemptOutcome::Retry);
  EXPECT_TRUE(contains(r.error, "HTTP 503")) << r.error;
  EXPECT_TRUE(contains(r.error, "Service unavailable")) << r.error;
  EXPECT_TRUE(contains(r.error, "[requestId ")) << r.error;
  fake_.failNext(1, 402, std::nullopt, "Account plan does not allow");
  r = attempt(c, eventBody("alert.triggered"));
  EXPECT_EQ(r.outcome, alerting::AttemptOutcome::Permanent);
  EXPECT_TRUE(contains(r.error, "plan")) << r.error;
  fake_.failNext(1, 403, std::nullopt, "Forbidden");
  r = attempt(c, eventBody("alert.triggered"));
  EXPECT_EQ(r.outcome, alerting::AttemptOutcome::Permanent);
  EXPECT_TRUE(contains(r.error, "permission")) << r.error;
  EXPECT_TRUE(fake_.alerts().empty());
}

TEST_F(OpsGenieAttempt, A429HoldsTheAccountSoLaterAttemptsAreDeferred) {
  alerting::DestinationGates gates;
  const auto c = ogConfig(fake_.baseUrl());
  fake_.failNext(1, 429, "30");
  const auto first = attempt(c, eventBody("alert.triggered"), &gates);
  ASSERT_EQ(first.status, 429);
  EXPECT_EQ(first.retryAfter, "30");
  EXPECT_EQ(first.outcome, alerting::AttemptOutcome::Retry);
  EXPECT_TRUE(contains(first.error, "rate limited")) << first.error;
  // Another server's event to the same account is not sent during the hold.
  const auto second = attempt(c, eventBody("alert.triggered", "evt_2", "other-mcp"), &gates);
  EXPECT_FALSE(second.status);
  ASSERT_TRUE(second.retryAfter);
  EXPECT_GE(std::stoi(*second.retryAfter), 29);
  EXPECT_LE(std::stoi(*second.retryAfter), 30);
  EXPECT_TRUE(contains(second.error, "slow down")) << second.error;
  EXPECT_EQ(fake_.requests().size(), 1u);
  // A different account is not held.
  auto other = ogConfig(fake_.baseUrl(), kWrongKey);
  EXPECT_EQ(attempt(other, eventBody("alert.triggered"), &gates).status, 401);
}

TEST_F(OpsGenieAttempt, ANetworkErrorIsRetriedAndNamesTheHostOnly) {
  std::uint16_t port = 0;
  {
    // A port that was just free and is closed again: connecting is refused.
    net::HttpServer closed(
        ioc_.get_executor(),
        [](const net::ServerRequest&, net::ResponseWriter&) -> Awaitable<void> { co_return; });
    port = closed.listen("127.0.0.1", 0).value();
  }
  const auto r =
      attempt(ogConfig("http://127.0.0.1:" + std::to_string(port)), eventBody("alert.triggered"));
  EXPECT_FALSE(r.status);
  EXPECT_EQ(r.outcome, alerting::AttemptOutcome::Retry);
  EXPECT_TRUE(contains(r.error, "127.0.0.1")) << r.error;
  EXPECT_FALSE(contains(r.error, kKey)) << r.error;
}

// ---- through the outbox ----

class OpsGenieOutbox : public ::testing::Test {
protected:
  void start(channels::OpsGenieSinkConfig c) {
    harness_.addSink("og", std::move(c));
    harness_.start({{"opsgenie", opsGenieSinkKind()}});
  }
  void startDefault() { start(ogConfig(fake_.baseUrl())); }
  alerting::SinkStats stats() { return harness_.sinkStats("og"); }
  std::size_t answered(int status) const {
    std::size_t n = 0;
    for (const auto& r : fake_.requests())
      n += r.answered == status;
    return n;
  }

  fakes::OutboxHarness harness_;
  fakes::FakeOpsGenie fake_{harness_.executor(), kKey};
};

TEST_F(OpsGenieOutbox, TriggerThenResolveLeavesTheAlertClosed) {
  LogCapture log;
  startDefault();
  harness_.publish("alert.triggered", "evt_1");
  harness_.publish("alert.resolved", "evt_2");
  ASSERT_TRUE(harness_.pump([&] { return stats().attempts["delivered"] == 2; }));
  ASSERT_EQ(fake_.alerts().size(), 1u);
  const auto a = fake_.alerts()[0];
  EXPECT_EQ(a.alias, "mcpwatch-github-mcp");
  EXPECT_FALSE(a.open);
  EXPECT_EQ(a.count, 1);
  EXPECT_EQ(a.closeSource, "mcpwatch");
  EXPECT_EQ(a.closeNote.rfind("Recovered after 4m 10s", 0), 0u) << a.closeNote;
  EXPECT_EQ(a.body["message"], "MCP server down: GitHub MCP (connect_timeout)");
  ASSERT_EQ(fake_.requests().size(), 2u);
  EXPECT_EQ(fake_.requests()[1].target,
            "/v2/alerts/mcpwatch-github-mcp/close?identifierType=alias");
  EXPECT_FALSE(contains(log.text(), kKey));
}

TEST_F(OpsGenieOutbox, RepeatedTriggersCountOntoTheOneOpenAlert) {
  startDefault();
  harness_.publish("alert.triggered", "evt_1");
  ASSERT_TRUE(harness_.pump([&] { return stats().attempts["delivered"] == 1; }));
  harness_.publish("alert.triggered", "evt_2");
  ASSERT_TRUE(harness_.pump([&] { return stats().attempts["delivered"] == 2; }));
  ASSERT_EQ(fake_.alerts().size(), 1u);
  EXPECT_EQ(fake_.alerts()[0].count, 2);
  EXPECT_TRUE(fake_.alerts()[0].open);
}

TEST_F(OpsGenieOutbox, TriggerErrorsAreRetriedUntilAccepted) {
  LogCapture log;
  fake_.failNext(2, 503, std::nullopt, "Service temporarily unavailable");
  startDefault();
  harness_.publish("alert.triggered", "evt_1");
  ASSERT_TRUE(harness_.pump([&] { return stats().attempts["delivered"] == 1; }));
  EXPECT_EQ(stats().attempts["retry"], 2u);
  EXPECT_EQ(fake_.requests().size(), 3u);
  ASSERT_EQ(fake_.alerts().size(), 1u);
  EXPECT_TRUE(fake_.alerts()[0].open);
  EXPECT_TRUE(contains(log.text(), "Service temporarily unavailable")) << log.text();
  EXPECT_FALSE(contains(log.text(), kKey)) << log.text();
}

TEST_F(OpsGenieOutbox, AnUnprocessableTriggerIsNotRetried) {
  fake_.failNext(1, 422, std::nullopt, "Request body is not processable.");
  startDefault();
  harness_.publish("alert.triggered", "evt_1");
  ASSERT_TRUE(harness_.pump([&] { return stats().failed == 1; }));
  EXPECT_EQ(fake_.requests().size(), 1u);
  EXPECT_TRUE(fake_.alerts().empty());
}

TEST_F(OpsGenieOutbox, ResolveErrorsAreRetriedUntilTheAlertCloses) {
  startDefault();
  harness_.publish("alert.triggered", "evt_1");
  ASSERT_TRUE(harness_.pump([&] { return stats().attempts["delivered"] == 1; }));
  fake_.failNext(1, 500, std::nullopt, "Internal error");
  fake_.failNext(1, 429);
  harness_.publish("alert.resolved", "evt_2");
  ASSERT_TRUE(harness_.pump([&] { return stats().attempts["delivered"] == 2; }));
  EXPECT_EQ(stats().attempts["retry"], 2u);
  EXPECT_FALSE(fake_.alerts()[0].open);
  EXPECT_EQ(fake_.requests().size(), 4u);
}

TEST_F(OpsGenieOutbox, APermanentResolveFailureLeavesTheAlertOpen) {
  startDefault();
  harness_.publish("alert.triggered", "evt_1");
  ASSERT_TRUE(harness_.pump([&] { return stats().attempts["delivered"] == 1; }));
  fake_.failNext(1, 403, std::nullopt, "Integration is read-only");
  harness_.publish("alert.resolved", "evt_2");
  ASSERT_TRUE(harness_.pump([&] { return stats().failed == 1; }));
  EXPECT_TRUE(fake_.alerts()[0].open);
  EXPECT_EQ(fake_.requests().size(), 2u);
}

TEST_F(OpsGenieOutbox, RetryAfterOn429IsHonoured) {
  fake_.failNext(1, 429, "1");
  startDefault();
  harness_.publish("alert.triggered", "evt_1");
  ASSERT_TRUE(harness_.pump([&] { return fake_.alerts().size() == 1; }));
  const auto requests = fake_.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].answered, 429);
  // The schedule alone would retry after 100 ms.
  EXPECT_GE(requests[1].at - requests[0].at, 900ms);
}

TEST_F(OpsGenieOutbox, ARateLimitedAccountIsNotHammered) {
  fake_.setRateLimit(1, 1s, "1");
  startDefault();
  harness_.publish("alert.triggered", "evt_1", "a-mcp");
  harness_.publish("alert.triggered", "evt_2", "b-mcp");
  harness_.publish("alert.triggered", "evt_3", "c-mcp");
  ASSERT_TRUE(harness_.pump([&] { return fake_.alerts().size() == 3; }, 10s));
  const auto requests = fake_.requests();
  // After a 429 the next request for that alert waits for Retry-After; the hold keeps the other
  // servers' deliveries back too, so the account sees only a handful of refusals.
  for (std::size_t i = 0; i < requests.size(); ++i) {
    if (requests[i].answered != 429)
      continue;
    const auto alias = Json::parse(requests[i].body).value("alias", "");
    for (std::size_t j = i + 1; j < requests.size(); ++j)
      if (Json::parse(requests[j].body).value("alias", "") == alias) {
        EXPECT_GE(requests[j].at - requests[i].at, 900ms) << alias;
        break;
      }
  }
  EXPECT_LE(answered(429), 4u);
  EXPECT_EQ(stats().failed, 0);
}

TEST_F(OpsGenieOutbox, AWrongKeyFailsPermanentlyAndIsLoggedWithoutTheKey) {
  LogCapture log;
  start(ogConfig(fake_.baseUrl(), kWrongKey));
  harness_.publish("alert.triggered", "evt_1");
  ASSERT_TRUE(harness_.pump([&] { return stats().failed == 1; }));
  EXPECT_EQ(fake_.requests().size(), 1u);
  const auto text = log.text();
  EXPECT_TRUE(contains(text, "HTTP 401")) << text;
  EXPECT_TRUE(contains(text, "check the region")) << text;
  EXPECT_FALSE(contains(text, kWrongKey)) << text;
  EXPECT_FALSE(contains(text, "0badc0de")) << text;
}

TEST_F(OpsGenieOutbox, DriftCreatesASeparateAlertThatTheResolveLeavesOpen) {
  startDefault();
  harness_.publish("alert.triggered", "evt_1");
  harness_.publish("schema.drifted", "evt_2");
  harness_.publish("alert.resolved", "evt_3");
  ASSERT_TRUE(harness_.pump([&] { return stats().attempts["delivered"] == 3; }));
  ASSERT_EQ(fake_.alerts().size(), 2u);
  const auto down = fake_.alert("mcpwatch-github-mcp");
  const auto drift = fake_.alert("mcpwatch-github-mcp-schema");
  ASSERT_TRUE(down && drift);
  EXPECT_FALSE(down->open);
  EXPECT_TRUE(drift->open);
  EXPECT_EQ(drift->body["priority"], "P4");
  EXPECT_EQ(down->body["priority"], "P1");
}

TEST_F(OpsGenieOutbox, TestAlertUsesItsOwnAliasAndClosesIt) {
  harness_.addServer();
  startDefault();
  harness_.publish("alert.triggered", "evt_1");
  ASSERT_TRUE(harness_.pump([&] { return stats().attempts["delivered"] == 1; }));
  const auto result = harness_.testAlert(std::string("github-mcp"), std::string("og"));
  ASSERT_TRUE(result) << result.error();
  ASSERT_EQ(result->size(), 1u);
  EXPECT_TRUE((*result)[0].ok()) << (*result)[0].trigger.error;
  std::optional<fakes::OpsGenieAlert> test;
  for (const auto& a : fake_.alerts())
    if (a.alias.rfind("mcpwatch-github-mcp.test-", 0) == 0)
      test = a;
  ASSERT_TRUE(test);
  EXPECT_FALSE(test->open);
  EXPECT_EQ(std::string(test->body["message"]).rfind("[TEST] ", 0), 0u);
  // The server's real alert was neither counted onto nor closed.
  const auto real = fake_.alert("mcpwatch-github-mcp");
  ASSERT_TRUE(real);
  EXPECT_TRUE(real->open);
  EXPECT_EQ(real->count, 1);
}

TEST(OpsGenieBody, CarriesTheServerContextInDetailsAndDescription) {
  const auto body = createBody(ogConfig(), view(withServerContext(eventBody("alert.triggered"))),
                               std::nullopt, "https://s.example");
  expectValid(body);
  EXPECT_EQ(body["details"]["owner"], "Team Search (#search-oncall)");
  EXPECT_EQ(body["details"]["runbook_url"], "https://wiki.example.com/runbooks/github-mcp");
  EXPECT_EQ(body["details"]["description"], "Code search for the platform team <b>");
  EXPECT_EQ(
      body["details"]["links"],
      "Grafana: https://grafana.example.com/d/mcp | Logs: https://logs.example.com/?q=github-mcp");
  const std::string description = body["description"];
  EXPECT_NE(description.find("Runbook: https://wiki.example.com/runbooks/github-mcp"),
            std::string::npos)
      << description;
  EXPECT_NE(description.find("Owner: Team Search"), std::string::npos);
  // Without context the keys are absent, not empty.
  const auto plain =
      createBody(ogConfig(), view(eventBody("alert.triggered")), std::nullopt, "https://s.example");
  EXPECT_FALSE(plain["details"].contains("owner"));
}

} // namespace
} // namespace mcpwatch::channels
