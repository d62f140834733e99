// Absolute http(s) URLs: parsing, printing, and resolving the relative references servers send.
#pragma once

#include "common/expected.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mcpwatch::common {

struct Url {
  std::string scheme; // "http" or "https", lower case
  std::string host;   // lower case; IPv6 literals without brackets
  std::uint16_t port = 0;
  std::string target = "/"; // path and query, never empty, no fragment

  // Accepts only absolute http/https URLs with a host. Rejects userinfo, spaces and control bytes.
  static std::optional<Url> parse(std::string_view text);
  // The same, or what is wrong with the text ("has an invalid port"), for messages like
  // "url: invalid URL: …". The problem never contains the text itself (it may hold a secret).
  static Expected<Url, std::string> check(std::string_view text);

  bool https() const { return scheme == "https"; }
  bool defaultPort() const { return port == (https() ? 443 : 80); }
  std::string hostHeader() const; // host[:port], port omitted when default
  std::string origin() const;     // scheme://host[:port]
  // https, or http to a loopback host (localhost, 127.0.0.0/8, ::1): where a credential may go.
  bool secureOrLoopback() const;
  std::string toString() const; // origin + target

  // RFC 3986 reference resolution against this URL (absolute, absolute-path, relative paths,
  // query-only). Returns nullopt when the result is not a valid http(s) URL.
  std::optional<Url> resolve(std::string_view reference) const;

  friend bool operator==(const Url&, const Url&) = default;
};

} // namespace mcpwatch::common
