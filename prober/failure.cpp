// Stable failure reason strings (DESIGN.md section 4) and their parsing.
#include "prober/failure.hpp"

#include <array>
#include <utility>

namespace mcpwatch::prober {
namespace {

constexpr std::array<std::pair<FailureReason, std::string_view>, 24> kReasonNames = {{
    {FailureReason::DnsError, "dns_error"},
    {FailureReason::ConnectRefused, "connect_refused"},
    {FailureReason::ConnectTimeout, "connect_timeout"},
    {FailureReason::TlsError, "tls_error"},
    {FailureReason::TlsCertificateInvalid, "tls_certificate_invalid"},
    {FailureReason::Timeout, "timeout"},
    {FailureReason::ConnectionClosed, "connection_closed"},
    {FailureReason::HttpError, "http_error"},
    {FailureReason::AuthRequired, "auth_required"},
    {FailureReason::Forbidden, "forbidden"},
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

} // namespace mcpwatch::prober
