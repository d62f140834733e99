// OpenSSL-backed hashing, HMAC, base64 and JWS signatures.
#include "common/crypto.hpp"

#include "common/strings.hpp"

#include <filesystem>
#include <fstream>
#include <memory>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <stdexcept>

namespace mcpwatch::common {

namespace {

// Fetched once: EVP_sha256() makes OpenSSL 3 look the algorithm up in its provider store on
// every digest (locks and a property query), which cost more than hashing a tool's schema.
const EVP_MD* sha256Md() {
  static EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr); // kept for the process
  return md ? md : EVP_sha256();
}

} // namespace

std::string sha256(std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), out, &len, sha256Md(), nullptr) != 1)
    throw std::runtime_error("EVP_Digest failed");
  return std::string(reinterpret_cast<char*>(out), len);
}

std::string sha256Hex(std::string_view data) {
  return toHex(sha256(data));
}

std::string hmacSha256(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (!HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
            reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &len))
    throw std::runtime_error("HMAC failed");
  return std::string(reinterpret_cast<char*>(out), len);
}

std::string base64Encode(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(bytes.data()),
                          static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

std::optional<std::string> base64Decode(std::string_view text) {
  if (text.size() % 4 != 0)
    return std::nullopt;
  std::string out(3 * text.size() / 4, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(text.data()),
                          static_cast<int>(text.size()));
  if (n < 0)
    return std::nullopt;
  std::size_t len = static_cast<std::size_t>(n);
  // EVP_DecodeBlock counts padding as zero bytes; drop them.
  if (!text.empty() && text.back() == '=')
    --len;
  if (text.size() > 1 && text[text.size() - 2] == '=')
    --len;
  out.resize(len);
  return out;
}

bool constantTimeEquals(std::string_view a, std::string_view b) {
  return matchesDigest(a, sha256(b));
}

bool matchesDigest(std::string_view candidate, std::string_view digest) {
  // Comparing fixed-size digests: neither an early length check nor the position of the first
  // differing byte shows in the time taken.
  std::string mine = sha256(candidate);
  if (digest.size() != mine.size())
    return false; // a malformed digest, not a property of the secret
  return CRYPTO_memcmp(mine.data(), digest.data(), mine.size()) == 0;
}

std::string randomHex(std::size_t n) {
  std::string bytes(n, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(bytes.data()), static_cast<int>(n)) != 1)
    throw std::runtime_error("RAND_bytes failed");
  return toHex(bytes);
}

std::string base64UrlEncode(std::string_view bytes) {
  std::string s = base64Encode(bytes);
  while (!s.empty() && s.back() == '=')
    s.pop_back();
  for (char& c : s)
    c = c == '+' ? '-' : c == '/' ? '_' : c;
  return s;
}

namespace {

struct PkeyDeleter {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyDeleter>;

Expected<Pkey, std::string> loadKey(std::string_view pem) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), &BIO_free);
  if (!bio)
    return unexpected(std::string("out of memory"));
  // No passphrase callback: an encrypted key fails here instead of prompting on a terminal.
  Pkey key(PEM_read_bio_PrivateKey(
      bio.get(), nullptr, [](char*, int, int, void*) { return 0; }, nullptr));
  if (!key)
    return unexpected(std::string("not an unencrypted PEM private key"));
  return key;
}

Expected<std::string, std::string> algorithmOf(EVP_PKEY* key) {
  switch (EVP_PKEY_get_base_id(key)) {
  case EVP_PKEY_EC: {
    char group[64] = {};
    std::size_t length = 0;
    const std::string_view name =
        EVP_PKEY_get_group_name(key, group, sizeof group, &length) == 1 ? group : "";
    if (name != "prime256v1" && name != "P-256")
      return unexpected(std::string("an EC key must be on P-256 (ES256)"));
    return std::string("ES256");
  }
  case EVP_PKEY_RSA:
    if (EVP_PKEY_get_bits(key) < 2048)
      return unexpected(std::string("an RSA key must have at least 2048 bits (RS256)"));
    return std::string("RS256");
  default:
    return unexpected(std::string("the key must be EC P-256 (ES256) or RSA (RS256)"));
  }
}

} // namespace

Expected<std::string, std::string> jwsAlgorithm(std::string_view privateKeyPem) {
  auto key = loadKey(privateKeyPem);
  if (!key)
    return unexpected(key.error());
  return algorithmOf(key->get());
}

Expected<std::string, std::string> readPrivateKeyFile(const std::string& path) {
  namespace fs = std::filesystem;
  constexpr std::size_t kMaxBytes = 64 * 1024;
  std::error_code ec;
  const auto status = fs::status(path, ec);
  if (ec)
    return unexpected("cannot read: " + ec.message());
  if (!fs::is_regular_file(status))
    return unexpected(std::string("not a regular file"));
  if ((status.permissions() & (fs::perms::group_all | fs::perms::others_all)) != fs::perms::none)
    return unexpected(
        std::string("readable by other users: chmod 600 it (it holds a private key)"));
  std::ifstream in(path, std::ios::binary);
  std::string text(kMaxBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (in.bad() || (!in && !in.eof()))
    return unexpected(std::string("cannot read"));
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (text.size() > kMaxBytes)
    return unexpected(std::string("over 64 KiB: not a key file"));
  if (auto alg = jwsAlgorithm(text); !alg)
    return unexpected(alg.error());
  return text;
}

Expected<std::string, std::string> jwsSign(std::string_view privateKeyPem, std::string_view input) {
  auto key = loadKey(privateKeyPem);
  if (!key)
    return unexpected(key.error());
  auto alg = algorithmOf(key->get());
  if (!alg)
    return unexpected(alg.error());
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  std::size_t size = 0;
  const auto* data = reinterpret_cast<const unsigned char*>(input.data());
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key->get()) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &size, data, input.size()) != 1)
    return unexpected(std::string("signing failed"));
  std::string der(size, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(der.data()), &size, data,
                     input.size()) != 1)
    return unexpected(std::string("signing failed"));
  der.resize(size);
  if (*alg == "RS256")
    return der;
  // ECDSA: DER (r, s) to the fixed 64-byte r || s of RFC 7518 section 3.4.
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  std::unique_ptr<ECDSA_SIG, decltype(&ECDSA_SIG_free)> sig(
      d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())), &ECDSA_SIG_free);
  if (!sig)
    return unexpected(std::string("signing failed"));
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(sig.get(), &r, &s);
  std::string raw(64, '\0');
  auto* out = reinterpret_cast<unsigned char*>(raw.data());
  if (BN_bn2binpad(r, out, 32) != 32 || BN_bn2binpad(s, out + 32, 32) != 32)
    return unexpected(std::string("signing failed"));
  return raw;
}

} // namespace mcpwatch::common
