// Routing, authentication, caching and the response headers of the web server.
#include "web/server.hpp"

#include "common/crypto.hpp"
#include "common/log.hpp"
#include "common/strings.hpp"
#include "common/time.hpp"
#include "durable/recovery.hpp"
#include "web/api.hpp"
#include "web/badge.hpp"
#include "web/html.hpp"
#include "web/listing.hpp"
#include "web/pages.hpp"

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <spdlog/spdlog.h>
#include <thread>
#include <unordered_set>

namespace mcpwatch::web {
namespace {

using common::Json;
using net::ServerRequest;
using net::ServerResponse;

// Limited: the client sent too many wrong tokens lately; its token was not even looked at.
enum class Auth { None, Valid, Invalid, Limited };

bool validSlug(std::string_view s) {
  if (s.empty() || s.size() > 128)
    return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
  });
}

// The non-empty path segments, each decoded on its own ("%2F" stays inside its segment).
std::vector<std::string_view> pathParts(const ServerRequest& req) {
  std::vector<std::string_view> parts;
  for (const auto& p : req.segments)
    if (!p.empty())
      parts.emplace_back(p);
  return parts;
}

// The key wrong tokens are counted by: the connection's client, else the address without port.
std::string clientOf(const ServerRequest& req) {
  if (!req.client.empty())
    return req.client;
  std::string_view a = req.remoteAddress;
  if (!a.empty() && a.front() == '[')
    return std::string(a.substr(1, a.find(']') - 1));
  return std::string(a.substr(0, a.rfind(':')));
}

ServerResponse jsonResponse(int status, const Json& body) {
  return ServerResponse::json(status, dumpJson(body) + "\n");
}

ServerResponse jsonError(int status, std::string_view message) {
  return jsonResponse(status, Json{{"error", sanitizeUtf8(message)}});
}

ServerResponse htmlResponse(int status, std::string body) {
  ServerResponse r;
  r.status = status;
  r.body = std::move(body);
  r.with("Content-Type", "text/html; charset=utf-8");
  return r;
}

std::optional<std::size_t> parseLimit(const std::optional<std::string>& text, std::size_t fallback,
                                      std::size_t max) {
  if (!text)
    return fallback;
  std::size_t value = 0;
  auto [ptr, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (ec != std::errc() || ptr != text->data() + text->size() || value == 0 || value > max)
    return std::nullopt;
  return value;
}

} // namespace

struct WebServer::Impl : std::enable_shared_from_this<WebServer::Impl> {
  Impl(asio::any_io_executor ex, const config::WebConfig& cfg, WebBackend& b, store::Store& s,
       MetricsRegistry& m, common::Clock& c, WebOptions o)
      : executor(ex), config(cfg), backend(b), store(s), metrics(m), clock(c),
        options(std::move(o)), authLimiter(options.auth), worker(1) {
    setToken(config.adminToken);
    config.adminToken.reset(); // only the digest is kept
    loadLogo();
    workGuard = asio::require(worker.get_executor(), asio::execution::outstanding_work.tracked);
    workerThread = std::thread([this] { worker.run(); });
  }
  ~Impl() { stopWorker(); }

  // Store reads in progress finish; queued ones are dropped (their requests never resume).
  void stopWorker() {
    workGuard.reset();
    worker.stop();
    if (workerThread.joinable() && workerThread.get_id() != std::this_thread::get_id())
      workerThread.join();
  }

  // web.logo, read once at start (check-config has checked the type and size).
  void loadLogo() {
    if (!config.logoPath)
      return;
    std::ifstream in(*config.logoPath, std::ios::binary);
    std::string body;
    if (in)
      body.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    if (!in && !in.eof()) {
      common::logRecord(spdlog::level::warn, "cannot read web.logo; the page shows no logo",
                        {{"path", *config.logoPath}});
      return;
    }
    if (body.empty() || body.size() > 256 * 1024) {
      common::logRecord(spdlog::level::warn,
                        "web.logo is empty or larger than 256 KiB; the page shows no logo",
                        {{"path", *config.logoPath}});
      return;
    }
    std::string ext = std::filesystem::path(*config.logoPath).extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    std::string type = ext == ".svg"                     ? "image/svg+xml"
                       : ext == ".png"                   ? "image/png"
                       : ext == ".jpg" || ext == ".jpeg" ? "image/jpeg"
                       : ext == ".webp"                  ? "image/webp"
                                                         : "";
    if (type.empty()) {
      common::logRecord(spdlog::level::warn, "web.logo is not a PNG, SVG, JPEG or WebP file",
                        {{"path", *config.logoPath}});
      return;
    }
    logo = Logo{std::move(body), std::move(type)};
  }

  void setToken(const std::optional<common::Secret>& token) {
    std::optional<std::string> digest;
    if (token && !token->empty())
      digest = common::sha256(token->reveal());
    {
      std::lock_guard lock(tokenMutex);
      if (digest == tokenDigest)
        return;
      tokenDigest = std::move(digest);
      ++tokenGeneration;
    }
    std::lock_guard lock(sessionMutex); // a new (or no) token signs every browser out
    sessions.clear();
  }

  // --- Admin sessions for the HTML pages (a browser cannot send a Bearer token) ---
  // POST /admin/login checks the admin token (with the same wrong-token limiter as the API) and
  // sets an HttpOnly, SameSite=Lax cookie holding a random session id (Lax: a responder opening
  // an alert's link from chat or mail arrives signed in; the cookie only unlocks GET views, and
  // cross-site POSTs never carry it); only its SHA-256 is kept, in memory, for 12 hours. A
  // restart or a token change signs everyone out.
  static constexpr std::string_view kSessionCookie = "mcpwatch_session";
  static constexpr auto kSessionLifetime = std::chrono::hours(12);
  static constexpr std::size_t kMaxSessions = 256;

  std::optional<std::string> cookie(const ServerRequest& req, std::string_view name) const {
    auto header = req.header("Cookie");
    if (!header)
      return std::nullopt;
    std::string_view rest = *header;
    while (!rest.empty()) {
      auto end = rest.find(';');
      std::string_view pair = common::trim(rest.substr(0, end));
      if (auto eq = pair.find('='); eq != std::string_view::npos && pair.substr(0, eq) == name)
        return std::string(pair.substr(eq + 1));
      if (end == std::string_view::npos)
        break;
      rest.remove_prefix(end + 1);
    }
    return std::nullopt;
  }

  bool adminSession(const ServerRequest& req) {
    if (!adminEnabled())
      return false;
    auto id = cookie(req, kSessionCookie);
    if (!id || id->size() != 64)
      return false;
    auto digest = common::sha256(*id);
    std::lock_guard lock(sessionMutex);
    auto it = sessions.find(digest);
    if (it == sessions.end())
      return false;
    if (clock.monoNow() >= it->second) {
      sessions.erase(it);
      return false;
    }
    return true;
  }

  // A session for a token checked at `generation`; nullopt when the token changed since.
  std::optional<std::string> newSession(std::uint64_t generation) {
    auto id = common::randomHex(32);
    const auto now = clock.monoNow();
    std::scoped_lock lock(tokenMutex, sessionMutex);
    if (generation != tokenGeneration)
      return std::nullopt;
    std::erase_if(sessions, [&](const auto& s) { return s.second <= now; });
    if (sessions.size() >= kMaxSessions) // the one closest to expiry goes
      sessions.erase(std::min_element(sessions.begin(), sessions.end(),
                                      [](auto& a, auto& b) { return a.second < b.second; }));
    sessions[common::sha256(id)] = now + kSessionLifetime;
    return id;
  }

  // The login form again, with what went wrong (403: a wrong token is not a missing
  // WWW-Authenticate challenge; 429 with Retry-After when the client is over its limit).
  ServerResponse loginRefused(int status, std::string_view message,
                              std::optional<std::chrono::seconds> retryAfter = std::nullopt) {
    auto r = htmlResponse(status, renderLoginPage(config.title, message));
    if (retryAfter)
      r.with("Retry-After", std::to_string(retryAfter->count()));
    return r;
  }

  std::string sessionCookie(const std::string& value, bool expire) const {
    return fmt::format(
        "{}={}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{}", kSessionCookie, value,
        expire ? 0 : std::chrono::duration_cast<std::chrono::seconds>(kSessionLifetime).count(),
        config.publicUrl.starts_with("https://") ? "; Secure" : "");
  }

  Awaitable<ServerResponse> adminLogin(const ServerRequest& req) {
    if (!adminEnabled())
      co_return htmlResponse(404, renderErrorPage(404, "Not found", "There is no page here."));
    if (req.method == "GET" || req.method == "HEAD")
      co_return htmlResponse(200, renderLoginPage(config.title, ""));
    if (req.method != "POST") {
      auto r = htmlResponse(405, renderErrorPage(405, "Method not allowed", ""));
      r.with("Allow", "GET, HEAD, POST");
      co_return r;
    }
    const std::string client = clientOf(req);
    const auto now = clock.now();
    if (auto wait = authLimiter.refused(client, now))
      co_return loginRefused(429, "Too many wrong tokens from this address; try again later.",
                             *wait);
    // application/x-www-form-urlencoded: token=...
    std::optional<std::string> token;
    for (std::string_view rest = req.body; !rest.empty();) {
      auto end = rest.find('&');
      auto pair = rest.substr(0, end);
      if (pair.starts_with("token="))
        token = net::percentDecode(pair.substr(6), true);
      if (end == std::string_view::npos)
        break;
      rest.remove_prefix(end + 1);
    }
    std::optional<std::string> digest;
    std::uint64_t generation = 0;
    {
      std::lock_guard lock(tokenMutex);
      digest = tokenDigest;
      generation = tokenGeneration;
    }
    if (!token || !digest || !common::matchesDigest(common::trim(*token), *digest)) {
      authLimiter.failed(client, now);
      co_return loginRefused(403, "Wrong admin token.");
    }
    authLimiter.succeeded(client);
    auto session = newSession(generation);
    if (!session) // the token changed while this one was checked
      co_return loginRefused(403, "Wrong admin token.");
    ServerResponse r;
    r.status = 303;
    r.with("Location", "/");
    r.with("Set-Cookie", sessionCookie(*session, false));
    co_return r;
  }

  ServerResponse adminLogout(const ServerRequest& req) {
    if (auto id = cookie(req, kSessionCookie)) {
      std::lock_guard lock(sessionMutex);
      sessions.erase(common::sha256(*id));
    }
    ServerResponse r;
    r.status = 303;
    r.with("Location", "/");
    r.with("Set-Cookie", sessionCookie("", true));
    return r;
  }

  asio::any_io_executor executor;
  config::WebConfig config; // adminToken is cleared: see tokenDigest
  WebBackend& backend;
  store::Store& store;
  MetricsRegistry& metrics;
  common::Clock& clock;
  WebOptions options;
  std::unique_ptr<net::HttpServer> http;
  AuthFailureLimiter authLimiter;
  struct Logo {
    std::string body;
    std::string contentType;
  };
  std::optional<Logo> logo;
  std::mutex sessionMutex;
  std::map<std::string, common::MonoTime> sessions; // SHA-256 of the session id -> expiry

  // SHA-256 of web.admin_token (unset: admin API disabled). Reloads replace it from another
  // thread, hence the mutex.
  mutable std::mutex tokenMutex;
  std::uint64_t tokenGeneration = 0; // bumped when the token changes (under tokenMutex)
  std::optional<std::string> tokenDigest;

  // Store reads and the overview rendering run here, off the io thread.
  asio::io_context worker;
  std::optional<asio::any_io_executor> workGuard;
  std::thread workerThread;

  // The server list is read from the backend at most once per overviewCacheTtl, and the pages
  // and API lists rendered from it (with their store reads) are kept as long, by request.
  struct Cache {
    std::shared_ptr<const ServerViews> views;
    common::WallTime at{};
    std::map<std::string, std::shared_ptr<const std::string>> bodies;
  };
  static constexpr std::size_t kMaxCachedBodies = 1000;
  std::mutex cacheMutex;
  Cache cache;
  // /feed.atom is rendered at most once a minute (its Cache-Control), whoever asks.
  static constexpr auto kFeedTtl = std::chrono::seconds(60);
  std::shared_ptr<const std::string> feedBody; // under cacheMutex
  common::MonoTime feedAt{};

  // Runs `f` on the worker thread and resumes the awaiting coroutine on its own executor with
  // the result (or the exception). A plain initiation, not a lambda coroutine: captures of a
  // coroutine lambda would dangle once the lambda object is gone.
  template <class F> auto onWorker(F f) {
    using T = std::invoke_result_t<F>;
    return asio::async_initiate<const asio::use_awaitable_t<>&,
                                void(std::exception_ptr, std::shared_ptr<T>)>(
        [this](auto handler, F fn) {
          auto home = asio::get_associated_executor(handler, executor);
          // Keeps the caller's io_context from running out of work while the worker is busy.
          auto guard = asio::prefer(home, asio::execution::outstanding_work.tracked);
          asio::post(worker, [fn = std::move(fn), handler = std::move(handler),
                              guard = std::move(guard)]() mutable {
            std::exception_ptr error;
            std::shared_ptr<T> result;
            try {
              result = std::make_shared<T>(fn());
            } catch (...) {
              error = std::current_exception();
            }
            auto target = guard;
            asio::post(target,
                       [handler = std::move(handler), error, result = std::move(result)]() mutable {
                         std::move(handler)(error, std::move(result));
                       });
          });
        },
        use_awaitable, std::move(f));
  }

  // Checks the Bearer token. A client that sent too many wrong ones lately is Limited until the
  // oldest of them ages out, whatever it sends: otherwise a right guess would still stand out.
  Auth authOf(const ServerRequest& req) {
    auto header = req.header("Authorization");
    if (!header)
      return Auth::None;
    const std::string client = clientOf(req);
    const auto now = clock.now();
    if (authLimiter.refused(client, now))
      return Auth::Limited;
    std::optional<std::string> digest;
    {
      std::lock_guard lock(tokenMutex);
      digest = tokenDigest;
    }
    std::string_view value = common::trim(*header);
    bool valid = digest && value.size() >= 7 && common::iequals(value.substr(0, 7), "bearer ") &&
                 common::matchesDigest(common::trim(value.substr(7)), *digest);
    if (!valid) {
      authLimiter.failed(client, now);
      return Auth::Invalid;
    }
    authLimiter.succeeded(client);
    return Auth::Valid;
  }

  bool adminEnabled() const {
    std::lock_guard lock(tokenMutex);
    return tokenDigest.has_value();
  }

  ServerResponse tooManyFailures(const ServerRequest& req) {
    auto wait = authLimiter.refused(clientOf(req), clock.now()).value_or(std::chrono::seconds(1));
    auto r = jsonError(429, "too many wrong admin tokens from this client; retry later");
    r.with("Retry-After", std::to_string(wait.count()));
    return r;
  }

  // The answer to a request whose token was not accepted.
  ServerResponse refusedAuth(const ServerRequest& req, Auth auth) {
    return auth == Auth::Limited ? tooManyFailures(req) : unauthorized(auth == Auth::Invalid);
  }

  ServerResponse unauthorized(bool badToken) const {
    auto r = jsonError(401, badToken ? "invalid admin token" : "admin token required");
    r.with("WWW-Authenticate", badToken ? "Bearer realm=\"mcpwatch\", error=\"invalid_token\""
                                        : "Bearer realm=\"mcpwatch\"");
    return r;
  }

  // The published server list, reused for overviewCacheTtl: live state on the pages and the
  // list API can be that much behind.
  std::shared_ptr<const ServerViews> currentViews() {
    auto now = clock.now();
    std::lock_guard lock(cacheMutex);
    if (cache.views && now - cache.at < options.overviewCacheTtl)
      return cache.views;
    cache.views = backend.serverList();
    cache.at = now;
    cache.bodies.clear();
    return cache.views;
  }

  std::shared_ptr<const std::string> cachedBody(const std::shared_ptr<const ServerViews>& views,
                                                const std::string& key) {
    std::lock_guard lock(cacheMutex);
    if (cache.views != views)
      return nullptr;
    auto it = cache.bodies.find(key);
    return it == cache.bodies.end() ? nullptr : it->second;
  }

  void keepBody(const std::shared_ptr<const ServerViews>& views, std::string key,
                std::shared_ptr<const std::string> body) {
    std::lock_guard lock(cacheMutex);
    if (cache.views == views && cache.bodies.size() < kMaxCachedBodies)
      cache.bodies.emplace(std::move(key), std::move(body));
  }

  static std::string cacheKey(std::string_view kind, const ListQuery& q) {
    return fmt::format("{}\n{}\n{}\n{}\n{}\n{}\n{}", kind, q.filter.q, q.filter.tag, q.filter.state,
                       q.limit, q.after.value_or(""), q.page);
  }

  static std::vector<ServerView> copyRows(const std::vector<const ServerView*>& rows) {
    std::vector<ServerView> out;
    out.reserve(rows.size());
    for (const auto* v : rows)
      out.push_back(*v);
    return out;
  }

  Awaitable<ServerResponse> overviewPage(const ServerRequest& req) {
    auto perPage = static_cast<std::size_t>(std::max(1, options.serversPerPage));
    auto query = parseListQuery(req, perPage, std::max(perPage, kMaxListLimit), false, true);
    if (!query)
      co_return htmlResponse(400, renderErrorPage(400, "Bad request", query.error()));
    auto views = currentViews();
    const bool admin = adminSession(req);
    std::string key = cacheKey(admin ? "html-admin" : "html", *query);
    if (auto body = cachedBody(views, key))
      co_return htmlResponse(200, *body);
    auto now = clock.now();
    auto render = [this, views, q = *query, perPage, now,
                   admin]() -> std::shared_ptr<const std::string> {
      auto selected = selectOverviewPage(*views, q, admin);
      auto rows = gatherOverview(store, copyRows(selected.servers), now);
      for (const auto& e : rows.errors)
        common::logRecord(spdlog::level::warn, "web: overview read failed", {{"error", e}});
      OverviewPageInfo info;
      info.title = config.title;
      info.counts = std::move(selected.counts);
      info.fleet = selected.fleet;
      info.matching = selected.matching;
      info.page = selected.page;
      info.pages = selected.pages;
      info.perPage = q.limit;
      info.defaultPerPage = perPage;
      info.filter = q.filter;
      info.logo = logo.has_value();
      info.admin = admin;
      info.adminLogin = adminEnabled();
      info.maintenance = maintenanceNotices(backend.maintenance(), *views, nullptr, admin);
      return std::make_shared<const std::string>(renderOverviewPage(rows, info));
    };
    auto html = *co_await onWorker(std::move(render));
    keepBody(views, std::move(key), html);
    co_return htmlResponse(200, *html);
  }

  std::optional<ServerView> visibleServer(std::string_view slug, bool admin) {
    if (!validSlug(slug))
      return std::nullopt;
    auto view = backend.server(slug);
    if (!view || (!view->isPublic && !admin))
      return std::nullopt;
    return view;
  }

  Awaitable<ServerResponse> detailPage(std::string_view slug, bool admin) {
    auto view = visibleServer(slug, admin);
    if (!view)
      co_return htmlResponse(404, renderErrorPage(404, "Not found", "No such server."));
    auto now = clock.now();
    auto renderDetail = [this, v = std::move(*view), now, admin]() mutable {
      auto windows = maintenanceNotices(backend.maintenance(), *backend.serverList(), &v, admin);
      auto d = gatherDetail(store, std::move(v), now);
      d.maintenance = std::move(windows);
      d.admin = admin;
      for (const auto& e : d.errors)
        common::logRecord(spdlog::level::warn, "web: detail read failed", {{"error", e}});
      return renderDetailPage(d, config.title);
    };
    auto html = co_await onWorker(std::move(renderDetail));
    co_return htmlResponse(200, *html);
  }

  // Runs on the worker: `views` is the backend's published list. The per-server live series
  // are written straight into the text (no registry per scrape): a handful of lines per server.
  std::string renderMetrics(bool admin, const ServerViews& views,
                            const std::optional<OutboxStats>& outbox) {
    std::unordered_set<std::string_view> hidden;
    if (!admin)
      for (const auto& v : views)
        if (!v.isPublic)
          hidden.insert(v.slug);
    SeriesFilter filter;
    if (!hidden.empty())
      filter = [&hidden](std::string_view label, std::string_view value) {
        return label != "server" || !hidden.contains(value);
      };
    std::string text = metrics.render(filter);
    text.reserve(text.size() + 1024 + views.size() * 300);

    text += "# HELP mcpwatch_build_info mcpwatch version\n# TYPE mcpwatch_build_info gauge\n"
            "mcpwatch_build_info{version=\"";
    appendLabelValue(text, MCPWATCH_VERSION);
    text += "\"} 1\n";
    auto shown = [&](const ServerView& v) { return admin || v.isPublic; };
    // One gauge family with one series per shown server.
    auto perServer = [&](std::string_view name, std::string_view help, auto&& value) {
      text += fmt::format("# HELP {0} {1}\n# TYPE {0} gauge\n", name, help);
      for (const auto& v : views) {
        if (!shown(v))
          continue;
        std::optional<double> x = value(v);
        if (!x)
          continue;
        text += name;
        text += "{server=\"";
        appendLabelValue(text, v.slug);
        text += "\"} ";
        text += formatSampleValue(*x);
        text += '\n';
      }
    };
    // Only the current state: five series per server (four of them 0) cost more than the rest.
    text += "# HELP mcpwatch_server_state 1 for the server's current detector state (only that "
            "state's series is present)\n# TYPE mcpwatch_server_state gauge\n";
    for (const auto& v : views) {
      if (!shown(v))
        continue;
      text += "mcpwatch_server_state{server=\"";
      appendLabelValue(text, v.slug);
      text += "\",state=\"";
      text += detector::toString(v.state.status);
      text += "\"} 1\n";
    }
    using Value = std::optional<double>;
    perServer("mcpwatch_incident_open", "1 while the server has an open incident",
              [](const ServerView& v) -> Value { return v.state.incident ? 1 : 0; });
    perServer("mcpwatch_server_in_maintenance", "1 while a maintenance window covers the server",
              [](const ServerView& v) -> Value { return v.inMaintenance ? 1 : 0; });
    perServer("mcpwatch_server_paused", "1 while monitoring is paused",
              [](const ServerView& v) -> Value { return v.paused ? 1 : 0; });
    perServer("mcpwatch_tls_certificate_expiry_timestamp_seconds",
              "Unix time the server's TLS certificate expires", [](const ServerView& v) -> Value {
                if (!v.tlsNotAfter)
                  return std::nullopt;
                return static_cast<double>(std::chrono::duration_cast<std::chrono::seconds>(
                                               v.tlsNotAfter->time_since_epoch())
                                               .count());
              });
    perServer("mcpwatch_oauth_token_expiry_timestamp_seconds",
              "Unix time mcpwatch's OAuth access token for the server expires (renewed before)",
              [](const ServerView& v) -> Value {
                if (!v.oauthTokenExpiresAt)
                  return std::nullopt;
                return static_cast<double>(std::chrono::duration_cast<std::chrono::seconds>(
                                               v.oauthTokenExpiresAt->time_since_epoch())
                                               .count());
              });
    if (outbox) {
      MetricsRegistry live;
      auto pending =
          live.gauge("mcpwatch_outbox_pending", "Deliveries waiting in the outbox", {"sink"});
      auto dead = live.gauge("mcpwatch_outbox_dead", "Dead-lettered deliveries", {"sink"});
      auto deliveries = live.counter("mcpwatch_deliveries_total",
                                     "Delivery attempts by sink and outcome", {"sink", "outcome"});
      for (const auto& [sink, n] : outbox->pendingBySink)
        pending.set({sink}, static_cast<double>(n));
      for (const auto& [sink, n] : outbox->deadBySink)
        dead.set({sink}, static_cast<double>(n));
      for (const auto& [sink, outcomes] : outbox->deliveriesBySinkOutcome)
        for (const auto& [outcome, n] : outcomes)
          deliveries.inc({sink, outcome}, static_cast<double>(n));
      text += live.render();
    }
    return text;
  }

  // --- JSON API ---

  // GET /api/v1/servers: one page of visible servers by slug, filtered, with an opaque cursor.
  Awaitable<ServerResponse> apiServers(const ServerRequest& req, bool admin) {
    auto query = parseListQuery(req, kDefaultListLimit, kMaxListLimit, true, false);
    if (!query)
      co_return jsonError(400, query.error());
    auto views = currentViews();
    std::string key = cacheKey(admin ? "api-admin" : "api", *query);
    if (auto body = cachedBody(views, key))
      co_return ServerResponse::json(200, *body);
    auto now = clock.now();
    auto build = [this, views, q = *query, admin, now]() -> std::shared_ptr<const std::string> {
      auto selected = selectBySlug(*views, q, admin);
      // Uptimes only (no 90-day bars), for this page's servers alone.
      auto rows = gatherOverview(store, copyRows(selected.servers), now, false);
      for (const auto& e : rows.errors)
        common::logRecord(spdlog::level::warn, "web: server list read failed", {{"error", e}});
      std::sort(
          rows.servers.begin(), rows.servers.end(),
          [](const ServerSummary& a, const ServerSummary& b) { return a.view.slug < b.view.slug; });
      Json list = Json::array();
      for (const auto& s : rows.servers)
        list.push_back(serverJson(s, admin, now));
      Json body = {{"generated_at", common::formatRfc3339(now)},
                   {"servers", std::move(list)},
                   {"total", selected.total},
                   {"limit", q.limit},
                   {"next_cursor",
                    selected.nextAfter ? Json(encodeCursor(*selected.nextAfter)) : Json(nullptr)}};
      return std::make_shared<const std::string>(dumpJson(body) + "\n");
    };
    auto body = *co_await onWorker(std::move(build));
    keepBody(views, std::move(key), body);
    co_return ServerResponse::json(200, *body);
  }

  Awaitable<ServerResponse> apiServer(std::string_view slug, bool admin) {
    auto view = visibleServer(slug, admin);
    if (!view)
      co_return jsonError(404, "no such server");
    auto now = clock.now();
    auto buildJson = [this, v = std::move(*view), now, admin]() mutable {
      return detailJson(gatherDetail(store, std::move(v), now), admin);
    };
    auto body = co_await onWorker(std::move(buildJson));
    co_return jsonResponse(200, *body);
  }

  Awaitable<ServerResponse> apiChecks(const ServerRequest& req, std::string_view slug, bool admin) {
    auto view = visibleServer(slug, admin);
    if (!view)
      co_return jsonError(404, "no such server");
    auto now = clock.now();
    common::WallTime since = now - std::chrono::hours(24);
    if (auto s = req.query("since")) {
      std::string problem;
      auto t = common::parseRfc3339(*s, &problem);
      if (!t && !problem.empty())
        co_return jsonError(400, "since: " + problem);
      if (!t)
        co_return jsonError(400, "since: expected an RFC 3339 time like 2026-11-24T00:00:00Z");
      since = *t;
    }
    auto limit = parseLimit(req.query("limit"), 100, options.maxChecksLimit);
    if (!limit)
      co_return jsonError(400, fmt::format("limit: expected 1..{}", options.maxChecksLimit));
    std::string key = view->slug;
    auto readChecks = [this, key, since, n = *limit] { return store.checksSince(key, since, n); };
    auto checks = co_await onWorker(std::move(readChecks));
    if (!*checks)
      co_return jsonError(500, "store read failed");
    Json list = Json::array();
    for (const auto& c : checks->value())
      list.push_back(checkJson(c, admin));
    co_return jsonResponse(200, Json{{"server", key}, {"checks", std::move(list)}});
  }

  Awaitable<ServerResponse> apiIncidents(const ServerRequest& req, bool admin) {
    std::string state = req.query("state").value_or("all");
    if (state != "open" && state != "closed" && state != "all")
      co_return jsonError(400, "state: expected open, closed or all");
    auto limit = parseLimit(req.query("limit"), 100, 1000);
    if (!limit)
      co_return jsonError(400, "limit: expected 1..1000");
    std::set<std::string> visible;
    auto views = backend.serverList(); // held: the loop must not outlive the list
    for (const auto& v : *views)
      if (admin || v.isPublic)
        visible.insert(v.slug);
    auto now = clock.now();
    auto readIncidents = [this, state, n = *limit, visible, admin, now]() -> Json {
      Json list = Json::array();
      auto keep = [&](const store::IncidentRecord& i) {
        // Incidents of servers no longer configured are shown to the admin only.
        return (admin || visible.contains(i.slug)) &&
               (state == "all" || (state == "open") == !i.closedAt.has_value());
      };
      if (state == "open") {
        auto open = store.openIncidents();
        if (!open)
          throw std::runtime_error(open.error());
        for (auto it = open->rbegin(); it != open->rend() && list.size() < n; ++it)
          if (keep(*it))
            list.push_back(incidentJson(*it, now, admin));
        return list;
      }
      constexpr std::size_t kPage = 500;
      for (std::size_t offset = 0; list.size() < n && offset < 100'000; offset += kPage) {
        auto page = store.allIncidents(kPage, offset);
        if (!page)
          throw std::runtime_error(page.error());
        for (const auto& i : page.value())
          if (list.size() < n && keep(i))
            list.push_back(incidentJson(i, now, admin));
        if (page->size() < kPage)
          break;
      }
      return list;
    };
    auto result = co_await onWorker(std::move(readIncidents));
    co_return jsonResponse(200, Json{{"incidents", std::move(*result)}});
  }

  // An incident with its notes and whether the caller may see it (its server public, or admin;
  // incidents of servers no longer configured: admin only).
  struct IncidentWithNotes {
    store::IncidentRecord incident;
    std::vector<store::IncidentNote> notes;
  };
  Awaitable<std::optional<IncidentWithNotes>> readIncident(std::string_view id, bool admin) {
    if (!validIncidentId(id))
      co_return std::nullopt;
    auto read = [this, key = std::string(id)]() -> std::optional<IncidentWithNotes> {
      auto incident = store.incident(key);
      if (!incident)
        throw std::runtime_error(incident.error());
      if (!incident->has_value())
        return std::nullopt;
      auto notes = store.incidentNotes(key);
      if (!notes)
        throw std::runtime_error(notes.error());
      return IncidentWithNotes{std::move(**incident), std::move(notes.value())};
    };
    auto found = *co_await onWorker(std::move(read));
    if (!found || (!admin && !visibleServer(found->incident.slug, false)))
      co_return std::nullopt;
    co_return found;
  }

  static bool validIncidentId(std::string_view id) {
    return !id.empty() && id.size() <= 64 && std::all_of(id.begin(), id.end(), [](char c) {
      return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    });
  }

  Awaitable<ServerResponse> apiIncident(std::string_view id, bool admin) {
    auto found = co_await readIncident(id, admin);
    if (!found)
      co_return jsonError(404, "no such incident");
    co_return jsonResponse(200,
                           incidentDetailJson(found->incident, found->notes, clock.now(), admin));
  }

  // PATCH /api/v1/admin/incidents/{id} {"title"} and POST .../{id}/notes {"text", "public"}.
  Awaitable<ServerResponse> adminIncident(const ServerRequest& req, std::string_view id,
                                          bool notes) {
    if (notes ? req.method != "POST" : req.method != "PATCH")
      co_return methodNotAllowed(notes ? "POST" : "PATCH");
    if (!validIncidentId(id))
      co_return jsonError(404, "no such incident");
    auto now = clock.now();
    std::optional<std::string> title;
    std::optional<NoteRequest> note;
    if (notes) {
      auto parsed = parseNoteRequest(req.body);
      if (!parsed)
        co_return jsonError(400, parsed.error());
      note = std::move(parsed.value());
    } else {
      auto parsed = parseIncidentTitle(req.body);
      if (!parsed)
        co_return jsonError(400, parsed.error());
      title = std::move(parsed.value());
    }
    enum class Outcome { Done, NotFound, Full, Failed };
    auto write = [this, key = std::string(id), title, note, now]() -> Outcome {
      auto exists = store.incident(key);
      if (!exists)
        return Outcome::Failed;
      if (!exists->has_value())
        return Outcome::NotFound;
      if (title) {
        auto r = store.setIncidentTitleSync(key, *title);
        if (!r)
          common::logRecord(spdlog::level::err, "web: could not store the incident title",
                            {{"error", r.error()}});
        return r ? Outcome::Done : Outcome::Failed;
      }
      store::IncidentNote n;
      n.incidentId = key;
      n.at = now;
      n.text = note->text;
      n.isPublic = note->isPublic;
      n.author = "admin-api";
      auto notes = store.incidentNotes(key);
      if (notes && notes->size() >= store::Store::kMaxIncidentNotes)
        return Outcome::Full;
      auto r = store.addIncidentNoteSync(std::move(n));
      if (!r)
        common::logRecord(spdlog::level::err, "web: could not store the incident note",
                          {{"error", r.error()}});
      return r ? Outcome::Done : Outcome::Failed;
    };
    switch (*co_await onWorker(std::move(write))) {
    case Outcome::NotFound:
      co_return jsonError(404, "no such incident");
    case Outcome::Full:
      co_return jsonError(
          409, fmt::format("the incident has {} notes already", store::Store::kMaxIncidentNotes));
    case Outcome::Failed:
      co_return jsonError(500, "could not store the change");
    case Outcome::Done:
      break;
    }
    invalidate();
    auto found = co_await readIncident(id, true);
    if (!found)
      co_return jsonError(500, "store read failed");
    auto r = jsonResponse(notes ? 201 : 200,
                          incidentDetailJson(found->incident, found->notes, now, true));
    if (notes)
      r.with("Location", "/api/v1/incidents/" + std::string(id));
    co_return r;
  }

  // --- Admin API ---

  Awaitable<ServerResponse> admin(const ServerRequest& req,
                                  const std::vector<std::string_view>& p) {
    // p = ["api", "v1", "admin", ...]
    auto now = clock.now();
    if (p.size() == 4 && p[3] == "maintenance") {
      if (req.method == "GET" || req.method == "HEAD") {
        auto readWindows = [this] { return store.maintenanceWindows(); };
        auto list = co_await onWorker(std::move(readWindows));
        if (!*list)
          co_return jsonError(500, "store read failed");
        Json out = Json::array();
        for (const auto& r : list->value())
          out.push_back(maintenanceJson(r, now));
        co_return jsonResponse(200, Json{{"maintenance", std::move(out)}});
      }
      if (req.method != "POST")
        co_return methodNotAllowed("GET, HEAD, POST");
      auto parsed = parseMaintenanceRequest(req.body, now);
      if (!parsed)
        co_return jsonError(400, parsed.error());
      for (const auto& slug : parsed->target.servers)
        if (!backend.server(slug))
          co_return jsonError(400, "servers: unknown server " + common::truncateUtf8(slug, 128));
      auto record = toRecord(*parsed, "mnt_" + common::randomHex(8), "admin-api");
      auto window = durable::windowFromRecord(record);
      if (!window)
        co_return jsonError(400, window.error());
      auto storeWindow = [this, record] { return store.putMaintenanceSync(record); };
      auto stored = co_await onWorker(std::move(storeWindow));
      if (!*stored) {
        common::logRecord(spdlog::level::err, "web: could not store the maintenance window",
                          {{"error", stored->error()}});
        co_return jsonError(500, "could not store the maintenance window");
      }
      auto added = co_await backend.addMaintenance(std::move(window.value()));
      if (!added) {
        auto dropWindow = [this, id = record.id] { return store.deleteMaintenanceSync(id); };
        co_await onWorker(std::move(dropWindow));
        co_return jsonError(409, added.error());
      }
      invalidate();
      co_return jsonResponse(201, maintenanceJson(record, now));
    }
    if (p.size() == 5 && p[3] == "maintenance") {
      std::string id(p[4]);
      if (req.method != "DELETE")
        co_return methodNotAllowed("DELETE");
      co_return co_await endMaintenance(id, now);
    }
    if (p.size() == 6 && p[3] == "maintenance" && p[5] == "end") {
      if (req.method != "POST")
        co_return methodNotAllowed("POST");
      std::string id(p[4]);
      co_return co_await endMaintenance(id, now);
    }
    if (p.size() == 6 && p[3] == "servers") {
      if (req.method != "POST")
        co_return methodNotAllowed("POST");
      std::string slug(p[4]);
      if (!validSlug(slug) || !backend.server(slug))
        co_return jsonError(404, "no such server");
      if (p[5] == "baseline") {
        auto fp = co_await backend.acceptBaseline(slug);
        if (!fp)
          co_return jsonError(409, fp.error());
        invalidate();
        co_return jsonResponse(200, Json{{"server", slug}, {"fingerprint", fp.value()}});
      }
      if (p[5] == "pause" || p[5] == "resume") {
        bool pause = p[5] == "pause";
        auto done = pause ? co_await backend.pause(slug) : co_await backend.resume(slug);
        if (!done)
          co_return jsonError(409, done.error());
        invalidate();
        co_return jsonResponse(200, Json{{"server", slug}, {"paused", pause}});
      }
      co_return jsonError(404, "not found");
    }
    if (p.size() == 5 && p[3] == "incidents")
      co_return co_await adminIncident(req, p[4], false);
    if (p.size() == 6 && p[3] == "incidents" && p[5] == "notes")
      co_return co_await adminIncident(req, p[4], true);
    if (p.size() == 4 && p[3] == "test-alert") {
      if (req.method != "POST")
        co_return methodNotAllowed("POST");
      TestAlertRequest request;
      if (!common::trim(req.body).empty()) {
        auto body = common::parseJson(req.body, nullptr, 4);
        if (!body || !body->is_object())
          co_return jsonError(400, "body: expected a JSON object");
        for (auto it = body->begin(); it != body->end(); ++it) {
          if ((it.key() != "server" && it.key() != "sink") || !(it.value().is_string()))
            co_return jsonError(400, "body: only \"server\" and \"sink\" strings are accepted");
        }
        if (body->contains("server")) {
          request.server = (*body)["server"].get<std::string>();
          if (!validSlug(*request.server) || !backend.server(*request.server))
            co_return jsonError(400, "server: unknown server");
        }
        if (body->contains("sink"))
          request.sink = (*body)["sink"].get<std::string>();
      }
      auto result = co_await backend.testAlert(std::move(request));
      if (!result)
        co_return jsonError(502, result.error());
      co_return jsonResponse(200, Json{{"result", result.value()}});
    }
    co_return jsonError(404, "not found");
  }

  Awaitable<ServerResponse> endMaintenance(std::string id, common::WallTime now) {
    auto readAll = [this] { return store.maintenanceWindows(); };
    auto list = co_await onWorker(std::move(readAll));
    if (!*list)
      co_return jsonError(500, "store read failed");
    auto found = std::find_if(list->value().begin(), list->value().end(),
                              [&](const store::MaintenanceRecord& r) { return r.id == id; });
    if (found == list->value().end())
      co_return jsonError(404, "no such maintenance window");
    if (!(found->start <= now && now < found->end))
      co_return jsonError(409, "the maintenance window is not active");
    auto endWindow = [this, id, now] { return store.endMaintenanceSync(id, now); };
    auto ended = co_await onWorker(std::move(endWindow));
    if (!*ended) {
      common::logRecord(spdlog::level::err, "web: could not end the maintenance window",
                        {{"error", ended->error()}});
      co_return jsonError(500, "could not end the maintenance window");
    }
    auto record = *found;
    record.end = now;
    record.endedEarly = true;
    Json body = maintenanceJson(record, now);
    if (auto done = co_await backend.endMaintenance(id, now); !done)
      body["warning"] = done.error();
    invalidate();
    co_return jsonResponse(200, body);
  }

  ServerResponse methodNotAllowed(std::string_view allow) const {
    auto r = jsonError(405, "method not allowed");
    r.with("Allow", std::string(allow));
    return r;
  }

  void invalidate() {
    std::lock_guard lock(cacheMutex);
    cache.views.reset();
    cache.bodies.clear();
    feedBody.reset();
  }

  Awaitable<ServerResponse> route(const ServerRequest& req) {
    const std::string& path = req.path;
    auto parts = pathParts(req);
    bool isApi = !parts.empty() && parts[0] == "api";
    // HEAD answers like GET; the connection leaves out the body.
    bool get = req.method == "GET" || req.method == "HEAD";

    if (isApi) {
      bool isAdmin = parts.size() >= 3 && parts[2] == "admin";
      if (parts.size() < 3 || parts[1] != "v1")
        co_return jsonError(404, "not found");
      if (isAdmin && !adminEnabled())
        co_return jsonError(404, "the admin API is disabled (no web.admin_token)");
      Auth auth = authOf(req);
      if (isAdmin) {
        if (auth != Auth::Valid)
          co_return refusedAuth(req, auth);
        co_return co_await admin(req, parts);
      }
      if (auth == Auth::Invalid || auth == Auth::Limited)
        co_return refusedAuth(req, auth);
      bool admin = auth == Auth::Valid;
      if (parts[2] == "servers" && parts.size() <= 5) {
        if (!get)
          co_return methodNotAllowed("GET, HEAD");
        if (parts.size() == 3)
          co_return co_await apiServers(req, admin);
        if (parts.size() == 4)
          co_return co_await apiServer(parts[3], admin);
        if (parts[4] == "checks")
          co_return co_await apiChecks(req, parts[3], admin);
        if (parts[4] == "embed")
          co_return co_await apiEmbed(parts[3]);
      }
      if (parts[2] == "incidents" && parts.size() == 3) {
        if (!get)
          co_return methodNotAllowed("GET, HEAD");
        co_return co_await apiIncidents(req, admin);
      }
      if (parts[2] == "incidents" && parts.size() == 4) {
        if (!get)
          co_return methodNotAllowed("GET, HEAD");
        co_return co_await apiIncident(parts[3], admin);
      }
      if (parts[2] == "deliveries" && parts.size() == 3) {
        if (!get)
          co_return methodNotAllowed("GET, HEAD");
        std::string state = req.query("state").value_or("dead");
        // The token first: an anonymous client must not make the store read 500 rows.
        if (!adminEnabled())
          co_return jsonError(404, "the deliveries API needs web.admin_token");
        if (!admin)
          co_return unauthorized(false);
        auto readDeliveries = [this, state] { return backend.deliveries(state); };
        auto result = *co_await onWorker(std::move(readDeliveries));
        if (!result)
          co_return jsonError(404, "deliveries are not available");
        if (!*result)
          co_return jsonError(400, result->error());
        co_return jsonResponse(200, Json{{"state", state}, {"deliveries", result->value()}});
      }
      co_return jsonError(404, "not found");
    }

    auto notAllowed = [] {
      auto r = htmlResponse(405, renderErrorPage(405, "Method not allowed", "Use GET."));
      r.with("Allow", "GET, HEAD");
      return r;
    };
    // Health probes ignore Authorization: an orchestrator's probe must not fail (or be locked
    // out by the wrong-token limit) because of credentials a proxy added.
    if (path == "/healthz") {
      if (!get)
        co_return notAllowed();
      if (auto why = backend.stalled())
        co_return ServerResponse::text(503, "stalled: " + *why + "\n");
      co_return ServerResponse::text(200, "ok\n");
    }
    if (path == "/readyz") {
      if (!get)
        co_return notAllowed();
      auto checkReady = [this] { return backend.ready(); };
      auto ready = *co_await onWorker(std::move(checkReady));
      if (ready.ok())
        co_return jsonResponse(200, Json{{"status", "ready"}});
      co_return jsonResponse(503, Json{{"status", "not_ready"}, {"problems", ready.problems}});
    }
    if (path == "/metrics") {
      if (!get)
        co_return notAllowed();
      Auth auth = authOf(req);
      if (auth == Auth::Invalid || auth == Auth::Limited)
        co_return refusedAuth(req, auth);
      auto scrape = [this, admin = auth == Auth::Valid, views = backend.serverList()] {
        return renderMetrics(admin, *views, backend.outboxStats());
      };
      auto text = co_await onWorker(std::move(scrape));
      ServerResponse r;
      r.body = std::move(*text);
      r.with("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
      co_return r;
    }
    if (path == "/static/style.css") {
      if (!get)
        co_return notAllowed();
      ServerResponse r;
      r.body = std::string(kStyleCss);
      r.with("Content-Type", "text/css; charset=utf-8");
      r.with("Cache-Control", "public, max-age=3600");
      co_return r;
    }
    if (path == "/static/logo" && logo) {
      if (!get)
        co_return notAllowed();
      ServerResponse r;
      r.body = logo->body;
      r.with("Content-Type", logo->contentType);
      r.with("Cache-Control", "public, max-age=3600");
      co_return r;
    }
    if (path == "/") {
      if (!get)
        co_return notAllowed();
      co_return co_await overviewPage(req);
    }
    if (path == "/admin/login")
      co_return co_await adminLogin(req);
    if (path == "/admin/logout") {
      if (req.method != "POST") {
        auto r =
            htmlResponse(405, renderErrorPage(405, "Method not allowed", "Sign out with POST."));
        r.with("Allow", "POST");
        co_return r;
      }
      co_return adminLogout(req);
    }
    if (parts.size() == 2 && parts[0] == "status") {
      if (!get)
        co_return notAllowed();
      co_return co_await detailPage(parts[1], adminSession(req));
    }
    if (parts.size() == 2 && parts[0] == "incidents") {
      if (!get)
        co_return notAllowed();
      co_return co_await incidentPage(parts[1], adminSession(req));
    }
    if (path == "/feed.atom") {
      if (!get)
        co_return notAllowed();
      co_return co_await incidentFeed();
    }
    if (parts.size() == 3 && parts[0] == "badge") {
      if (!get)
        co_return notAllowed();
      co_return co_await badge(req, parts[1], parts[2]);
    }
    co_return htmlResponse(404, renderErrorPage(404, "Not found", "There is no page here."));
  }

  // Visitors: incidents of public servers with their public notes. A signed-in admin: private
  // servers' incidents too, every note (internal ones marked) and the whole failure detail.
  Awaitable<ServerResponse> incidentPage(std::string_view id, bool admin) {
    auto found = co_await readIncident(id, admin);
    auto view = found ? visibleServer(found->incident.slug, admin) : std::nullopt;
    if (!found || !view)
      co_return htmlResponse(404, renderErrorPage(404, "Not found", "No such incident."));
    std::vector<store::IncidentNote> notes;
    for (auto& n : found->notes)
      if (admin || n.isPublic)
        notes.push_back(std::move(n));
    co_return htmlResponse(
        200, renderIncidentPage(found->incident, notes, *view, clock.now(), config.title, admin));
  }

  // The latest 50 incidents of public servers.
  Awaitable<ServerResponse> incidentFeed() {
    auto respond = [](std::string body) {
      ServerResponse r;
      r.body = std::move(body);
      r.with("Content-Type", "application/atom+xml; charset=utf-8");
      r.with("Cache-Control", "public, max-age=60");
      return r;
    };
    {
      std::lock_guard lock(cacheMutex);
      if (feedBody && clock.monoNow() - feedAt < kFeedTtl)
        co_return respond(*feedBody);
    }
    std::map<std::string, std::string> names;
    auto views = backend.serverList();
    for (const auto& v : *views)
      if (v.isPublic)
        names.emplace(v.slug, v.name);
    auto build = [this, names = std::move(names), views, now = clock.now()]() {
      // Pages of the newest incidents until 50 belong to public servers (a busy private fleet
      // must not push them out), at most 20,000 read.
      std::vector<FeedEntry> entries;
      constexpr std::size_t kPage = 500;
      for (std::size_t offset = 0; entries.size() < 50 && offset < 20'000; offset += kPage) {
        auto page = store.allIncidents(kPage, offset);
        if (!page)
          break;
        for (auto& i : page.value()) {
          auto it = names.find(i.slug);
          if (it == names.end())
            continue;
          entries.push_back({std::move(i), it->second, {}});
          if (entries.size() == 50)
            break;
        }
        if (page->size() < kPage)
          break;
      }
      for (auto& e : entries) {
        auto notes = store.incidentNotes(e.incident.id);
        if (!notes)
          continue;
        for (auto& n : notes.value())
          if (n.isPublic)
            e.notes.push_back(std::move(n));
      }
      return std::make_shared<const std::string>(
          renderIncidentFeed(entries, maintenanceNotices(backend.maintenance(), *views),
                             config.publicUrl, config.title, now));
    };
    auto body = *co_await onWorker(std::move(build));
    {
      std::lock_guard lock(cacheMutex);
      feedBody = body;
      feedAt = clock.monoNow();
    }
    co_return respond(*body);
  }

  // One public server with its uptimes (no 90-day bar), for badges and embeds. Private servers
  // are not found, whatever the token: a README badge is public by nature.
  Awaitable<std::optional<ServerSummary>> publicSummary(std::string_view slug) {
    auto view = visibleServer(slug, false);
    if (!view)
      co_return std::nullopt;
    auto gather = [this, v = std::move(*view), now = clock.now()]() mutable {
      auto overview = gatherOverview(store, {std::move(v)}, now, false);
      for (const auto& e : overview.errors)
        common::logRecord(spdlog::level::warn, "web: badge read failed", {{"error", e}});
      return std::move(overview.servers.front());
    };
    co_return *co_await onWorker(std::move(gather));
  }

  // GET /badge/{slug}/status.svg | uptime.svg?period=24h|7d|30d|90d | latency.svg
  Awaitable<ServerResponse> badge(const ServerRequest& req, std::string_view slug,
                                  std::string_view file) {
    if (file != "status.svg" && file != "uptime.svg" && file != "latency.svg")
      co_return htmlResponse(404, renderErrorPage(404, "Not found", "No such badge."));
    const std::string period = req.query("period").value_or("30d");
    if (file == "uptime.svg" && period != "24h" && period != "7d" && period != "30d" &&
        period != "90d")
      co_return jsonError(400, "period: expected 24h, 7d, 30d or 90d");
    auto summary = co_await publicSummary(slug);
    if (!summary)
      co_return htmlResponse(404, renderErrorPage(404, "Not found", "No such server."));
    ServerResponse r;
    if (file == "status.svg")
      r.body = statusBadge(summary->view);
    else if (file == "latency.svg")
      r.body = latencyBadge(summary->view.state.lastResponseTimeMs);
    else
      r.body = uptimeBadge(*uptimeFor(*summary, period), period);
    r.with("Content-Type", "image/svg+xml; charset=utf-8");
    // Image proxies (GitHub's camo) honour these: fresh for a minute, never for long.
    r.with("Cache-Control", "public, max-age=60, s-maxage=60");
    co_return r;
  }

  Awaitable<ServerResponse> apiEmbed(std::string_view slug) {
    auto summary = co_await publicSummary(slug);
    if (!summary)
      co_return jsonError(404, "no such server");
    auto r = jsonResponse(200, embedJson(*summary, config.publicUrl));
    r.with("Cache-Control", "public, max-age=60");
    // Any site may read it from a browser: it holds only what the status page shows.
    r.with("Access-Control-Allow-Origin", "*");
    co_return r;
  }

  Awaitable<ServerResponse> handle(const ServerRequest& req) {
    ServerResponse r;
    try {
      r = co_await route(req);
    } catch (const std::exception& e) {
      common::logRecord(spdlog::level::err, "web: request failed",
                        {{"method", sanitizeUtf8(req.method)},
                         {"path", sanitizeUtf8(common::truncateUtf8(req.path, 200))},
                         {"error", e.what()}});
      bool isApi = !req.segments.empty() && req.segments[0] == "api";
      r = isApi ? jsonError(500, "internal error")
                : htmlResponse(500, renderErrorPage(500, "Error", "Something went wrong."));
    }
    r.with("X-Content-Type-Options", "nosniff");
    r.with("Content-Security-Policy", std::string(kContentSecurityPolicy));
    r.with("X-Frame-Options", "DENY");
    r.with("Referrer-Policy", "no-referrer");
    if (!r.header("Cache-Control"))
      r.with("Cache-Control", "no-store");
    co_return r;
  }
};

namespace {
// The connection handler; `impl` by value keeps the server's state alive for the request.
Awaitable<void> serve(std::shared_ptr<WebServer::Impl> impl, const ServerRequest& req,
                      net::ResponseWriter& writer) {
  if (!impl) {
    co_await writer.send(ServerResponse::text(503, "shutting down\n"));
    co_return;
  }
  auto response = co_await impl->handle(req);
  co_await writer.send(std::move(response));
}
} // namespace

WebServer::WebServer(asio::any_io_executor executor, const config::WebConfig& config,
                     WebBackend& backend, store::Store& store, MetricsRegistry& metrics,
                     common::Clock& clock, WebOptions options)
    : impl_(std::make_shared<Impl>(executor, config, backend, store, metrics, clock,
                                   std::move(options))) {}

WebServer::~WebServer() {
  stop();
  impl_->stopWorker();
}

net::ServerLimits connectionLimits(net::ServerLimits base, const config::WebConfig& config) {
  base.headerTimeout = config.headerTimeout;
  base.maxConnections = static_cast<std::size_t>(std::max(config.maxConnections, 2));
  base.maxConnectionsPerClient =
      static_cast<std::size_t>(std::max(config.maxConnectionsPerClient, 1));
  base.reservedConnections = std::max<std::size_t>(base.maxConnections / 8, 1);
  return base;
}

common::Expected<std::uint16_t, std::string> WebServer::start() {
  if (impl_->http)
    return common::unexpected(std::string("web: already started"));
  std::weak_ptr<Impl> weak = impl_;
  impl_->http = std::make_unique<net::HttpServer>(
      impl_->executor,
      [weak](const ServerRequest& req, net::ResponseWriter& writer) {
        return serve(weak.lock(), req, writer);
      },
      connectionLimits(impl_->options.limits, impl_->config));
  auto port = impl_->http->listen(impl_->config.listenHost, impl_->config.listenPort);
  if (!port) {
    impl_->http.reset();
    return common::unexpected("web.listen: " + port.error());
  }
  return port.value();
}

void WebServer::stop() {
  if (impl_->http)
    impl_->http->stop();
}

std::uint16_t WebServer::port() const {
  return impl_->http ? impl_->http->port() : 0;
}

std::size_t WebServer::connectionCount() const {
  return impl_->http ? impl_->http->connectionCount() : 0;
}

void WebServer::setAdminToken(std::optional<common::Secret> token) {
  impl_->setToken(token);
}

void WebServer::invalidateCache() {
  impl_->invalidate();
}

Awaitable<net::ServerResponse> WebServer::handle(const net::ServerRequest& request) {
  auto impl = impl_;
  co_return co_await impl->handle(request);
}

} // namespace mcpwatch::web
