// The stable failure reasons of DESIGN.md section 4: users alert and filter on these strings.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace mcpwatch::prober {

enum class FailureReason {
  DnsError,
  ConnectRefused,
  ConnectTimeout,
  TlsError,
  TlsCertificateInvalid,
  Timeout,
  ConnectionClosed,
  HttpError,
  AuthRequired,
  // 401 although mcpwatch sent a credential (an Authorization header): the credential is
  // rejected (expired, revoked, for another resource). The detail has the challenge's error.
  AuthInvalid,
  Forbidden,
  // 403 with error="insufficient_scope" (RFC 6750): the credential lacks a scope; the detail
  // names the scope the challenge asks for.
  InsufficientScope,
  RateLimited,
  NotMcp,
  InvalidResponse,
  ResponseTooLarge,
  JsonrpcError,
  ProtocolVersionRejected,
  ProtocolVersionUnsupported,
  InitializeInvalid,
  SessionError,
  ToolsListFailed,
  PaginationLoop,
  SchemaDrift,
  ToolCallFailed,
  // OAuth: mcpwatch could not get an access token (discovery failed, the token endpoint refused
  // the client or was unreachable): the monitor's credential, not the MCP server.
  AuthTokenFailed,
  // mcpwatch itself could not make the request (out of sockets / file descriptors). Never counted
  // against the server: the daemon logs it and probes again at the retry interval.
  LocalError,
};

// "dns_error", "connect_refused", ... exactly as in DESIGN.md section 4.
std::string_view toString(FailureReason reason);
std::optional<FailureReason> parseFailureReason(std::string_view text);

struct Failure {
  FailureReason reason;
  std::string detail; // one human line; never contains a secret (headers are not echoed)
  std::optional<int> httpStatus;
  std::optional<int> jsonrpcCode;
  std::optional<std::string> resourceMetadata; // from WWW-Authenticate on 401
  std::optional<std::string> challengeScope;   // the Bearer challenge's scope (401, 403)
};

// The concrete failure in a few words, for alert headlines: "HTTP 503", "connection refused",
// "TLS certificate expired 3 days ago", "JSON-RPC error -32603". Reads the stable `reason` (or
// the detector's "flapping") and this module's own detail texts; an unknown reason gives the
// reason itself. Never longer than 80 bytes, never a URL or host.
std::string failureSummary(std::string_view reason, std::string_view detail);

} // namespace mcpwatch::prober
