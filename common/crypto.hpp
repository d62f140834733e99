// Hashes and encodings on OpenSSL: SHA-256 for fingerprints, HMAC for signatures, base64, and
// the JWS signatures of OAuth client assertions.
#pragma once

#include "common/expected.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace mcpwatch::common {

std::string sha256(std::string_view data);                           // 32 raw bytes
std::string sha256Hex(std::string_view data);                        // 64 lowercase hex characters
std::string hmacSha256(std::string_view key, std::string_view data); // 32 raw bytes
std::string base64Encode(std::string_view bytes);
std::optional<std::string> base64Decode(std::string_view text);
std::string base64UrlEncode(std::string_view bytes); // RFC 4648 section 5, no padding
// Compares the SHA-256 digests of both with CRYPTO_memcmp, so the time taken leaks neither where
// the inputs first differ nor the length of either.
bool constantTimeEquals(std::string_view a, std::string_view b);
// Whether sha256(candidate) == digest (32 raw bytes), in constant time: lets a caller keep only
// the digest of a secret it checks against.
bool matchesDigest(std::string_view candidate, std::string_view digest);
// `n` random bytes from OpenSSL's CSPRNG, hex encoded (2n characters).
std::string randomHex(std::size_t n);

// The JWS algorithm for an unencrypted PEM private key: "ES256" (EC P-256) or "RS256" (RSA of
// 2048 bits or more); the error says what is wrong, never quoting the key.
Expected<std::string, std::string> jwsAlgorithm(std::string_view privateKeyPem);
// Reads a private key file for jwsSign: a regular file, not readable by group or others (as
// ssh insists), at most 64 KiB (read with that cap, whatever size the system reports), a key
// jwsAlgorithm accepts. The error is the problem without the path ("cannot read: No such file
// or directory"), never the file's content.
Expected<std::string, std::string> readPrivateKeyFile(const std::string& path);
// The JWS signature of `input` with that key and algorithm (ES256 as the 64-byte r || s).
Expected<std::string, std::string> jwsSign(std::string_view privateKeyPem, std::string_view input);

} // namespace mcpwatch::common
