// Demo MCP server logic: both protocol eras as the reference describes them, bounded session
// tables, and the outage/drift switches used by demos and tests.
// clang-format off
#include <utility> // before common/asio.hpp: Boost 1.74's awaitable.hpp uses std::exchange
// clang-format on
#include "demo/demo_mcp.hpp"

#include "common/crypto.hpp"
#include "common/json.hpp"
#include "common/strings.hpp"
#include "demo/demo_tools.hpp"

#include <algorithm>
#include <charconv>
#include <fmt/format.h>

namespace mcpwatch::demo {

using common::Json;
using net::ServerRequest;
using net::ServerResponse;

// ---------------------------------------------------------------------------------------------
// SseChannel

bool SseChannel::push(std::string event) {
  std::unique_lock lock(mutex_);
  if (closed_ || pending_.size() >= maxPending_) {
    return false;
  }
  pending_.push_back(std::move(event));
  notify(lock);
  return true;
}

void SseChannel::close() {
  std::unique_lock lock(mutex_);
  closed_ = true;
  notify(lock);
}

SseChannel::Drained SseChannel::drain() {
  std::lock_guard lock(mutex_);
  Drained out;
  out.events.assign(std::make_move_iterator(pending_.begin()),
                    std::make_move_iterator(pending_.end()));
  pending_.clear();
  out.closed = closed_;
  return out;
}

void SseChannel::setWake(std::function<void()> wake) {
  std::lock_guard lock(mutex_);
  wake_ = std::move(wake);
}

void SseChannel::notify(std::unique_lock<std::mutex>& lock) {
  auto wake = wake_;
  lock.unlock(); // the wake function may post to another strand; never call it under the lock
  if (wake) {
    wake();
  }
}

std::string SseChannel::version() const {
  std::lock_guard lock(mutex_);
  return version_;
}

void SseChannel::setVersion(std::string version) {
  std::lock_guard lock(mutex_);
  version_ = std::move(version);
}

bool SseChannel::initialized() const {
  std::lock_guard lock(mutex_);
  return initialized_;
}

void SseChannel::markInitialized() {
  std::lock_guard lock(mutex_);
  initialized_ = true;
}

// ---------------------------------------------------------------------------------------------
// Helpers

namespace {

constexpr std::string_view kServerTitle = "mcpwatch demo MCP server";
constexpr std::string_view kInstructions =
    "A demo MCP server built into mcpwatch. Tools: echo, add, get_time, random_number, "
    "reverse_text. POST /demo/outage?seconds=N simulates an outage; POST /demo/drift changes the "
    "tool list.";
constexpr std::string_view kMetaVersion = "io.modelcontextprotocol/protocolVersion";
constexpr std::string_view kMetaServerInfo = "io.modelcontextprotocol/serverInfo";
constexpr std::size_t kMaxEchoedValueBytes = 200;

// Client-supplied bytes may be invalid UTF-8: replace rather than throw when serializing.
std::string dumpJson(const Json& j) {
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::string clip(std::string_view s) {
  return common::truncateUtf8(s, kMaxEchoedValueBytes);
}

Json rpcError(const Json& id, int code, std::string message, Json data = nullptr) {
  Json error = {{"code", code}, {"message", std::move(message)}};
  if (!data.is_null()) {
    error["data"] = std::move(data);
  }
  return {{"jsonrpc", "2.0"}, {"id", id}, {"error", std::move(error)}};
}

Json rpcResult(const Json& id, Json result) {
  return {{"jsonrpc", "2.0"}, {"id", id}, {"result", std::move(result)}};
}

ServerResponse jsonResponse(int status, const Json& body) {
  return ServerResponse::json(status, dumpJson(body));
}

ServerResponse emptyResponse(int status) {
  ServerResponse r;
  r.status = status;
  return r;
}

// HTTP-level failures carry a JSON-RPC error with a null id, as the SDKs send them.
ServerResponse httpRpcError(int status, int code, std::string message, Json data = nullptr) {
  return jsonResponse(status, rpcError(nullptr, code, std::move(message), std::move(data)));
}

std::string mediaType(std::string_view headerValue) {
  auto semi = headerValue.find(';');
  return common::toLower(common::trim(headerValue.substr(0, semi)));
}

bool isJsonContentType(const ServerRequest& req) {
  auto ct = req.header("Content-Type");
  return ct && mediaType(*ct) == "application/json";
}

// Streamable HTTP clients must accept both JSON and SSE answers; */* covers both.
bool acceptsJsonAndSse(const ServerRequest& req) {
  auto accept = req.header("Accept");
  if (!accept) {
    return false;
  }
  bool json = false;
  bool sse = false;
  for (auto part : common::split(*accept, ',')) {
    std::string type = mediaType(part);
    if (type == "*/*") {
      return true;
    }
    json = json || type == "application/json" || type == "application/*";
    sse = sse || type == "text/event-stream" || type == "text/*";
  }
  return json && sse;
}

// DNS-rebinding protection (2025-11-25): a browser Origin must be this server or loopback.
bool originAllowed(const ServerRequest& req) {
  auto origin = req.header("Origin");
  if (!origin) {
    return true;
  }
  auto scheme = origin->find("://");
  if (scheme == std::string::npos) {
    return false;
  }
  std::string authority = common::toLower(origin->substr(scheme + 3));
  if (auto slash = authority.find('/'); slash != std::string::npos) {
    authority.resize(slash);
  }
  if (auto host = req.header("Host"); host && authority == common::toLower(*host)) {
    return true;
  }
  std::string hostOnly = authority;
  if (!hostOnly.empty() && hostOnly.front() == '[') {
    hostOnly = hostOnly.substr(0, hostOnly.find(']') + 1);
  } else if (auto colon = hostOnly.find(':'); colon != std::string::npos) {
    hostOnly.resize(colon);
  }
  return hostOnly == "localhost" || hostOnly == "127.0.0.1" || hostOnly == "[::1]";
}

// A JSON-RPC id must be a string or an integer (MCP forbids null).
bool validId(const Json& id) {
  return id.is_string() || id.is_number_integer();
}

// Mcp-Name values that are not plain visible ASCII travel as "=?base64?<b64>?=".
std::optional<std::string> decodeMcpName(std::string_view value) {
  constexpr std::string_view kPrefix = "=?base64?";
  constexpr std::string_view kSuffix = "?=";
  if (value.size() >= kPrefix.size() + kSuffix.size() &&
      common::iequals(value.substr(0, kPrefix.size()), kPrefix) &&
      value.substr(value.size() - kSuffix.size()) == kSuffix) {
    return common::base64Decode(
        value.substr(kPrefix.size(), value.size() - kPrefix.size() - kSuffix.size()));
  }
  return std::string(value);
}

std::string encodeCursor(std::size_t offset) {
  return common::base64Encode("demo-cursor:" + std::to_string(offset));
}

std::optional<std::size_t> decodeCursor(const std::string& cursor) {
  auto raw = common::base64Decode(cursor);
  constexpr std::string_view kTag = "demo-cursor:";
  if (!raw || raw->size() <= kTag.size() || raw->compare(0, kTag.size(), kTag) != 0) {
    return std::nullopt;
  }
  std::size_t offset = 0;
  const char* begin = raw->data() + kTag.size();
  const char* end = raw->data() + raw->size();
  auto [ptr, ec] = std::from_chars(begin, end, offset);
  if (ec != std::errc() || ptr != end) {
    return std::nullopt;
  }
  return offset;
}

std::string sseEvent(const Json& message) {
  return "event: message\ndata: " + dumpJson(message) + "\n\n";
}

constexpr std::string_view kHelp =
    "mcpwatch demo MCP server\n"
    "\n"
    "MCP endpoints\n"
    "  POST   /mcp        Streamable HTTP: 2026-07-28 (server/discover, stateless) and\n"
    "                     2025-11-25 / 2025-06-18 / 2025-03-26 (initialize + Mcp-Session-Id)\n"
    "  DELETE /mcp        ends a legacy session\n"
    "  GET    /sse        legacy HTTP+SSE (2024-11-05): the endpoint event, then answers\n"
    "  POST   /message?sessionId=...   messages for an SSE session\n"
    "\n"
    "Demo controls (no authentication: keep the server on a loopback address)\n"
    "  POST   /demo/outage?seconds=N   every MCP endpoint answers 503 for N seconds (default 60)\n"
    "  DELETE /demo/outage             ends the outage now\n"
    "  GET    /demo/outage             outage state as JSON\n"
    "  POST   /demo/drift[?enabled=true|false]   toggles (or sets) an extra tool, demo_drift,\n"
    "                                  so schema-drift detection has something to see\n"
    "  GET    /demo/drift              drift state as JSON\n"
    "\n"
    "Try: mcpwatch probe http://<this host>/mcp\n";

ServerResponse methodNotAllowed(std::string allow) {
  return ServerResponse::text(405, "method not allowed\n").with("Allow", std::move(allow));
}

} // namespace

// ---------------------------------------------------------------------------------------------
// DemoMcp

DemoMcp::DemoMcp(std::shared_ptr<const common::Clock> clock, DemoOptions options)
    : clock_(clock ? std::move(clock) : std::make_shared<common::SystemClock>()),
      options_(std::move(options)) {
  options_.pageSize = std::max<std::size_t>(options_.pageSize, 1);
  options_.maxSessions = std::max<std::size_t>(options_.maxSessions, 1);
}

bool DemoMcp::outageActiveLocked() const {
  return outageUntil_ && clock_->now() < *outageUntil_;
}

bool DemoMcp::outageActive() const {
  std::lock_guard lock(mutex_);
  return outageActiveLocked();
}

bool DemoMcp::driftEnabled() const {
  std::lock_guard lock(mutex_);
  return drift_;
}

std::size_t DemoMcp::sessionCount() const {
  std::lock_guard lock(mutex_);
  return sessions_.size();
}

std::size_t DemoMcp::sseStreamCount() const {
  std::lock_guard lock(mutex_);
  return sse_.size();
}

ServerResponse DemoMcp::outageResponse() const {
  auto left = std::chrono::duration_cast<std::chrono::seconds>(*outageUntil_ - clock_->now());
  long long seconds = std::max<long long>(1, left.count());
  return ServerResponse::text(
             503, fmt::format("demo outage: the MCP endpoints answer 503 for another {} s "
                              "(DELETE /demo/outage ends it)\n",
                              seconds))
      .with("Retry-After", std::to_string(seconds));
}

ServerResponse DemoMcp::handle(const ServerRequest& req) {
  const std::string& path = req.path;
  if (path == "/mcp" || path == "/message" || path == "/sse") {
    {
      std::lock_guard lock(mutex_);
      if (outageActiveLocked()) {
        return outageResponse();
      }
    }
    if (!originAllowed(req)) {
      return httpRpcError(403, -32000, "Forbidden: invalid Origin header");
    }
    if (path == "/mcp") {
      if (req.method == "POST") {
        return handleMcpPost(req);
      }
      if (req.method == "DELETE") {
        return handleMcpDelete(req);
      }
      // No standalone server-to-client stream: the spec's answer to GET is 405.
      return httpRpcError(405, -32000, "Method not allowed.").with("Allow", "POST, DELETE");
    }
    if (path == "/message") {
      return req.method == "POST" ? handleSseMessage(req) : methodNotAllowed("POST");
    }
    return methodNotAllowed("GET"); // GET /sse is served by the stream side
  }
  if ((path == "/demo/outage" || path == "/demo/drift") && req.method != "GET" &&
      !originAllowed(req)) {
    return ServerResponse::text(403, "Forbidden: invalid Origin header\n"); // no cross-site CSRF
  }
  if (path == "/demo/outage") {
    return handleOutage(req);
  }
  if (path == "/demo/drift") {
    return handleDrift(req);
  }
  if (path == "/demo" || path == "/demo/" || path == "/") {
    if (req.method != "GET" && req.method != "HEAD") {
      return methodNotAllowed("GET, HEAD");
    }
    return ServerResponse::text(200, std::string(kHelp));
  }
  return ServerResponse::text(404, "not found; see GET /demo\n");
}

ServerResponse DemoMcp::handleMcpPost(const ServerRequest& req) {
  if (!isJsonContentType(req)) {
    return httpRpcError(415, -32000,
                        "Unsupported Media Type: Content-Type must be application/json");
  }
  if (!acceptsJsonAndSse(req)) {
    return httpRpcError(
        406, -32000,
        "Not Acceptable: Client must accept both application/json and text/event-stream");
  }
  common::JsonParseError parseError;
  auto parsed = common::parseJson(req.body, &parseError);
  if (!parsed) {
    return httpRpcError(400, -32700, "Parse error: Invalid JSON");
  }
  const Json& msg = *parsed;
  if (msg.is_array()) {
    return httpRpcError(400, -32600, "Invalid Request: batches are not supported");
  }
  if (!msg.is_object() || msg.value("jsonrpc", Json()) != "2.0") {
    return httpRpcError(400, -32600, "Invalid Request: not a JSON-RPC 2.0 message");
  }
  if (msg.contains("id") && !validId(msg["id"])) {
    return httpRpcError(400, -32600, "Invalid Request: id must be a string or an integer");
  }
  auto method = msg.find("method");
  if (method != msg.end() && !method->is_string()) {
    return httpRpcError(400, -32600, "Invalid Request: method must be a string");
  }
  if (msg.contains("params") && !msg["params"].is_object() && !msg["params"].is_null()) {
    return jsonResponse(
        400, rpcError(msg.value("id", Json()), -32602, "Invalid params: params must be an object"));
  }
  // Modern (2026-07-28) requests say so in params._meta; server/discover exists only there.
  bool modern = false;
  if (method != msg.end()) {
    const Json* meta = nullptr;
    if (auto p = msg.find("params"); p != msg.end() && p->is_object()) {
      if (auto m = p->find("_meta"); m != p->end() && m->is_object()) {
        meta = &*m;
      }
    }
    auto version = meta != nullptr ? meta->find(std::string(kMetaVersion)) : Json::const_iterator();
    const bool hasVersion = meta != nullptr && version != meta->end();
    // A request that names a legacy version in both places belongs to the legacy path (the
    // discover result offers 2025-11-25 there); answering -32022 would send the client in
    // circles.
    auto header = req.header("MCP-Protocol-Version");
    const bool legacyVersion = hasVersion && version->is_string() &&
                               isLegacyVersion(version->get<std::string>()) &&
                               (!header || *header == version->get<std::string>());
    modern = !legacyVersion && (*method == "server/discover" || hasVersion);
  }
  return modern ? handleModern(req, msg) : handleLegacy(req, msg);
}

ServerResponse DemoMcp::handleModern(const ServerRequest& req, const Json& msg) {
  const std::string method = msg["method"].get<std::string>();
  const Json id = msg.value("id", Json());
  auto paramsIt = msg.find("params");
  const Json params = paramsIt != msg.end() && paramsIt->is_object() ? *paramsIt : Json::object();
  auto metaIt = params.find("_meta");
  const Json meta = metaIt != params.end() && metaIt->is_object() ? *metaIt : Json::object();
  auto mismatch = [&](std::string message, std::string header,
                      std::optional<std::string> headerValue, Json bodyValue) {
    Json data = {{"mismatch",
                  {{"header", std::move(header)},
                   {"headerValue", headerValue ? Json(clip(*headerValue)) : Json(nullptr)},
                   {"bodyValue", std::move(bodyValue)}}}};
    return jsonResponse(400, rpcError(id, -32020,
                                      "Bad Request: the request headers and body "
                                      "disagree: " +
                                          std::move(message),
                                      std::move(data)));
  };

  auto methodHeader = req.header("Mcp-Method");
  if (!methodHeader) {
    return mismatch("the body names method " + clip(method) +
                        " but the required Mcp-Method header is absent",
                    "Mcp-Method", std::nullopt, method);
  }
  if (*methodHeader != method) {
    return mismatch("the Mcp-Method header says " + clip(*methodHeader) + " but the body names " +
                        clip(method),
                    "Mcp-Method", methodHeader, method);
  }
  auto versionHeader = req.header("MCP-Protocol-Version");
  Json bodyVersion = meta.value(std::string(kMetaVersion), Json());
  if (!versionHeader) {
    return mismatch("the required MCP-Protocol-Version header is absent", "MCP-Protocol-Version",
                    std::nullopt, bodyVersion);
  }
  if (!bodyVersion.is_string() || bodyVersion.get<std::string>() != *versionHeader) {
    return mismatch("the MCP-Protocol-Version header says " + clip(*versionHeader) +
                        " but params._meta[\"" + std::string(kMetaVersion) + "\"] is " +
                        clip(dumpJson(bodyVersion)),
                    "MCP-Protocol-Version", versionHeader, bodyVersion);
  }
  if (*versionHeader != kModernVersion) {
    return jsonResponse(400, rpcError(id, -32022,
                                      "Unsupported protocol version: " + clip(*versionHeader),
                                      {{"supported", {kModernVersion, kLatestLegacyVersion}},
                                       {"requested", clip(*versionHeader)}}));
  }
  if (method == "tools/call") {
    Json name = params.value("name", Json());
    auto nameHeader = req.header("Mcp-Name");
    std::optional<std::string> decoded = nameHeader ? decodeMcpName(*nameHeader) : std::nullopt;
    if (!nameHeader || !name.is_string() || !decoded || *decoded != name.get<std::string>()) {
      return mismatch(nameHeader ? "the Mcp-Name header does not match params.name"
                                 : "the required Mcp-Name header is absent",
                      "Mcp-Name", nameHeader, name);
    }
  }

  if (!msg.contains("id")) {
    // Notifications need no answer; responses must not be POSTed in this era.
    if (method.rfind("notifications/", 0) == 0) {
      return emptyResponse(202);
    }
    return httpRpcError(400, -32600, "Invalid Request: a request needs an id");
  }

  const Json serverInfo = {
      {"name", kServerName}, {"title", kServerTitle}, {"version", options_.serverVersion}};
  auto complete = [&](Json result, bool cacheable) {
    result["resultType"] = "complete";
    if (cacheable) {
      result["ttlMs"] = 0; // drift can change the list at any time
      result["cacheScope"] = "public";
    }
    result["_meta"] = {{std::string(kMetaServerInfo), serverInfo}};
    return jsonResponse(200, rpcResult(id, std::move(result)));
  };

  if (method == "server/discover") {
    return complete({{"supportedVersions", {kModernVersion, kLatestLegacyVersion}},
                     {"capabilities", {{"tools", {{"listChanged", false}}}}},
                     {"instructions", kInstructions}},
                    true);
  }
  if (method == "tools/list") {
    auto page = toolsPage(params, kModernVersion);
    if (!page) {
      return jsonResponse(200, {{"jsonrpc", "2.0"}, {"id", id}, {"error", page.error()}});
    }
    return complete(std::move(*page), true);
  }
  if (method == "tools/call") {
    bool drift = driftEnabled();
    auto result = callTool(params["name"].get<std::string>(), params.value("arguments", Json()),
                           drift, kModernVersion, *clock_);
    if (!result) {
      return jsonResponse(200, rpcError(id, result.error().code, clip(result.error().message)));
    }
    return complete(std::move(*result), false);
  }
  // Unknown (including ping and initialize, which this era removed): 404 + -32601.
  return jsonResponse(404, rpcError(id, -32601, "Method not found"));
}

common::Expected<Json, Json> DemoMcp::toolsPage(const Json& params,
                                                std::string_view version) const {
  bool drift = driftEnabled();
  std::vector<Json> tools = toolDefinitions(drift, version);
  std::size_t offset = 0;
  if (params.is_object() && params.contains("cursor") && !params["cursor"].is_null()) {
    const Json& cursor = params["cursor"];
    std::optional<std::size_t> decoded =
        cursor.is_string() ? decodeCursor(cursor.get<std::string>()) : std::nullopt;
    if (!decoded || *decoded == 0 || *decoded >= tools.size()) {
      return common::unexpected(
          Json{{"code", -32602}, {"message", "Invalid params: invalid cursor"}});
    }
    offset = *decoded;
  }
  std::size_t end = std::min(tools.size(), offset + options_.pageSize);
  Json result = {{"tools", Json::array()}};
  for (std::size_t i = offset; i < end; ++i) {
    result["tools"].push_back(std::move(tools[i]));
  }
  if (end < tools.size()) {
    result["nextCursor"] = encodeCursor(end);
  }
  return result;
}

Json DemoMcp::initializeResult(const std::string& version) const {
  Json serverInfo = {{"name", kServerName}, {"version", options_.serverVersion}};
  if (version >= "2025-06-18") {
    serverInfo["title"] = kServerTitle;
  }
  return {{"protocolVersion", version},
          {"capabilities", {{"tools", {{"listChanged", false}}}}},
          {"serverInfo", std::move(serverInfo)},
          {"instructions", kInstructions}};
}

Json DemoMcp::dispatchLegacy(const Json& msg, const std::string& version) {
  const Json id = msg["id"];
  const std::string method = msg["method"].get<std::string>();
  const Json params =
      msg.contains("params") && msg["params"].is_object() ? msg["params"] : Json::object();
  if (method == "ping") {
    return rpcResult(id, Json::object());
  }
  if (method == "tools/list") {
    auto page = toolsPage(params, version);
    if (!page) {
      return {{"jsonrpc", "2.0"}, {"id", id}, {"error", page.error()}};
    }
    return rpcResult(id, std::move(*page));
  }
  if (method == "tools/call") {
    if (!params.contains("name") || !params["name"].is_string()) {
      return rpcError(id, -32602, "Invalid params: name must be a string");
    }
    auto result = callTool(params["name"].get<std::string>(), params.value("arguments", Json()),
                           driftEnabled(), version, *clock_);
    if (!result) {
      return rpcError(id, result.error().code, clip(result.error().message));
    }
    return rpcResult(id, std::move(*result));
  }
  if (method == "initialize") {
    return rpcError(id, -32600, "Invalid Request: Server already initialized");
  }
  return rpcError(id, -32601, "Method not found");
}

void DemoMcp::purgeExpiredSessionsLocked() {
  const auto now = clock_->now();
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    if (now - it->second.lastUsed >= options_.sessionIdleTimeout) {
      it = sessions_.erase(it);
    } else {
      ++it;
    }
  }
}

std::string DemoMcp::newSessionLocked(std::string version) {
  if (sessions_.size() >= options_.maxSessions) {
    purgeExpiredSessionsLocked();
  }
  if (sessions_.size() >= options_.maxSessions) {
    auto oldest = std::min_element(sessions_.begin(), sessions_.end(), [](auto& a, auto& b) {
      return a.second.lastUsed < b.second.lastUsed;
    });
    sessions_.erase(oldest);
  }
  std::string id = common::randomHex(16);
  sessions_[id] = Session{std::move(version), clock_->now(), false};
  return id;
}

ServerResponse DemoMcp::handleLegacy(const ServerRequest& req, const Json& msg) {
  const bool hasMethod = msg.contains("method");
  const bool isRequest = hasMethod && msg.contains("id");
  if (!hasMethod && !msg.contains("result") && !msg.contains("error")) {
    return httpRpcError(400, -32600,
                        "Invalid Request: neither a request, a notification nor a "
                        "response");
  }
  auto sessionHeader = req.header("Mcp-Session-Id");

  if (isRequest && msg["method"] == "initialize") {
    const Json& id = msg["id"];
    {
      std::lock_guard lock(mutex_);
      if (sessionHeader) {
        auto it = sessions_.find(*sessionHeader);
        if (it != sessions_.end() &&
            clock_->now() - it->second.lastUsed < options_.sessionIdleTimeout) {
          return jsonResponse(400,
                              rpcError(id, -32600, "Invalid Request: Server already initialized"));
        }
      }
    }
    const Json params = msg.value("params", Json::object());
    if (!params.is_object() || !params.contains("protocolVersion") ||
        !params["protocolVersion"].is_string()) {
      return jsonResponse(400,
                          rpcError(id, -32602, "Invalid params: protocolVersion must be a string"));
    }
    // Same version if supported, else our latest (lifecycle.mdx); the client decides from there.
    std::string requested = params["protocolVersion"].get<std::string>();
    std::string version =
        isLegacyVersion(requested) ? requested : std::string(kLatestLegacyVersion);
    std::string sessionId;
    {
      std::lock_guard lock(mutex_);
      sessionId = newSessionLocked(version);
    }
    return jsonResponse(200, rpcResult(id, initializeResult(version)))
        .with("Mcp-Session-Id", sessionId);
  }

  if (!sessionHeader) {
    return httpRpcError(400, -32000, "Bad Request: Mcp-Session-Id header is required");
  }
  if (auto v = req.header("MCP-Protocol-Version"); v && !isLegacyVersion(*v)) {
    return httpRpcError(
        400, -32000,
        "Bad Request: Unsupported protocol version: " + clip(*v) +
            " (supported versions: 2025-11-25, 2025-06-18, 2025-03-26, 2024-11-05)");
  }
  std::string version;
  {
    std::lock_guard lock(mutex_);
    auto it = sessions_.find(*sessionHeader);
    if (it != sessions_.end() &&
        clock_->now() - it->second.lastUsed >= options_.sessionIdleTimeout) {
      sessions_.erase(it);
      it = sessions_.end();
    }
    if (it == sessions_.end()) {
      return httpRpcError(404, -32001, "Session not found");
    }
    it->second.lastUsed = clock_->now();
    if (hasMethod && !isRequest && msg["method"] == "notifications/initialized") {
      it->second.initialized = true;
    }
    version = it->second.version;
  }
  if (!isRequest) {
    return emptyResponse(202); // notifications and responses
  }
  return jsonResponse(200, dispatchLegacy(msg, version));
}

ServerResponse DemoMcp::handleMcpDelete(const ServerRequest& req) {
  auto sessionHeader = req.header("Mcp-Session-Id");
  if (!sessionHeader) {
    return httpRpcError(400, -32000, "Bad Request: Mcp-Session-Id header is required");
  }
  std::lock_guard lock(mutex_);
  if (sessions_.erase(*sessionHeader) == 0) {
    return httpRpcError(404, -32001, "Session not found");
  }
  return emptyResponse(200);
}

common::Expected<std::shared_ptr<SseChannel>, ServerResponse>
DemoMcp::openSse(const ServerRequest& req) {
  std::lock_guard lock(mutex_);
  if (outageActiveLocked()) {
    return common::unexpected(outageResponse());
  }
  if (!originAllowed(req)) {
    return common::unexpected(ServerResponse::text(403, "Forbidden: invalid Origin header\n"));
  }
  if (sse_.size() >= options_.maxSseStreams) {
    return common::unexpected(
        ServerResponse::text(503, "too many SSE streams\n").with("Retry-After", "5"));
  }
  auto channel = std::make_shared<SseChannel>(common::randomHex(16), options_.maxSsePending);
  sse_.emplace(channel->id(), channel);
  return channel;
}

void DemoMcp::closeSse(const std::string& id) {
  std::shared_ptr<SseChannel> channel;
  {
    std::lock_guard lock(mutex_);
    auto it = sse_.find(id);
    if (it == sse_.end()) {
      return;
    }
    channel = std::move(it->second);
    sse_.erase(it);
  }
  channel->close();
}

ServerResponse DemoMcp::handleSseMessage(const ServerRequest& req) {
  auto sessionId = req.query("sessionId");
  if (!sessionId) {
    return ServerResponse::text(400, "Missing sessionId parameter\n");
  }
  std::shared_ptr<SseChannel> channel;
  {
    std::lock_guard lock(mutex_);
    auto it = sse_.find(*sessionId);
    if (it != sse_.end()) {
      channel = it->second;
    }
  }
  // An unknown session gets an answer at once (some servers hang here; monitors hate that).
  if (!channel) {
    return ServerResponse::text(404, "Session not found\n");
  }
  if (!isJsonContentType(req)) {
    return ServerResponse::text(400, "Unsupported content-type: expected application/json\n");
  }
  auto parsed = common::parseJson(req.body);
  if (!parsed || !parsed->is_object() || parsed->value("jsonrpc", Json()) != "2.0" ||
      (parsed->contains("id") && !validId((*parsed)["id"])) ||
      (parsed->contains("method") && !(*parsed)["method"].is_string())) {
    return ServerResponse::text(400, "Invalid message\n");
  }
  const Json& msg = *parsed;
  const bool hasMethod = msg.contains("method");
  if (!hasMethod || !msg.contains("id")) {
    if (hasMethod && msg["method"] == "notifications/initialized") {
      channel->markInitialized();
    }
    return ServerResponse::text(202, "Accepted");
  }
  Json reply;
  if (msg["method"] == "initialize") {
    bool first = false;
    {
      std::lock_guard lock(channel->mutex_);
      first = !channel->initializeSeen_;
      channel->initializeSeen_ = true;
    }
    const Json params = msg.value("params", Json::object());
    if (!first) {
      reply = rpcError(msg["id"], -32600, "Invalid Request: Server already initialized");
    } else if (!params.is_object() || !params.contains("protocolVersion") ||
               !params["protocolVersion"].is_string()) {
      reply = rpcError(msg["id"], -32602, "Invalid params: protocolVersion must be a string");
    } else {
      std::string requested = params["protocolVersion"].get<std::string>();
      std::string version =
          isLegacyVersion(requested) ? requested : std::string(kLatestLegacyVersion);
      channel->setVersion(version);
      reply = rpcResult(msg["id"], initializeResult(version));
    }
  } else {
    reply = dispatchLegacy(msg, channel->version());
  }
  if (!channel->push(sseEvent(reply))) {
    return ServerResponse::text(503, "SSE stream is closed or not reading\n")
        .with("Retry-After", "1");
  }
  return ServerResponse::text(202, "Accepted");
}

ServerResponse DemoMcp::handleOutage(const ServerRequest& req) {
  if (req.method == "GET") {
    std::lock_guard lock(mutex_);
    long long left = 0;
    if (outageActiveLocked()) {
      left =
          std::chrono::duration_cast<std::chrono::seconds>(*outageUntil_ - clock_->now()).count();
    }
    return jsonResponse(200, {{"active", outageActiveLocked()}, {"remaining_seconds", left}});
  }
  if (req.method == "DELETE") {
    std::lock_guard lock(mutex_);
    outageUntil_.reset();
    return ServerResponse::text(200, "outage ended\n");
  }
  if (req.method != "POST") {
    return methodNotAllowed("GET, POST, DELETE");
  }
  long long seconds = options_.defaultOutage.count();
  if (auto text = req.query("seconds")) {
    auto [ptr, ec] = std::from_chars(text->data(), text->data() + text->size(), seconds);
    if (ec != std::errc() || ptr != text->data() + text->size() || seconds < 1 ||
        seconds > options_.maxOutage.count()) {
      return ServerResponse::text(400, fmt::format("seconds must be a whole number from 1 to {}\n",
                                                   options_.maxOutage.count()));
    }
  }
  std::vector<std::shared_ptr<SseChannel>> streams;
  {
    std::lock_guard lock(mutex_);
    outageUntil_ = clock_->now() + std::chrono::seconds(seconds);
    for (auto& [id, channel] : sse_) {
      streams.push_back(channel);
    }
  }
  // Open SSE streams end too, so a client holding one notices the outage.
  for (auto& channel : streams) {
    channel->close();
  }
  return ServerResponse::text(
      200, fmt::format("outage started: MCP endpoints answer 503 for {} s\n", seconds));
}

ServerResponse DemoMcp::handleDrift(const ServerRequest& req) {
  if (req.method == "GET") {
    return jsonResponse(200, {{"enabled", driftEnabled()}, {"tool", kDriftToolName}});
  }
  if (req.method != "POST") {
    return methodNotAllowed("GET, POST");
  }
  bool enabled = false;
  {
    std::lock_guard lock(mutex_);
    if (auto value = req.query("enabled")) {
      if (*value == "true" || *value == "1") {
        drift_ = true;
      } else if (*value == "false" || *value == "0") {
        drift_ = false;
      } else {
        return ServerResponse::text(400, "enabled must be true or false\n");
      }
    } else {
      drift_ = !drift_;
    }
    enabled = drift_;
  }
  return ServerResponse::text(200, enabled ? "drift on: tool demo_drift is listed\n"
                                           : "drift off: tool demo_drift is gone\n");
}

} // namespace mcpwatch::demo
