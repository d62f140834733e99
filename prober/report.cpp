// The two renderings of a ProbeResult: `probe --json` (DESIGN.md section 3) and readable text.
#include "common/time.hpp"
#include "common/url.hpp"
#include "prober/classify.hpp"
#include "prober/probe.hpp"

#include <cstdio>

namespace mcpwatch::prober {
namespace {

using common::Json;

template <class J> J optionalMs(const std::optional<double>& ms) {
  return ms ? J(*ms) : J(nullptr);
}

// Milliseconds with one decimal for people; JSON keeps full precision.
std::string formatMs(double ms) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f ms", ms);
  return buf;
}

} // namespace

// Built once for both JSON types: Json for callers, ordered_json to print keys in the documented
// order (nlohmann's Json sorts them).
template <class J> J buildJson(const ProbeResult& r) {
  J j = J::object();
  j["url"] = r.url;
  j["ok"] = r.ok;
  j["status"] = r.ok ? "up" : "down";
  if (r.failure) {
    const auto& f = *r.failure;
    j["failure"] = {
        {"reason", std::string(toString(f.reason))},
        {"detail", f.detail},
        {"http_status", f.httpStatus ? J(*f.httpStatus) : J(nullptr)},
        {"jsonrpc_code", f.jsonrpcCode ? J(*f.jsonrpcCode) : J(nullptr)},
        {"resource_metadata", f.resourceMetadata ? J(*f.resourceMetadata) : J(nullptr)},
    };
  } else {
    j["failure"] = nullptr;
  }
  j["era"] = r.era ? J(std::string(toString(*r.era))) : J(nullptr);
  j["transport"] = r.transport ? J(std::string(toString(*r.transport))) : J(nullptr);
  j["protocol_version"] = r.protocolVersion ? J(*r.protocolVersion) : J(nullptr);
  if (r.serverInfo) {
    j["server_info"] = {{"name", r.serverInfo->name},
                        {"version", r.serverInfo->version},
                        {"title", r.serverInfo->title ? J(*r.serverInfo->title) : J(nullptr)}};
  } else {
    j["server_info"] = nullptr;
  }
  if (r.tools) {
    Json names = J::array();
    for (const auto& t : r.tools->tools) // already sorted by name
      names.push_back(t.name);
    j["tools"] = {
        {"count", r.tools->count}, {"fingerprint", r.tools->fingerprint}, {"names", names}};
  } else {
    j["tools"] = nullptr;
  }
  j["timings_ms"] = {{"dns", optionalMs<J>(r.timings.dns)},
                     {"connect", optionalMs<J>(r.timings.connect)},
                     {"tls", optionalMs<J>(r.timings.tls)},
                     {"handshake", optionalMs<J>(r.timings.handshake)},
                     {"tools_list", optionalMs<J>(r.timings.toolsList)},
                     {"tool_call", optionalMs<J>(r.timings.toolCall)},
                     {"total", r.timings.total}};
  j["sse_resumptions"] = r.sseResumptions;
  if (r.tls) {
    j["tls"] = {{"not_after", common::formatRfc3339(r.tls->notAfter)},
                {"days_left", r.tls->daysLeft}};
  } else {
    j["tls"] = nullptr;
  }
  if (r.protectedResource) {
    J servers = J::array();
    for (const auto& s : r.protectedResource->authorizationServers)
      servers.push_back(s);
    j["protected"] = {{"resource_metadata", r.protectedResource->metadataUrl},
                      {"authorization_servers", servers}};
  } else {
    j["protected"] = nullptr;
  }
  if (r.auth) {
    const auto& a = *r.auth;
    auto opt = [](const auto& v) { return v ? J(*v) : J(nullptr); };
    j["auth"] = {{"grant", a.grant},
                 {"token", a.token},
                 {"resource_metadata", opt(a.resourceMetadata)},
                 {"authorization_server", opt(a.authorizationServer)},
                 {"metadata", opt(a.metadataUrl)},
                 {"token_endpoint", opt(a.tokenEndpoint)},
                 {"client_auth", opt(a.clientAuth)},
                 {"scope", opt(a.scope)},
                 {"expires_in", opt(a.expiresIn)},
                 {"expires_at", a.expiresAt ? J(common::formatRfc3339(*a.expiresAt)) : J(nullptr)},
                 {"token_requests", a.tokenRequests},
                 {"ms", a.ms}};
  } else {
    j["auth"] = nullptr;
  }
  return j;
}

Json toJson(const ProbeResult& r) {
  return buildJson<Json>(r);
}

std::string toJsonText(const ProbeResult& r) {
  return buildJson<nlohmann::ordered_json>(r).dump(
      -1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

std::string nextStep(const ProbeResult& r) {
  if (!r.failure)
    return {};
  auto url = common::Url::parse(r.url);
  const bool rootPath = url && (url->target == "/" || url->target.starts_with("/?"));
  switch (r.failure->reason) {
  case FailureReason::DnsError:
    return "check the host name (mcpwatch asks the system resolver)";
  case FailureReason::ConnectRefused:
    return "nothing listens there: is the server running, and is the port right?";
  case FailureReason::ConnectTimeout:
    return "the connection was never accepted: a firewall, a wrong address, or an overloaded host";
  case FailureReason::TlsError:
    return "the TLS handshake failed: is this an https port? (use http:// for a server without "
           "TLS)";
  case FailureReason::TlsCertificateInvalid:
    return "the failure says what is wrong with the certificate; trust a private CA with --ca-file "
           "FILE, or skip the checks with --insecure";
  case FailureReason::Timeout:
    return "no complete answer before --timeout: raise it, or look at the server's load";
  case FailureReason::ConnectionClosed:
    return "the connection ended mid-answer: look at the server's logs, or a proxy in between";
  case FailureReason::HttpError:
    return "look at the server's (or its proxy's) logs for this status";
  case FailureReason::AuthRequired:
    return "the server wants a token: give mcpwatch a client (--oauth-client-id with "
           "--oauth-client-secret-env or --oauth-private-key), or --header 'Authorization: "
           "Bearer <token>'";
  case FailureReason::AuthTokenFailed:
    return "mcpwatch's own OAuth client failed (the detail says at which step): check the client "
           "id, secret or key, and that the authorization server is reachable";
  case FailureReason::AuthInvalid:
    return "the server rejects the Authorization header sent: renew the token (the detail has "
           "the server's reason)";
  case FailureReason::Forbidden:
    return "the credentials are accepted but lack a permission this server needs";
  case FailureReason::InsufficientScope:
    return "the token lacks a scope this server asks for (named in the detail): get one with "
           "that scope";
  case FailureReason::RateLimited:
    return "the server limits requests: probe less often, or ask for a higher limit";
  case FailureReason::NotMcp:
    return rootPath ? "MCP endpoints are usually at /mcp (or /sse for the legacy transport)"
                    : "something answers here, but not an MCP server: check the path";
  case FailureReason::InvalidResponse:
    return "the answer is not valid MCP JSON-RPC: a server bug, or a proxy changing bodies";
  case FailureReason::ResponseTooLarge:
    return "an answer passed the 4 MiB cap: a server bug, or not an MCP endpoint";
  case FailureReason::JsonrpcError:
    return "the server refused the request; its message is in the failure";
  case FailureReason::ProtocolVersionRejected:
    return "the server speaks none of the accepted versions: see --accept-version";
  case FailureReason::ProtocolVersionUnsupported:
    return "the server chose a version not in the accepted list: add it with --accept-version";
  case FailureReason::InitializeInvalid:
    return "the handshake answer misses required fields: a server bug";
  case FailureReason::SessionError:
    return "the server lost the session: several instances behind a load balancer without "
           "sticky sessions?";
  case FailureReason::ToolsListFailed:
    return "tools/list failed on the server: look at its logs";
  case FailureReason::PaginationLoop:
    return "tools/list pages never end: a server bug in nextCursor";
  case FailureReason::SchemaDrift:
    return "the tools changed: accept them with mcpwatch baseline accept SLUG --config FILE";
  case FailureReason::ToolCallFailed:
    return "the tool answered with an error; its text is in the failure";
  case FailureReason::LocalError:
    return "mcpwatch ran out of sockets or file descriptors: raise the limit (ulimit -n)";
  }
  return {};
}

std::string toText(const ProbeResult& r) {
  // Everything that came from the server is sanitised: a terminal must not run its escapes.
  std::string out = r.ok ? "UP   " : "DOWN ";
  out += sanitizeExcerpt(r.url, 500);
  if (r.failure)
    out += "  (" + std::string(toString(r.failure->reason)) + ")";
  out += '\n';
  auto line = [&out](std::string_view label, const std::string& value) {
    out += "  ";
    out += label;
    out.append(label.size() < 10 ? 10 - label.size() : 1, ' ');
    out += value;
    out += '\n';
  };
  if (r.failure) {
    line("failure", r.failure->detail);
    if (r.failure->resourceMetadata)
      line("auth", "resource_metadata " + sanitizeExcerpt(*r.failure->resourceMetadata, 300));
    if (auto step = nextStep(r); !step.empty())
      line("next", step);
  }
  if (r.era || r.transport) {
    std::string v = r.era ? std::string(toString(*r.era)) : "?";
    if (r.transport)
      v += " era, " + std::string(toString(*r.transport));
    if (r.protocolVersion)
      v += ", protocol " + sanitizeExcerpt(*r.protocolVersion, 40);
    line("mcp", v);
  }
  if (r.serverInfo) {
    std::string v =
        sanitizeExcerpt(r.serverInfo->name) + " " + sanitizeExcerpt(r.serverInfo->version, 40);
    if (r.serverInfo->title)
      v += " (" + sanitizeExcerpt(*r.serverInfo->title) + ")";
    line("server", v);
  }
  if (r.protectedResource) {
    std::string servers;
    for (const auto& s : r.protectedResource->authorizationServers)
      servers += (servers.empty() ? "" : ", ") + sanitizeExcerpt(s, 200);
    line("auth", "alive and protected: OAuth by " + servers + " (metadata " +
                     sanitizeExcerpt(r.protectedResource->metadataUrl, 300) + ")");
  }
  if (r.auth) {
    const auto& a = *r.auth;
    std::string v = "OAuth " + a.grant + ", " +
                    (a.token == "cached"       ? std::string("cached token")
                     : a.token == "stepped_up" ? std::string("token stepped up")
                                               : std::string("new token"));
    if (a.authorizationServer)
      v += " from " + sanitizeExcerpt(*a.authorizationServer, 200);
    if (a.clientAuth)
      v += " (" + *a.clientAuth + ")";
    if (a.scope)
      v += ", scope " + sanitizeExcerpt(*a.scope, 200);
    if (a.expiresIn)
      v += ", expires in " + std::to_string(*a.expiresIn) + " s";
    if (a.tokenRequests > 0)
      v += ", " + formatMs(a.ms);
    line("auth", v);
  }
  if (r.tools) {
    line("tools", std::to_string(r.tools->count) + ", " + r.tools->fingerprint);
  } else if (r.protectedResource) {
    line("tools", "not listed (no credential)");
  } else if (r.ok) {
    line("tools", "none (no tools capability)");
  }
  std::string t;
  auto add = [&t](std::string_view name, const std::optional<double>& ms) {
    if (!ms)
      return;
    if (!t.empty())
      t += ", ";
    t += std::string(name) + " " + formatMs(*ms);
  };
  add("dns", r.timings.dns);
  add("connect", r.timings.connect);
  add("tls", r.timings.tls);
  add("handshake", r.timings.handshake);
  add("tools/list", r.timings.toolsList);
  add("tool call", r.timings.toolCall);
  add("total", r.timings.total);
  line("timings", t);
  if (r.callText)
    line("call", r.callText->empty() ? "ok (no text content)" : *r.callText);
  if (r.sseResumptions > 0)
    line("stream", "resumed " + std::to_string(r.sseResumptions) +
                       (r.sseResumptions == 1 ? " time" : " times") + " with Last-Event-ID");
  if (r.tls)
    line("tls", "certificate expires " + common::formatRfc3339(r.tls->notAfter) + " (" +
                    std::to_string(r.tls->daysLeft) + " days left)");
  return out;
}

} // namespace mcpwatch::prober
