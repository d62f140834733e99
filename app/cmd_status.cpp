// `mcpwatch status [--config FILE | --url URL]`: what is not up right now, from a running
// daemon's JSON API (every page of /api/v1/servers). Exit 0 when every server is up, 1 otherwise
// (or when the daemon cannot be asked), 2 on a usage or config error.
#include "app/commands.hpp"
#include "app/sinks.hpp"
#include "common/json.hpp"
#include "config/loader.hpp"
#include "net/http_client.hpp"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace mcpwatch::app {
namespace {

using common::Json;

constexpr auto kRequestTimeout = std::chrono::seconds(10);
constexpr int kMaxPages = 10'000; // 10 million servers at 1,000 a page

struct StatusArgs {
  std::string configPath;
  std::string url;
};

struct Target {
  std::string base; // scheme://host:port, no trailing slash
  std::optional<std::string> token;
};

std::optional<Target> targetOf(const StatusArgs& args) {
  if (!args.url.empty()) {
    std::string base = args.url;
    while (!base.empty() && base.back() == '/')
      base.pop_back();
    auto parsed = common::Url::parse(base + "/");
    if (!parsed) {
      std::fprintf(stderr, "mcpwatch status: --url must be an http(s) URL\n");
      return std::nullopt;
    }
    Target t{base, std::nullopt};
    if (const char* token = std::getenv("MCPWATCH_ADMIN_TOKEN"); token && *token)
      t.token = token;
    return t;
  }
  auto loaded = config::loadConfigFile(args.configPath, config::processEnvironment(), sinkTypes());
  if (!loaded) {
    for (const auto& e : loaded.error())
      std::fprintf(stderr, "%s: %s\n", args.configPath.c_str(), e.toString().c_str());
    return std::nullopt;
  }
  const auto& web = loaded->web;
  if (web.listenPort == 0) {
    std::fprintf(stderr,
                 "mcpwatch status: web.listen in %s picks a free port at start; pass the daemon's "
                 "address with --url\n",
                 args.configPath.c_str());
    return std::nullopt;
  }
  // A daemon listening on every address answers on loopback too.
  std::string host = web.listenHost;
  if (host == "0.0.0.0" || host.empty())
    host = "127.0.0.1";
  else if (host == "::")
    host = "::1";
  if (host.find(':') != std::string::npos)
    host = "[" + host + "]";
  Target t{"http://" + host + ":" + std::to_string(web.listenPort), std::nullopt};
  if (web.adminToken)
    t.token = web.adminToken->reveal(); // private servers too
  return t;
}

struct Fetched {
  std::vector<Json> servers;
  std::string error; // empty when every page arrived
};

Awaitable<Fetched> fetchAll(Target target) {
  Fetched out;
  auto executor = co_await asio::this_coro::executor;
  net::Client client(executor);
  std::string cursor;
  for (int page = 0; page < kMaxPages; ++page) {
    std::string text = target.base + "/api/v1/servers?limit=1000";
    if (!cursor.empty())
      text += "&cursor=" + cursor; // opaque base64url: nothing to escape
    auto url = common::Url::parse(text);
    if (!url) {
      out.error = "not a valid URL: " + text;
      co_return out;
    }
    net::Request request;
    request.method = "GET";
    request.url = *url;
    request.headers.add("Accept", "application/json");
    if (target.token)
      request.headers.add("Authorization", "Bearer " + *target.token);
    auto response = co_await client.send(std::move(request),
                                         std::chrono::steady_clock::now() + kRequestTimeout);
    if (!response) {
      out.error = "cannot reach mcpwatch at " + target.base + ": " + response.error().detail;
      co_return out;
    }
    auto body = common::parseJson(response->body);
    if (response->head.status != 200 || !body || !body->is_object()) {
      std::string why = body && body->is_object() ? body->value("error", "") : "";
      out.error = target.base + "/api/v1/servers answered HTTP " +
                  std::to_string(response->head.status) + (why.empty() ? "" : ": " + why);
      co_return out;
    }
    if (auto servers = body->find("servers"); servers != body->end() && servers->is_array())
      for (auto& s : *servers)
        if (s.is_object())
          out.servers.push_back(std::move(s));
    auto next = body->find("next_cursor");
    if (next == body->end() || !next->is_string() || next->get<std::string>().empty())
      co_return out;
    cursor = next->get<std::string>();
  }
  out.error = "more than " + std::to_string(kMaxPages) + " pages of servers";
  co_return out;
}

std::string text(const Json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// "DOWN         github-mcp  GitHub MCP  since 2026-11-24T11:50:00Z  connect_timeout: timed out"
std::string line(const Json& s) {
  std::string state = text(s, "state");
  std::string out = state;
  for (auto& c : out)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  out.resize(std::max<std::size_t>(out.size(), 12), ' ');
  out += " " + text(s, "slug");
  if (auto name = text(s, "name"); !name.empty() && name != text(s, "slug"))
    out += "  " + name;
  if (auto incident = s.find("open_incident"); incident != s.end() && incident->is_object()) {
    out += "  since " + text(*incident, "down_since");
    std::string why = text(*incident, "reason");
    if (auto detail = text(*incident, "detail"); !detail.empty())
      why += ": " + detail;
    out += "  " + why;
  } else if (auto last = text(s, "last_check_at"); !last.empty()) {
    out += "  last check " + last;
  }
  if (state == "maintenance" && s.value("health", "") != "up")
    out += "  (" + s.value("health", std::string("?")) + " underneath)";
  return out;
}

int status(const StatusArgs& args) {
  auto target = targetOf(args);
  if (!target)
    return 2;
  asio::io_context io;
  Fetched fetched;
  asio::co_spawn(io, fetchAll(*target), [&](std::exception_ptr e, Fetched f) {
    if (e)
      fetched.error = "internal error";
    else
      fetched = std::move(f);
  });
  io.run();
  if (!fetched.error.empty()) {
    std::fprintf(stderr, "mcpwatch status: %s\n", fetched.error.c_str());
    return 1;
  }
  // Worst first, in the order an on-call engineer reads them.
  const std::vector<std::string> order = {"down",        "flapping", "failing",
                                          "maintenance", "paused",   "unknown"};
  std::map<std::string, int> counts;
  for (const auto& s : fetched.servers)
    ++counts[text(s, "state")];
  const auto total = fetched.servers.size();
  std::string summary = std::to_string(total) + (total == 1 ? " server: " : " servers: ") +
                        std::to_string(counts["up"]) + " up";
  for (const auto& state : order)
    if (counts[state] > 0)
      summary += ", " + std::to_string(counts[state]) + " " + state;
  std::printf("mcpwatch at %s: %s\n", target->base.c_str(), summary.c_str());
  bool allUp = true;
  for (const auto& state : order)
    for (const auto& s : fetched.servers)
      if (text(s, "state") == state) {
        allUp = false;
        std::printf("%s\n", line(s).c_str());
      }
  for (const auto& s : fetched.servers) {
    const auto state = text(s, "state");
    if (state != "up" && std::find(order.begin(), order.end(), state) == order.end()) {
      allUp = false; // a state this build does not know is not "up" either
      std::printf("%s\n", line(s).c_str());
    }
  }
  return allUp ? 0 : 1;
}

} // namespace

void addStatusCommand(CLI::App& app, int& exitCode) {
  auto args = std::make_shared<StatusArgs>();
  auto* cmd = app.add_subcommand(
      "status", "Print what is not up now, from a running daemon (exit 0 all up, 1 otherwise)");
  auto* config = cmd->add_option("--config", args->configPath,
                                 "The daemon's config: its web.listen address and admin token");
  auto* url = cmd->add_option("--url", args->url,
                              "The daemon's web address (admin token from MCPWATCH_ADMIN_TOKEN)");
  config->excludes(url);
  url->excludes(config);
  cmd->callback([args, &exitCode, cmd] {
    if (args->configPath.empty() && args->url.empty())
      throw CLI::ValidationError(cmd->get_name(), "one of --config FILE or --url URL is required");
    exitCode = status(*args);
  });
}

} // namespace mcpwatch::app
