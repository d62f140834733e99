// End-to-end tests of the daemon's web server: `mcpwatch run` with a public and a private demo
// server and a peer whose names carry markup, checked over HTTP (API, pages, /metrics), with
// promtool, a real Prometheus scrape and headless Chromium. One daemon serves the whole suite;
// the outage test runs last because it changes the demo server's state.
#include "common/json.hpp"
#include "common/time.hpp"
#include "tests/daemon/harness.hpp"
#include "tests/demo/test_client.hpp"
#include "tests/support/peers.hpp"
#include "tests/support/process.hpp"
#include "tests/web/prom_parser.hpp"

#include <arpa/inet.h>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <gtest/gtest.h>
#include <map>
#include <memory>
#include <netinet/in.h>
#include <poll.h>
#include <random>
#include <sstream>
#include <string>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

namespace mcpwatch::webe2e {
namespace {

using namespace std::chrono_literals;
using common::Json;
using testsupport::ChildProcess;
using testsupport::Result;
// Shared with the daemon end-to-end tests (tests/daemon/harness.hpp).
using daemontest::pollUntil;
using daemontest::TempDir;
using daemontest::writeFile;

const std::string kAdminToken = "e2e-admin-token-0123456789abcdef";
const std::string kScript = "<script>alert(1)</script>";
const std::string kScriptEscaped = "&lt;script&gt;alert(1)&lt;/script&gt;";
const std::string kPrivateSlug = "hidden-private-e2e";

struct HttpResponse {
  int status = 0;
  std::map<std::string, std::string> headers; // names lower-cased
  std::string body;
  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
};

std::string lower(std::string s) {
  for (auto& c : s)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Decodes a chunked body; nullopt when it is malformed.
std::optional<std::string> dechunk(const std::string& raw) {
  std::string out;
  std::size_t pos = 0;
  while (true) {
    auto eol = raw.find("\r\n", pos);
    if (eol == std::string::npos)
      return std::nullopt;
    std::size_t size = std::strtoul(raw.substr(pos, eol - pos).c_str(), nullptr, 16);
    pos = eol + 2;
    if (size == 0)
      return out;
    if (pos + size + 2 > raw.size())
      return std::nullopt;
    out.append(raw, pos, size);
    pos += size + 2;
  }
}

// One blocking HTTP/1.1 request to 127.0.0.1:port with `Connection: close`, read to EOF; every
// step is bounded by `timeout` so a stuck server fails the test instead of hanging it.
Result<HttpResponse> httpGet(std::uint16_t port, const std::string& target,
                             const std::string& bearer = "", const std::string& method = "GET",
                             std::chrono::milliseconds timeout = 5s, const std::string& body = "",
                             const std::string& headers = "") {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return common::unexpected(std::string("socket: ") + std::strerror(errno));
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
    return common::unexpected(std::string("connect: ") + std::strerror(errno));
  std::string request = method + " " + target +
                        " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
                        "\r\nConnection: close\r\n";
  if (!bearer.empty())
    request += "Authorization: Bearer " + bearer + "\r\n";
  request += headers; // whole lines, each ending in CRLF
  if (method == "POST" || method == "PATCH" || !body.empty())
    request += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  request += "\r\n" + body;
  if (::send(fd, request.data(), request.size(), MSG_NOSIGNAL) !=
      static_cast<ssize_t>(request.size()))
    return common::unexpected(std::string("send: ") + std::strerror(errno));
  std::string raw;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  char buf[16384];
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0)
      return common::unexpected("timed out reading " + target);
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0)
      continue;
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n < 0)
      return common::unexpected(std::string("recv: ") + std::strerror(errno));
    if (n == 0)
      break;
    raw.append(buf, static_cast<std::size_t>(n));
  }
  auto end = raw.find("\r\n\r\n");
  if (end == std::string::npos || raw.rfind("HTTP/1.1 ", 0) != 0)
    return common::unexpected("malformed response to " + target + ": " + raw.substr(0, 200));
  HttpResponse r;
  r.status = std::atoi(raw.c_str() + 9);
  std::istringstream head(raw.substr(0, end));
  std::string line;
  std::getline(head, line);
  while (std::getline(head, line)) {
    if (!line.empty() && line.back() == '\r')
      line.pop_back();
    auto colon = line.find(':');
    if (colon == std::string::npos)
      continue;
    auto value = line.substr(colon + 1);
    value.erase(0, value.find_first_not_of(' '));
    r.headers[lower(line.substr(0, colon))] = value;
  }
  r.body = raw.substr(end + 4);
  if (lower(r.header("transfer-encoding")) == "chunked") {
    auto body = dechunk(r.body);
    if (!body)
      return common::unexpected("malformed chunked body from " + target);
    r.body = *body;
  }
  return r;
}

// `mcpwatch demo-server --listen 127.0.0.1:0`; the port comes from its first stdout line.
Result<std::pair<std::unique_ptr<ChildProcess>, std::uint16_t>> startDemo() {
  testsupport::SpawnOptions options;
  options.argv = {testsupport::mcpwatchBinary(), "demo-server", "--listen", "127.0.0.1:0"};
  auto child = ChildProcess::spawn(std::move(options));
  if (!child)
    return common::unexpected(child.error());
  auto line = (*child)->waitForLine(
      [](std::string_view l) { return l.find("http://127.0.0.1:") != std::string_view::npos; },
      10s);
  if (!line)
    return common::unexpected("demo server did not start: " + line.error());
  auto at = line->find("127.0.0.1:");
  auto port = static_cast<std::uint16_t>(std::atoi(line->c_str() + at + 10));
  if (port == 0)
    return common::unexpected("demo server line without a port: " + *line);
  return std::make_pair(std::move(child.value()), port);
}

std::optional<Json> jsonOf(const Result<HttpResponse>& r) {
  if (!r)
    return std::nullopt;
  return common::parseJson(r->body);
}

const Json* findServer(const Json& list, const std::string& slug) {
  if (!list.is_object() || !list.contains("servers") || !list["servers"].is_array())
    return nullptr;
  for (const auto& s : list["servers"])
    if (s.is_object() && s.value("slug", "") == slug)
      return &s;
  return nullptr;
}

// The daemon and its monitored servers, shared by every test of the suite.
struct Env {
  TempDir dir;
  std::unique_ptr<ChildProcess> demo;
  std::uint16_t demoPort = 0;
  std::unique_ptr<ChildProcess> privateDemo;
  std::uint16_t privatePort = 0;
  std::unique_ptr<testsupport::Peer> hostile;
  std::unique_ptr<ChildProcess> daemon;
  std::uint16_t webPort = 0;
  std::string setupError;

  // A maintenance window two days ahead (upcoming: shown, but holds nothing during the suite).
  const std::chrono::system_clock::time_point upgradeStart =
      std::chrono::floor<std::chrono::minutes>(std::chrono::system_clock::now()) +
      std::chrono::hours(48);
  std::string privateUrl() const {
    return "http://127.0.0.1:" + std::to_string(privatePort) + "/mcp";
  }
  std::string tail() const {
    if (!daemon)
      return {};
    auto err = daemon->stderrText();
    return err.size() > 4000 ? err.substr(err.size() - 4000) : err;
  }

  void start() {
    if (auto why = testsupport::peersUnavailable()) {
      setupError = *why;
      return;
    }
    auto peer = testsupport::startPeer(testsupport::hostile("script-names"));
    if (!peer) {
      setupError = peer.error();
      return;
    }
    hostile = std::move(peer.value());
    auto d1 = startDemo();
    auto d2 = startDemo();
    if (!d1 || !d2) {
      setupError = d1 ? d2.error() : d1.error();
      return;
    }
    std::tie(demo, demoPort) = std::move(d1.value());
    std::tie(privateDemo, privatePort) = std::move(d2.value());

    std::ostringstream y;
    y << "defaults:\n  interval: 1s\n  timeout: 1s\n  retry_interval: 500ms\n"
      << "  failure_threshold: 2\n  success_threshold: 1\n"
      << "storage:\n  path: " << Json(dir.file("mcpwatch.db")).dump() << "\n"
      << "scheduler:\n  jitter: 0s\n"
      << "web:\n  listen: 127.0.0.1:0\n  public_url: https://status.example.test\n"
      << "  admin_token: " << Json(kAdminToken).dump() << "\n"
      << "  header_timeout: 2s\n  max_connections: 64\n  max_connections_per_client: 16\n"
      << "maintenance:\n  windows:\n    - name: e2e-upgrade\n      servers: [demo]\n"
      << "      start: " << common::formatRfc3339(upgradeStart)
      << "\n      end: " << common::formatRfc3339(upgradeStart + std::chrono::hours(1)) << "\n"
      << "      comment: \"Upgrading the <demo> database\"\n"
      << "servers:\n"
      << "  - slug: demo\n    name: Demo MCP\n    url: "
      << Json("http://127.0.0.1:" + std::to_string(demoPort) + "/mcp").dump() << "\n"
      << "  - slug: " << kPrivateSlug << "\n    name: Hidden Private E2E\n    public: false\n"
      << "    owner: \"Team E2E (#e2e-oncall)\"\n"
      << "    runbook_url: https://wiki.example.test/runbooks/private\n"
      << "    url: " << Json(privateUrl()).dump() << "\n"
      << "  - slug: evil\n    name: " << Json(kScript + " \"quotes\"").dump() << "\n"
      << "    url: " << Json(hostile->url("/mcp")).dump() << "\n";
    writeFile(dir.file("mcpwatch.yaml"), y.str());

    testsupport::SpawnOptions options;
    options.argv = {testsupport::mcpwatchBinary(), "run",          "--config",
                    dir.file("mcpwatch.yaml"),     "--log-format", "json"};
    auto child = ChildProcess::spawn(std::move(options));
    if (!child) {
      setupError = child.error();
      return;
    }
    daemon = std::move(child.value());
    std::string url;
    daemon->waitForOutput(
        [&](const std::string&, const std::string& err) {
          std::istringstream lines(err);
          std::string line;
          while (std::getline(lines, line)) {
            auto j = common::parseJson(line);
            if (j && j->is_object() && j->value("msg", "") == "web server listening") {
              url = j->value("url", "");
              return true;
            }
          }
          return false;
        },
        10s);
    const std::string prefix = "http://127.0.0.1:";
    if (url.rfind(prefix, 0) != 0) {
      setupError = "no 'web server listening' log line with a url\n" + tail();
      return;
    }
    webPort = static_cast<std::uint16_t>(std::atoi(url.c_str() + prefix.size()));
    // The first probes (spread over the first 1 s interval) are in once the API shows results.
    bool probed = pollUntil(
        [&] {
          auto list = jsonOf(httpGet(webPort, "/api/v1/servers"));
          if (!list)
            return false;
          for (const char* slug : {"demo", "evil"}) {
            auto* s = findServer(*list, slug);
            if (!s || !s->contains("last_check_at") || (*s)["last_check_at"].is_null())
              return false;
          }
          return true;
        },
        15s);
    if (!probed)
      setupError = "first probes never showed up in /api/v1/servers\n" + tail();
  }
};

Env* env = nullptr;

class WebE2E : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    env = new Env();
    env->start();
  }
  static void TearDownTestSuite() {
    if (env && env->daemon) {
      auto status = env->daemon->stop(8000ms);
      EXPECT_EQ(status.code, 0) << status.describe() << "\n" << env->tail();
    }
    delete env;
    env = nullptr;
  }
  void SetUp() override { ASSERT_TRUE(env->setupError.empty()) << env->setupError; }

  Result<HttpResponse> get(const std::string& target, const std::string& bearer = "") {
    return httpGet(env->webPort, target, bearer);
  }
  Json getJson(const std::string& target, int status = 200, const std::string& bearer = "") {
    auto r = get(target, bearer);
    EXPECT_TRUE(r) << (r ? "" : r.error());
    if (!r)
      return Json();
    EXPECT_EQ(r->status, status) << target << "\n" << r->body;
    EXPECT_NE(r->header("content-type").find("application/json"), std::string::npos) << target;
    auto j = common::parseJson(r->body);
    EXPECT_TRUE(j) << target << " is not JSON: " << r->body.substr(0, 500);
    return j ? *j : Json();
  }
  // Private data must not leak into anything an anonymous client gets.
  void expectNoPrivate(const std::string& text, const std::string& what) {
    EXPECT_EQ(text.find(kPrivateSlug), std::string::npos) << what << " names the private server";
    EXPECT_EQ(text.find("Hidden Private E2E"), std::string::npos) << what;
    EXPECT_EQ(text.find(":" + std::to_string(env->privatePort) + "/"), std::string::npos)
        << what << " shows the private URL";
  }
  std::string metrics(const std::string& bearer = "") {
    auto r = get("/metrics", bearer);
    EXPECT_TRUE(r) << (r ? "" : r.error());
    if (!r)
      return {};
    EXPECT_EQ(r->status, 200);
    EXPECT_NE(r->header("content-type").find("text/plain"), std::string::npos);
    return r->body;
  }
};

TEST_F(WebE2E, ApiListsPublicServersWithIntactHostileNamesAndHidesPrivateOnes) {
  auto raw = get("/api/v1/servers");
  ASSERT_TRUE(raw) << raw.error();
  expectNoPrivate(raw->body, "/api/v1/servers");
  Json list = getJson("/api/v1/servers");
  ASSERT_TRUE(list.contains("servers")) << list.dump();
  EXPECT_EQ(list["servers"].size(), 2u) << list.dump();
  const Json* demo = findServer(list, "demo");
  ASSERT_NE(demo, nullptr) << list.dump();
  EXPECT_EQ(demo->value("name", ""), "Demo MCP");
  EXPECT_FALSE(demo->contains("url")) << "check URLs are admin-only";
  const Json* evil = findServer(list, "evil");
  ASSERT_NE(evil, nullptr);
  // Markup and quotes survive as plain JSON strings, byte for byte.
  EXPECT_EQ(evil->value("name", ""), kScript + " \"quotes\"");
  ASSERT_TRUE(evil->contains("server_info") && (*evil)["server_info"].is_object()) << evil->dump();
  EXPECT_EQ((*evil)["server_info"].value("name", ""), kScript + " \"quotes\"") << evil->dump();
  EXPECT_EQ(evil->value("state", ""), "up") << evil->dump();

  Json one = getJson("/api/v1/servers/demo");
  EXPECT_EQ(one.value("slug", ""), "demo");
  ASSERT_TRUE(one.contains("daily") && one["daily"].is_array()) << one.dump();
  EXPECT_EQ(one["daily"].size(), 90u);
  EXPECT_TRUE(one.contains("incidents"));
  getJson("/api/v1/servers/" + kPrivateSlug, 404);

  Json checks = getJson("/api/v1/servers/demo/checks?limit=5");
  EXPECT_EQ(checks.value("server", ""), "demo");
  ASSERT_TRUE(checks.contains("checks") && checks["checks"].is_array()) << checks.dump();
  EXPECT_GE(checks["checks"].size(), 1u);
  EXPECT_LE(checks["checks"].size(), 5u);
  EXPECT_EQ(checks["checks"][0].value("ok", false), true) << checks.dump();
  getJson("/api/v1/servers/demo/checks?limit=0", 400);

  Json incidents = getJson("/api/v1/incidents?state=open");
  ASSERT_TRUE(incidents.contains("incidents") && incidents["incidents"].is_array());
  EXPECT_TRUE(incidents["incidents"].empty()) << incidents.dump();

  Json missing = getJson("/api/v1/no-such-thing", 404);
  EXPECT_TRUE(missing.contains("error")) << missing.dump();

  auto wrong = get("/api/v1/servers", "wrong-token-wrong-token");
  ASSERT_TRUE(wrong) << wrong.error();
  EXPECT_EQ(wrong->status, 401);
  EXPECT_NE(wrong->header("www-authenticate").find("invalid_token"), std::string::npos);
  EXPECT_EQ(wrong->body.find("demo"), std::string::npos) << "data in a 401";

  Json admin = getJson("/api/v1/servers", 200, kAdminToken);
  EXPECT_EQ(admin["servers"].size(), 3u) << admin.dump();
  const Json* hidden = findServer(admin, kPrivateSlug);
  ASSERT_NE(hidden, nullptr) << admin.dump();
  EXPECT_EQ(hidden->value("url", ""), env->privateUrl());
  EXPECT_EQ(hidden->value("public", true), false);
  getJson("/api/v1/servers/" + kPrivateSlug, 200, kAdminToken);
}

TEST_F(WebE2E, PagesEscapeHostileNamesCarryCspAndHidePrivateServers) {
  // The overview is cached for 5 s: wait until it shows the probed states.
  Result<HttpResponse> overview = common::unexpected(std::string("not fetched"));
  ASSERT_TRUE(pollUntil(
      [&] {
        overview = get("/");
        return overview &&
               overview->body.find("data-slug=\"demo\" data-state=\"up\"") != std::string::npos;
      },
      10s))
      << (overview ? overview->body.substr(0, 3000) : overview.error());
  for (const std::string path : {"/", "/status/evil"}) {
    auto r = get(path);
    ASSERT_TRUE(r) << r.error();
    EXPECT_EQ(r->status, 200) << path;
    EXPECT_NE(r->header("content-type").find("text/html"), std::string::npos) << path;
    EXPECT_NE(r->header("content-security-policy").find("default-src 'none'"), std::string::npos)
        << path << ": " << r->header("content-security-policy");
    EXPECT_EQ(r->body.find(kScript), std::string::npos) << path << " has raw markup";
    EXPECT_EQ(r->body.find("<script"), std::string::npos) << path;
    EXPECT_NE(r->body.find(kScriptEscaped), std::string::npos) << path << " lacks escaped name";
    expectNoPrivate(r->body, path);
  }
  // The detail page shows what the server itself said (serverInfo), escaped too.
  auto evil = get("/status/evil");
  ASSERT_TRUE(evil) << evil.error();
  EXPECT_NE(evil->body.find(kScriptEscaped + " &quot;quotes&quot;"), std::string::npos)
      << evil->body.substr(0, 4000);
  auto hidden = get("/status/" + kPrivateSlug);
  ASSERT_TRUE(hidden) << hidden.error();
  EXPECT_EQ(hidden->status, 404);
  // The 404 may echo the requested path, but nothing the config says about the server.
  EXPECT_EQ(hidden->body.find("Hidden Private E2E"), std::string::npos);
  EXPECT_EQ(hidden->body.find(":" + std::to_string(env->privatePort) + "/"), std::string::npos);
}

TEST_F(WebE2E, MetricsAreStrictlyValidAndPromtoolClean) {
  std::string text;
  ASSERT_TRUE(pollUntil(
      [&] {
        text = metrics();
        auto parsed = web::testing::parsePrometheus(text);
        return parsed.find("mcpwatch_up", {{"server", "demo"}}) == 1.0 &&
               parsed.find("mcpwatch_up", {{"server", "evil"}}) == 1.0;
      },
      10s))
      << text;
  auto parsed = web::testing::parsePrometheus(text);
  EXPECT_TRUE(parsed.errors.empty()) << ::testing::PrintToString(parsed.errors);
  EXPECT_EQ(parsed.find("mcpwatch_incident_open", {{"server", "demo"}}), 0.0);
  EXPECT_EQ(parsed.types["mcpwatch_probe_duration_seconds"], "histogram");
  expectNoPrivate(text, "/metrics");
  auto admin = web::testing::parsePrometheus(metrics(kAdminToken));
  EXPECT_TRUE(admin.hasLabelValue("server", kPrivateSlug)) << "admin sees private series";

  auto promtool = testsupport::findExecutable("promtool");
  ASSERT_TRUE(promtool.has_value()) << "promtool not found: install it with scripts/install-deps "
                                       "--with-tests (Debian package prometheus)";
  TempDir dir;
  writeFile(dir.file("metrics.txt"), text);
  auto result = testsupport::runCommand(
      {"/bin/sh", "-c", "\"$0\" check metrics < \"$1\"", promtool.value(), dir.file("metrics.txt")},
      20s);
  ASSERT_TRUE(result.has_value()) << result.error();
  EXPECT_EQ(result->exitCode(), 0) << result->out << result->err;
  EXPECT_EQ(result->out + result->err, "") << "promtool lint findings";
}

// Prometheus itself scrapes /metrics: the issue asked exactly for this.
TEST_F(WebE2E, PrometheusScrapesTheDaemon) {
  auto prometheus = testsupport::findExecutable("prometheus");
  ASSERT_TRUE(prometheus.has_value()) << "prometheus not found: install it with "
                                         "scripts/install-deps --with-tests (Debian package "
                                         "prometheus)";
  auto port = testsupport::freeLoopbackPort();
  ASSERT_TRUE(port) << port.error();
  TempDir dir;
  std::filesystem::create_directories(dir.file("data"));
  writeFile(dir.file("prometheus.yml"),
            "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
            "scrape_configs:\n  - job_name: mcpwatch\n    scrape_interval: 1s\n"
            "    scrape_timeout: 1s\n    metrics_path: /metrics\n"
            "    static_configs:\n      - targets: ['127.0.0.1:" +
                std::to_string(env->webPort) + "']\n");
  testsupport::SpawnOptions options;
  options.argv = {prometheus.value(), "--config.file=" + dir.file("prometheus.yml"),
                  "--storage.tsdb.path=" + dir.file("data"),
                  "--web.listen-address=127.0.0.1:" + std::to_string(*port)};
  auto child = ChildProcess::spawn(std::move(options));
  ASSERT_TRUE(child) << child.error();
  auto query = [&](const std::string& q) -> std::optional<Json> {
    auto j = jsonOf(httpGet(*port, "/api/v1/query?query=" + q));
    if (!j || j->value("status", "") != "success")
      return std::nullopt;
    return *j;
  };
  auto sampleFor = [](const Json& answer, const std::string& label,
                      const std::string& value) -> std::optional<std::string> {
    for (const auto& r : answer["data"]["result"])
      if (r["metric"].value(label, "") == value && r["value"].is_array() && r["value"].size() == 2)
        return r["value"][1].get<std::string>();
    return std::nullopt;
  };
  std::optional<std::string> demoUp;
  bool scraped = pollUntil(
      [&] {
        auto answer = query("mcpwatch_up");
        if (answer)
          demoUp = sampleFor(*answer, "server", "demo");
        return demoUp.has_value();
      },
      20s);
  ASSERT_TRUE(scraped) << "no mcpwatch_up sample in Prometheus\n" << (*child)->stderrText();
  EXPECT_EQ(*demoUp, "1");
  auto up = query("up%7Bjob%3D%22mcpwatch%22%7D");
  ASSERT_TRUE(up);
  EXPECT_EQ(sampleFor(*up, "job", "mcpwatch"), std::optional<std::string>("1")) << up->dump();
  auto status = (*child)->stop(5000ms);
  EXPECT_TRUE(status.code == 0 || status.signal) << status.describe();
}

TEST_F(WebE2E, ChromiumShowsTheDemoServerOperational) {
  std::string chromium;
  for (const char* name : {"chromium", "chromium-browser"})
    if (auto path = testsupport::findExecutable(name); path && chromium.empty())
      chromium = path.value();
  ASSERT_FALSE(chromium.empty())
      << "chromium not found: install the test tools with scripts/install-deps --with-tests "
         "(Debian package chromium)";
  // Make sure the cached overview already holds the probed state before the browser loads it.
  ASSERT_TRUE(pollUntil(
      [&] {
        auto r = get("/");
        return r && r->body.find("data-slug=\"demo\" data-state=\"up\"") != std::string::npos;
      },
      10s));
  TempDir profile;
  std::filesystem::path artifacts = MCPWATCH_TEST_ARTIFACTS_DIR;
  std::filesystem::create_directories(artifacts);
  auto shot = artifacts / "web-e2e-overview.png";
  std::filesystem::remove(shot);
  auto result = testsupport::runCommand(
      {chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
       "--disable-background-networking", "--disable-component-update", "--disable-sync",
       "--user-data-dir=" + profile.file("profile"), "--window-size=1280,900",
       "--screenshot=" + shot.string(), "--dump-dom",
       "http://127.0.0.1:" + std::to_string(env->webPort) + "/"},
      60s);
  ASSERT_TRUE(result.has_value()) << result.error();
  EXPECT_FALSE(result->timedOut);
  EXPECT_EQ(result->exitCode(), 0) << result->err;
  const std::string& dom = result->out;
  EXPECT_NE(dom.find("<tr class=\"server\" data-slug=\"demo\" data-state=\"up\">"),
            std::string::npos)
      << dom.substr(0, 3000);
  EXPECT_NE(dom.find("Demo MCP"), std::string::npos);
  EXPECT_EQ(dom.find("<script"), std::string::npos) << "hostile name became an element";
  EXPECT_NE(dom.find(kScriptEscaped), std::string::npos);
  expectNoPrivate(dom, "DOM");
  EXPECT_TRUE(std::filesystem::exists(shot)) << shot;
}

// The issue: 256 connections that never sent a byte locked every client out for 30 s. Now one
// client gets its share, the rest of its connections are refused at once, everyone else is
// served, and the idle ones are closed after web.header_timeout (2 s here).
TEST_F(WebE2E, IdleConnectionsFromOneClientCannotLockOthersOut) {
  using ::mcpwatch::testing::TestConnection;
  std::vector<std::unique_ptr<TestConnection>> idle;
  for (int i = 0; i < 16; ++i) {
    idle.push_back(std::make_unique<TestConnection>(env->webPort, "127.0.0.2"));
    ASSERT_TRUE(idle.back()->connected()) << "cannot connect from 127.0.0.2";
  }
  int refused = 0;
  for (int i = 0; i < 44; ++i) {
    TestConnection more(env->webPort, "127.0.0.2");
    auto r = more.readResponse();
    if (r && r->status == 429)
      ++refused;
  }
  EXPECT_EQ(refused, 44) << "one client holds at most max_connections_per_client";
  for (const std::string target : {"/healthz", "/", "/api/v1/servers"}) {
    auto r = get(target);
    ASSERT_TRUE(r) << r.error();
    EXPECT_EQ(r->status, 200) << target;
  }
  auto head = httpGet(env->webPort, "/healthz", "", "HEAD");
  ASSERT_TRUE(head) << head.error();
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->header("content-length"), "3");
  EXPECT_EQ(head->body, "");
  for (auto& c : idle)
    EXPECT_TRUE(c->waitClosed()) << "an idle connection outlived web.header_timeout";
  // And the abuser's address may connect again once its connections are gone.
  TestConnection again(env->webPort, "127.0.0.2");
  ASSERT_TRUE(again.send(::mcpwatch::testing::rawRequest("GET", "/healthz")));
  auto back = again.readResponse();
  ASSERT_TRUE(back);
  EXPECT_EQ(back->status, 200);
}

TEST_F(WebE2E, ChecksSinceAFarFutureDateIsABadRequestNotAnOverflow) {
  // No token needed: this reached undefined behaviour in the daemon's date arithmetic.
  auto j = getJson("/api/v1/servers/demo/checks?since=9999-12-31T23:59:59Z", 400);
  EXPECT_EQ(j.value("error", ""),
            "since: year 9999 is out of range (supported: dates from 1800-01-01 to 2200-12-31)");
  auto ok = getJson("/api/v1/servers/demo/checks?since=2200-12-31T23:59:59Z", 200);
  EXPECT_TRUE(ok["checks"].empty()) << ok.dump();
}

TEST_F(WebE2E, UpcomingMaintenanceAndTheAdminViewAreOnThePages) {
  auto page = get("/");
  ASSERT_TRUE(page) << page.error();
  EXPECT_NE(page->body.find("<li class=\"maint\" data-window=\"e2e-upgrade\" "
                            "data-active=\"false\"><strong>Scheduled</strong>"),
            std::string::npos)
      << page->body;
  EXPECT_NE(page->body.find("Upgrading the &lt;demo&gt; database <span class=\"muted\">(Demo "
                            "MCP)</span>"),
            std::string::npos);
  EXPECT_NE(get("/feed.atom")
                ->body.find("Scheduled maintenance: Upgrading the &lt;demo&gt; "
                            "database"),
            std::string::npos);

  // A browser signs in with the admin token and sees the private server with its context.
  auto login =
      httpGet(env->webPort, "/admin/login", "", "POST", 5s, "token=" + std::string(kAdminToken),
              "Content-Type: application/x-www-form-urlencoded\r\n");
  ASSERT_TRUE(login) << login.error();
  ASSERT_EQ(login->status, 303) << login->body;
  auto setCookie = login->headers["set-cookie"];
  EXPECT_NE(setCookie.find("HttpOnly; SameSite=Lax; Max-Age=43200; Secure"), std::string::npos)
      << setCookie << " (public_url is https)";
  const std::string cookie = "Cookie: " + setCookie.substr(0, setCookie.find(';')) + "\r\n";
  auto anonymous = get(std::string("/status/") + kPrivateSlug);
  ASSERT_TRUE(anonymous);
  EXPECT_EQ(anonymous->status, 404);
  auto signedIn =
      httpGet(env->webPort, std::string("/status/") + kPrivateSlug, "", "GET", 5s, "", cookie);
  ASSERT_TRUE(signedIn) << signedIn.error();
  ASSERT_EQ(signedIn->status, 200) << signedIn->body;
  EXPECT_NE(signedIn->body.find("Team E2E (#e2e-oncall)"), std::string::npos);
  EXPECT_NE(signedIn->body.find("https://wiki.example.test/runbooks/private"), std::string::npos);
}

// Last: it takes the demo server down for the rest of the suite.
TEST_F(WebE2E, OutageShowsInMetricsAndOpenIncidents) {
  auto outage = httpGet(env->demoPort, "/demo/outage?seconds=30", "", "POST");
  ASSERT_TRUE(outage) << outage.error();
  ASSERT_LT(outage->status, 300) << outage->body;
  std::string text;
  ASSERT_TRUE(pollUntil(
      [&] {
        text = metrics();
        auto parsed = web::testing::parsePrometheus(text);
        return parsed.find("mcpwatch_up", {{"server", "demo"}}) == 0.0 &&
               parsed.find("mcpwatch_incident_open", {{"server", "demo"}}) == 1.0;
      },
      15s))
      << text << "\n"
      << env->tail();
  auto parsed = web::testing::parsePrometheus(text);
  EXPECT_TRUE(parsed.errors.empty()) << ::testing::PrintToString(parsed.errors);
  EXPECT_EQ(parsed.find("mcpwatch_up", {{"server", "evil"}}), 1.0) << "only demo is down";

  Json open;
  ASSERT_TRUE(pollUntil(
      [&] {
        auto j = jsonOf(get("/api/v1/incidents?state=open"));
        if (!j || !j->contains("incidents"))
          return false;
        open = *j;
        return !(*j)["incidents"].empty();
      },
      10s))
      << open.dump();
  ASSERT_EQ(open["incidents"].size(), 1u) << open.dump();
  const Json& incident = open["incidents"][0];
  EXPECT_EQ(incident.value("server", ""), "demo");
  EXPECT_EQ(incident.value("state", ""), "open");
  EXPECT_EQ(incident.value("id", "").rfind("inc_", 0), 0u) << incident.dump();
  // This config has no sinks or routes: the trigger reached nobody, and the API says so.
  EXPECT_EQ(incident.value("trigger_sent", true), false) << incident.dump();

  // The on-call engineer names the incident and posts an update; the public page shows both.
  const std::string id = incident.value("id", "");
  auto titled = httpGet(env->webPort, "/api/v1/admin/incidents/" + id, kAdminToken, "PATCH", 5s,
                        R"({"title": "Demo database outage"})");
  ASSERT_TRUE(titled) << titled.error();
  EXPECT_EQ(titled->status, 200) << titled->body;
  auto noted = httpGet(env->webPort, "/api/v1/admin/incidents/" + id + "/notes", kAdminToken,
                       "POST", 5s, R"({"text": "Failing over to the replica."})");
  ASSERT_TRUE(noted) << noted.error();
  EXPECT_EQ(noted->status, 201) << noted->body;
  auto page = get("/incidents/" + id);
  ASSERT_TRUE(page) << page.error();
  EXPECT_NE(page->body.find("<h1 id=\"incident-title\">Demo MCP: Demo database outage</h1>"),
            std::string::npos)
      << page->body;
  EXPECT_NE(page->body.find("Failing over to the replica."), std::string::npos);
}

} // namespace
} // namespace mcpwatch::webe2e
