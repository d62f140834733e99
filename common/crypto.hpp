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
// Compares the SHA-256 digests of both with CRYPTO_memcmp, so the time taken leaks neither where
// the inputs first differ nor the length of either.
bool constantTimeEquals(std::string_view a, std::string_view b);
// Whether sha256(candidate) == digest (32 raw bytes), in constant time: lets a caller keep only
// the digest of a secret it checks against.
bool matchesDigest(std::string_view candidate, std::string_view digest);
// `n` random bytes from OpenSSL's CSPRNG, hex encoded (2n characters).
std::string randomHex(std::size_t n);

} // namespace mcpwatch::common
