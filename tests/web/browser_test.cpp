// The status pages in real headless Chromium: served by WebServer over a store with known
// history, loaded with --dump-dom (the DOM after parsing) plus a screenshot artefact.
#include "tests/support/peers.hpp"
#include "tests/support/process.hpp"
#include "tests/web/web_fixture.hpp"
#include "web/server.hpp"

#include <filesystem>
#include <gtest/gtest.h>
#include <iostream>
#include <thread>

namespace mcpwatch::web {
namespace {

using namespace std::chrono_literals;

std::string chromiumOrFail() {
  for (const char* name : {"chromium", "chromium-browser"})
    if (auto path = testsupport::findExecutable(name))
      return path.value();
  return {};
}

class BrowserTest : public ::testing::Test {
protected:
  void SetUp() override {
    chromium = chromiumOrFail();
    ASSERT_FALSE(chromium.empty())
        << "chromium not found: install the test tools with scripts/install-deps --with-tests "
           "(Debian package chromium)";
    auto opened = store::Store::open((dir.path() / "web.db").string());
    ASSERT_TRUE(opened.has_value()) << opened.error();
    store = std::move(opened.value());
    clock.set(testing::testNow());
    testing::seedDemo(*store, backend, clock.now());
    server = std::make_unique<WebServer>(ctx.get_executor(), testing::webConfig("tok"), backend,
                                         *store, registry, clock);
    auto p = server->start();
    ASSERT_TRUE(p.has_value()) << p.error();
    port = p.value();
    io = std::thread([this] {
      auto guard = asio::prefer(ctx.get_executor(), asio::execution::outstanding_work.tracked);
      ctx.run();
    });
  }
  void TearDown() override {
    if (server)
      asio::post(ctx, [this] { server->stop(); });
    ctx.stop();
    if (io.joinable())
      io.join();
  }

  // Loads `path` (the pages carry no script at all, so this is also the no-JavaScript view);
  // returns the serialized DOM and saves a screenshot.
  std::string load(const std::string& path, const std::string& shot) {
    testing::TempDir profile;
    std::filesystem::path artifacts = MCPWATCH_TEST_ARTIFACTS_DIR;
    std::filesystem::create_directories(artifacts);
    auto result = testsupport::runCommand(
        {chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
         "--no-first-run", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--user-data-dir=" + profile.path().string(), "--window-size=1280,900",
         "--screenshot=" + (artifacts / shot).string(), "--dump-dom",
         "http://127.0.0.1:" + std::to_string(port) + path},
        60s);
    EXPECT_TRUE(result.has_value()) << result.error();
    if (!result)
      return {};
    EXPECT_EQ(result->exitCode(), 0) << result->err;
    EXPECT_FALSE(result->timedOut);
    EXPECT_TRUE(std::filesystem::exists(artifacts / shot)) << "screenshot " << shot;
    return result->out;
  }

  std::string chromium;
  testing::TempDir dir;
  common::FakeClock clock;
  testing::FakeBackend backend;
  std::unique_ptr<store::Store> store;
  MetricsRegistry registry;
  asio::io_context ctx;
  std::unique_ptr<WebServer> server;
  std::uint16_t port = 0;
  std::thread io;
};

TEST_F(BrowserTest, OverviewAndDetailPagesShowTheRightStates) {
  std::string overview = load("/", "web-overview.png");
  EXPECT_NE(overview.find("<tr class=\"server\" data-slug=\"alpha\" data-state=\"up\">"),
            std::string::npos)
      << overview.substr(0, 3000);
  EXPECT_NE(overview.find("data-slug=\"beta\" data-state=\"down\""), std::string::npos);
  EXPECT_NE(overview.find("data-slug=\"evil\" data-state=\"maintenance\""), std::string::npos);
  EXPECT_NE(overview.find("data-overall=\"problem\""), std::string::npos);
  EXPECT_EQ(overview.find("secret"), std::string::npos) << "private server on the page";
  // The hostile name is text in the DOM, never an element: no <script> element was created.
  EXPECT_EQ(overview.find("<script"), std::string::npos);
  EXPECT_NE(overview.find("&lt;script&gt;alert('name')&lt;/script&gt;"), std::string::npos);
  // The inline SVG bar survived parsing: 90 day cells per server row.
  std::size_t cells = 0;
  for (auto pos = overview.find("class=\"day "); pos != std::string::npos;
       pos = overview.find("class=\"day ", pos + 1))
    ++cells;
  EXPECT_EQ(cells, 3u * 90u);

  std::string beta = load("/status/beta", "web-status-beta.png");
  EXPECT_NE(beta.find("id=\"state\" data-state=\"down\""), std::string::npos)
      << beta.substr(0, 3000);
  EXPECT_NE(beta.find("<h1 id=\"server-name\">Beta MCP</h1>"), std::string::npos);
  EXPECT_NE(beta.find("data-open=\"true\""), std::string::npos) << "the open incident is listed";
  EXPECT_NE(beta.find("<svg class=\"latency\""), std::string::npos);

  std::string evil = load("/status/evil", "web-status-evil.png");
  EXPECT_NE(evil.find("id=\"state\" data-state=\"maintenance\""), std::string::npos);
  EXPECT_EQ(evil.find("<script"), std::string::npos);
  EXPECT_EQ(evil.find("<img"), std::string::npos);
  EXPECT_NE(evil.find("&lt;img src=x onerror=alert(1)&gt;"), std::string::npos);
}

// Desktop and phone widths, light and dark: no sideways scrolling, the bars visible, AA contrast
// and the auto-refresh, measured in Chromium through playwright-core (tests/peers/page-check.mjs).
TEST_F(BrowserTest, PagesWorkOnPhonesAndInDarkModeWithReadableContrast) {
  if (auto why = testsupport::peersUnavailable())
    FAIL() << *why;
  auto node = testsupport::nodeExecutable();
  ASSERT_TRUE(node) << node.error();
  std::filesystem::path artifacts = MCPWATCH_TEST_ARTIFACTS_DIR;
  std::filesystem::create_directories(artifacts);
  // Maintenance and an incident with a title and a long note are on the pages too.
  const auto now = clock.now();
  backend.windows = {{"db-upgrade",
                      "Upgrading the primary database cluster to the next major version",
                      {true, {}, {}},
                      now - std::chrono::minutes(10),
                      now + std::chrono::hours(1),
                      true},
                     {"weekly",
                      "",
                      {false, {"beta"}, {}},
                      now + std::chrono::hours(30),
                      now + std::chrono::hours(31),
                      false}};
  ASSERT_TRUE(store->setIncidentTitleSync("inc_beta1", "Upstream database outage in eu-west"));
  ASSERT_TRUE(store->addIncidentNoteSync({0, "inc_beta1", now,
                                          "We are failing over to the replica " +
                                              std::string(20, 'x') + "; next update in 30 minutes.",
                                          true, "test"}));
  auto result =
      testsupport::runCommand({*node, testsupport::peersDir() + "/page-check.mjs", chromium,
                               "http://127.0.0.1:" + std::to_string(port), artifacts.string(), "/",
                               "/status/beta", "/status/alpha", "/incidents/inc_beta1"},
                              180s);
  ASSERT_TRUE(result.has_value()) << result.error();
  std::cout << result->out; // one line per check: the figures are worth keeping in the log
  EXPECT_EQ(result->exitCode(), 0) << result->out << result->err;
  EXPECT_FALSE(result->timedOut);
  EXPECT_EQ(result->out.find("FAIL"), std::string::npos) << result->out;
  EXPECT_NE(result->out.find("/status/beta phone dark: no sideways scrolling"), std::string::npos)
      << result->out;
  EXPECT_NE(result->out.find("/incidents/inc_beta1 phone dark: no sideways scrolling"),
            std::string::npos)
      << result->out;
}

} // namespace
} // namespace mcpwatch::web
