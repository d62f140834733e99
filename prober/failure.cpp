// Stable failure reason strings (DESIGN.md section 4) and their parsing.
#include "prober/failure.hpp"

#include <array>
#include <cctype>
#include <string>
#include <utility>

namespace mcpwatch::prober {
namespace {

constexpr std::array<std::pair<FailureReason, std::string_view>, 27> kReasonNames = {{
    {FailureReason::DnsError, "dns_error"},
    {FailureReason::ConnectRefused, "connect_refused"},
    {FailureReason::ConnectTimeout, "connect_timeout"},
    {FailureReason::TlsError, "tls_error"},
    {FailureReason::TlsCertificateInvalid, "tls_certificate_invalid"},
    {FailureReason::Timeout, "timeout"},
    {FailureReason::ConnectionClosed, "connection_closed"},
    {FailureReason::HttpError, "http_error"},
    {FailureReason::AuthRequired, "auth_required"},
    {FailureReason::AuthInvalid, "auth_invalid"},
    {FailureReason::Forbidden, "forbidden"},
    {FailureReason::InsufficientScope, "insufficient_scope"},
    {FailureReason::RateLimited, "rate_limited"},
    {FailureReason::NotMcp, "not_mcp"},
    {FailureReason::InvalidResponse, "invalid_response"},
    {FailureReason::ResponseTooLarge, "response_too_large"},
    {FailureReason::JsonrpcError, "jsonrpc_error"},
    {FailureReason::ProtocolVersionRejected, "protocol_version_rejected"},
    {FailureReason::ProtocolVersionUnsupported, "protocol_version_unsupported"},
    {FailureReason::InitializeInvalid, "initialize_invalid"},
    {FailureReason::SessionError, "session_error"},
    {FailureReason::ToolsListFailed, "tools_list_failed"},
    {FailureReason::PaginationLoop, "pagination_loop"},
    {FailureReason::SchemaDrift, "schema_drift"},
    {FailureReason::ToolCallFailed, "tool_call_failed"},
    {FailureReason::AuthTokenFailed, "auth_token_failed"},
    {FailureReason::LocalError, "local_error"},
}};

} // namespace

std::string_view toString(FailureReason reason) {
  for (const auto& [r, name] : kReasonNames)
    if (r == reason)
      return name;
  return "unknown";
}

std::optional<FailureReason> parseFailureReason(std::string_view text) {
  for (const auto& [r, name] : kReasonNames)
    if (name == text)
      return r;
  return std::nullopt;
}

namespace {

// The first "<word> <number>" in `text` with `word` at a word start: "HTTP 503" -> "503",
// "JSON-RPC error -32603" -> "-32603". Empty when absent.
std::string numberAfter(std::string_view text, std::string_view word) {
  for (auto at = text.find(word); at != std::string_view::npos; at = text.find(word, at + 1)) {
    if (at > 0 && std::isalnum(static_cast<unsigned char>(text[at - 1])))
      continue;
    std::size_t i = at + word.size();
    std::size_t start = i;
    if (i < text.size() && text[i] == '-')
      ++i;
    std::size_t digits = i;
    while (i < text.size() && i - digits < 7 && std::isdigit(static_cast<unsigned char>(text[i])))
      ++i;
    if (i > digits && (i == text.size() || !std::isalnum(static_cast<unsigned char>(text[i]))))
      return std::string(text.substr(start, i - start));
  }
  return {};
}

bool contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

std::string httpStatusOr(std::string_view detail, std::string fallback) {
  auto status = numberAfter(detail, "HTTP ");
  return status.size() == 3 ? "HTTP " + status : fallback;
}

std::string certificateSummary(std::string_view detail) {
  if (contains(detail, "certificate has expired")) {
    // net/http_client.cpp adds " (N days ago)" / " (today)" from the leaf's notAfter.
    auto open = detail.find("certificate has expired (");
    if (open != std::string_view::npos) {
      auto from = open + std::string_view("certificate has expired (").size();
      auto close = detail.find(')', from);
      if (close != std::string_view::npos && close - from <= 20)
        return "TLS certificate expired " + std::string(detail.substr(from, close - from));
    }
    return "TLS certificate expired";
  }
  if (contains(detail, "not yet valid"))
    return "TLS certificate not yet valid";
  if (contains(detail, "self-signed") || contains(detail, "self signed"))
    return "TLS certificate is self-signed";
  if (contains(detail, "Hostname mismatch") || contains(detail, "IP address mismatch"))
    return "TLS certificate is for another host";
  if (contains(detail, "unable to get local issuer") || contains(detail, "unable to get issuer"))
    return "TLS certificate from an untrusted CA";
  if (contains(detail, "revoked"))
    return "TLS certificate revoked";
  return "TLS certificate invalid";
}

} // namespace

std::string failureSummary(std::string_view reason, std::string_view detail) {
  if (reason == "flapping")
    return "flapping between up and down";
  auto parsed = parseFailureReason(reason);
  if (!parsed)
    return std::string(reason.substr(0, 80));
  switch (*parsed) {
  case FailureReason::DnsError:
    return "DNS lookup failed";
  case FailureReason::ConnectRefused:
    return "connection refused";
  case FailureReason::ConnectTimeout:
    return "connection timed out";
  case FailureReason::TlsError:
    return "TLS handshake failed";
  case FailureReason::TlsCertificateInvalid:
    return certificateSummary(detail);
  case FailureReason::Timeout:
    return "no answer before the timeout";
  case FailureReason::ConnectionClosed:
    return "connection closed mid-answer";
  case FailureReason::HttpError:
    return httpStatusOr(detail, "HTTP error");
  case FailureReason::AuthRequired:
    return contains(detail, "invalid_token") ? "HTTP 401: token rejected"
                                             : "HTTP 401: authentication required";
  case FailureReason::AuthInvalid:
    return "HTTP 401: credential rejected";
  case FailureReason::Forbidden:
    return "HTTP 403: forbidden";
  case FailureReason::InsufficientScope:
    return "HTTP 403: insufficient scope";
  case FailureReason::RateLimited:
    return "HTTP 429: rate limited";
  case FailureReason::NotMcp:
    return "not an MCP endpoint";
  case FailureReason::InvalidResponse:
    return "invalid MCP answer";
  case FailureReason::ResponseTooLarge:
    return "answer too large";
  case FailureReason::JsonrpcError: {
    auto code = numberAfter(detail, "JSON-RPC error ");
    return code.empty() ? "JSON-RPC error" : "JSON-RPC error " + code;
  }
  case FailureReason::ProtocolVersionRejected:
    return "no accepted protocol version";
  case FailureReason::ProtocolVersionUnsupported:
    return "protocol version not accepted";
  case FailureReason::InitializeInvalid:
    return "invalid initialize answer";
  case FailureReason::SessionError:
    return "session lost";
  case FailureReason::ToolsListFailed:
    return "tools/list failed";
  case FailureReason::PaginationLoop:
    return "tools/list pages never end";
  case FailureReason::SchemaDrift:
    return "tools changed from the baseline";
  case FailureReason::ToolCallFailed:
    return "tool call failed";
  case FailureReason::AuthTokenFailed:
    return "mcpwatch could not get an OAuth token";
  case FailureReason::LocalError:
    return "mcpwatch could not send the probe";
  }
  return std::string(reason.substr(0, 80));
}

} // namespace mcpwatch::prober
