// The probe state machine: era/transport detection, handshake or discover, tools/list, an
// optional tool call and session cleanup, all under one deadline. Classification is in
// classify.cpp; this file only sequences requests and records what happened.
#include "prober/probe.hpp"

#include "common/expected.hpp"
#include "common/strings.hpp"
#include "net/http_client.hpp"
#include "prober/classify.hpp"
#include "prober/fingerprint.hpp"

#include <algorithm>
#include <memory>
#include <set>

namespace mcpwatch::prober {

std::string_view toString(Era e) {
  return e == Era::Modern ? "modern" : "legacy";
}

namespace {

using common::Json;
using SteadyClock = std::chrono::steady_clock;

constexpr std::size_t kMaxVersionAttempts = 4;
constexpr std::size_t kMaxNotificationBody = 64 * 1024;
// A notification's answer body is not needed; waiting long for it would only spend the deadline.
constexpr auto kNotificationDrain = std::chrono::milliseconds(250);
// If the net layer ever failed to honour a deadline, this backstop still ends the probe.
constexpr auto kWatchdogGrace = std::chrono::milliseconds(1000);
// SSE resumption (2025-11-25): GETs with Last-Event-ID for one answer, and the longest `retry:`
// honoured (a server cannot park the probe; the deadline bounds it anyway).
constexpr int kMaxResumptions = 3;
constexpr auto kDefaultResumeWait = std::chrono::milliseconds(1000);
constexpr auto kMaxResumeWait = std::chrono::milliseconds(5000);

double msSince(SteadyClock::time_point t0) {
  return std::chrono::duration<double, std::milli>(SteadyClock::now() - t0).count();
}

Failure makeFailure(FailureReason reason, std::string detail) {
  return Failure{reason, capDetail(detail), {}, {}, {}};
}

// What one era attempt concluded.
struct Attempt {
  enum class Kind { Done, Failed, NextEra };
  Kind kind = Kind::Failed;
  std::optional<Failure> failure;     // Failed; NextEra: why this era did not fit
  std::optional<std::string> version; // NextEra from discover: a legacy version to start with
  bool soft = false;                  // Failed by SSE GET that was simply not an SSE endpoint
  bool toModern = false;              // NextEra from initialize: the server speaks only modern
};

Attempt done() {
  return {Attempt::Kind::Done, {}, {}, false, false};
}
Attempt failed(Failure f, bool soft = false) {
  return {Attempt::Kind::Failed, std::move(f), {}, soft, false};
}
Attempt nextEra(std::optional<Failure> f, std::optional<std::string> version = {}) {
  return {Attempt::Kind::NextEra, std::move(f), std::move(version), false, false};
}

enum class Mode { Modern, LegacyHttp, LegacySse };

class Prober {
public:
  Prober(ProbeOptions options, asio::any_io_executor executor)
      : opts_(std::move(options)), executor_(executor) {
    net::ClientOptions co;
    co.verifyTls = !opts_.insecure;
    co.caFile = opts_.caFile;
    co.tlsSessionResumption = opts_.tlsResumption;
    co.maxBodyBytes = opts_.maxResponseBytes;
    client_ = std::make_shared<net::Client>(executor_, co);
  }

  Awaitable<ProbeResult> run() {
    start_ = SteadyClock::now();
    deadline_ = start_ + opts_.timeout;
    result_.url = opts_.url;
    result_.startedAt = std::chrono::system_clock::now();

    asio::steady_timer watchdog(executor_);
    watchdog.expires_at(deadline_ + kWatchdogGrace);
    watchdog.async_wait([weak = std::weak_ptr<net::Client>(client_)](boost::system::error_code ec) {
      if (ec)
        return;
      if (auto client = weak.lock())
        client->cancel();
    });

    std::optional<Failure> failure;
    if (auto url = common::Url::parse(opts_.url)) {
      url_ = *url;
      failure = co_await runSteps();
    } else {
      failure = makeFailure(FailureReason::InvalidResponse, "invalid URL");
    }
    result_.timings.total = msSince(start_);
    co_await cleanup();
    watchdog.cancel();

    if (failure) {
      if (credentialSent())
        markCredentialSent(*failure);
      failure->detail = redact(failure->detail);
      result_.failure = std::move(failure);
    }
    result_.ok = !result_.failure;
    if (certificateNotAfter_) {
      auto left = *certificateNotAfter_ - std::chrono::system_clock::now();
      result_.tls = TlsInfo{*certificateNotAfter_,
                            static_cast<long>(std::chrono::floor<std::chrono::days>(left).count())};
    }
    co_return std::move(result_);
  }

private:
  // ---- the sequence ------------------------------------------------------------------------

  bool credentialSent() const {
    return std::any_of(opts_.headers.begin(), opts_.headers.end(), [](const auto& header) {
      return common::iequals(header.first, "Authorization");
    });
  }

  Awaitable<std::optional<Failure>> runSteps() {
    auto handshake = co_await negotiate();
    result_.timings.handshake = msSince(start_);
    if (handshake && handshake->reason == FailureReason::AuthRequired && opts_.protectedIsUp &&
        !credentialSent())
      co_return co_await checkProtected(std::move(*handshake));
    if (handshake)
      co_return handshake;
    const auto listStart = SteadyClock::now();
    if (auto f = co_await listTools()) {
      if (!result_.timings.toolsList) // keep what was measured before the failure
        result_.timings.toolsList = msSince(listStart);
      co_return f;
    }
    if (opts_.call)
      if (auto f = co_await callTool())
        co_return f;
    co_return std::nullopt;
  }

  // Alive and protected: the server's OAuth challenge counts as up when its protected resource
  // metadata is reachable and names this server and an authorization server; otherwise the
  // challenge's auth_required failure, saying what is wrong with the metadata.
  Awaitable<std::optional<Failure>> checkProtected(Failure challenge) {
    std::string problem = "not found";
    for (const auto& location : protectedResourceMetadataUrls(url_, challenge.resourceMetadata)) {
      auto target = common::Url::parse(location);
      if (!target) {
        problem = "resource_metadata is not an http(s) URL";
        continue;
      }
      // Only the server's own origin: a server must not make the monitor fetch other hosts
      // (internal addresses included) on its say-so.
      if (target->origin() != url_.origin()) {
        problem = "resource_metadata is on another origin (" +
                  sanitizeExcerpt(target->origin(), 100) + "), not fetched";
        continue;
      }
      net::Request get;
      get.method = "GET";
      get.url = *target;
      get.headers.add("Accept", "application/json");
      auto got = co_await client_->send(std::move(get), deadline_);
      if (!got) {
        problem = netFailure("GET " + target->target, got.error()).detail;
        continue;
      }
      if (got->head.status != 200) {
        problem = "GET " + sanitizeExcerpt(target->target, 150) + ": HTTP " +
                  std::to_string(got->head.status);
        continue;
      }
      common::JsonParseError error;
      auto doc = common::parseJson(got->body, &error, opts_.maxJsonDepth);
      std::vector<std::string> servers;
      if (!doc) {
        problem = "GET " + sanitizeExcerpt(target->target, 150) + ": not JSON";
        continue;
      }
      if (auto wrong = protectedResourceProblem(*doc, url_, servers)) {
        problem = "GET " + sanitizeExcerpt(target->target, 150) + ": " + *wrong;
        continue;
      }
      result_.protectedResource = ProtectedResource{location, std::move(servers)};
      co_return std::nullopt;
    }
    // The metadata's problem before the challenge's URL (kept in resource_metadata): details are
    // capped.
    std::string detail = challenge.detail.substr(0, challenge.detail.find("; resource_metadata="));
    challenge.detail = capDetail(detail + "; protected resource metadata: " + problem);
    co_return challenge;
  }

  Awaitable<std::optional<Failure>> negotiate() {
    switch (opts_.transport) {
    case Transport::Modern: {
      auto a = co_await tryModern(false);
      co_return a.kind == Attempt::Kind::Done ? std::nullopt : a.failure;
    }
    case Transport::StreamableHttp: {
      auto a = co_await tryStreamable(false, std::nullopt);
      co_return a.kind == Attempt::Kind::Done ? std::nullopt : a.failure;
    }
    case Transport::Sse: {
      auto a = co_await trySse();
      co_return a.kind == Attempt::Kind::Done ? std::nullopt : a.failure;
    }
    case Transport::Auto:
      break;
    }
    // Auto: the era the server last answered in first, then modern, legacy Streamable HTTP and
    // HTTP+SSE. Only an answer that means "not this era" moves on; any other failure is the
    // probe's result, reported in the era tried.
    std::vector<Transport> order;
    if (opts_.lastTransport && *opts_.lastTransport != Transport::Auto)
      order.push_back(*opts_.lastTransport);
    for (auto t : {Transport::Modern, Transport::StreamableHttp, Transport::Sse})
      if (std::find(order.begin(), order.end(), t) == order.end())
        order.push_back(t);
    if (!firstAccepted(true))
      order.erase(std::find(order.begin(), order.end(), Transport::Modern));
    const bool hinted =
        opts_.lastTransport && !order.empty() && order.front() == *opts_.lastTransport;

    std::optional<std::string> legacyVersion;
    std::optional<Failure> firstFailure, streamableFailure, lastFailure;
    for (std::size_t i = 0; i < order.size(); ++i) {
      Attempt a;
      switch (order[i]) {
      case Transport::Modern:
        a = co_await tryModern(true);
        if (a.kind == Attempt::Kind::NextEra && a.version)
          legacyVersion = a.version;
        break;
      case Transport::StreamableHttp:
        a = co_await tryStreamable(true, legacyVersion);
        streamableFailure = a.failure;
        break;
      case Transport::Sse:
      case Transport::Auto:
        a = co_await trySse();
        break;
      }
      if (a.kind == Attempt::Kind::Done)
        co_return std::nullopt;
      if (a.kind == Attempt::Kind::Failed && !a.soft)
        co_return a.failure;
      if (i == 0)
        firstFailure = a.failure;
      lastFailure = a.failure;
      if (a.toModern) {
        // initialize named only modern versions: modern next, unless it was tried already.
        auto modern = std::find(order.begin() + static_cast<std::ptrdiff_t>(i) + 1, order.end(),
                                Transport::Modern);
        if (modern == order.end())
          co_return a.failure;
        std::rotate(order.begin() + static_cast<std::ptrdiff_t>(i) + 1, modern, modern + 1);
      }
    }
    // No era fitted. The era the server last answered in says most; else initialize's answer
    // says more than the SSE GET's.
    if (hinted && firstFailure)
      co_return firstFailure;
    if (streamableFailure)
      co_return streamableFailure;
    co_return lastFailure;
  }

  // The first accepted version of the wanted era, in the user's preference order.
  std::optional<std::string> firstAccepted(bool modern) const {
    for (const auto& v : opts_.acceptedVersions)
      if (isModernVersion(v) == modern)
        return v;
    return std::nullopt;
  }

  Awaitable<Attempt> tryModern(bool autoMode) {
    auto version = firstAccepted(true);
    if (!version)
      co_return failed(makeFailure(FailureReason::ProtocolVersionRejected,
                                   "server/discover: no modern protocol version is accepted"));
    mode_ = Mode::Modern;
    std::vector<std::string> tried;
    for (std::size_t attempt = 0; attempt < kMaxVersionAttempts; ++attempt) {
      version_ = *version;
      tried.push_back(*version);
      Reply reply = co_await request("server/discover", "server/discover", Json::object());
      auto d = decideDiscover(reply, *version, opts_.acceptedVersions, tried);
      using V = DiscoverDecision::Verdict;
      switch (d.verdict) {
      case V::Modern: {
        const Json& result = reply.result;
        result_.era = Era::Modern;
        result_.transport = Transport::StreamableHttp;
        result_.protocolVersion = version_;
        result_.capabilities = result["capabilities"];
        recordServerInfo(discoverServerInfo(result));
        co_return done();
      }
      case V::RetryVersion:
        if (isModernVersion(*d.version)) {
          version = d.version;
          continue;
        }
        // The server named a legacy version it speaks: that is the handshake era.
        if (autoMode)
          co_return nextEra(std::nullopt, d.version);
        co_return failed(makeFailure(FailureReason::ProtocolVersionRejected,
                                     "server/discover: server supports only legacy versions (" +
                                         sanitizeExcerpt(*d.version, 20) + ")"));
      case V::Legacy: {
        if (autoMode)
          co_return nextEra(d.failure);
        Failure f = d.failure ? *d.failure
                              : makeFailure(FailureReason::InvalidResponse,
                                            "server/discover: not a modern MCP server");
        // A JSON-RPC error to server/discover is a legacy server refusing the modern era.
        if (f.reason == FailureReason::JsonrpcError) {
          f.reason = FailureReason::ProtocolVersionRejected;
          f.detail = capDetail("not a modern MCP server: " + f.detail);
        }
        co_return failed(f);
      }
      case V::Stop:
        co_return failed(*d.failure);
      }
    }
    co_return failed(makeFailure(FailureReason::ProtocolVersionRejected,
                                 "server/discover: server refused every offered version"));
  }

  Awaitable<Attempt> tryStreamable(bool autoMode, std::optional<std::string> firstVersion) {
    mode_ = Mode::LegacyHttp;
    auto version = firstVersion ? firstVersion : firstAccepted(false);
    if (!version)
      co_return failed(makeFailure(FailureReason::ProtocolVersionRejected,
                                   "initialize: no legacy protocol version is accepted"));
    auto outcome = co_await initializeLoop(*version);
    if (outcome.kind == InitializeDecision::Verdict::Ok) {
      if (auto f = co_await sendInitialized())
        co_return failed(*f);
      result_.transport = Transport::StreamableHttp;
      co_return done();
    }
    if (outcome.kind == InitializeDecision::Verdict::FallbackSse && autoMode)
      co_return nextEra(outcome.failure);
    if (outcome.modernOnly && autoMode) {
      Attempt a = nextEra(outcome.failure);
      a.toModern = true;
      co_return a;
    }
    co_return failed(*outcome.failure);
  }

  struct InitOutcome {
    InitializeDecision::Verdict kind;
    std::optional<Failure> failure;
    bool modernOnly = false; // the server named only modern versions
  };

  // initialize (with version retries) on the current mode; records the negotiated state.
  Awaitable<InitOutcome> initializeLoop(std::string version) {
    using V = InitializeDecision::Verdict;
    sessionId_.reset();
    version_.clear(); // no MCP-Protocol-Version header until negotiated
    std::vector<std::string> tried;
    for (std::size_t attempt = 0; attempt < kMaxVersionAttempts; ++attempt) {
      tried.push_back(version);
      Json params = {{"protocolVersion", version},
                     {"capabilities", Json::object()},
                     {"clientInfo", {{"name", "mcpwatch"}, {"version", MCPWATCH_VERSION}}}};
      Reply reply = co_await request("initialize", "initialize", params);
      auto d = decideInitialize(reply, opts_.acceptedVersions, tried);
      switch (d.verdict) {
      case V::Ok: {
        if (mode_ == Mode::LegacyHttp) {
          if (auto sid = lastHeaders_.get("Mcp-Session-Id")) {
            if (!validSessionId(*sid))
              co_return InitOutcome{V::Stop, makeFailure(FailureReason::InvalidResponse,
                                                         "initialize: Mcp-Session-Id header is not "
                                                         "visible ASCII")};
            sessionId_ = *sid;
          }
        }
        version_ = *d.version;
        result_.era = Era::Legacy;
        result_.transport = mode_ == Mode::LegacySse ? Transport::Sse : Transport::StreamableHttp;
        result_.protocolVersion = version_;
        result_.capabilities = reply.result["capabilities"];
        recordServerInfo(reply.result["serverInfo"]);
        co_return InitOutcome{V::Ok, {}};
      }
      case V::RetryVersion:
        if (isModernVersion(*d.version))
          co_return InitOutcome{V::Stop,
                                makeFailure(FailureReason::ProtocolVersionRejected,
                                            "initialize: server supports only modern versions (" +
                                                sanitizeExcerpt(*d.version, 20) + ")"),
                                true};
        version = *d.version;
        continue;
      case V::FallbackSse:
      case V::Stop:
        co_return InitOutcome{d.verdict, d.failure};
      }
    }
    co_return InitOutcome{V::Stop, makeFailure(FailureReason::ProtocolVersionRejected,
                                               "initialize: server refused every offered version")};
  }

  static bool validSessionId(std::string_view sid) {
    if (sid.empty() || sid.size() > 1024)
      return false;
    return std::all_of(sid.begin(), sid.end(), [](char c) { return c >= 0x21 && c <= 0x7E; });
  }

  Awaitable<Attempt> trySse() {
    mode_ = Mode::LegacySse;
    sessionId_.reset();
    version_.clear();
    constexpr std::string_view kLabel = "SSE GET";
    net::Request get;
    get.method = "GET";
    get.url = url_;
    get.headers.add("Accept", "text/event-stream");
    addUserHeaders(get.headers);
    auto opened = co_await client_->open(std::move(get), deadline_);
    if (!opened)
      co_return failed(netFailure(kLabel, opened.error()));
    noteHead(opened->head);
    const auto& head = opened->head;
    auto contentType = head.headers.get("Content-Type").value_or("");
    if (auto terminal =
            terminalStatusFailure(kLabel, head.status, head.headers.getAll("WWW-Authenticate")))
      co_return failed(*terminal);
    if (head.status < 200 || head.status >= 300 || !isEventStreamContentType(contentType)) {
      std::string body;
      auto readFailure = co_await readBody(*opened->body, body, opts_.maxResponseBytes);
      if (readFailure)
        co_return failed(netFailure(kLabel, *readFailure), true);
      HttpReply hr{head.status, contentType, body, {}};
      Reply reply = classifyHttpReply(kLabel, hr, Json(nullptr), opts_.maxJsonDepth);
      Failure f =
          reply.kind == Reply::Kind::Failure
              ? reply.failure
              : makeFailure(FailureReason::NotMcp, "SSE GET: HTTP " + std::to_string(head.status) +
                                                       " is not an event stream");
      if (f.reason == FailureReason::InvalidResponse || f.reason == FailureReason::HttpError)
        if (head.status >= 200 && head.status < 300)
          f.reason = FailureReason::NotMcp;
      if (!f.httpStatus)
        f.httpStatus = head.status;
      co_return failed(f, true);
    }
    sseStream_ = std::move(opened->body);
    sseReader_.emplace(opts_.maxResponseBytes, opts_.maxJsonDepth);

    // The server must announce where to POST before anything else.
    std::optional<std::string> endpoint;
    while (!endpoint) {
      while (auto event = sseReader_->nextEvent()) {
        if (event->event == "endpoint") {
          endpoint = std::string(common::trim(event->data));
          break;
        }
        if (common::trim(event->data).empty())
          continue; // a priming event
        co_return failed(makeFailure(FailureReason::NotMcp, "SSE GET: first event is '" +
                                                                sanitizeExcerpt(event->event, 40) +
                                                                "', expected 'endpoint'"));
      }
      if (endpoint)
        break;
      if (sseStream_->bytesRead() > opts_.maxResponseBytes)
        co_return failed(makeFailure(FailureReason::ResponseTooLarge,
                                     "SSE GET: no endpoint event within the response size cap"));
      auto chunk = co_await sseStream_->next();
      if (!chunk)
        co_return failed(netFailure("SSE GET (waiting for endpoint)", chunk.error()));
      if (!*chunk)
        co_return failed(makeFailure(FailureReason::InvalidResponse,
                                     "SSE GET: stream ended before the endpoint event"));
      sseReader_->feed(**chunk);
    }
    auto resolved = url_.resolve(*endpoint);
    if (!resolved)
      co_return failed(makeFailure(FailureReason::InvalidResponse,
                                   "SSE GET: endpoint event is not a valid URL: " +
                                       sanitizeExcerpt(*endpoint, 80)));
    if (resolved->origin() != url_.origin())
      co_return failed(makeFailure(FailureReason::InvalidResponse,
                                   "SSE GET: endpoint on another origin refused: " +
                                       sanitizeExcerpt(resolved->origin(), 80)));
    postUrl_ = *resolved;

    // The newest accepted version, as an SDK client offers it; a 2024-11-05 server answers with
    // its own.
    auto outcome =
        co_await initializeLoop(firstAccepted(false).value_or(std::string(kSseInitVersion)));
    if (outcome.kind != InitializeDecision::Verdict::Ok)
      co_return failed(*outcome.failure);
    if (auto f = co_await sendInitialized())
      co_return failed(*f);
    result_.transport = Transport::Sse;
    co_return done();
  }

  // ---- tools --------------------------------------------------------------------------------

  Awaitable<std::optional<Failure>> listTools() {
    if (!result_.capabilities.is_object() || !result_.capabilities.contains("tools"))
      co_return std::nullopt; // no tools capability: nothing to list, still up
    auto t0 = SteadyClock::now();
    std::vector<Json> tools;
    std::set<std::string> seenCursors;
    std::optional<std::string> cursor;
    std::size_t page = 0;
    while (true) {
      if (page >= opts_.maxPages) {
        result_.timings.toolsList = msSince(t0);
        co_return makeFailure(FailureReason::PaginationLoop,
                              "tools/list: more than " + std::to_string(opts_.maxPages) + " pages");
      }
      ++page;
      Json params = Json::object();
      if (cursor)
        params["cursor"] = *cursor;
      std::string label = "tools/list page " + std::to_string(page);
      Reply reply = co_await request(label, "tools/list", params);
      if (auto lost = co_await recoverSession(label, reply)) {
        if (lost->failure)
          co_return lost->failure;
        // Cursors belong to the old session: list again from the start.
        tools.clear();
        seenCursors.clear();
        cursor.reset();
        page = 0;
        continue;
      }
      if (reply.kind == Reply::Kind::RpcError) {
        Failure f = rpcErrorFailure(label, reply.error, reply.httpStatus);
        f.reason = FailureReason::ToolsListFailed;
        co_return f;
      }
      if (reply.kind == Reply::Kind::Failure)
        co_return reply.failure;
      const Json& result = reply.result;
      auto list = result.is_object() ? result.find("tools") : result.end();
      if (!result.is_object() || list == result.end() || !list->is_array())
        co_return makeFailure(FailureReason::ToolsListFailed,
                              label + ": malformed result (no tools array)");
      for (const auto& tool : *list) {
        if (!tool.is_object() || !tool.contains("name") || !tool["name"].is_string())
          co_return makeFailure(FailureReason::ToolsListFailed,
                                label + ": malformed result (a tool without a string name)");
        if (opts_.call && tool["name"] == opts_.call->name && !calledTool_)
          calledTool_ = tool; // its inputSchema says which arguments go into headers
        tools.push_back(tool);
      }
      auto next = result.find("nextCursor");
      if (next == result.end() || next->is_null())
        break;
      if (!next->is_string())
        co_return makeFailure(FailureReason::ToolsListFailed,
                              label + ": malformed result (nextCursor is not a string)");
      std::string nextCursor = next->get<std::string>();
      if (!seenCursors.insert(nextCursor).second) {
        result_.timings.toolsList = msSince(t0);
        co_return makeFailure(FailureReason::PaginationLoop,
                              label + ": nextCursor repeats an earlier cursor");
      }
      cursor = std::move(nextCursor);
    }
    result_.timings.toolsList = msSince(t0);
    result_.tools = fingerprintTools(tools);
    co_return std::nullopt;
  }

  Awaitable<std::optional<Failure>> callTool() {
    auto t0 = SteadyClock::now();
    const auto& call = *opts_.call;
    std::string label = "tools/call " + sanitizeExcerpt(call.name, 60);
    Json params = {{"name", call.name}, {"arguments", call.arguments}};
    if (mode_ == Mode::Modern && calledTool_) {
      // 2026-07-28: arguments the tool marks with x-mcp-header are mirrored as headers, and a
      // tool whose marks are invalid must not be called.
      auto headers = mcpParamHeaders(*calledTool_, call.arguments);
      if (!headers) {
        result_.timings.toolCall = msSince(t0);
        co_return makeFailure(FailureReason::ToolCallFailed,
                              label + ": not called: the tool's " + headers.error());
      }
      paramHeaders_ = std::move(*headers);
    }
    Reply reply;
    for (int attempt = 0; attempt < 2; ++attempt) {
      reply = co_await request(label, "tools/call", params, call.name);
      auto lost = co_await recoverSession(label, reply);
      if (!lost)
        break;
      if (lost->failure)
        co_return lost->failure;
    }
    result_.timings.toolCall = msSince(t0);
    if (reply.kind == Reply::Kind::RpcError) {
      Failure f = rpcErrorFailure(label, reply.error, reply.httpStatus);
      f.reason = FailureReason::ToolCallFailed;
      co_return f;
    }
    if (reply.kind == Reply::Kind::Failure)
      co_return reply.failure;
    const Json& result = reply.result;
    if (!result.is_object())
      co_return makeFailure(FailureReason::ToolCallFailed, label + ": result is not an object");
    if (auto rt = result.find("resultType");
        rt != result.end() && !(rt->is_string() && *rt == "complete"))
      co_return makeFailure(
          FailureReason::ToolCallFailed,
          label + ": result is not complete (resultType " +
              sanitizeExcerpt(rt->is_string() ? rt->get<std::string>() : rt->dump(), 30) + ")");
    if (auto isError = result.find("isError");
        isError != result.end() && isError->is_boolean() && isError->get<bool>()) {
      std::string text;
      if (auto content = result.find("content"); content != result.end() && content->is_array())
        for (const auto& item : *content)
          if (item.is_object() && item.contains("text") && item["text"].is_string()) {
            text = item["text"].get<std::string>();
            break;
          }
      std::string detail = label + ": isError true";
      if (!text.empty())
        detail += ": " + sanitizeExcerpt(text);
      co_return makeFailure(FailureReason::ToolCallFailed, detail);
    }
    std::string text;
    if (auto content = result.find("content"); content != result.end() && content->is_array())
      for (const auto& item : *content)
        if (item.is_object() && item.contains("text") && item["text"].is_string()) {
          text += (text.empty() ? "" : " ") + item["text"].get<std::string>();
          if (text.size() > 1000)
            break;
        }
    result_.callText = redact(sanitizeExcerpt(text, 300));
    co_return std::nullopt;
  }

  struct Recovery {
    std::optional<Failure> failure; // unset: re-initialized, retry the request
  };

  // After a lost-session reply: one new initialize (+initialized). Returns nullopt when the
  // reply was not a lost session.
  Awaitable<std::optional<Recovery>> recoverSession(std::string_view label, const Reply& reply) {
    if (mode_ != Mode::LegacyHttp || !sessionId_ || !isSessionLost(reply))
      co_return std::nullopt;
    std::string what =
        std::string(label) + ": session lost (HTTP " + std::to_string(reply.httpStatus) + ")";
    if (reinitialized_)
      co_return Recovery{
          makeFailure(FailureReason::SessionError, what + " again after re-initialize")};
    reinitialized_ = true;
    auto outcome = co_await initializeLoop(*result_.protocolVersion);
    std::optional<Failure> f = outcome.failure;
    if (outcome.kind == InitializeDecision::Verdict::Ok)
      f = co_await sendInitialized();
    if (f) {
      Failure out = *f;
      out.reason = FailureReason::SessionError;
      out.detail = capDetail(what + "; re-initialize failed: " + f->detail);
      co_return Recovery{out};
    }
    co_return Recovery{};
  }

  // ---- requests -----------------------------------------------------------------------------

  void recordServerInfo(const Json& info) {
    if (!info.is_object())
      return; // none sent: the server is up, only unnamed
    ServerInfo si;
    si.name = info.value("name", "");
    si.version = info.value("version", "");
    if (auto title = info.find("title"); title != info.end() && title->is_string())
      si.title = title->get<std::string>();
    result_.serverInfo = std::move(si);
  }

  Json modernMeta() const {
    return {{"io.modelcontextprotocol/protocolVersion", version_},
            {"io.modelcontextprotocol/clientCapabilities", Json::object()},
            {"io.modelcontextprotocol/clientInfo",
             {{"name", "mcpwatch"}, {"version", MCPWATCH_VERSION}}}};
  }

  // User headers win over ours of the same name; several fields of one name are kept.
  void addUserHeaders(net::Headers& headers) const {
    std::vector<std::string> replaced;
    for (const auto& [name, value] : opts_.headers) {
      auto lower = common::toLower(name);
      if (std::find(replaced.begin(), replaced.end(), lower) == replaced.end()) {
        headers.remove(name);
        replaced.push_back(lower);
      }
      headers.add(name, value);
    }
  }

  net::Request makePost(const common::Url& url, const std::string& method, std::string body,
                        const std::optional<std::string>& mcpName) const {
    net::Request req;
    req.method = "POST";
    req.url = url;
    req.body = std::move(body);
    req.headers.add("Content-Type", "application/json");
    req.headers.add("Accept", "application/json, text/event-stream");
    addSessionHeaders(req.headers);
    if (mode_ == Mode::Modern) {
      req.headers.add("Mcp-Method", method);
      if (mcpName)
        req.headers.add("Mcp-Name", encodeMcpNameHeader(*mcpName));
      if (method == "tools/call")
        for (const auto& [name, value] : paramHeaders_)
          req.headers.add(name, value);
    }
    addUserHeaders(req.headers);
    return req;
  }

  void addSessionHeaders(net::Headers& headers) const {
    if (mode_ == Mode::LegacySse && version_ == kSseInitVersion)
      return; // 2024-11-05 has neither version nor session headers
    if (!version_.empty())
      headers.add("MCP-Protocol-Version", version_);
    if (mode_ == Mode::LegacyHttp && sessionId_)
      headers.add("Mcp-Session-Id", *sessionId_);
  }

  void noteHead(const net::ResponseHead& head) {
    lastHeaders_ = head.headers;
    if (!firstConnectionSeen_ && (head.connect.dnsMs || head.connect.connectMs)) {
      firstConnectionSeen_ = true;
      result_.timings.dns = head.connect.dnsMs;
      result_.timings.connect = head.connect.connectMs;
      result_.timings.tls = head.connect.tlsMs;
    }
    if (head.certificate && !certificateNotAfter_)
      certificateNotAfter_ = head.certificate->notAfter;
  }

  // Reads a whole body up to `cap` bytes; returns the net error if reading failed.
  Awaitable<std::optional<net::NetError>> readBody(net::BodyStream& stream, std::string& out,
                                                   std::size_t cap) {
    while (true) {
      auto chunk = co_await stream.next();
      if (!chunk)
        co_return chunk.error();
      if (!*chunk)
        co_return std::nullopt;
      out += **chunk;
      if (out.size() > cap) {
        stream.close();
        co_return net::NetError{net::NetErrorKind::ResponseTooLarge,
                                "response body over " + std::to_string(cap) + " bytes"};
      }
    }
  }

  Awaitable<Reply> request(std::string label, std::string method, Json params,
                           std::optional<std::string> mcpName = std::nullopt) {
    Json id = nextId_++;
    if (mode_ == Mode::Modern)
      params["_meta"] = modernMeta();
    Json message = {{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", params}};
    std::string body = message.dump(-1, ' ', false, Json::error_handler_t::replace);
    if (mode_ == Mode::LegacySse)
      co_return co_await sseRequest(label, method, std::move(body), id);
    co_return co_await postRequest(label, method, std::move(body), id, mcpName);
  }

  // Streamable HTTP: the answer is in the POST's response, as JSON or as an SSE stream.
  Awaitable<Reply> postRequest(std::string label, std::string method, std::string body, Json id,
                               std::optional<std::string> mcpName) {
    auto opened =
        co_await client_->open(makePost(url_, method, std::move(body), mcpName), deadline_);
    if (!opened)
      co_return failureReply(netFailure(label, opened.error()));
    noteHead(opened->head);
    const auto& head = opened->head;
    auto& stream = *opened->body;
    auto contentType = head.headers.get("Content-Type").value_or("");
    if (head.status >= 200 && head.status < 300 && isEventStreamContentType(contentType)) {
      SseMessageReader reader(opts_.maxResponseBytes, opts_.maxJsonDepth);
      std::unique_ptr<net::BodyStream> resumed; // the stream read now, after a resumption
      net::BodyStream* current = &stream;
      int resumptions = 0;
      while (true) {
        if (auto answer = reader.takeAnswer(label, id)) {
          current->close();
          co_return std::move(*answer);
        }
        while (auto serverRequest = reader.takeServerRequest())
          co_await answerServerRequest(*serverRequest);
        auto chunk = co_await current->next();
        if (!chunk)
          co_return failureReply(netFailure(label, chunk.error()), head.status);
        if (!*chunk) {
          // A stream that ended after an event id may be resumed: the answer comes on a GET.
          if (!reader.lastEventId() || mode_ != Mode::LegacyHttp || resumptions >= kMaxResumptions)
            co_return SseMessageReader::endedWithoutAnswer(label);
          ++resumptions;
          ++result_.sseResumptions;
          auto next = co_await resumeStream(label, reader);
          if (!next)
            co_return failureReply(next.error(), head.status);
          resumed = std::move(*next);
          current = resumed.get();
          reader.restartStream();
          continue;
        }
        reader.feed(**chunk);
      }
    }
    std::string text;
    if (auto error = co_await readBody(stream, text, opts_.maxResponseBytes)) {
      // A status that decides the outcome by itself needs no body.
      if (auto terminal =
              terminalStatusFailure(label, head.status, head.headers.getAll("WWW-Authenticate")))
        co_return failureReply(*terminal, head.status);
      co_return failureReply(netFailure(label, *error), head.status);
    }
    HttpReply hr{head.status, contentType, std::move(text),
                 head.headers.getAll("WWW-Authenticate")};
    co_return classifyHttpReply(label, hr, id, opts_.maxJsonDepth);
  }

  // SSE resumption: after the server's retry time, GET the endpoint with Last-Event-ID; the rest
  // of the stream (with the answer) comes there.
  Awaitable<common::Expected<std::unique_ptr<net::BodyStream>, Failure>>
  resumeStream(const std::string& label, const SseMessageReader& reader) {
    const std::string what = label + " (resuming the SSE stream)";
    auto wait = reader.retryMs() ? std::chrono::milliseconds(std::max(0L, *reader.retryMs()))
                                 : kDefaultResumeWait;
    wait = std::min(wait, kMaxResumeWait);
    if (SteadyClock::now() + wait >= deadline_)
      co_return common::unexpected(makeFailure(
          FailureReason::Timeout, what + ": the server's retry time passes the deadline"));
    asio::steady_timer timer(executor_);
    timer.expires_after(wait);
    boost::system::error_code ec;
    co_await timer.async_wait(redirect_error(use_awaitable, ec));
    net::Request get;
    get.method = "GET";
    get.url = url_;
    get.headers.add("Accept", "text/event-stream");
    get.headers.add("Last-Event-ID", *reader.lastEventId());
    addSessionHeaders(get.headers);
    addUserHeaders(get.headers);
    auto opened = co_await client_->open(std::move(get), deadline_);
    if (!opened)
      co_return common::unexpected(netFailure(what, opened.error()));
    const auto& head = opened->head;
    auto contentType = head.headers.get("Content-Type").value_or("");
    if (auto terminal =
            terminalStatusFailure(what, head.status, head.headers.getAll("WWW-Authenticate")))
      co_return common::unexpected(*terminal);
    if (head.status < 200 || head.status >= 300 || !isEventStreamContentType(contentType)) {
      Failure f = makeFailure(FailureReason::InvalidResponse,
                              label +
                                  ": SSE stream ended without the answer and resuming it "
                                  "with GET got HTTP " +
                                  std::to_string(head.status));
      f.httpStatus = head.status;
      co_return common::unexpected(f);
    }
    co_return std::move(opened->body);
  }

  // A request from the server on a stream (sampling, elicitation, roots/list, ping) is answered
  // at once, as a client without those capabilities does, so the server need not wait for it.
  Awaitable<void> answerServerRequest(const ServerRequest& request) {
    if (serverRequestsAnswered_ >= SseMessageReader::kMaxServerRequests)
      co_return; // a server that keeps asking gets no more answers; the deadline ends the probe
    ++serverRequestsAnswered_;
    Json message = {{"jsonrpc", "2.0"}, {"id", request.id}};
    if (request.method == "ping")
      message["result"] = Json::object();
    else
      message["error"] = {{"code", -32601}, {"message", "Method not found"}};
    net::Request post;
    post.method = "POST";
    post.url = mode_ == Mode::LegacySse && postUrl_ ? *postUrl_ : url_;
    post.body = message.dump();
    post.headers.add("Content-Type", "application/json");
    post.headers.add("Accept", "application/json, text/event-stream");
    addSessionHeaders(post.headers);
    addUserHeaders(post.headers);
    // The answer to an answer is 202 with no body; its outcome changes nothing.
    auto ignored = co_await client_->send(std::move(post), deadline_);
    (void)ignored;
  }

  // Legacy HTTP+SSE: POST to the endpoint (202), the answer arrives on the GET stream.
  Awaitable<Reply> sseRequest(std::string label, std::string method, std::string body, Json id) {
    auto sent = co_await client_->send(makePost(*postUrl_, method, std::move(body), std::nullopt),
                                       deadline_);
    if (!sent)
      co_return failureReply(netFailure(label, sent.error()));
    noteHead(sent->head);
    int status = sent->head.status;
    auto contentType = sent->head.headers.get("Content-Type").value_or("");
    if (status < 200 || status >= 300) {
      HttpReply hr{status, contentType, sent->body, sent->head.headers.getAll("WWW-Authenticate")};
      co_return classifyHttpReply(label, hr, id, opts_.maxJsonDepth);
    }
    // Some servers answer inline instead of on the stream; take that answer when it is ours.
    if (isJsonContentType(contentType))
      if (auto parsed = common::parseJson(sent->body, nullptr, opts_.maxJsonDepth))
        if (isResponseTo(*parsed, id)) {
          HttpReply hr{status, contentType, sent->body, {}};
          co_return classifyHttpReply(label, hr, id, opts_.maxJsonDepth);
        }
    sseReader_->resetBudget();
    while (true) {
      if (auto answer = sseReader_->takeAnswer(label, id))
        co_return std::move(*answer);
      while (auto serverRequest = sseReader_->takeServerRequest())
        co_await answerServerRequest(*serverRequest);
      auto chunk = co_await sseStream_->next();
      if (!chunk)
        co_return failureReply(netFailure(label + " (SSE stream)", chunk.error()));
      if (!*chunk)
        co_return SseMessageReader::endedWithoutAnswer(label);
      sseReader_->feed(**chunk);
    }
  }

  // notifications/initialized: any 2xx is fine and its body is not needed.
  Awaitable<std::optional<Failure>> sendInitialized() {
    constexpr std::string_view kLabel = "notifications/initialized";
    const std::string method(kLabel);
    Json message = {{"jsonrpc", "2.0"}, {"method", method}};
    if (mode_ == Mode::Modern)
      co_return std::nullopt;
    const common::Url& target = mode_ == Mode::LegacySse ? *postUrl_ : url_;
    auto opened =
        co_await client_->open(makePost(target, method, message.dump(), std::nullopt), deadline_);
    if (!opened)
      co_return netFailure(kLabel, opened.error());
    noteHead(opened->head);
    const auto& head = opened->head;
    auto& stream = *opened->body;
    auto contentType = head.headers.get("Content-Type").value_or("");
    if (head.status >= 200 && head.status < 300) {
      if (isEventStreamContentType(contentType)) {
        stream.close();
      } else {
        // Drain a short body so the connection can be reused; give up quickly otherwise.
        auto until = std::min(deadline_, SteadyClock::now() + kNotificationDrain);
        std::size_t drained = 0;
        while (drained <= kMaxNotificationBody) {
          auto chunk = co_await stream.next(until);
          if (!chunk || !*chunk)
            break;
          drained += (*chunk)->size();
        }
        stream.close();
      }
      co_return std::nullopt;
    }
    std::string text;
    if (auto error = co_await readBody(stream, text, kMaxNotificationBody)) {
      if (auto terminal =
              terminalStatusFailure(kLabel, head.status, head.headers.getAll("WWW-Authenticate")))
        co_return terminal;
      co_return netFailure(kLabel, *error);
    }
    HttpReply hr{head.status, contentType, std::move(text),
                 head.headers.getAll("WWW-Authenticate")};
    Reply reply = classifyHttpReply(kLabel, hr, Json(nullptr), opts_.maxJsonDepth);
    Failure f = replyFailure(kLabel, reply);
    // The session initialize just made was refused ("Session not found", -32001 or 404).
    if (sessionId_ && (isSessionLost(reply) ||
                       (reply.kind == Reply::Kind::RpcError && reply.error.code == -32001)))
      f.reason = FailureReason::SessionError;
    co_return f;
  }

  // Ends the session politely: DELETE for a Streamable HTTP session, closing the SSE stream.
  Awaitable<void> cleanup() {
    if (sseStream_) {
      sseStream_->close();
      sseStream_.reset();
    }
    if (mode_ == Mode::LegacyHttp && sessionId_ && SteadyClock::now() < deadline_) {
      net::Request del;
      del.method = "DELETE";
      del.url = url_;
      del.headers.add("Accept", "application/json, text/event-stream");
      addSessionHeaders(del.headers);
      addUserHeaders(del.headers);
      // The outcome does not matter (200, 204, 400, 404, 405 are all fine).
      auto ignored = co_await client_->send(std::move(del), deadline_);
      (void)ignored;
    }
  }

  // Header values may be secrets; a server could echo one back in an error message.
  // Header values out of `text` (a server may echo them): each whole value, each of its words of
  // 8 characters or more (the token of "Bearer <token>"), and the first 8 or more characters of
  // one (a prefix a server shows, or one cut short by the detail's cap). Only on failures.
  std::string redact(std::string text) const {
    std::vector<std::string_view> secrets;
    for (const auto& [name, value] : opts_.headers) {
      (void)name;
      auto v = common::trim(value);
      if (v.size() >= 4)
        secrets.push_back(v);
      for (auto word : common::split(v, ' '))
        if (word.size() >= 8 && word != v)
          secrets.push_back(word);
    }
    return redactSecrets(std::move(text), secrets);
  }

  ProbeOptions opts_;
  asio::any_io_executor executor_;
  std::shared_ptr<net::Client> client_;
  common::Url url_;
  SteadyClock::time_point start_;
  SteadyClock::time_point deadline_;
  ProbeResult result_;
  bool firstConnectionSeen_ = false;
  std::optional<std::chrono::system_clock::time_point> certificateNotAfter_;
  int nextId_ = 1;
  Mode mode_ = Mode::Modern;
  std::string version_; // sent in MCP-Protocol-Version (and _meta) once known
  std::optional<std::string> sessionId_;
  bool reinitialized_ = false;
  std::size_t serverRequestsAnswered_ = 0;
  std::optional<Json> calledTool_; // the --call tool as tools/list described it
  std::vector<std::pair<std::string, std::string>> paramHeaders_; // Mcp-Param-* of the call
  net::Headers lastHeaders_;
  std::unique_ptr<net::BodyStream> sseStream_;
  std::optional<SseMessageReader> sseReader_;
  std::optional<common::Url> postUrl_;
};

// Runs a `P` (Prober or OAuthProber) on the caller's executor; only resource exhaustion throws
// there, and it is reported as a failed probe instead.
template <class P> Awaitable<ProbeResult> runGuarded(ProbeOptions options) {
  auto executor = co_await asio::this_coro::executor;
  std::string url = options.url;
  std::string error;
  try {
    P prober(std::move(options), executor);
    co_return co_await prober.run();
  } catch (const std::exception& e) {
    error = e.what();
  }
  ProbeResult result;
  result.url = std::move(url);
  result.startedAt = std::chrono::system_clock::now();
  result.failure = Failure{FailureReason::InvalidResponse,
                           capDetail("internal error: " + sanitizeExcerpt(error)),
                           {},
                           {},
                           {}};
  co_return result;
}

Awaitable<ProbeResult> probeOnce(ProbeOptions options) {
  co_return co_await runGuarded<Prober>(std::move(options));
}

// With OAuth credentials: the probe with the cached token (or none), then, on a 401 challenge,
// discovery and a new token and the probe again; on a 403 insufficient_scope, one step-up.
// (A class with member coroutines, like Prober: g++ 12 mishandles lambda coroutines and
// temporaries in a co_await's full expression, so arguments are named values.)
class OAuthProber {
public:
  OAuthProber(ProbeOptions options, asio::any_io_executor executor)
      : options_(std::move(options)), credentials_(*options_.oauth),
        cache_(options_.credentials ? options_.credentials : std::make_shared<CredentialCache>()),
        server_(*common::Url::parse(options_.url)), authClient_(executor, authClientOptions()) {}

  Awaitable<ProbeResult> run() {
    start_ = SteadyClock::now();
    deadline_ = start_ + options_.timeout;
    // The same backstop as Prober's: no authorization server stretches the probe's deadline.
    asio::steady_timer watchdog(co_await asio::this_coro::executor);
    watchdog.expires_at(deadline_ + kWatchdogGrace);
    watchdog.async_wait([this](boost::system::error_code ec) {
      if (!ec)
        authClient_.cancel();
    });
    ProbeResult result = co_await steps();
    watchdog.cancel();
    co_return result;
  }

private:
  Awaitable<ProbeResult> steps() {
    std::optional<AccessToken> token = cache_->usable(SteadyClock::now());
    report_.token = token ? "cached" : "new";
    bool fresh = false, steppedUp = false;
    if (!token) {
      // A token that is about to expire is renewed before the probe once the server's
      // challenge is known (a renewal that fails is the monitor's problem, found before the
      // server is asked); the first probe learns the challenge from the server's 401.
      if (auto challenge = cache_->lastChallenge()) {
        const std::string noPreviousScope;
        auto got = co_await fetch(*challenge, noPreviousScope);
        if (!got) {
          ProbeResult failed;
          failed.url = options_.url;
          failed.startedAt = std::chrono::system_clock::now();
          failed.failure = std::move(got.error());
          co_return finish(std::move(failed), std::nullopt);
        }
        token = std::move(*got);
        fresh = true;
        if (auto late = tooLate())
          co_return finish(std::move(*late), token);
      }
    }
    ProbeResult result = co_await attempt(token);
    while (result.failure) {
      const Failure f = *result.failure;
      const bool unauthorized =
          f.reason == FailureReason::AuthRequired || f.reason == FailureReason::AuthInvalid;
      const bool stepUp = f.reason == FailureReason::InsufficientScope && token && !steppedUp;
      // A token just obtained and refused is the answer (auth_invalid): no loop.
      if (!(unauthorized && !fresh) && !stepUp)
        break;
      const CredentialCache::Challenge challenge{f.resourceMetadata, f.challengeScope};
      if (unauthorized) {
        cache_->forget();
        cache_->rememberChallenge(challenge);
      }
      const std::string previousScope = stepUp ? token->scope : std::string();
      auto got = co_await fetch(challenge, previousScope);
      if (!got) {
        result.failure = std::move(got.error());
        result.ok = false;
        break;
      }
      if (stepUp) {
        // Renewals ask for the stepped-up scope at once.
        auto known = cache_->lastChallenge().value_or(challenge);
        known.scope = got->scope;
        cache_->rememberChallenge(std::move(known));
      }
      token = std::move(*got);
      fresh = true;
      steppedUp = steppedUp || stepUp;
      report_.token = stepUp ? "stepped_up" : "new";
      if (auto late = tooLate()) {
        result = std::move(*late);
        break;
      }
      result = co_await attempt(token);
    }
    if (result.failure && result.failure->reason == FailureReason::AuthInvalid)
      cache_->forget(); // the next probe gets a new one
    co_return finish(std::move(result), token);
  }

  // A token that took most of the probe's time leaves too little for the server: that is the
  // authorization server's slowness (auth_token_failed), not a timeout of the MCP server.
  std::optional<ProbeResult> tooLate() const {
    const auto left = deadline_ - SteadyClock::now();
    if (left >= options_.timeout / 4)
      return std::nullopt;
    ProbeResult late;
    late.url = options_.url;
    late.startedAt = std::chrono::system_clock::now();
    late.failure = Failure{FailureReason::AuthTokenFailed,
                           capDetail("getting a token took " +
                                     std::to_string(static_cast<long long>(msSince(start_))) +
                                     " ms of the " + std::to_string(options_.timeout.count()) +
                                     " ms timeout: too little time left to probe"),
                           {},
                           {},
                           {}};
    return late;
  }

  net::ClientOptions authClientOptions() const {
    net::ClientOptions co;
    co.verifyTls = !options_.insecure;
    co.caFile = options_.caFile;
    co.tlsSessionResumption = options_.tlsResumption;
    co.maxBodyBytes = 256 * 1024; // metadata and token answers are small
    return co;
  }

  ProbeResult finish(ProbeResult result, const std::optional<AccessToken>& token) {
    if (token && token->lifetime)
      report_.expiresAt = token->obtainedWall + *token->lifetime;
    result.timings.total = msSince(start_);
    result.auth = report_;
    return result;
  }

  // One probe within what is left of the whole deadline, with `token` when there is one.
  Awaitable<ProbeResult> attempt(const std::optional<AccessToken>& token) {
    ProbeOptions o = options_;
    o.oauth.reset();
    if (token)
      o.headers.emplace_back("Authorization", "Bearer " + token->value);
    o.timeout = std::max(
        std::chrono::milliseconds(1),
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline_ - SteadyClock::now()));
    co_return co_await probeOnce(std::move(o));
  }

  // Discovery and a token request for the challenge seen; `previousScope` for a step-up.
  Awaitable<common::Expected<AccessToken, Failure>>
  fetch(const CredentialCache::Challenge& challenge, const std::string& previousScope) {
    TokenRequest request;
    request.server = server_;
    request.credentials = &credentials_;
    request.resourceMetadata = challenge.resourceMetadata;
    request.challengeScope = challenge.scope;
    request.previousScope = previousScope;
    request.pinnedIssuer = cache_->pinnedIssuer();
    request.deadline = deadline_;
    request.maxJsonDepth = options_.maxJsonDepth;
    auto got = co_await obtainToken(authClient_, std::move(request), report_);
    if (got)
      cache_->store(*got);
    else
      report_.token = "failed";
    co_return got;
  }

  ProbeOptions options_;
  OAuthCredentials credentials_;
  std::shared_ptr<CredentialCache> cache_;
  common::Url server_;
  net::Client authClient_;
  AuthReport report_;
  SteadyClock::time_point start_;
  SteadyClock::time_point deadline_;
};

} // namespace

Awaitable<ProbeResult> probe(ProbeOptions options) {
  if (!options.oauth || !common::Url::parse(options.url))
    co_return co_await runGuarded<Prober>(std::move(options));
  co_return co_await runGuarded<OAuthProber>(std::move(options));
}

} // namespace mcpwatch::prober
