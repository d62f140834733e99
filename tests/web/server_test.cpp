// WebServer: pages, JSON API, /metrics, health probes, admin API and security headers, over a
// real store filled with known history and a fake backend.
#include "common/json.hpp"
#include "durable/recovery.hpp"
#include "tests/demo/test_client.hpp"
#include "tests/support/process.hpp"
#include "tests/web/prom_parser.hpp"
#include "tests/web/web_fixture.hpp"
#include "web/api.hpp"
#include "web/html.hpp"
#include "web/pages.hpp"
#include "web/server.hpp"

#include <fstream>
#include <gtest/gtest.h>
#include <thread>

namespace mcpwatch::web {
namespace {

using namespace std::chrono_literals;
using common::Json;
using testing::request;

constexpr const char* kToken = "admin-token-0123456789";

class WebServerTest : public ::testing::Test {
protected:
  void SetUp() override {
    auto opened = store::Store::open((dir.path() / "web.db").string());
    ASSERT_TRUE(opened.has_value()) << opened.error();
    store = std::move(opened.value());
    clock.set(testing::testNow());
    testing::seedDemo(*store, backend, clock.now());
    makeServer(kToken);
  }

  void makeServer(std::optional<std::string> token, WebOptions options = {}) {
    server.reset();
    server = std::make_unique<WebServer>(ctx.get_executor(), testing::webConfig(token), backend,
                                         *store, registry, clock, options);
  }

  net::ServerResponse call(std::string method, std::string target,
                           std::optional<std::string> bearer = std::nullopt,
                           std::string body = {}) {
    return testing::runOn(ctx, server->handle(request(std::move(method), std::move(target),
                                                      std::move(bearer), std::move(body))));
  }
  net::ServerResponse get(std::string target, std::optional<std::string> bearer = std::nullopt) {
    return call("GET", std::move(target), std::move(bearer));
  }
  Json json(const net::ServerResponse& r) {
    EXPECT_EQ(r.header("Content-Type").value_or(""), "application/json") << r.body;
    auto parsed = common::parseJson(r.body);
    EXPECT_TRUE(parsed.has_value()) << r.body;
    return parsed.value_or(Json());
  }

  testing::TempDir dir;
  common::FakeClock clock;
  testing::FakeBackend backend;
  std::unique_ptr<store::Store> store;
  MetricsRegistry registry;
  asio::io_context ctx;
  std::unique_ptr<WebServer> server;
};

TEST_F(WebServerTest, EveryResponseCarriesTheSecurityHeaders) {
  for (const char* target : {"/", "/status/alpha", "/status/nope", "/api/v1/servers",
                             "/api/v1/nope", "/metrics", "/healthz", "/static/style.css"}) {
    auto r = get(target);
    EXPECT_EQ(r.header("Content-Security-Policy").value_or(""), kContentSecurityPolicy) << target;
    EXPECT_EQ(r.header("X-Content-Type-Options").value_or(""), "nosniff") << target;
    EXPECT_EQ(r.header("X-Frame-Options").value_or(""), "DENY") << target;
  }
  auto page = get("/");
  EXPECT_EQ(page.header("Content-Type").value_or(""), "text/html; charset=utf-8");
  EXPECT_EQ(page.body.find("<script"), std::string::npos) << "no script on pages";
  EXPECT_EQ(page.body.find("style=\""), std::string::npos) << "no inline style attributes";
  EXPECT_EQ(page.body.find("<style"), std::string::npos);
  EXPECT_NE(page.body.find("<link rel=\"stylesheet\" href=\"/static/style.css\">"),
            std::string::npos);
  auto css = get("/static/style.css");
  EXPECT_EQ(css.status, 200);
  EXPECT_EQ(css.header("Content-Type").value_or(""), "text/css; charset=utf-8");
  EXPECT_NE(css.body.find(".d-down"), std::string::npos);
}

TEST_F(WebServerTest, OverviewShowsPublicServersStatesUptimeBarsAndLatency) {
  auto r = get("/");
  ASSERT_EQ(r.status, 200);
  const auto& b = r.body;
  EXPECT_NE(b.find("data-slug=\"alpha\" data-state=\"up\""), std::string::npos);
  EXPECT_NE(b.find("data-slug=\"beta\" data-state=\"down\""), std::string::npos);
  EXPECT_NE(b.find("data-slug=\"evil\" data-state=\"maintenance\""), std::string::npos);
  // Worst first: beta (down) comes before alpha (up).
  EXPECT_LT(b.find("data-slug=\"beta\""), b.find("data-slug=\"alpha\""));
  EXPECT_NE(b.find("1 of 3 servers have problems"), std::string::npos);
  EXPECT_NE(b.find("<td class=\"num latency\">42 ms</td>"), std::string::npos);
  // Uptime is time outside incidents, from the first day with checks: alpha was checked from
  // 2026-11-21 (3.5 days) and spent 15 minutes in an incident; its failed check without an
  // incident costs nothing.
  EXPECT_NE(b.find(formatPercent(1.0 - 900.0 / (3.5 * 86400))), std::string::npos);
  // beta: down for the last 2 hours of 24.
  EXPECT_NE(b.find(formatPercent(22.0 / 24.0)), std::string::npos);
  // The 90-day bar: a cell per day coloured by downtime, hover text with the downtime.
  EXPECT_NE(b.find("2026-11-24: no downtime, 0 incidents, 0 failed of 25 checks"),
            std::string::npos);
  EXPECT_NE(b.find("class=\"day d-none\"><title>2026-08-27: no data</title>"), std::string::npos)
      << "the first of 90 days";
  EXPECT_NE(b.find("class=\"day d-down\"><title>2026-11-24: down 2h 0m (83.33% uptime), 1 "
                   "incident, 5 failed of 25 checks, most failures: connect_timeout"),
            std::string::npos)
      << "beta today: 2 of 12 hours down -> red";
  EXPECT_NE(b.find("class=\"day d-degraded\"><title>2026-11-21: down 15m 0s (98.95% uptime), 1 "
                   "incident, 0 failed of 23 checks<"),
            std::string::npos)
      << "alpha's 15-minute incident: amber";
  EXPECT_NE(b.find("class=\"day d-ok\"><title>2026-11-23: no downtime, 0 incidents, 1 failed of "
                   "48 checks, most failures: http_error"),
            std::string::npos)
      << "one failed check that never became an incident leaves the day green";
  // The banner, the bar and the numbers agree: beta, the one server with a problem, has a red
  // cell today (above) and 22 of 24 hours up.
  EXPECT_NE(b.find("1 of 3 servers have problems"), std::string::npos);
}

TEST_F(WebServerTest, PrivateServersNeverAppearWithoutTheToken) {
  std::vector<std::string> bodies;
  for (const char* target :
       {"/", "/status/alpha", "/status/beta", "/api/v1/servers", "/api/v1/servers/alpha",
        "/api/v1/incidents", "/api/v1/incidents?state=open", "/metrics",
        "/api/v1/servers/alpha/checks"}) {
    auto r = get(target);
    EXPECT_EQ(r.status, 200) << target;
    bodies.push_back(r.body);
  }
  for (const auto& body : bodies) {
    EXPECT_EQ(body.find("secret"), std::string::npos) << body.substr(0, 2000);
    EXPECT_EQ(body.find("Secret Internal"), std::string::npos);
    EXPECT_EQ(body.find("s3cr3t"), std::string::npos) << "check URLs and tokens never public";
    EXPECT_EQ(body.find("internal.example"), std::string::npos);
  }
  EXPECT_EQ(get("/status/secret").status, 404);
  EXPECT_EQ(get("/api/v1/servers/secret").status, 404);
  EXPECT_EQ(get("/api/v1/servers/secret/checks").status, 404);
  // With the admin token the API includes them, with their URLs.
  auto all = json(get("/api/v1/servers", kToken));
  ASSERT_EQ(all["servers"].size(), 4u);
  bool found = false;
  for (const auto& s : all["servers"])
    if (s["slug"] == "secret") {
      found = true;
      EXPECT_EQ(s["public"], false);
      EXPECT_EQ(s["url"], "https://secret.internal.example/mcp?token=s3cr3t-secret");
      EXPECT_EQ(s["owner"], nullptr);
      EXPECT_EQ(s["links"], Json::array());
    } else if (s["slug"] == "alpha") {
      // The alert context is for responders: admin answers only.
      EXPECT_EQ(s["owner"], "Team Alpha (internal-owner)");
      EXPECT_EQ(s["runbook_url"], "https://wiki.internal.example/alpha");
      EXPECT_EQ(s["description"], "Alpha search");
      EXPECT_EQ(s["links"], (Json::array({{{"name", "Grafana"},
                                           {"url", "https://grafana.internal.example/alpha"}}})));
    }
  EXPECT_TRUE(found);
  EXPECT_EQ(get("/api/v1/servers/secret", kToken).status, 200);
  EXPECT_EQ(json(get("/api/v1/incidents?state=open", kToken))["incidents"].size(), 2u);
  EXPECT_NE(get("/metrics", kToken).body.find("server=\"secret\""), std::string::npos);
  // Still never on a page, even with the token.
  EXPECT_EQ(call("GET", "/status/secret", kToken).status, 404);
}

TEST_F(WebServerTest, ApiShapes) {
  auto list = json(get("/api/v1/servers"));
  ASSERT_EQ(list["servers"].size(), 3u);
  EXPECT_EQ(list["generated_at"], "2026-11-24T12:00:00Z");
  const auto& alpha = list["servers"][0];
  EXPECT_EQ(alpha["slug"], "alpha");
  EXPECT_EQ(alpha["name"], "Alpha MCP");
  EXPECT_EQ(alpha["state"], "up");
  EXPECT_EQ(alpha["latency_ms"], 42.5);
  EXPECT_EQ(alpha["protocol_version"], "2025-11-25");
  EXPECT_EQ(alpha["server_info"]["name"], "Alpha MCP-impl");
  EXPECT_EQ(alpha["tool_count"], 7);
  EXPECT_EQ(alpha["tls"]["days_left"], 38);
  EXPECT_DOUBLE_EQ(alpha["uptime"]["24h"].get<double>(), 1.0);
  EXPECT_NEAR(alpha["uptime"]["7d"].get<double>(), 1.0 - 900.0 / (3.5 * 86400), 5e-4);
  EXPECT_NEAR(list["servers"][1]["uptime"]["24h"].get<double>(), 22.0 / 24.0, 5e-4) << "beta";
  EXPECT_TRUE(alpha["open_incident"].is_null());
  EXPECT_FALSE(alpha.contains("url"));
  EXPECT_FALSE(alpha.contains("public"));
  const auto& beta = list["servers"][1];
  EXPECT_EQ(beta["open_incident"]["id"], "inc_beta1");
  EXPECT_EQ(beta["open_incident"]["reason"], "connect_timeout");

  auto detail = json(get("/api/v1/servers/alpha"));
  EXPECT_EQ(detail["daily"].size(), 90u);
  EXPECT_EQ(detail["daily"].back()["day"], "2026-11-24");
  ASSERT_EQ(detail["incidents"].size(), 1u);
  EXPECT_EQ(detail["incidents"][0]["duration_seconds"], 900);
  EXPECT_EQ(detail["incidents"][0]["state"], "closed");

  auto checks = json(get("/api/v1/servers/alpha/checks?limit=2"));
  ASSERT_EQ(checks["checks"].size(), 2u);
  EXPECT_EQ(checks["checks"][0]["at"], "2026-11-24T12:00:00.000Z"); // newest first
  EXPECT_EQ(checks["checks"][0]["ok"], true);
  EXPECT_TRUE(checks["checks"][0]["failure"].is_null());
  EXPECT_EQ(checks["checks"][0]["timings_ms"]["total"], 40.0);
  auto failed = json(get("/api/v1/servers/alpha/checks?since=2026-11-22T00:00:00Z&limit=1000"));
  int failures = 0;
  for (const auto& c : failed["checks"])
    if (!c["ok"].get<bool>()) {
      ++failures;
      EXPECT_EQ(c["failure"]["reason"], "http_error");
    }
  EXPECT_EQ(failures, 1);
  EXPECT_EQ(get("/api/v1/servers/alpha/checks?since=yesterday").status, 400);
  // Years outside 1678..2261 overflowed the nanosecond clock (undefined behaviour, no token
  // needed): now a 400 that says why.
  for (const char* since :
       {"9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z", "2262-04-12T00:00:00Z"}) {
    auto r = get(std::string("/api/v1/servers/alpha/checks?since=") + since);
    EXPECT_EQ(r.status, 400) << since;
    EXPECT_NE(json(r)["error"].get<std::string>().find(
                  "out of range (supported: dates from 1800-01-01 to 2200-12-31)"),
              std::string::npos)
        << r.body;
  }
  EXPECT_EQ(get("/api/v1/servers/alpha/checks?limit=0").status, 400);
  EXPECT_EQ(get("/api/v1/servers/alpha/checks?limit=5000").status, 400);
  EXPECT_EQ(get("/api/v1/servers/alpha/checks?limit=1x").status, 400);

  auto open = json(get("/api/v1/incidents?state=open"));
  ASSERT_EQ(open["incidents"].size(), 1u);
  EXPECT_EQ(open["incidents"][0]["id"], "inc_beta1");
  EXPECT_EQ(open["incidents"][0]["state"], "open");
  EXPECT_EQ(open["incidents"][0]["duration_seconds"], 7200);
  auto closed = json(get("/api/v1/incidents?state=closed"));
  EXPECT_EQ(closed["incidents"].size(), 2u); // alpha's old one and evil's
  EXPECT_EQ(get("/api/v1/incidents?state=weird").status, 400);

  auto missing = get("/api/v1/nothing-here");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(json(missing)["error"], "not found");
  EXPECT_EQ(get("/api").status, 404);
  EXPECT_EQ(call("POST", "/api/v1/servers").status, 405);
  EXPECT_EQ(call("POST", "/").status, 405);
  EXPECT_EQ(get("/nope").status, 404);
  EXPECT_EQ(get("/status/").status, 404);
  EXPECT_EQ(get("/status/UPPER").status, 404);
}

TEST_F(WebServerTest, DetailPageShowsFactsChartsIncidentsFailuresAndSchemaChanges) {
  auto r = get("/status/alpha");
  ASSERT_EQ(r.status, 200);
  const auto& b = r.body;
  EXPECT_NE(b.find("id=\"state\" data-state=\"up\""), std::string::npos);
  EXPECT_NE(b.find("<td>Alpha MCP-impl 1.2.3</td>"), std::string::npos);
  EXPECT_NE(b.find("<tr id=\"fact-protocol\"><th>Protocol version</th><td>2025-11-25</td>"),
            std::string::npos);
  EXPECT_NE(b.find("<tr id=\"fact-tools\"><th>Tools</th><td>7</td>"), std::string::npos);
  EXPECT_NE(b.find("2027-01-01 (38 days left)"), std::string::npos);
  EXPECT_NE(b.find("<figcaption>Last 24 hours</figcaption><svg class=\"latency\""),
            std::string::npos);
  EXPECT_NE(b.find("<figcaption>Last 7 days</figcaption><svg class=\"latency\""),
            std::string::npos);
  EXPECT_NE(b.find("<polyline class=\"line\""), std::string::npos);
  EXPECT_NE(b.find("data-open=\"false\"><td><a href=\"/incidents/inc_alpha_old\">2026-11-21 12:00 "
                   "UTC</a></td><td>2026-11-21 12:15 UTC</td><td>15m 0s</td><td><code>tls_error"
                   "</code></td>"),
            std::string::npos);
  EXPECT_NE(b.find("<code>http_error</code></td><td>–</td><td>–</td><td>HTTP 502</td>"),
            std::string::npos);
  // An era change is a row of its own, escaped like everything a server sends.
  EXPECT_NE(b.find("<h2>Schema and protocol changes</h2>"), std::string::npos);
  EXPECT_NE(b.find("<tr class=\"protocol-change\"><td>"), std::string::npos);
  EXPECT_NE(b.find("Protocol: <code>streamable-http</code> 2025-11-25 &#8594; <code>modern</code> "
                   "&lt;b&gt;2026-07-28&lt;/b&gt;</td></tr>"),
            std::string::npos)
      << b.substr(b.find("Schema and protocol"), 600);
  auto api = json(get("/api/v1/servers/alpha"));
  ASSERT_EQ(api["schema_changes"].size(), 1u) << api.dump();
  EXPECT_EQ(api["schema_changes"][0]["protocol"]["from"]["transport"], "streamable-http");
  EXPECT_EQ(api["schema_changes"][0]["added"], common::Json::array());
  auto beta = get("/status/beta").body;
  EXPECT_NE(beta.find("data-open=\"true\""), std::string::npos);
  EXPECT_NE(beta.find("<td>ongoing</td><td>2h 0m</td>"), std::string::npos);
  auto evil = get("/status/evil").body;
  EXPECT_NE(evil.find("<code>aaaaaaaaaaaa</code> &#8594; <code>bbbbbbbbbbbb</code>"),
            std::string::npos);
  EXPECT_NE(evil.find("<code>old_tool</code>"), std::string::npos);
}

TEST_F(WebServerTest, HostileServerStringsAreEscapedOnEveryPage) {
  for (const char* target : {"/", "/status/evil"}) {
    auto b = get(target).body;
    EXPECT_EQ(b.find("<script"), std::string::npos) << target;
    EXPECT_EQ(b.find("<img"), std::string::npos) << target;
    EXPECT_EQ(b.find("<b>"), std::string::npos) << target;
    EXPECT_EQ(b.find("<i>"), std::string::npos) << target;
    EXPECT_NE(b.find("&lt;script&gt;alert(&#39;name&#39;)&lt;/script&gt;"), std::string::npos)
        << target;
  }
  auto detail = get("/status/evil").body;
  EXPECT_NE(detail.find("&lt;img src=x onerror=alert(1)&gt;"), std::string::npos);
  EXPECT_NE(detail.find("&quot;&gt;&lt;script&gt;alert(&#39;version&#39;)"), std::string::npos);
  // Failure details are not public at all (publicDetail): not even escaped.
  EXPECT_EQ(detail.find("alert(&#39;detail&#39;)"), std::string::npos);
  EXPECT_EQ(detail.find("alert(&#39;incident&#39;)"), std::string::npos);
  EXPECT_NE(detail.find("<code>&lt;script&gt;alert(&#39;tool&#39;)&lt;/script&gt;</code>"),
            std::string::npos);
  EXPECT_NE(detail.find("&lt;b&gt;2025-11-25&lt;/b&gt;"), std::string::npos);
  EXPECT_NE(detail.find("&lt;i&gt;deploy&lt;/i&gt;"), std::string::npos);
  // In JSON the strings stay as they are (JSON escaping is the client's contract).
  auto api = json(get("/api/v1/servers/evil"));
  EXPECT_EQ(api["name"], "<script>alert('name')</script>");
}

TEST_F(WebServerTest, InvalidUtf8FromAServerNeverBreaksJsonOrPages) {
  backend.views[0].serverName = "bad \xff\xfe bytes";
  server->invalidateCache();
  auto r = get("/api/v1/servers");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(json(r)["servers"][0]["server_info"]["name"], "bad \xEF\xBF\xBD\xEF\xBF\xBD bytes");
  EXPECT_EQ(get("/status/alpha").status, 200);
}

TEST_F(WebServerTest, AdminAuthentication) {
  auto missing = call("POST", "/api/v1/admin/servers/alpha/pause");
  EXPECT_EQ(missing.status, 401);
  EXPECT_EQ(missing.header("WWW-Authenticate").value_or(""), "Bearer realm=\"mcpwatch\"");
  auto bad = call("POST", "/api/v1/admin/servers/alpha/pause", "wrong-token");
  EXPECT_EQ(bad.status, 401);
  EXPECT_EQ(bad.header("WWW-Authenticate").value_or(""),
            "Bearer realm=\"mcpwatch\", error=\"invalid_token\"");
  EXPECT_EQ(bad.body.find(kToken), std::string::npos);
  EXPECT_EQ(call("POST", "/api/v1/admin/servers/alpha/pause", std::string(kToken) + "x").status,
            401);
  EXPECT_TRUE(backend.paused.empty());
  auto lower = request("POST", "/api/v1/admin/servers/alpha/pause");
  lower.headers.add("Authorization", std::string("bearer ") + kToken);
  EXPECT_EQ(testing::runOn(ctx, server->handle(lower)).status, 200);
  // A bad token on a public endpoint is an error too, not a silent downgrade.
  EXPECT_EQ(get("/api/v1/servers", "wrong").status, 401);
  EXPECT_EQ(get("/metrics", "wrong").status, 401);
  auto basic = request("GET", "/api/v1/servers");
  basic.headers.add("Authorization", "Basic YWRtaW46YWRtaW4=");
  EXPECT_EQ(testing::runOn(ctx, server->handle(basic)).status, 401);

  // Without a configured token every admin route is 404, whatever is sent.
  makeServer(std::nullopt);
  EXPECT_EQ(call("POST", "/api/v1/admin/servers/alpha/pause", kToken).status, 404);
  EXPECT_EQ(get("/api/v1/admin/maintenance").status, 404);
  EXPECT_EQ(get("/api/v1/servers", kToken).status, 401);
  makeServer(std::string());
  EXPECT_EQ(get("/api/v1/admin/maintenance", "").status, 404) << "an empty token disables too";
  // A reload can set one.
  server->setAdminToken(common::Secret("fresh"));
  EXPECT_EQ(get("/api/v1/admin/maintenance", "fresh").status, 200);
}

TEST_F(WebServerTest, MaintenanceStartListEnd) {
  auto created = call("POST", "/api/v1/admin/maintenance", kToken,
                      R"({"servers": ["alpha"], "tags": ["db"], "duration": "30m",
                          "comment": "deploy 42"})");
  ASSERT_EQ(created.status, 201) << created.body;
  auto body = json(created);
  std::string id = body["id"];
  EXPECT_TRUE(id.starts_with("mnt_"));
  EXPECT_EQ(body["start"], "2026-11-24T12:00:00Z");
  EXPECT_EQ(body["end"], "2026-11-24T12:30:00Z");
  EXPECT_EQ(body["active"], true);
  EXPECT_EQ(body["comment"], "deploy 42");
  ASSERT_EQ(backend.added.size(), 1u);
  EXPECT_EQ(backend.added[0].id, id);
  EXPECT_EQ(backend.added[0].target.servers, std::vector<std::string>{"alpha"});
  EXPECT_EQ(backend.added[0].source, detector::WindowSource::Runtime);
  EXPECT_EQ(backend.added[0].comment, "deploy 42");
  auto stored = store->maintenanceWindows();
  ASSERT_TRUE(stored.has_value());
  ASSERT_EQ(stored->size(), 1u);
  EXPECT_EQ(stored->at(0).createdBy, "admin-api");
  // The stored record restores to the same window (what the daemon does at start).
  auto restored = durable::windowFromRecord(stored->at(0));
  ASSERT_TRUE(restored.has_value());
  EXPECT_EQ(restored->target.tags, std::vector<std::string>{"db"});

  auto everything = call("POST", "/api/v1/admin/maintenance", kToken,
                         R"({"all": true, "end": "2026-11-25T00:00:00Z"})");
  ASSERT_EQ(everything.status, 201) << everything.body;
  EXPECT_EQ(json(everything)["all"], true);
  EXPECT_TRUE(backend.added[1].target.all);

  auto list = json(get("/api/v1/admin/maintenance", kToken));
  EXPECT_EQ(list["maintenance"].size(), 2u);

  clock.advance(5min);
  auto ended = call("POST", "/api/v1/admin/maintenance/" + id + "/end", kToken);
  ASSERT_EQ(ended.status, 200) << ended.body;
  EXPECT_EQ(json(ended)["ended_early"], true);
  EXPECT_EQ(json(ended)["end"], "2026-11-24T12:05:00Z");
  EXPECT_EQ(backend.ended, std::vector<std::string>{id});
  auto after = store->maintenanceWindows();
  ASSERT_TRUE(after.has_value());
  for (const auto& w : after.value())
    EXPECT_EQ(w.endedEarly, w.id == id) << w.id;
  EXPECT_EQ(call("POST", "/api/v1/admin/maintenance/" + id + "/end", kToken).status, 409);
  EXPECT_EQ(call("DELETE", "/api/v1/admin/maintenance/mnt_nope", kToken).status, 404);

  for (const char* bad :
       {"", "[]", "{\"servers\": [\"alpha\"]}", "{\"duration\": \"30m\"}",
        "{\"servers\": [\"nope\"], \"duration\": \"30m\"}",
        "{\"servers\": \"alpha\", \"duration\": \"30m\"}", "{\"all\": true, \"duration\": \"-5m\"}",
        "{\"all\": true, \"duration\": \"30m\", \"extra\": 1}",
        "{\"all\": true, \"servers\": [\"alpha\"], \"duration\": \"30m\"}",
        "{\"all\": true, \"end\": \"2020-01-01T00:00:00Z\"}",
        "{\"all\": true, \"duration\": \"30m\", \"end\": \"2030-01-01T00:00:00Z\"}",
        "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}) {
    auto r = call("POST", "/api/v1/admin/maintenance", kToken, bad);
    EXPECT_EQ(r.status, 400) << bad;
    EXPECT_TRUE(json(r)["error"].is_string()) << bad;
  }
  EXPECT_EQ(json(call("POST", "/api/v1/admin/maintenance", kToken,
                      "{\"servers\": [\"nope\"], \"duration\": \"30m\"}"))["error"],
            "servers: unknown server nope");
  EXPECT_EQ(json(call("POST", "/api/v1/admin/maintenance", kToken,
                      R"({"all": true, "end": "9999-12-31T23:59:59Z"})"))["error"],
            "end: year 9999 is out of range (supported: dates from 1800-01-01 to 2200-12-31)");
  EXPECT_EQ(
      json(call("POST", "/api/v1/admin/maintenance", kToken,
                R"({"all": true, "start": "0001-01-01T00:00:00Z", "duration": "1h"})"))["error"],
      "start: year 1 is out of range (supported: dates from 1800-01-01 to 2200-12-31)");
  // The daemon refusing the window leaves nothing behind in the store.
  backend.addResult = common::unexpected(std::string("calendar refused"));
  EXPECT_EQ(call("POST", "/api/v1/admin/maintenance", kToken, R"({"all": true, "duration": "1h"})")
                .status,
            409);
  EXPECT_EQ(store->maintenanceWindows()->size(), 2u);
}

TEST_F(WebServerTest, BaselinePauseResumeAndTestAlert) {
  auto accepted = call("POST", "/api/v1/admin/servers/alpha/baseline", kToken);
  ASSERT_EQ(accepted.status, 200);
  EXPECT_EQ(json(accepted)["fingerprint"], "sha256:feedface");
  EXPECT_EQ(backend.accepted, std::vector<std::string>{"alpha"});
  auto refused = call("POST", "/api/v1/admin/servers/beta/baseline", kToken);
  EXPECT_EQ(refused.status, 409);
  EXPECT_EQ(json(refused)["error"], "no tools schema seen yet");
  EXPECT_EQ(call("POST", "/api/v1/admin/servers/nope/baseline", kToken).status, 404);
  EXPECT_EQ(call("GET", "/api/v1/admin/servers/alpha/baseline", kToken).status, 405);

  EXPECT_EQ(call("POST", "/api/v1/admin/servers/alpha/pause", kToken).status, 200);
  EXPECT_NE(get("/").body.find("data-slug=\"alpha\" data-state=\"paused\""), std::string::npos)
      << "admin actions refresh the cached overview";
  EXPECT_EQ(json(call("POST", "/api/v1/admin/servers/alpha/resume", kToken))["paused"], false);
  EXPECT_EQ(backend.resumed, std::vector<std::string>{"alpha"});

  auto sent =
      call("POST", "/api/v1/admin/test-alert", kToken, R"({"server": "beta", "sink": "pd"})");
  ASSERT_EQ(sent.status, 200) << sent.body;
  EXPECT_EQ(json(sent)["result"], "sent to pd-default");
  ASSERT_EQ(backend.testAlerts.size(), 1u);
  EXPECT_EQ(backend.testAlerts[0].server, "beta");
  EXPECT_EQ(backend.testAlerts[0].sink, "pd");
  EXPECT_EQ(call("POST", "/api/v1/admin/test-alert", kToken).status, 200);
  EXPECT_FALSE(backend.testAlerts[1].server.has_value());
  EXPECT_EQ(call("POST", "/api/v1/admin/test-alert", kToken, R"({"server": "zzz"})").status, 400);
  EXPECT_EQ(call("POST", "/api/v1/admin/test-alert", kToken, R"({"server": 5})").status, 400);
  EXPECT_EQ(call("POST", "/api/v1/admin/nope", kToken).status, 404);
}

TEST_F(WebServerTest, DeliveriesNeedTheProviderAndTheToken) {
  EXPECT_EQ(get("/api/v1/deliveries?state=dead", kToken).status, 404);
  backend.deliveriesAvailable = true;
  EXPECT_EQ(get("/api/v1/deliveries?state=dead").status, 401);
  auto r = get("/api/v1/deliveries?state=dead", kToken);
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(json(r)["deliveries"][0]["id"], "dlv_1");
  EXPECT_EQ(get("/api/v1/deliveries?state=pending", kToken).status, 400);
}

TEST_F(WebServerTest, WrongTokensFromOneClientAreRateLimited) {
  WebOptions options;
  options.auth = AuthLimits{10, 60s, 1000};
  makeServer(kToken, options);
  for (int i = 0; i < 10; ++i)
    EXPECT_EQ(
        call("POST", "/api/v1/admin/servers/alpha/pause", "guess-" + std::to_string(i)).status, 401)
        << i;
  // The 11th attempt is not even compared: even the right token is refused now, or a right
  // guess would still stand out.
  for (auto token : {std::string("guess-x"), std::string(kToken)}) {
    auto r = call("POST", "/api/v1/admin/servers/alpha/pause", token);
    EXPECT_EQ(r.status, 429);
    EXPECT_EQ(r.header("Retry-After").value_or(""), "60");
    EXPECT_EQ(json(r)["error"], "too many wrong admin tokens from this client; retry later");
  }
  EXPECT_EQ(get("/metrics", kToken).status, 429);
  EXPECT_EQ(get("/api/v1/servers", kToken).status, 429);
  EXPECT_TRUE(backend.paused.empty());
  // Without a token the client is an anonymous visitor as before.
  EXPECT_EQ(get("/api/v1/servers").status, 200);
  EXPECT_EQ(get("/").status, 200);
  // Another client is not affected.
  auto other = request("POST", "/api/v1/admin/servers/alpha/pause", std::string(kToken));
  other.remoteAddress = "10.0.0.9:4000";
  other.client = "10.0.0.9";
  EXPECT_EQ(testing::runOn(ctx, server->handle(other)).status, 200);
  clock.advance(59s);
  EXPECT_EQ(call("POST", "/api/v1/admin/servers/alpha/resume", kToken).header("Retry-After"), "1");
  clock.advance(1s);
  EXPECT_EQ(call("POST", "/api/v1/admin/servers/alpha/resume", kToken).status, 200)
      << "the failures aged out";
  // A success starts the count over.
  for (int i = 0; i < 9; ++i)
    EXPECT_EQ(get("/api/v1/servers", "guess").status, 401);
  EXPECT_EQ(get("/api/v1/servers", kToken).status, 200);
  EXPECT_EQ(get("/api/v1/servers", "guess").status, 401);
}

// README: /healthz and /readyz ignore Authorization, so a probe that carries a proxy's
// credentials (or comes from a client locked out for wrong tokens) still sees the truth.
TEST_F(WebServerTest, HealthProbesIgnoreCredentialsAndReportAStalledMonitor) {
  for (int i = 0; i < 12; ++i)
    get("/metrics", "wrong");
  ASSERT_EQ(get("/metrics", "wrong").status, 429) << "this client is locked out";
  for (const char* method : {"GET", "HEAD"}) {
    auto h = call(method, "/healthz", "wrong");
    EXPECT_EQ(h.status, 200) << method;
    EXPECT_EQ(h.body, "ok\n");
    EXPECT_EQ(call(method, "/readyz", "wrong").status, 200) << method;
  }
  auto basic = request("GET", "/healthz");
  basic.headers.add("Authorization", "Basic YWRtaW46YWRtaW4=");
  EXPECT_EQ(testing::runOn(ctx, server->handle(basic)).status, 200);
  backend.stalledBecause = "the scheduler has not reported for 31 s";
  auto stalled = get("/healthz");
  EXPECT_EQ(stalled.status, 503);
  EXPECT_EQ(stalled.body, "stalled: the scheduler has not reported for 31 s\n");
}

TEST_F(WebServerTest, EncodedSlashesDoNotSplitPathSegments) {
  EXPECT_EQ(get("/status/%61lpha").status, 200) << "other escapes still decode";
  EXPECT_EQ(get("/api/v1/servers/%61lpha").status, 200);
  for (const char* target :
       {"/status%2Falpha", "/status/alpha%2F", "/api/v1/servers%2Falpha", "/api%2Fv1/servers",
        "/api/v1%2Fservers", "/static%2Fstyle.css", "/api/v1/servers/alpha%2Fchecks"}) {
    auto r = get(target);
    EXPECT_EQ(r.status, 404) << target;
  }
  auto admin = call("POST", "/api/v1/admin/servers/alpha%2Fpause", kToken);
  EXPECT_EQ(admin.status, 404);
  auto hidden = call("POST", "/api/v1/admin%2Fservers/alpha/pause", kToken);
  EXPECT_EQ(hidden.status, 404);
  EXPECT_TRUE(backend.paused.empty());
}

TEST_F(WebServerTest, HealthAndReadiness) {
  auto h = get("/healthz");
  EXPECT_EQ(h.status, 200);
  EXPECT_EQ(h.body, "ok\n");
  EXPECT_EQ(get("/readyz").status, 200);
  backend.readiness.problems = {"store not writable"};
  auto r = get("/readyz");
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(json(r)["problems"][0], "store not writable");
}

TEST_F(WebServerTest, MetricsScrapeIsStrictlyValidAndPassesPromtool) {
  MonitorMetrics monitor(registry);
  for (const auto& slug : {"alpha", "beta", "secret"})
    monitor.observeCheck(testing::check(slug, clock.now(), slug == std::string("alpha"), 80));
  monitor.setProbesInFlight(2);
  OutboxStats outbox;
  outbox.pendingBySink = {{"pd-default", 3}};
  outbox.deadBySink = {{"pd-default", 1}, {"bridge", 0}};
  outbox.deliveriesBySinkOutcome = {{"pd-default", {{"delivered", 10}, {"retry", 2}}}};
  backend.outbox = outbox;
  for (bool admin : {false, true}) {
    auto r = get("/metrics", admin ? std::optional<std::string>(kToken) : std::nullopt);
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(r.header("Content-Type").value_or(""), "text/plain; version=0.0.4; charset=utf-8");
    auto p = testing::parsePrometheus(r.body);
    EXPECT_TRUE(p.errors.empty()) << ::testing::PrintToString(p.errors);
    EXPECT_EQ(p.find("mcpwatch_up", {{"server", "alpha"}}), 1);
    EXPECT_EQ(p.find("mcpwatch_server_state", {{"server", "beta"}, {"state", "down"}}), 1);
    // Only the current state's series: four zero series per server cost more than the rest.
    EXPECT_EQ(p.find("mcpwatch_server_state", {{"server", "beta"}, {"state", "up"}}), std::nullopt);
    EXPECT_EQ(p.find("mcpwatch_server_state", {{"server", "alpha"}, {"state", "up"}}), 1);
    EXPECT_EQ(p.find("mcpwatch_incident_open", {{"server", "beta"}}), 1);
    EXPECT_EQ(p.find("mcpwatch_server_in_maintenance", {{"server", "evil"}}), 1);
    EXPECT_EQ(p.find("mcpwatch_tls_certificate_expiry_timestamp_seconds", {{"server", "alpha"}}),
              1798804800); // 2027-01-01T12:00:00Z
    EXPECT_EQ(p.find("mcpwatch_oauth_token_expiry_timestamp_seconds", {{"server", "alpha"}}),
              1798804800 - 38 * 86400 + 3600);
    EXPECT_EQ(p.find("mcpwatch_oauth_token_expiry_timestamp_seconds", {{"server", "beta"}}),
              std::nullopt)
        << "no series for a server mcpwatch holds no token for";
    EXPECT_EQ(p.find("mcpwatch_outbox_pending", {{"sink", "pd-default"}}), 3);
    EXPECT_EQ(p.find("mcpwatch_outbox_dead", {{"sink", "pd-default"}}), 1);
    EXPECT_EQ(p.find("mcpwatch_deliveries_total", {{"sink", "pd-default"}, {"outcome", "retry"}}),
              2);
    EXPECT_EQ(p.find("mcpwatch_probes_in_flight"), 2);
    EXPECT_EQ(p.hasLabelValue("server", "secret"), admin);
    if (!admin) {
      auto promtool = testsupport::findExecutable("promtool");
      ASSERT_TRUE(promtool.has_value())
          << "promtool missing: run scripts/install-deps --with-tests (package prometheus)";
      auto file = dir.path() / "scrape.txt";
      std::ofstream(file) << r.body;
      auto result = testsupport::runCommand(
          {"/bin/sh", "-c", "\"$0\" check metrics < \"$1\"", promtool.value(), file.string()},
          std::chrono::seconds(20));
      ASSERT_TRUE(result.has_value()) << result.error();
      EXPECT_EQ(result->exitCode(), 0) << result->out << result->err;
      EXPECT_EQ(result->out + result->err, "");
    }
  }
}

TEST_F(WebServerTest, OverviewIsCachedForTheConfiguredTime) {
  WebOptions options;
  options.overviewCacheTtl = 5s;
  makeServer(kToken, options);
  EXPECT_NE(get("/").body.find("data-slug=\"alpha\" data-state=\"up\""), std::string::npos);
  backend.views[0].state.status = detector::HealthState::Down;
  store->record(testing::check("alpha", clock.now() + 1s, false));
  store->flush();
  clock.advance(4s);
  EXPECT_NE(get("/").body.find("data-slug=\"alpha\" data-state=\"up\""), std::string::npos)
      << "served from the cache";
  EXPECT_EQ(json(get("/api/v1/servers"))["servers"][0]["state"], "up");
  clock.advance(2s);
  EXPECT_NE(get("/").body.find("data-slug=\"alpha\" data-state=\"down\""), std::string::npos)
      << "refreshed after the TTL";
}

TEST_F(WebServerTest, OverviewPaginates) {
  WebOptions options;
  options.serversPerPage = 2;
  makeServer(kToken, options);
  auto first = get("/").body;
  EXPECT_NE(first.find("page 1 of 2"), std::string::npos);
  EXPECT_NE(first.find("href=\"/?page=2\""), std::string::npos);
  auto second = get("/?page=2").body;
  EXPECT_NE(second.find("data-slug=\"alpha\""), std::string::npos); // up sorts last
  EXPECT_EQ(second.find("data-slug=\"beta\""), std::string::npos);
  EXPECT_EQ(get("/?page=x").status, 400);
  EXPECT_NE(get("/?page=99").body.find("page 2 of 2"), std::string::npos);
}

// The web server on a thread of its own, as the daemon runs it, for blocking socket clients.
class ServedOnThread {
public:
  ServedOnThread(const config::WebConfig& config, WebBackend& backend, store::Store& store,
                 MetricsRegistry& registry, common::Clock& clock)
      : guard_(asio::make_work_guard(io_)),
        server_(std::make_unique<WebServer>(io_.get_executor(), config, backend, store, registry,
                                            clock)) {
    auto port = server_->start();
    if (!port)
      throw std::runtime_error(port.error());
    port_ = *port;
    thread_ = std::thread([this] { io_.run(); });
  }
  ~ServedOnThread() {
    server_->stop();
    guard_.reset();
    io_.stop();
    thread_.join();
    server_.reset();
  }
  std::uint16_t port() const { return port_; }
  WebServer& server() { return *server_; }

private:
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> guard_;
  std::unique_ptr<WebServer> server_;
  std::uint16_t port_ = 0;
  std::thread thread_;
};

template <class F> bool eventually(F done) {
  for (int i = 0; i < 500 && !done(); ++i)
    std::this_thread::sleep_for(10ms);
  return done();
}

TEST_F(WebServerTest, HeadAnswersLikeGetWithoutABody) {
  ServedOnThread web(testing::webConfig(kToken), backend, *store, registry, clock);
  ::mcpwatch::testing::TestConnection c(web.port());
  for (const char* target :
       {"/", "/healthz", "/readyz", "/api/v1/servers", "/api/v1/incidents", "/metrics",
        "/static/style.css", "/status/alpha", "/status/nope", "/api/v1/nope"}) {
    ASSERT_TRUE(c.send(::mcpwatch::testing::rawRequest("GET", target))) << target;
    auto get = c.readResponse();
    ASSERT_TRUE(get) << target;
    ASSERT_TRUE(c.send(::mcpwatch::testing::rawRequest("HEAD", target))) << target;
    auto head = c.readResponse(true);
    ASSERT_TRUE(head) << target;
    EXPECT_EQ(head->status, get->status) << target;
    EXPECT_EQ(head->body, "") << target;
    EXPECT_EQ(head->header("Content-Length"), std::to_string(get->body.size())) << target;
    for (const char* name : {"Content-Type", "Content-Security-Policy", "Cache-Control"})
      EXPECT_EQ(head->header(name), get->header(name)) << target << " " << name;
  }
  // Nothing stray was left on the connection.
  ASSERT_TRUE(c.send(::mcpwatch::testing::rawRequest("GET", "/healthz")));
  auto last = c.readResponse();
  ASSERT_TRUE(last);
  EXPECT_EQ(last->body, "ok\n");
  auto post = ::mcpwatch::testing::roundTrip(web.port(), "POST", "/healthz");
  ASSERT_TRUE(post);
  EXPECT_EQ(post->status, 405);
  EXPECT_EQ(post->header("Allow"), "GET, HEAD");
}

TEST_F(WebServerTest, IdleConnectionsFromOneClientCannotLockOthersOut) {
  auto config = testing::webConfig(kToken);
  config.headerTimeout = 2s;
  config.maxConnections = 16;
  config.maxConnectionsPerClient = 4;
  ServedOnThread web(config, backend, *store, registry, clock);
  using ::mcpwatch::testing::TestConnection;
  // 40 connections from one address that never send a byte (the issue used 256 with the
  // default limits and locked everyone out for 30 s).
  std::vector<std::unique_ptr<TestConnection>> idle;
  for (int i = 0; i < 4; ++i) {
    idle.push_back(std::make_unique<TestConnection>(web.port(), "127.0.0.2"));
    ASSERT_TRUE(idle.back()->connected());
  }
  ASSERT_TRUE(eventually([&] { return web.server().connectionCount() == 4; }));
  int refused = 0;
  for (int i = 0; i < 36; ++i) {
    TestConnection more(web.port(), "127.0.0.2");
    auto r = more.readResponse();
    if (r && r->status == 429)
      ++refused;
  }
  EXPECT_EQ(refused, 36);
  // Everyone else is served while the abuser holds its connections.
  for (const char* target : {"/", "/healthz", "/api/v1/servers"}) {
    auto r = ::mcpwatch::testing::roundTrip(web.port(), "GET", target);
    ASSERT_TRUE(r) << target;
    EXPECT_EQ(r->status, 200) << target;
  }
  // The idle ones are closed once the 2 s header deadline passes (the client waits up to 5 s).
  for (auto& c : idle)
    EXPECT_TRUE(c->waitClosed());
  EXPECT_TRUE(eventually([&] { return web.server().connectionCount() == 0; }));
}

// Over a real socket: headers on the wire, request limits, and the loopback default bind.
TEST_F(WebServerTest, ServesOverHttpWithLimits) {
  auto port = server->start();
  ASSERT_TRUE(port.has_value()) << port.error();
  net::Client client(ctx.get_executor());
  auto fetch = [&](std::string method, std::string target, net::Headers headers = {},
                   std::string body = {}) {
    net::Request req;
    req.method = std::move(method);
    req.url = *common::Url::parse("http://127.0.0.1:" + std::to_string(*port) + target);
    req.headers = std::move(headers);
    req.body = std::move(body);
    return testing::runOn(ctx, client.send(std::move(req), std::chrono::steady_clock::now() + 5s));
  };
  auto page = fetch("GET", "/");
  ASSERT_TRUE(page.has_value()) << page.error().detail;
  EXPECT_EQ(page->head.status, 200);
  EXPECT_EQ(page->head.headers.get("Content-Security-Policy").value_or(""), kContentSecurityPolicy);
  EXPECT_EQ(page->head.headers.get("X-Content-Type-Options").value_or(""), "nosniff");
  EXPECT_NE(page->body.find("data-slug=\"alpha\""), std::string::npos);
  auto api404 = fetch("GET", "/api/v1/zzz");
  ASSERT_TRUE(api404.has_value());
  EXPECT_EQ(api404->head.status, 404);
  EXPECT_EQ(api404->head.headers.get("Content-Type").value_or(""), "application/json");
  net::Headers big;
  big.add("X-Big", std::string(20 * 1024, 'a'));
  auto tooBig = fetch("GET", "/", big);
  EXPECT_TRUE(!tooBig.has_value() || tooBig->head.status == 431);
  net::Headers auth;
  auth.add("Authorization", std::string("Bearer ") + kToken);
  auto hugeBody = fetch("POST", "/api/v1/admin/maintenance", auth, std::string(100 * 1024, '{'));
  EXPECT_TRUE(!hugeBody.has_value() || hugeBody->head.status == 413);
  server->stop();
}

TEST_F(WebServerTest, BadgesForPublicServers) {
  auto status = get("/badge/alpha/status.svg");
  ASSERT_EQ(status.status, 200);
  EXPECT_EQ(status.header("Content-Type").value_or(""), "image/svg+xml; charset=utf-8");
  EXPECT_EQ(status.header("Cache-Control").value_or(""), "public, max-age=60, s-maxage=60");
  EXPECT_NE(status.body.find("aria-label=\"mcp: up\""), std::string::npos) << status.body;
  EXPECT_NE(get("/badge/beta/status.svg").body.find("<title>mcp: down</title>"), std::string::npos);

  auto uptime = get("/badge/alpha/uptime.svg?period=24h");
  ASSERT_EQ(uptime.status, 200);
  EXPECT_NE(uptime.body.find("<title>uptime 24h: 100%</title>"), std::string::npos) << uptime.body;
  // The default period is 30 days; an unknown one is refused.
  EXPECT_NE(get("/badge/alpha/uptime.svg").body.find("uptime 30d: "), std::string::npos);
  EXPECT_EQ(get("/badge/alpha/uptime.svg?period=1y").status, 400);
  auto latency = get("/badge/alpha/latency.svg");
  EXPECT_NE(latency.body.find("<title>latency: 43 ms</title>"), std::string::npos) << latency.body;
  EXPECT_NE(get("/badge/beta/latency.svg").body.find("latency: no data"), std::string::npos);

  // Private servers have no badge, not even with the admin token; unknown kinds are 404.
  EXPECT_EQ(get("/badge/secret/status.svg").status, 404);
  EXPECT_EQ(get("/badge/secret/status.svg", kToken).status, 404);
  EXPECT_EQ(get("/badge/nope/status.svg").status, 404);
  EXPECT_EQ(get("/badge/alpha/other.svg").status, 404);
  EXPECT_EQ(call("POST", "/badge/alpha/status.svg").status, 405);
  // A server in maintenance says so (blue).
  auto evil = get("/badge/evil/status.svg");
  EXPECT_NE(evil.body.find("mcp: maintenance"), std::string::npos) << evil.body;
  EXPECT_NE(evil.body.find("fill=\"#1565c0\""), std::string::npos);
}

TEST_F(WebServerTest, EmbedJsonIsPublicSmallAndCacheable) {
  auto config = testing::webConfig(kToken);
  config.publicUrl = "https://status.example.test";
  server =
      std::make_unique<WebServer>(ctx.get_executor(), config, backend, *store, registry, clock);
  auto r = get("/api/v1/servers/alpha/embed");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.header("Access-Control-Allow-Origin").value_or(""), "*");
  EXPECT_EQ(r.header("Cache-Control").value_or(""), "public, max-age=60");
  auto j = json(r);
  EXPECT_EQ(j["slug"], "alpha");
  EXPECT_EQ(j["name"], "Alpha MCP");
  EXPECT_EQ(j["state"], "up");
  EXPECT_DOUBLE_EQ(j["uptime"]["24h"].get<double>(), 1.0);
  EXPECT_DOUBLE_EQ(j["latency_ms"].get<double>(), 42.5);
  EXPECT_EQ(j["status_url"], "https://status.example.test/status/alpha");
  EXPECT_FALSE(j.contains("url"));
  EXPECT_EQ(r.body.find("internal.example"), std::string::npos) << "no check URL, no owner";
  EXPECT_EQ(get("/api/v1/servers/secret/embed").status, 404);
  EXPECT_EQ(get("/api/v1/servers/secret/embed", kToken).status, 404);
}

TEST(PublicDetail, KeepsOnlyTheHttpStatus) {
  EXPECT_EQ(publicDetail("initialize: HTTP 503 (text/html): <h1>db-7.internal:5432 down</h1>"),
            "HTTP 503");
  EXPECT_EQ(publicDetail("server/discover: connect to 10.0.0.7:8080: Connection refused"), "");
  EXPECT_EQ(publicDetail("HTTP 429"), "HTTP 429");
  EXPECT_EQ(publicDetail("GET https://x.internal/HTTP 5000"), "") << "not a status";
  EXPECT_EQ(publicDetail("XHTTP 503"), "");
  EXPECT_EQ(publicDetail(""), "");
}

TEST_F(WebServerTest, AnonymousAnswersNeverShowFailureDetailsAdminsDo) {
  // beta's open incident: "connect to beta.example:443 timed out"; alpha failed with "HTTP 502".
  for (const char* target : {"/status/beta", "/api/v1/servers/beta", "/api/v1/servers",
                             "/api/v1/incidents?state=all", "/api/v1/servers/beta/checks"}) {
    auto r = get(target);
    ASSERT_EQ(r.status, 200) << target;
    EXPECT_EQ(r.body.find("beta.example"), std::string::npos) << target << ": " << r.body;
    EXPECT_EQ(r.body.find("timed out"), std::string::npos) << target;
  }
  EXPECT_NE(get("/api/v1/servers/alpha/checks?since=2026-10-01T00:00:00Z&limit=1000")
                .body.find("\"detail\":\"HTTP 502\""),
            std::string::npos)
      << "the HTTP status stays";
  EXPECT_NE(get("/api/v1/servers/beta", kToken).body.find("beta.example:443 timed out"),
            std::string::npos)
      << "admins see the whole detail";
  EXPECT_NE(get("/api/v1/incidents?state=all", kToken).body.find("beta.example:443"),
            std::string::npos);
}

TEST_F(WebServerTest, PagesCarryTheConfiguredTitleAndRefreshThemselves) {
  auto config = testing::webConfig(kToken);
  config.title = "ACME <MCP> status";
  server =
      std::make_unique<WebServer>(ctx.get_executor(), config, backend, *store, registry, clock);
  auto overview = get("/").body;
  EXPECT_NE(overview.find("<title>ACME &lt;MCP&gt; status</title>"), std::string::npos);
  EXPECT_NE(overview.find("<h1>ACME &lt;MCP&gt; status</h1>"), std::string::npos);
  EXPECT_NE(overview.find("<meta http-equiv=\"refresh\" content=\"60\">"), std::string::npos);
  EXPECT_NE(overview.find("id=\"bar-legend\""), std::string::npos) << "the bar has a legend";
  auto detail = get("/status/beta").body;
  EXPECT_NE(detail.find("<title>Beta MCP – ACME &lt;MCP&gt; status</title>"), std::string::npos);
  EXPECT_NE(detail.find("90 days ago &#8594; today"), std::string::npos);
  // Error pages do not refresh.
  EXPECT_EQ(get("/status/nope").body.find("http-equiv"), std::string::npos);
}

TEST_F(WebServerTest, RepeatedIdenticalFailuresAreOneRow) {
  // beta failed with "timed out" (connect_timeout) at every check of its outage.
  auto page = get("/status/beta").body;
  auto at = page.find("<tr class=\"failure\" data-count=\"");
  ASSERT_NE(at, std::string::npos) << page.substr(0, 2000);
  const int count = std::stoi(page.substr(at + 32, 6));
  EXPECT_GT(count, 1) << "identical failures in a row are collapsed";
  EXPECT_NE(page.find("(" + std::to_string(count) + " times)"), std::string::npos);
  std::size_t rows = 0;
  for (auto p = page.find("<tr class=\"failure\""); p != std::string::npos;
       p = page.find("<tr class=\"failure\"", p + 1))
    ++rows;
  EXPECT_LT(rows, static_cast<std::size_t>(count));
}

TEST_F(WebServerTest, IncidentsHaveAPageWithATimeline) {
  auto open = get("/incidents/inc_beta1");
  ASSERT_EQ(open.status, 200) << open.body;
  EXPECT_NE(open.body.find("<h1 id=\"incident-title\">Beta MCP is down</h1>"), std::string::npos);
  EXPECT_NE(open.body.find("data-kind=\"opened\"><time datetime=\"2026-11-24T10:00:00Z\">"),
            std::string::npos)
      << open.body;
  EXPECT_NE(open.body.find("Incident opened: <code>connect_timeout</code>"), std::string::npos);
  EXPECT_EQ(open.body.find("beta.example"), std::string::npos) << "details stay public-safe";
  EXPECT_NE(open.body.find("Down for 2h 0m."), std::string::npos);
  EXPECT_NE(open.body.find("http-equiv=\"refresh\""), std::string::npos) << "open: refreshes";

  auto closed = get("/incidents/inc_alpha_old").body;
  EXPECT_NE(closed.find("Alpha MCP was down"), std::string::npos);
  EXPECT_NE(closed.find("data-kind=\"resolved\"><time datetime=\"2026-11-21T12:15:00Z\">"),
            std::string::npos)
      << closed;
  EXPECT_NE(closed.find("Resolved: recovered"), std::string::npos);
  EXPECT_NE(closed.find("Lasted 15m 0s."), std::string::npos);
  EXPECT_EQ(closed.find("http-equiv=\"refresh\""), std::string::npos);
  // The hostile server's name is escaped, its hostile detail not shown at all; private
  // servers' incidents and bad ids are not found.
  auto evil = get("/incidents/inc_evil").body;
  EXPECT_EQ(evil.find("<script"), std::string::npos);
  EXPECT_NE(
      evil.find("<h1 id=\"incident-title\">&lt;script&gt;alert(&#39;name&#39;)&lt;/script&gt; "
                "was down</h1>"),
      std::string::npos)
      << evil;
  EXPECT_EQ(evil.find("alert(&#39;incident&#39;)"), std::string::npos);
  EXPECT_EQ(get("/incidents/inc_secret1").status, 404);
  EXPECT_EQ(get("/incidents/inc_secret1", kToken).status, 404);
  EXPECT_EQ(get("/incidents/nope").status, 404);
  EXPECT_EQ(get("/incidents/..%2Fx").status, 404);
  // The server's page links each incident.
  EXPECT_NE(get("/status/beta").body.find("<a href=\"/incidents/inc_beta1\">"), std::string::npos);
}

TEST_F(WebServerTest, AdminsGiveIncidentsATitleAndNotesThatThePublicSees) {
  // Only with the admin token; bad bodies are refused with the rule, unknown incidents are 404.
  EXPECT_EQ(call("PATCH", "/api/v1/admin/incidents/inc_beta1", std::nullopt,
                 R"({"title": "Upstream database outage"})")
                .status,
            401);
  EXPECT_EQ(
      call("POST", "/api/v1/admin/incidents/inc_beta1/notes", std::nullopt, R"({"text": "x"})")
          .status,
      401);
  auto bad = [&](std::string method, std::string path, std::string body, std::string error) {
    auto r = call(std::move(method), std::move(path), kToken, std::move(body));
    EXPECT_EQ(r.status, 400) << r.body;
    EXPECT_NE(r.body.find(error), std::string::npos) << r.body;
  };
  bad("PATCH", "/api/v1/admin/incidents/inc_beta1", R"({"titel": "x"})", "unknown key: titel");
  bad("PATCH", "/api/v1/admin/incidents/inc_beta1", R"({"title": 3})", "title: expected a string");
  bad("PATCH", "/api/v1/admin/incidents/inc_beta1", R"({"title": "a\nb"})", "one line");
  bad("PATCH", "/api/v1/admin/incidents/inc_beta1",
      R"({"title": ")" + std::string(201, 'x') + R"("})", "at most 200 bytes");
  bad("POST", "/api/v1/admin/incidents/inc_beta1/notes", R"({"text": "   "})",
      "text: must not be empty");
  bad("POST", "/api/v1/admin/incidents/inc_beta1/notes", R"({"text": "x", "public": "yes"})",
      "public: expected true or false");
  bad("POST", "/api/v1/admin/incidents/inc_beta1/notes",
      R"({"text": ")" + std::string(4001, 'x') + R"("})", "at most 4000 bytes");
  bad("POST", "/api/v1/admin/incidents/inc_beta1/notes", "[]", "expected a JSON object");
  EXPECT_EQ(call("PATCH", "/api/v1/admin/incidents/inc_nope", kToken, R"({"title": "x"})").status,
            404);
  EXPECT_EQ(
      call("POST", "/api/v1/admin/incidents/inc_nope/notes", kToken, R"({"text": "x"})").status,
      404);
  EXPECT_EQ(call("GET", "/api/v1/admin/incidents/inc_beta1/notes", kToken).status, 405);

  auto titled = call("PATCH", "/api/v1/admin/incidents/inc_beta1", kToken,
                     R"({"title": "  Upstream <database> outage "})");
  ASSERT_EQ(titled.status, 200) << titled.body;
  EXPECT_EQ(json(titled)["title"], "Upstream <database> outage");
  clock.advance(std::chrono::minutes(5));
  auto note = call("POST", "/api/v1/admin/incidents/inc_beta1/notes", kToken,
                   R"({"text": "We are failing over.\nNext update in 30 minutes."})");
  ASSERT_EQ(note.status, 201) << note.body;
  auto noted = json(note);
  ASSERT_EQ(noted["notes"].size(), 1u);
  EXPECT_EQ(noted["notes"][0]["public"], true);
  EXPECT_EQ(noted["notes"][0]["author"], "admin-api");
  EXPECT_EQ(noted["notes"][0]["at"], "2026-11-24T12:05:00Z");
  clock.advance(std::chrono::minutes(1));
  ASSERT_EQ(call("POST", "/api/v1/admin/incidents/inc_beta1/notes", kToken,
                 R"({"text": "Internal: db-7 is the culprit", "public": false})")
                .status,
            201);

  // Anonymous API: the title and the public note only, no author; admins see both notes.
  auto pub = json(get("/api/v1/incidents/inc_beta1"));
  EXPECT_EQ(pub["title"], "Upstream <database> outage");
  ASSERT_EQ(pub["notes"].size(), 1u);
  EXPECT_EQ(pub["notes"][0]["text"], "We are failing over.\nNext update in 30 minutes.");
  EXPECT_FALSE(pub["notes"][0].contains("author"));
  EXPECT_EQ(json(get("/api/v1/incidents/inc_beta1", kToken))["notes"].size(), 2u);
  EXPECT_EQ(json(get("/api/v1/incidents?state=open"))["incidents"][0]["title"],
            "Upstream <database> outage");
  EXPECT_EQ(get("/api/v1/incidents/inc_secret1").status, 404) << "private server";
  EXPECT_EQ(get("/api/v1/incidents/inc_secret1", kToken).status, 200);
  EXPECT_TRUE(json(get("/api/v1/incidents/inc_alpha_old"))["title"].is_null());

  // The page: the title as heading (escaped), the public note in the timeline after the
  // opening, line breaks kept; the internal note nowhere.
  auto page = get("/incidents/inc_beta1").body;
  EXPECT_NE(page.find("<h1 id=\"incident-title\">Beta MCP: Upstream &lt;database&gt; outage</h1>"),
            std::string::npos)
      << page;
  auto noteAt = page.find("<li data-kind=\"note\"><time datetime=\"2026-11-24T12:05:00Z\">");
  ASSERT_NE(noteAt, std::string::npos) << page;
  EXPECT_LT(page.find("data-kind=\"opened\""), noteAt);
  EXPECT_NE(page.find("We are failing over.<br>Next update in 30 minutes."), std::string::npos);
  EXPECT_EQ(page.find("db-7"), std::string::npos);
  // The feed: the title, the latest public update, and <updated> at the note.
  auto feed = get("/feed.atom").body;
  EXPECT_NE(feed.find("<title>Beta MCP: Upstream &lt;database&gt; outage</title>"),
            std::string::npos)
      << feed;
  EXPECT_NE(feed.find("Next update in 30 minutes."), std::string::npos);
  EXPECT_NE(feed.find("<updated>2026-11-24T12:05:00Z</updated><published>2026-11-24T10:00:00Z"),
            std::string::npos);
  EXPECT_EQ(feed.find("db-7"), std::string::npos);
  // Clearing the title brings the default heading back.
  ASSERT_EQ(call("PATCH", "/api/v1/admin/incidents/inc_beta1", kToken, R"({"title": null})").status,
            200);
  EXPECT_NE(
      get("/incidents/inc_beta1").body.find("<h1 id=\"incident-title\">Beta MCP is down</h1>"),
      std::string::npos);
}

TEST_F(WebServerTest, MaintenanceInProgressAndUpcomingIsOnThePagesAndInTheFeed) {
  const auto now = clock.now(); // 2026-11-24T12:00:00Z
  using std::chrono::hours;
  using std::chrono::minutes;
  // In progress for beta with a comment; upcoming for every server; one that covers only the
  // private server (visitors never hear of it).
  backend.windows = {
      {"db-upgrade",
       "Upgrading <the> database",
       {false, {"beta"}, {}},
       now - minutes(30),
       now + minutes(90),
       true},
      {"weekly", "", {true, {}, {}}, now + hours(26), now + hours(27), false},
      {"secret-work",
       "Secret thing",
       {false, {"secret"}, {}},
       now + hours(1),
       now + hours(2),
       false},
  };
  auto overview = get("/").body;
  auto section = overview.find("<section id=\"maintenance\"><h2>Maintenance</h2>");
  ASSERT_NE(section, std::string::npos) << overview;
  EXPECT_NE(overview.find("<li class=\"maint\" data-window=\"db-upgrade\" data-active=\"true\">"
                          "<strong>In progress</strong> until 2026-11-24 13:30 UTC: Upgrading "
                          "&lt;the&gt; database <span class=\"muted\">(Beta MCP)</span></li>"),
            std::string::npos)
      << overview;
  EXPECT_NE(overview.find("<strong>Scheduled</strong> 2026-11-25 14:00 UTC &#8211; 15:00 UTC: "
                          "Planned maintenance <span class=\"muted\">(all servers)</span>"),
            std::string::npos)
      << overview;
  EXPECT_EQ(overview.find("secret-work"), std::string::npos);
  EXPECT_EQ(overview.find("Secret thing"), std::string::npos);

  // A server's page lists the windows that cover it, without the scope.
  auto beta = get("/status/beta").body;
  EXPECT_NE(beta.find("data-window=\"db-upgrade\""), std::string::npos);
  EXPECT_NE(beta.find("data-window=\"weekly\""), std::string::npos);
  auto alpha = get("/status/alpha").body;
  EXPECT_EQ(alpha.find("db-upgrade"), std::string::npos);
  EXPECT_NE(alpha.find("data-window=\"weekly\""), std::string::npos);

  // The feed has an entry for each, dated by the start (in progress) or a week before it.
  auto feed = get("/feed.atom").body;
  EXPECT_NE(feed.find("<title>Maintenance in progress: Upgrading &lt;the&gt; database</title>"
                      "<id>http://127.0.0.1:8080/#maintenance-db-upgrade-"),
            std::string::npos)
      << feed;
  EXPECT_NE(feed.find("<updated>2026-11-24T11:30:00Z</updated>"), std::string::npos);
  EXPECT_NE(feed.find("<title>Scheduled maintenance: Planned maintenance</title>"),
            std::string::npos);
  EXPECT_NE(feed.find("Scheduled 2026-11-25 14:00 UTC \u2013 15:00 UTC for all servers."),
            std::string::npos)
      << feed;
  EXPECT_EQ(feed.find("Secret thing"), std::string::npos);
  EXPECT_NE(feed.find("<updated>2026-11-18T14:00:00Z</updated>"), std::string::npos)
      << "upcoming: dated a week before it starts";
  EXPECT_NE(feed.find("<updated>2026-11-24T11:30:00Z</updated><link rel=\"self\""),
            std::string::npos)
      << "the feed's date is its newest entry's";
}

TEST_F(WebServerTest, TheConfiguredLogoIsServedAndShownBesideTheTitle) {
  EXPECT_EQ(get("/static/logo").status, 404) << "no web.logo: no logo";
  EXPECT_EQ(get("/").body.find("class=\"logo\""), std::string::npos);
  const auto path = dir.path() / "logo.svg";
  const std::string svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"8\" height=\"8\"/>";
  std::ofstream(path) << svg;
  auto config = testing::webConfig(kToken);
  config.logoPath = path.string();
  server =
      std::make_unique<WebServer>(ctx.get_executor(), config, backend, *store, registry, clock);
  auto logo = get("/static/logo");
  ASSERT_EQ(logo.status, 200);
  EXPECT_EQ(logo.body, svg);
  EXPECT_EQ(logo.header("Content-Type").value_or(""), "image/svg+xml");
  EXPECT_NE(logo.header("Content-Security-Policy").value_or("").find("default-src 'none'"),
            std::string::npos)
      << "an SVG opened on its own runs no script";
  EXPECT_NE(
      get("/").body.find("<h1><img class=\"logo\" src=\"/static/logo\" alt=\"\"> Status</h1>"),
      std::string::npos);
}

TEST_F(WebServerTest, AdminsSignInToSeePrivateServersAndTheRespondersContext) {
  for (auto& v : backend.views)
    if (v.slug == "secret") {
      v.description = "Billing <tools> gateway";
      v.owner = "Team Billing (#billing-oncall)";
      v.runbookUrl = "https://wiki.example.com/runbooks/secret";
      v.links = {{"Grafana", "https://grafana.example.com/d/secret"},
                 {"Bad", "javascript:alert(1)"}};
    }
  auto withCookie = [&](std::string method, std::string target, const std::string& cookie,
                        std::string body = {}) {
    auto r = testing::request(std::move(method), std::move(target), std::nullopt, std::move(body));
    if (!cookie.empty())
      r.headers.add("Cookie", "theme=dark; " + cookie);
    return testing::runOn(ctx, server->handle(std::move(r)));
  };
  // Anonymous: no private server, no context, a sign-in link.
  auto anonymous = get("/").body;
  EXPECT_EQ(anonymous.find("Secret Internal"), std::string::npos);
  EXPECT_NE(anonymous.find("<a href=\"/admin/login\" rel=\"nofollow\">Admin sign-in</a>"),
            std::string::npos);
  EXPECT_EQ(get("/status/secret").status, 404);
  EXPECT_EQ(get("/status/beta").body.find("id=\"responders\""), std::string::npos);

  auto form = get("/admin/login");
  ASSERT_EQ(form.status, 200);
  EXPECT_NE(form.body.find("type=\"password\""), std::string::npos);
  auto wrong = withCookie("POST", "/admin/login", "", "token=nope");
  EXPECT_EQ(wrong.status, 403);
  EXPECT_NE(wrong.body.find("Wrong admin token."), std::string::npos);
  EXPECT_FALSE(wrong.header("Set-Cookie"));
  auto ok = withCookie("POST", "/admin/login", "", "x=1&token=" + std::string(kToken));
  ASSERT_EQ(ok.status, 303) << ok.body;
  EXPECT_EQ(ok.header("Location").value_or(""), "/");
  const std::string setCookie = ok.header("Set-Cookie").value_or("");
  EXPECT_NE(setCookie.find("; Path=/; HttpOnly; SameSite=Lax; Max-Age=43200"), std::string::npos)
      << setCookie;
  EXPECT_EQ(setCookie.find("Secure"), std::string::npos) << "http public_url: no Secure flag";
  EXPECT_EQ(setCookie.find(kToken), std::string::npos) << "the cookie is not the token";
  const std::string session = setCookie.substr(0, setCookie.find(';'));
  ASSERT_EQ(session.size(), std::string("mcpwatch_session=").size() + 64) << session;

  // Signed in: private servers, the responders' context (only http(s) links are links), the
  // whole failure details, a sign-out button; never cached by the browser or a proxy.
  auto overviewReply = withCookie("GET", "/", session);
  EXPECT_EQ(overviewReply.header("Cache-Control").value_or(""), "no-store");
  const auto& overview = overviewReply.body;
  EXPECT_NE(overview.find("Secret Internal"), std::string::npos);
  EXPECT_NE(overview.find("id=\"admin-bar\""), std::string::npos);
  EXPECT_EQ(get("/").body.find("Secret Internal"), std::string::npos)
      << "the anonymous page is cached apart from the admin's";
  auto secret = withCookie("GET", "/status/secret", session);
  ASSERT_EQ(secret.status, 200);
  EXPECT_NE(secret.body.find("<tr id=\"ctx-owner\"><th>Owner</th><td>Team Billing "
                             "(#billing-oncall)</td></tr>"),
            std::string::npos)
      << secret.body;
  EXPECT_NE(secret.body.find("Billing &lt;tools&gt; gateway"), std::string::npos);
  EXPECT_NE(secret.body.find("<a href=\"https://wiki.example.com/runbooks/secret\" "
                             "rel=\"noreferrer\">"),
            std::string::npos);
  EXPECT_NE(secret.body.find("<a href=\"https://grafana.example.com/d/secret\" "
                             "rel=\"noreferrer\">Grafana</a> &#183; Bad"),
            std::string::npos);
  EXPECT_EQ(secret.body.find("javascript:"), std::string::npos);
  EXPECT_NE(secret.body.find("secret.internal.example/mcp"), std::string::npos) << "check URL";
  EXPECT_NE(withCookie("GET", "/status/beta", session).body.find("beta.example:443 timed out"),
            std::string::npos)
      << "admins see the whole failure detail";
  // The private server's incident page, with its internal note marked; visitors get 404.
  ASSERT_EQ(call("POST", "/api/v1/admin/incidents/inc_secret1/notes", kToken,
                 R"({"text": "Paged the billing team", "public": false})")
                .status,
            201);
  auto incident = withCookie("GET", "/incidents/inc_secret1", session);
  ASSERT_EQ(incident.status, 200) << incident.body;
  EXPECT_NE(incident.body.find("<li data-kind=\"internal-note\">"), std::string::npos);
  EXPECT_NE(incident.body.find("<strong>Internal note:</strong> <span class=\"note\">Paged the "
                               "billing team</span>"),
            std::string::npos)
      << incident.body;
  EXPECT_EQ(get("/incidents/inc_secret1").status, 404);
  // The cookie is for the pages only: the API still wants the Bearer token.
  EXPECT_EQ(withCookie("POST", "/api/v1/admin/servers/alpha/pause", session).status, 401);
  EXPECT_EQ(withCookie("GET", "/api/v1/servers/secret", session).status, 404);

  // A forged cookie is nobody; the session ends with sign-out, after 12 hours, and when the
  // token changes.
  EXPECT_EQ(withCookie("GET", "/status/secret", "mcpwatch_session=" + std::string(64, 'a')).status,
            404);
  auto out = withCookie("POST", "/admin/logout", session);
  EXPECT_EQ(out.status, 303);
  EXPECT_NE(out.header("Set-Cookie").value_or("").find("Max-Age=0"), std::string::npos);
  EXPECT_EQ(withCookie("GET", "/status/secret", session).status, 404);
  EXPECT_EQ(withCookie("GET", "/admin/logout", session).status, 405);

  auto again = [&] {
    auto r = withCookie("POST", "/admin/login", "", "token=" + std::string(kToken));
    auto c = r.header("Set-Cookie").value_or("");
    return c.substr(0, c.find(';'));
  };
  auto second = again();
  clock.advance(std::chrono::hours(11));
  EXPECT_EQ(withCookie("GET", "/status/secret", second).status, 200);
  clock.advance(std::chrono::hours(1));
  EXPECT_EQ(withCookie("GET", "/status/secret", second).status, 404) << "expired";
  auto third = again();
  EXPECT_EQ(withCookie("GET", "/status/secret", third).status, 200);
  server->setAdminToken(common::Secret(std::string("another-admin-token-123")));
  EXPECT_EQ(withCookie("GET", "/status/secret", third).status, 404) << "token changed";
}

TEST_F(WebServerTest, AdminSignInIsOffWithoutATokenAndRateLimited) {
  auto noToken = testing::webConfig(std::nullopt);
  server =
      std::make_unique<WebServer>(ctx.get_executor(), noToken, backend, *store, registry, clock);
  EXPECT_EQ(get("/admin/login").status, 404);
  EXPECT_EQ(call("POST", "/admin/login", std::nullopt, "token=x").status, 404);
  EXPECT_EQ(get("/").body.find("/admin/login"), std::string::npos) << "no sign-in link";

  makeServer(kToken);
  int refused = 0;
  for (int i = 0; i < 100 && refused == 0; ++i) {
    auto r = call("POST", "/admin/login", std::nullopt, "token=wrong-" + std::to_string(i));
    if (r.status == 429) {
      ++refused;
      EXPECT_TRUE(r.header("Retry-After")) << "429 says when to retry";
    } else {
      EXPECT_EQ(r.status, 403);
    }
  }
  EXPECT_EQ(refused, 1) << "wrong tokens are limited per client";
  // While limited even the right token is refused.
  EXPECT_EQ(call("POST", "/admin/login", std::nullopt, "token=" + std::string(kToken)).status, 429);
}

TEST_F(WebServerTest, AnAtomFeedListsPublicIncidents) {
  auto config = testing::webConfig(kToken);
  config.publicUrl = "https://status.example.test";
  config.title = "ACME & co";
  server =
      std::make_unique<WebServer>(ctx.get_executor(), config, backend, *store, registry, clock);
  auto r = get("/feed.atom");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.header("Content-Type").value_or(""), "application/atom+xml; charset=utf-8");
  const auto& feed = r.body;
  EXPECT_EQ(feed.rfind("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed "
                       "xmlns=\"http://www.w3.org/2005/Atom\">",
                       0),
            0u);
  EXPECT_NE(feed.find("<title>ACME &amp; co incidents</title>"), std::string::npos);
  EXPECT_NE(feed.find("<id>https://status.example.test/incidents/inc_beta1</id>"),
            std::string::npos);
  EXPECT_NE(feed.find("<title>Beta MCP is down: connect_timeout</title>"), std::string::npos);
  EXPECT_NE(feed.find("<title>Alpha MCP recovered after 15m 0s</title>"), std::string::npos);
  EXPECT_NE(feed.find("<link href=\"https://status.example.test/incidents/inc_alpha_old\"/>"),
            std::string::npos);
  EXPECT_EQ(feed.find("inc_secret1"), std::string::npos) << "private servers stay private";
  EXPECT_EQ(feed.find("<script"), std::string::npos);
  EXPECT_NE(feed.find("<title>&lt;script&gt;alert(&#39;name&#39;)&lt;/script&gt; recovered after "
                      "10m 0s</title>"),
            std::string::npos)
      << "a hostile name is escaped XML text";
  // <updated> of the feed is its newest entry's (evil's incident closed 80 minutes ago, beta's
  // opened 2 hours ago).
  EXPECT_NE(feed.find("<updated>2026-11-24T10:40:00Z</updated><link rel=\"self\""),
            std::string::npos)
      << feed.substr(0, 400);
  EXPECT_EQ(feed.find("beta.example"), std::string::npos);
  // Newest first: beta (opened 2 h ago) before alpha's (3 days ago).
  EXPECT_LT(feed.find("inc_beta1"), feed.find("inc_alpha_old"));
  EXPECT_EQ(feed.substr(feed.size() - 8), "</feed>\n");
}

} // namespace
} // namespace mcpwatch::web
