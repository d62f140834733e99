// The MCP transports a probe can use; shared by the config (which names them) and the prober.
#pragma once

#include <optional>
#include <string_view>

namespace mcpwatch::common {

// Auto detects the era; Modern is 2026-07-28 over Streamable HTTP; StreamableHttp is the
// handshake era; Sse is the legacy HTTP+SSE transport (2024-11-05).
enum class Transport { Auto, Modern, StreamableHttp, Sse };

// "auto", "modern", "streamable-http", "sse": the spellings of the config and the CLI.
constexpr std::string_view toString(Transport t) {
  switch (t) {
  case Transport::Modern:
    return "modern";
  case Transport::StreamableHttp:
    return "streamable-http";
  case Transport::Sse:
    return "sse";
  case Transport::Auto:
    break;
  }
  return "auto";
}

constexpr std::optional<Transport> parseTransport(std::string_view text) {
  for (auto t : {Transport::Auto, Transport::Modern, Transport::StreamableHttp, Transport::Sse})
    if (toString(t) == text)
      return t;
  return std::nullopt;
}

} // namespace mcpwatch::common
