// PagerDuty bodies: trigger, resolve and change events, truncation and size limits, each checked
// against the strict fake's validation (what PagerDuty would accept or refuse).
#include "pagerduty/pagerduty_body.hpp"
#include "pagerduty/pagerduty_sink.hpp"
#include "tests/fakes/fake_pagerduty.hpp"
#include "pagerduty/pagerduty_config.hpp"

#include <gtest/gtest.h>

namespace mcpwatch::pagerduty {
namespace {

using common::Json;

pagerduty::PagerDutySinkConfig sink() {
  pagerduty::PagerDutySinkConfig c;
  c.routingKey = common::Secret("0123456789abcdef0123456789abcdef");
  return c;
}

Json event(std::string type) {
  return {{"id", "evt_1"},
          {"type", type},
          {"occurred_at", "2026-11-24T02:03:04Z"},
          {"incident_id", "inc_1"},
          {"server_slug", "github-mcp"},
          {"server_name", "GitHub MCP"},
          {"check_url", "https://api.example.com/mcp"},
          {"failure_reason", "connect_timeout"},
          {"failure_detail", "no answer"},
          {"recent_failures", Json::array({{{"at", "x"}, {"reason", "r"}, {"detail", "d"}}})},
          {"status_url", "https://status.example.com/status/github-mcp"},
          {"schema", {{"added", {"t1"}}}},
          {"test", false}};
}

// The sink gets the event parsed from its stored body, as the dispatcher hands it over.
alerting::Event typed(const Json& body) {
  auto e = alerting::eventFromJson(body);
  EXPECT_TRUE(e) << e.error();
  return e ? *e : alerting::Event{};
}
std::optional<std::string> buildBody(const pagerduty::PagerDutySinkConfig& sink,
                                     std::optional<config::Severity> severity, const Json& body,
                                     std::string_view publicUrl) {
  return pagerduty::buildBody(sink, severity, typed(body), publicUrl);
}
std::string dedupKeyFor(const pagerduty::PagerDutySinkConfig& sink, const Json& body) {
  return pagerduty::dedupKeyFor(sink, typed(body));
}

bool accepted(const std::string& path, const std::string& body) {
  auto errors = fakes::FakePagerDuty::validate(path, "application/json", body);
  if (errors)
    for (const auto& e : *errors)
      ADD_FAILURE() << e;
  return !errors;
}

TEST(PagerDutyBody, Trigger) {
  auto body =
      buildBody(sink(), std::nullopt, event("alert.triggered"), "https://status.example.com");
  ASSERT_TRUE(body);
  ASSERT_TRUE(accepted("/v2/enqueue", *body));
  auto j = *common::parseJson(*body);
  EXPECT_EQ(j["routing_key"], "0123456789abcdef0123456789abcdef");
  EXPECT_EQ(j["event_action"], "trigger");
  EXPECT_EQ(j["dedup_key"], "mcpwatch-github-mcp");
  EXPECT_EQ(j["payload"]["summary"], "MCP server down: GitHub MCP (connect_timeout)");
  EXPECT_EQ(j["payload"]["source"], "mcpwatch");
  EXPECT_EQ(j["payload"]["severity"], "critical");
  EXPECT_EQ(j["payload"]["timestamp"], "2026-11-24T02:03:04Z");
  EXPECT_EQ(j["payload"]["component"], "github-mcp");
  EXPECT_EQ(j["payload"]["class"], "connect_timeout");
  EXPECT_EQ(j["payload"]["custom_details"]["incident_id"], "inc_1");
  EXPECT_EQ(j["payload"]["custom_details"]["recent_failures"].size(), 1u);
  EXPECT_EQ(j["links"].size(), 2u);
  EXPECT_EQ(j["client"], "mcpwatch");
  EXPECT_EQ(j["client_url"], "https://status.example.com");
}

TEST(PagerDutyBody, SeverityOverrideAndTestPrefix) {
  auto e = event("alert.triggered");
  e["test"] = true;
  auto j = *common::parseJson(*buildBody(sink(), config::Severity::Warning, e, ""));
  EXPECT_EQ(j["payload"]["severity"], "warning");
  EXPECT_EQ(j["payload"]["summary"], "[TEST] MCP server down: GitHub MCP (connect_timeout)");
}

TEST(PagerDutyBody, TestAlertsUseTheirOwnDedupKeyNeverTheLiveOne) {
  // A test resolve with the live key closed the server's real incident in PagerDuty.
  auto trigger = event("alert.triggered");
  trigger["test"] = true;
  trigger["incident_id"] = "inc_test_0123456789abcdef";
  auto resolve = event("alert.resolved");
  resolve["test"] = true;
  resolve["incident_id"] = "inc_test_0123456789abcdef";
  auto t = *common::parseJson(*buildBody(sink(), std::nullopt, trigger, ""));
  auto r = *common::parseJson(*buildBody(sink(), std::nullopt, resolve, ""));
  EXPECT_EQ(t["dedup_key"], "mcpwatch-github-mcp.test-0123456789abcdef");
  EXPECT_EQ(r["dedup_key"], t["dedup_key"]);
  EXPECT_NE(t["dedup_key"], dedupKey(sink(), "github-mcp"));
  ASSERT_TRUE(accepted("/v2/enqueue", r.dump()));
  // Another run, another key; real events keep the live key.
  resolve["incident_id"] = "inc_test_fedcba9876543210";
  EXPECT_NE((*common::parseJson(*buildBody(sink(), std::nullopt, resolve, "")))["dedup_key"],
            t["dedup_key"]);
  EXPECT_EQ(dedupKeyFor(sink(), event("alert.resolved")), "mcpwatch-github-mcp");
}

TEST(PagerDutyBody, ResolveIsMinimal) {
  auto body = buildBody(sink(), std::nullopt, event("alert.resolved"), "");
  ASSERT_TRUE(body);
  ASSERT_TRUE(accepted("/v2/enqueue", *body));
  EXPECT_EQ(*common::parseJson(*body), (Json{{"routing_key", "0123456789abcdef0123456789abcdef"},
                                             {"event_action", "resolve"},
                                             {"dedup_key", "mcpwatch-github-mcp"}}));
}

TEST(PagerDutyBody, ChangeEvent) {
  auto body = buildBody(sink(), std::nullopt, event("schema.drifted"), "");
  ASSERT_TRUE(body);
  ASSERT_TRUE(accepted("/v2/change/enqueue", *body));
  auto j = *common::parseJson(*body);
  EXPECT_FALSE(j.contains("event_action"));
  EXPECT_EQ(j["payload"]["custom_details"]["schema"]["added"][0], "t1");
  EXPECT_EQ(changeEventsUrl("https://events.eu.pagerduty.com/v2/enqueue"),
            "https://events.eu.pagerduty.com/v2/change/enqueue");
  EXPECT_EQ(changeEventsUrl("http://127.0.0.1:99/custom"), "http://127.0.0.1:99/v2/change/enqueue");
  EXPECT_FALSE(buildBody(sink(), std::nullopt, event("alert.reminder"), ""))
      << "PagerDuty keeps paging by itself";
}

TEST(PagerDutyBody, AProtocolChangeIsAChangeEventToo) {
  auto e = event("protocol.changed");
  e["incident_id"] = nullptr;
  e["failure_detail"] = "streamable-http 2025-11-25 -> modern 2026-07-28";
  e["protocol"] = {{"from", {{"transport", "streamable-http"}, {"protocol_version", "2025-11-25"}}},
                   {"to", {{"transport", "modern"}, {"protocol_version", "2026-07-28"}}}};
  auto body = buildBody(sink(), std::nullopt, e, "");
  ASSERT_TRUE(body);
  ASSERT_TRUE(accepted("/v2/change/enqueue", *body));
  auto j = *common::parseJson(*body);
  EXPECT_FALSE(j.contains("event_action")); // informs, never pages
  EXPECT_EQ(j["payload"]["summary"], "MCP server protocol changed: GitHub MCP "
                                     "(streamable-http 2025-11-25 -> modern 2026-07-28)");
  EXPECT_EQ(j["payload"]["custom_details"]["protocol"]["to"]["transport"], "modern");
  EXPECT_FALSE(j["payload"]["custom_details"].contains("schema"));
}

TEST(PagerDutyBody, SummaryCutOnACodePointBoundary) {
  auto e = event("alert.triggered");
  std::string name;
  for (int i = 0; i < 2000; ++i)
    name += "\xC3\xA9"; // é, two bytes
  e["server_name"] = name;
  auto body = buildBody(sink(), std::nullopt, e, "");
  ASSERT_TRUE(body);
  ASSERT_TRUE(accepted("/v2/enqueue", *body)); // also proves valid UTF-8 (nlohmann parses it)
  auto summary = (*common::parseJson(*body))["payload"]["summary"].get<std::string>();
  std::size_t chars = 0;
  for (unsigned char c : summary)
    chars += (c & 0xC0) != 0x80;
  EXPECT_EQ(chars, 1024u);
  EXPECT_EQ(summary.substr(summary.size() - 3), "\xE2\x80\xA6"); // …
}

TEST(PagerDutyBody, LongDedupKeyIsCut) {
  auto s = sink();
  s.dedupPrefix = std::string(300, 'p');
  auto body = buildBody(s, std::nullopt, event("alert.triggered"), "");
  ASSERT_TRUE(accepted("/v2/enqueue", *body));
  EXPECT_EQ((*common::parseJson(*body))["dedup_key"].get<std::string>().size(), 255u);
}

TEST(PagerDutyBody, HugeDetailsAreTrimmedUnder512KB) {
  auto e = event("alert.triggered");
  e["failure_detail"] = std::string(600 * 1024, 'x');
  auto body = buildBody(sink(), std::nullopt, e, "");
  ASSERT_TRUE(body);
  EXPECT_LE(body->size(), kMaxEventBytes);
  ASSERT_TRUE(accepted("/v2/enqueue", *body));
  auto j = *common::parseJson(*body);
  EXPECT_EQ(j["payload"]["custom_details"]["slug"], "github-mcp");
  EXPECT_EQ(j["payload"]["summary"], "MCP server down: GitHub MCP (connect_timeout)");

  Json many = Json::array();
  for (int i = 0; i < 3; ++i)
    many.push_back({{"at", "x"}, {"reason", "r"}, {"detail", std::string(300 * 1024, 'y')}});
  e["failure_detail"] = "short";
  e["recent_failures"] = many;
  body = buildBody(sink(), std::nullopt, e, "");
  EXPECT_LE(body->size(), kMaxEventBytes);
  EXPECT_TRUE(accepted("/v2/enqueue", *body));
}

TEST(FakePagerDuty, RejectsWhatPagerDutyRejects) {
  const std::string key(32, 'k');
  struct Row {
    std::string name, path, contentType, body, error;
  };
  const std::string longSummary(1025, 's');
  const Row rows[] = {
      {"short key", "/v2/enqueue", "application/json",
       R"({"routing_key":"abc","event_action":"resolve","dedup_key":"d"})",
       "Length of 'routing_key'"},
      {"no action", "/v2/enqueue", "application/json",
       R"({"routing_key":")" + key + R"(","dedup_key":"d"})", "'event_action' is missing"},
      {"bad action", "/v2/enqueue", "application/json",
       R"({"routing_key":")" + key + R"(","event_action":"open","dedup_key":"d"})",
       "'event_action' is invalid"},
      {"no summary", "/v2/enqueue", "application/json",
       R"({"routing_key":")" + key +
           R"(","event_action":"trigger","payload":{"source":"s","severity":"info"}})",
       "'payload.summary'"},
      {"no source", "/v2/enqueue", "application/json",
       R"({"routing_key":")" + key +
           R"(","event_action":"trigger","payload":{"summary":"s","severity":"info"}})",
       "'payload.source'"},
      {"bad severity", "/v2/enqueue", "application/json",
       R"({"routing_key":")" + key +
           R"(","event_action":"trigger","payload":{"summary":"s","source":"s","severity":"high"}})",
       "'payload.severity' is invalid"},
      {"long summary", "/v2/enqueue", "application/json",
       R"({"routing_key":")" + key + R"(","event_action":"trigger","payload":{"summary":")" +
           longSummary + R"(","source":"s","severity":"info"}})",
       "too long"},
      {"long dedup", "/v2/enqueue", "application/json",
       R"({"routing_key":")" + key + R"(","event_action":"resolve","dedup_key":")" +
           std::string(256, 'd') + "\"}",
       "'dedup_key' is too long"},
      {"resolve without dedup", "/v2/enqueue", "application/json",
       R"({"routing_key":")" + key + R"(","event_action":"resolve"})", "'dedup_key' is required"},
      {"invalid json", "/v2/enqueue", "application/json", "{", "Could not parse JSON"},
      {"content type", "/v2/enqueue", "text/plain", "{}", "Content-Type"},
      {"too large", "/v2/enqueue", "application/json", std::string(512 * 1024 + 1, ' '),
       "too large"},
  };
  for (const auto& r : rows) {
    auto errors = fakes::FakePagerDuty::validate(r.path, r.contentType, r.body);
    ASSERT_TRUE(errors) << r.name;
    bool found = false;
    for (const auto& e : *errors)
      found = found || e.find(r.error) != std::string::npos;
    EXPECT_TRUE(found) << r.name;
  }
}

TEST(PagerDutyErrors, DescribesErrorsArray) {
  EXPECT_EQ(
      describeError(
          R"({"status":"invalid event","message":"Event object is invalid","errors":["a","b"]})"),
      "Event object is invalid: a; b");
  EXPECT_EQ(describeError("plain text"), "plain text");
  EXPECT_EQ(describeError("<html>\n<body>Bad\tGateway</body>\r\n</html>"),
            "<html> <body>Bad Gateway</body>  </html>")
      << "a proxy's page becomes one line";
}

TEST(PagerDutyBody, TriggerCarriesTheServerContextAndItsLinks) {
  auto e = event("alert.triggered");
  e["server_description"] = "Code search";
  e["server_owner"] = "Team Search";
  e["runbook_url"] = "https://wiki.example.com/runbooks/github-mcp";
  e["server_links"] =
      Json::array({{{"name", "Grafana"}, {"url", "https://grafana.example.com/d"}}});
  auto body = buildBody(sink(), std::nullopt, e, "https://status.example.com");
  ASSERT_TRUE(body);
  ASSERT_TRUE(accepted("/v2/enqueue", *body));
  auto j = *common::parseJson(*body);
  const auto& details = j["payload"]["custom_details"];
  EXPECT_EQ(details["description"], "Code search");
  EXPECT_EQ(details["owner"], "Team Search");
  EXPECT_EQ(details["runbook_url"], "https://wiki.example.com/runbooks/github-mcp");
  ASSERT_EQ(j["links"].size(), 4u);
  EXPECT_EQ(j["links"][0],
            (Json{{"href", "https://wiki.example.com/runbooks/github-mcp"}, {"text", "Runbook"}}));
  EXPECT_EQ(j["links"][1], (Json{{"href", "https://grafana.example.com/d"}, {"text", "Grafana"}}));
  e["dependents"] = Json::array({"app", "search"});
  auto withDependents = *common::parseJson(*buildBody(sink(), std::nullopt, e, ""));
  EXPECT_EQ(withDependents["payload"]["custom_details"]["dependents"],
            Json::array({"app", "search"}));
  // Unset context adds nothing.
  auto plain = *common::parseJson(*buildBody(sink(), std::nullopt, event("alert.triggered"), ""));
  EXPECT_FALSE(plain["payload"]["custom_details"].contains("owner"));
}

TEST(PagerDutyBody, SummaryNamesTheConcreteFailureClassKeepsTheReason) {
  auto e = event("alert.triggered");
  e["failure_summary"] = "TLS certificate expired 3 days ago";
  auto body = buildBody(sink(), std::nullopt, e, "");
  ASSERT_TRUE(body);
  ASSERT_TRUE(accepted("/v2/enqueue", *body));
  auto j = *common::parseJson(*body);
  EXPECT_EQ(j["payload"]["summary"],
            "MCP server down: GitHub MCP (TLS certificate expired 3 days ago)");
  EXPECT_EQ(j["payload"]["class"], "connect_timeout");
  EXPECT_EQ(j["payload"]["custom_details"]["failure"], "TLS certificate expired 3 days ago");
}

} // namespace
} // namespace mcpwatch::pagerduty
