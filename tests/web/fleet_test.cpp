// The server list at fleet size: /api/v1/servers pagination and filters, the overview page's
// pages and filters, and the size of a /metrics scrape per server.
#include "common/json.hpp"
#include "tests/web/prom_parser.hpp"
#include "tests/web/web_fixture.hpp"
#include "web/listing.hpp"
#include "web/pages.hpp"
#include "web/server.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <regex>
#include <set>

namespace mcpwatch::web {
namespace {

using namespace std::chrono_literals;
using common::Json;
using testing::request;

constexpr const char* kToken = "admin-token-0123456789";

// `n` servers "srv-000".."srv-<n-1>" (named "Server <i>", shuffled config order). Every 10th is
// private, every 7th down, every 11th paused, every 13th in maintenance; tags "even"/"odd" and
// "eu" on every 5th.
std::vector<ServerView> fleet(int n) {
  std::vector<ServerView> views;
  for (int k = 0; k < n; ++k) {
    int i = (k * 37) % n; // config order is not slug order
    auto v = testing::makeView(fmt::format("srv-{:03}", i), fmt::format("Server {}", i),
                               i % 7 == 0 ? detector::HealthState::Down : detector::HealthState::Up,
                               i % 10 != 3);
    v.paused = i % 11 == 0;
    v.inMaintenance = i % 13 == 0;
    v.tags = {i % 2 == 0 ? "even" : "odd"};
    if (i % 5 == 0)
      v.tags.push_back("eu");
    views.push_back(std::move(v));
  }
  return views;
}

class FleetTest : public ::testing::Test {
protected:
  void SetUp() override {
    auto opened = store::Store::open((dir.path() / "web.db").string());
    ASSERT_TRUE(opened.has_value()) << opened.error();
    store = std::move(opened.value());
    clock.set(testing::testNow());
    backend.views = fleet(250);
    makeServer();
  }
  void makeServer(WebOptions options = {}) {
    server.reset();
    server = std::make_unique<WebServer>(ctx.get_executor(), testing::webConfig(kToken), backend,
                                         *store, registry, clock, options);
  }
  net::ServerResponse get(std::string target, std::optional<std::string> bearer = std::nullopt) {
    return testing::runOn(ctx, server->handle(request("GET", std::move(target), bearer)));
  }
  Json json(const net::ServerResponse& r) {
    auto parsed = common::parseJson(r.body);
    EXPECT_TRUE(parsed.has_value()) << r.body;
    return parsed.value_or(Json());
  }
  std::set<std::string> slugsWhere(const std::function<bool(const ServerView&)>& keep,
                                   bool includePrivate = false) {
    std::set<std::string> out;
    for (const auto& v : backend.views)
      if ((includePrivate || v.isPublic) && keep(v))
        out.insert(v.slug);
    return out;
  }
  // Follows next_cursor from `first` to the end; every slug seen, in order.
  std::vector<std::string> walk(const std::string& first, std::optional<std::string> bearer,
                                std::size_t expectTotal) {
    std::vector<std::string> seen;
    std::string target = first;
    for (int pages = 0; pages < 1000; ++pages) {
      auto r = get(target, bearer);
      EXPECT_EQ(r.status, 200) << target << ": " << r.body;
      auto body = json(r);
      EXPECT_EQ(body["total"], expectTotal) << target;
      for (const auto& s : body["servers"])
        seen.push_back(s["slug"].get<std::string>());
      if (body["next_cursor"].is_null())
        return seen;
      auto sep = first.find('?') == std::string::npos ? "?" : "&";
      target = first + sep + "cursor=" + body["next_cursor"].get<std::string>();
    }
    ADD_FAILURE() << "the walk did not end";
    return seen;
  }
  // The data-slug of every row of an overview page, in order.
  static std::vector<std::string> rows(const std::string& html) {
    std::vector<std::string> out;
    std::regex row("<tr class=\"server\" data-slug=\"([^\"]+)\"");
    for (auto it = std::sregex_iterator(html.begin(), html.end(), row);
         it != std::sregex_iterator(); ++it)
      out.push_back((*it)[1]);
    return out;
  }

  testing::TempDir dir;
  common::FakeClock clock;
  testing::FakeBackend backend;
  std::unique_ptr<store::Store> store;
  MetricsRegistry registry;
  asio::io_context ctx;
  std::unique_ptr<WebServer> server;
};

TEST_F(FleetTest, ServerListPagesByLimitAndCursorReachingEveryServerOnce) {
  auto first = json(get("/api/v1/servers"));
  auto publicSlugs = slugsWhere([](const ServerView&) { return true; });
  EXPECT_EQ(first["servers"].size(), 100u) << "default limit";
  EXPECT_EQ(first["limit"], 100);
  EXPECT_EQ(first["total"], publicSlugs.size());
  EXPECT_TRUE(first["next_cursor"].is_string());
  EXPECT_EQ(first["servers"][0]["slug"], "srv-000") << "ordered by slug";

  for (std::size_t limit : {1u, 7u, 40u, 1000u}) {
    auto seen =
        walk(fmt::format("/api/v1/servers?limit={}", limit), std::nullopt, publicSlugs.size());
    EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end())) << limit;
    EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()).size(), seen.size())
        << "no server twice, limit " << limit;
    EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()), publicSlugs) << limit;
  }
  // The admin sees the private servers too.
  auto all = slugsWhere([](const ServerView&) { return true; }, true);
  auto seen = walk("/api/v1/servers?limit=60", kToken, all.size());
  EXPECT_EQ(seen.size(), all.size());
  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()), all);
}

TEST_F(FleetTest, ACursorStaysValidWhenServersComeAndGo) {
  auto page = json(get("/api/v1/servers?limit=10"));
  auto cursor = page["next_cursor"].get<std::string>();
  EXPECT_EQ(page["servers"][9]["slug"], "srv-010"); // srv-003 is private
  // The server the cursor points after leaves the config: the walk continues behind it.
  std::erase_if(backend.views, [](const ServerView& v) { return v.slug == "srv-010"; });
  server->invalidateCache();
  auto next = json(get("/api/v1/servers?limit=2&cursor=" + cursor));
  EXPECT_EQ(next["servers"][0]["slug"], "srv-011");
  EXPECT_EQ(next["servers"][1]["slug"], "srv-012");
}

TEST_F(FleetTest, ServerListFiltersByQueryTagAndState) {
  auto slugs = [&](const std::string& target, std::optional<std::string> bearer = std::nullopt) {
    auto body = json(get(target, bearer));
    std::set<std::string> out;
    for (const auto& s : body["servers"])
      out.insert(s["slug"].get<std::string>());
    EXPECT_EQ(body["total"], out.size()) << target;
    return out;
  };
  // q: a case-insensitive substring of the name or the slug.
  EXPECT_EQ(slugs("/api/v1/servers?q=SERVER%2012&limit=1000"),
            slugsWhere([](const ServerView& v) { return v.name.starts_with("Server 12"); }));
  EXPECT_EQ(slugs("/api/v1/servers?q=srv-24&limit=1000"),
            (std::set<std::string>{"srv-240", "srv-241", "srv-242", "srv-244", "srv-245", "srv-246",
                                   "srv-247", "srv-248", "srv-249"}));
  EXPECT_EQ(slugs("/api/v1/servers?tag=eu&limit=1000"), slugsWhere([](const ServerView& v) {
              return std::find(v.tags.begin(), v.tags.end(), "eu") != v.tags.end();
            }));
  EXPECT_EQ(slugs("/api/v1/servers?state=paused&limit=1000"),
            slugsWhere([](const ServerView& v) { return v.paused; }));
  EXPECT_EQ(slugs("/api/v1/servers?state=maintenance&limit=1000"),
            slugsWhere([](const ServerView& v) { return !v.paused && v.inMaintenance; }));
  auto downEu = slugsWhere([](const ServerView& v) {
    return !v.paused && !v.inMaintenance && v.state.status == detector::HealthState::Down &&
           std::find(v.tags.begin(), v.tags.end(), "eu") != v.tags.end();
  });
  ASSERT_FALSE(downEu.empty());
  EXPECT_EQ(slugs("/api/v1/servers?state=down&tag=eu&limit=1000"), downEu);
  EXPECT_TRUE(slugs("/api/v1/servers?state=flapping").empty());
  EXPECT_TRUE(slugs("/api/v1/servers?q=nothing-like-this").empty());
  // A filtered walk with a small limit still reaches each match once.
  auto seen = walk("/api/v1/servers?tag=odd&limit=9", std::nullopt,
                   slugsWhere([](const ServerView& v) { return v.tags[0] == "odd"; }).size());
  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()),
            slugsWhere([](const ServerView& v) { return v.tags[0] == "odd"; }));
  // Private servers never match without the token, whatever the filter.
  EXPECT_FALSE(slugs("/api/v1/servers?q=srv-003").contains("srv-003"));
  EXPECT_TRUE(slugs("/api/v1/servers?q=srv-003", kToken).contains("srv-003"));
}

TEST_F(FleetTest, InvalidListParametersAre400WithTheParameterNamed) {
  for (const auto& [target, message] : std::vector<std::pair<std::string, std::string>>{
           {"/api/v1/servers?limit=0", "limit: expected a whole number from 1 to 1000"},
           {"/api/v1/servers?limit=1001", "limit: expected a whole number from 1 to 1000"},
           {"/api/v1/servers?limit=ten", "limit: expected a whole number from 1 to 1000"},
           {"/api/v1/servers?limit=-5", "limit: expected a whole number from 1 to 1000"},
           {"/api/v1/servers?state=sideways",
            "state: expected one of up, down, failing, flapping, maintenance, paused, unknown"},
           {"/api/v1/servers?cursor=not-a-cursor",
            "cursor: not a cursor this API returned (use next_cursor as given)"},
           {"/api/v1/servers?q=" + std::string(201, 'a'), "q: at most 200 bytes"},
           {"/api/v1/servers?tag=" + std::string(201, 'a'), "tag: at most 200 bytes"}}) {
    auto r = get(target);
    EXPECT_EQ(r.status, 400) << target;
    EXPECT_EQ(json(r)["error"], message) << target;
  }
  for (const char* target : {"/?limit=0", "/?limit=5000", "/?state=sideways", "/?page=0"}) {
    auto r = get(target);
    EXPECT_EQ(r.status, 400) << target;
    EXPECT_NE(r.body.find("<h1>400 Bad request</h1>"), std::string::npos) << target;
  }
}

TEST_F(FleetTest, ServerObjectsKeepTheirFields) {
  auto body = json(get("/api/v1/servers?limit=1"));
  ASSERT_EQ(body["servers"].size(), 1u);
  std::set<std::string> keys;
  for (auto it = body["servers"][0].begin(); it != body["servers"][0].end(); ++it)
    keys.insert(it.key());
  EXPECT_EQ(keys, (std::set<std::string>{"slug", "name", "tags", "state", "health",
                                         "in_maintenance", "paused", "uptime", "latency_ms",
                                         "last_check_at", "protocol_version", "server_info",
                                         "tool_count", "tls", "open_incident"}));
  EXPECT_TRUE(body.contains("generated_at"));
}

TEST_F(FleetTest, OverviewPagesWalkTheFleetWithLinksThatKeepTheFilter) {
  auto publicSlugs = slugsWhere([](const ServerView&) { return true; });
  auto first = get("/").body;
  EXPECT_NE(first.find("page 1 of 3"), std::string::npos);
  EXPECT_NE(first.find("<a rel=\"next\" href=\"/?page=2\">"), std::string::npos);
  EXPECT_EQ(first.find("rel=\"prev\""), std::string::npos);
  // A fleet longer than a page gets a search box and state filter links.
  EXPECT_NE(first.find("<form class=\"search\" method=\"get\" action=\"/\""), std::string::npos);
  EXPECT_NE(first.find("<a class=\"count s-down\" href=\"/?state=down\">"), std::string::npos);

  std::vector<std::string> seen;
  for (int page = 1; page <= 3; ++page) {
    auto html = get(fmt::format("/?page={}", page)).body;
    auto r = rows(html);
    EXPECT_EQ(r.size(), page < 3 ? 100u : publicSlugs.size() - 200) << page;
    seen.insert(seen.end(), r.begin(), r.end());
    if (page == 2) {
      EXPECT_NE(html.find("<a rel=\"prev\" href=\"/\">"), std::string::npos);
      EXPECT_NE(html.find("<a rel=\"next\" href=\"/?page=3\">"), std::string::npos);
    }
  }
  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()).size(), seen.size());
  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()), publicSlugs);
  // Worst first: the down servers lead page 1.
  EXPECT_EQ(first.find("data-state=\"up\"") > first.rfind("data-state=\"down\""), true);

  // A filter: only its rows, a count of the matches, links that keep it.
  auto down = get("/?state=down&limit=10");
  ASSERT_EQ(down.status, 200);
  auto downSlugs = slugsWhere([](const ServerView& v) {
    return !v.paused && !v.inMaintenance && v.state.status == detector::HealthState::Down;
  });
  EXPECT_NE(
      down.body.find(fmt::format("{} of {} servers match", downSlugs.size(), publicSlugs.size())),
      std::string::npos);
  for (const auto& slug : rows(down.body))
    EXPECT_TRUE(downSlugs.contains(slug)) << slug;
  EXPECT_NE(down.body.find("<a rel=\"next\" href=\"/?state=down&amp;limit=10&amp;page=2\">"),
            std::string::npos);
  EXPECT_NE(down.body.find("<input type=\"hidden\" name=\"state\" value=\"down\">"),
            std::string::npos);
  auto q = get("/?q=server%20249").body;
  EXPECT_EQ(rows(q), std::vector<std::string>{"srv-249"});
  EXPECT_NE(q.find("value=\"server 249\""), std::string::npos) << "the box keeps the search";
  auto none = get("/?q=zzz").body;
  EXPECT_TRUE(rows(none).empty());
  EXPECT_NE(none.find("id=\"no-match\""), std::string::npos);
}

TEST_F(FleetTest, ASmallFleetPageHasNoSearchBoxOrFilterLinks) {
  backend.views.resize(5);
  server->invalidateCache();
  auto html = get("/").body;
  EXPECT_EQ(rows(html).size(), 5u);
  EXPECT_EQ(html.find("<form"), std::string::npos);
  EXPECT_EQ(html.find("<a class=\"count"), std::string::npos);
  EXPECT_EQ(html.find("<nav"), std::string::npos);
  // The filter still works when asked for in the address, and then shows its controls.
  auto filtered = get("/?state=up").body;
  EXPECT_NE(filtered.find("<form class=\"search\""), std::string::npos);
  std::size_t upRows = 0;
  for (auto pos = filtered.find("data-state=\"up\""); pos != std::string::npos;
       pos = filtered.find("data-state=\"up\"", pos + 1))
    ++upRows;
  EXPECT_EQ(rows(filtered).size(), upRows);
  EXPECT_NE(filtered.find("<a href=\"/\">show all</a>"), std::string::npos);
}

// Not timed: the size is a property of the format, the same on any machine.
TEST_F(FleetTest, MetricsScrapeStaysUnder500BytesPerServer) {
  MonitorMetrics monitor(registry);
  for (auto& v : backend.views) {
    v.tlsNotAfter = testing::testNow() + 30 * 24h;
    for (int i = 0; i < 3; ++i) {
      // A realistic mix: every server on TLS, one in five failed a probe lately.
      bool ok = i != 1 || (!v.slug.ends_with('5') && !v.slug.ends_with('0'));
      auto c = testing::check(v.slug, clock.now(), ok, 80, "timeout");
      c.dnsMs = 1;
      c.connectMs = 2;
      c.tlsMs = 3;
      c.toolsListMs = 4;
      monitor.observeCheck(c);
    }
  }
  server->invalidateCache();
  auto r = get("/metrics", kToken);
  ASSERT_EQ(r.status, 200);
  auto parsed = testing::parsePrometheus(r.body);
  EXPECT_TRUE(parsed.errors.empty()) << ::testing::PrintToString(parsed.errors);
  double perServer = static_cast<double>(r.body.size()) / static_cast<double>(backend.views.size());
  EXPECT_LE(perServer, 500.0) << r.body.size() << " bytes for " << backend.views.size();
  EXPECT_FALSE(parsed.hasLabelValue("phase", "total") &&
               parsed
                   .find("mcpwatch_server_probe_duration_seconds_count",
                         {{"server", "srv-001"}, {"phase", "total"}})
                   .has_value())
      << "no per-server histogram by default";
  EXPECT_EQ(parsed.find("mcpwatch_probe_duration_seconds_count", {{"phase", "dns"}}), 750)
      << "one fleet-wide histogram per phase";
}

// --- the pure pieces ---

TEST(ServerListCursor, RoundTripsAndRefusesForgeries) {
  auto c = encodeCursor("srv-0_9");
  EXPECT_EQ(c.find_first_of("+/="), std::string::npos) << "URL-safe as it is";
  EXPECT_EQ(decodeCursor(c), "srv-0_9");
  EXPECT_EQ(decodeCursor("srv-009"), std::nullopt);
  EXPECT_EQ(decodeCursor(encodeCursor("Bad Slug")), std::nullopt);
  EXPECT_EQ(decodeCursor(""), std::nullopt);
  EXPECT_EQ(decodeCursor(std::string(300, 'A')), std::nullopt);
}

TEST(ServerListSelection, OverviewPageOrderIsWorstFirstThenNameWithoutAFullSort) {
  const ServerViews views(fleet(57));
  ListQuery q;
  q.limit = 10;
  std::vector<const ServerView*> all;
  std::size_t pages = 0;
  for (q.page = 1; q.page <= 6; ++q.page) {
    auto page = selectOverviewPage(views, q);
    pages = page.pages;
    all.insert(all.end(), page.servers.begin(), page.servers.end());
  }
  std::size_t publicCount = static_cast<std::size_t>(
      std::count_if(views.begin(), views.end(), [](const ServerView& v) { return v.isPublic; }));
  EXPECT_EQ(pages, (publicCount + 9) / 10);
  ASSERT_EQ(all.size(), publicCount);
  auto key = [](const ServerView* v) {
    return std::tuple(stateRank(displayStateOf(*v)), v->name, v->slug);
  };
  EXPECT_TRUE(std::is_sorted(all.begin(), all.end(),
                             [&](const auto* a, const auto* b) { return key(a) < key(b); }));
  q.page = 99;
  EXPECT_EQ(selectOverviewPage(views, q).page, pages) << "clamped to the last page";
}

} // namespace
} // namespace mcpwatch::web
