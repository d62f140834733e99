// One MCP probe: era/transport detection, handshake or discover, version check, tools/list,
// fingerprint, optional tool call. Returns a ProbeResult; it never throws and never counts.
#pragma once

// clang-format off
#include <utility> // common/asio.hpp needs it before Boost 1.74's awaitable.hpp
#include "common/asio.hpp"
// clang-format on
#include "common/json.hpp"
#include "common/transport.hpp"
#include "prober/failure.hpp"
#include "prober/oauth.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace mcpwatch::prober {

using Transport = common::Transport; // "auto", "modern", "streamable-http", "sse"
using common::parseTransport;
using common::toString;

enum class Era { Modern, Legacy };
std::string_view toString(Era e); // "modern", "legacy"

inline const std::vector<std::string> kDefaultAcceptedVersions = {
    "2026-07-28", "2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"};

struct ToolCall {
  std::string name;
  common::Json arguments = common::Json::object();
};

struct ProbeOptions {
  std::string url;
  Transport transport = Transport::Auto;
  // Extra request headers (e.g. Authorization). Values may be secrets: they are sent, never shown.
  std::vector<std::pair<std::string, std::string>> headers;
  std::chrono::milliseconds timeout{10'000}; // whole-probe deadline; no server can stretch it
  bool insecure = false;                     // skip certificate and host-name verification
  std::string caFile; // PEM trust anchors used instead of the system store; empty: system store
  bool tlsResumption = true; // offer the session of the previous probe's handshake
  std::vector<std::string> acceptedVersions = kDefaultAcceptedVersions;
  // Auto only: how the server last answered (Modern, StreamableHttp for the legacy Streamable
  // HTTP era, Sse for HTTP+SSE). Tried first, so a server keeps its era unless it really changed.
  std::optional<Transport> lastTransport;
  std::optional<ToolCall> call;
  // A server that asks for OAuth (401 with a Bearer challenge) counts as up when its protected
  // resource metadata (RFC 9728) is reachable and names this server and an authorization
  // server: "alive and protected", for servers mcpwatch holds no credential for. Only without
  // an Authorization header.
  bool protectedIsUp = false;
  // OAuth client credentials: on a 401 challenge mcpwatch discovers the authorization server,
  // gets a token and probes again with it (once); on a 403 insufficient_scope it asks once more
  // for the union of scopes. Never together with an Authorization header.
  std::optional<OAuthCredentials> oauth;
  // Where the token is kept between probes (the daemon: one per server); null: this probe only.
  std::shared_ptr<CredentialCache> credentials;
  std::size_t maxPages = 100;                     // tools/list pages before pagination_loop
  std::size_t maxResponseBytes = 4 * 1024 * 1024; // per response body
  int maxJsonDepth = common::kDefaultMaxJsonDepth;
};

struct ServerInfo {
  std::string name;
  std::string version;
  std::optional<std::string> title;
};

struct ToolDigest {
  std::string name;
  std::string sha256; // hex of the tool's canonical JSON
};

struct ToolsSummary {
  std::size_t count = 0;
  std::string fingerprint;       // "sha256:<hex>" over all tools, sorted by name
  std::vector<ToolDigest> tools; // sorted by name
  // The fingerprint an earlier mcpwatch computed for the same tools, when it differs (see
  // canonicalTool): lets a baseline stored in that format carry over without false drift.
  std::optional<std::string> formerFingerprint;
};

// Milliseconds per phase; a phase that did not happen stays unset.
struct PhaseTimings {
  std::optional<double> dns;
  std::optional<double> connect;
  std::optional<double> tls;
  std::optional<double> handshake; // initialize (+initialized) or server/discover
  std::optional<double> toolsList;
  std::optional<double> toolCall;
  double total = 0;
};

struct TlsInfo {
  std::chrono::system_clock::time_point notAfter;
  long daysLeft = 0; // whole days from the probe's end to notAfter (negative once expired)
};

// A server counted up as alive and protected (ProbeOptions::protectedIsUp).
struct ProtectedResource {
  std::string metadataUrl;                       // where its RFC 9728 metadata was read
  std::vector<std::string> authorizationServers; // as the metadata lists them
};

struct ProbeResult {
  std::string url;
  bool ok = false;
  std::optional<Failure> failure;
  std::optional<Era> era;
  std::optional<Transport>
      transport; // StreamableHttp or Sse once known (Modern maps to StreamableHttp)
  std::optional<std::string> protocolVersion;
  std::optional<ServerInfo> serverInfo;
  common::Json capabilities = common::Json::object();
  std::optional<ToolsSummary> tools; // unset when the server has no tools capability
  PhaseTimings timings;
  std::optional<TlsInfo> tls;
  std::chrono::system_clock::time_point startedAt;
  // SSE streams the server ended early that were resumed with GET + Last-Event-ID.
  int sseResumptions = 0;
  // The --call tool's answer: its text content (sanitised, cut), for people.
  std::optional<std::string> callText;
  // Set when the server answered with an OAuth challenge and counted as up for it.
  std::optional<ProtectedResource> protectedResource;
  // With ProbeOptions::oauth: what the auth steps did (never a token).
  std::optional<AuthReport> auth;
};

// Runs one probe on the caller's executor. Never throws; every failure is in the result.
Awaitable<ProbeResult> probe(ProbeOptions options);

// `probe --json` output, exactly as DESIGN.md section 3.
common::Json toJson(const ProbeResult& result);
// The same as one line of text with the keys in the documented order (url, ok, status, failure,
// era, transport, protocol_version, server_info, tools, timings_ms, sse_resumptions, tls,
// protected, auth).
std::string toJsonText(const ProbeResult& result);
// The readable output of `mcpwatch probe`, with a next step for a failure.
std::string toText(const ProbeResult& result);
// What to try next for a failed probe ("MCP endpoints are usually at /mcp" for not_mcp on "/"),
// or empty.
std::string nextStep(const ProbeResult& result);

} // namespace mcpwatch::prober
