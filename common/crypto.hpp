// Hashes and encodings on OpenSSL: SHA-256 for fingerprints, HMAC for signatures, base64.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace mcpwatch::common {

std::string sha256(std::string_view data);                           // 32 raw bytes
std::string sha256Hex(std::string_view data);                        // 64 lowercase hex characters
std::string hmacSha256(std::string_view key, std::string_view data); // 32 raw bytes
std::string base64Encode(std::string_view bytes);
std::optional<std::string> base64Decode(std::string_view text);
// Compares without leaking where the first difference is.
bool constantTimeEquals(std::string_view a, std::string_view b);
// `n` random bytes from OpenSSL's CSPRNG, hex encoded (2n characters).
std::string randomHex(std::size_t n);

} // namespace mcpwatch::common
