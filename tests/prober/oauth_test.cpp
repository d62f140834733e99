// The pure parts of mcpwatch's OAuth client: discovery locations, metadata checks, client
// authentication and scope choice, form encoding, signed client assertions (verified with the
// public key), token answers and the token cache's reuse rule.
#include "common/crypto.hpp"
#include "common/strings.hpp"
#include "prober/oauth.hpp"

#include <gtest/gtest.h>
#include <memory>
#include <openssl/bn.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

namespace mcpwatch::prober {
namespace {

using common::Json;
using namespace std::chrono_literals;

common::Url url(std::string_view text) {
  auto u = common::Url::parse(text);
  EXPECT_TRUE(u.has_value()) << text;
  return u.value_or(common::Url{});
}

TEST(OAuthDiscovery, MetadataLocationsFollowTheSpecOrder) {
  EXPECT_EQ(
      authorizationServerMetadataUrls(url("https://as.example.com")),
      (std::vector<std::string>{"https://as.example.com/.well-known/oauth-authorization-server",
                                "https://as.example.com/.well-known/openid-configuration"}));
  // With a path: inserted forms first, then the appended OpenID form; never the root.
  EXPECT_EQ(authorizationServerMetadataUrls(url("https://as.example.com/tenant1/")),
            (std::vector<std::string>{
                "https://as.example.com/.well-known/oauth-authorization-server/tenant1",
                "https://as.example.com/.well-known/openid-configuration/tenant1",
                "https://as.example.com/tenant1/.well-known/openid-configuration"}));
}

TEST(OAuthDiscovery, AuthorizationServerMetadataMustNameItsIssuer) {
  Json good = {{"issuer", "http://127.0.0.1:9000"},
               {"token_endpoint", "http://127.0.0.1:9000/token"},
               {"token_endpoint_auth_methods_supported", {"private_key_jwt"}},
               {"grant_types_supported", {"client_credentials"}}};
  auto m = readAuthorizationServerMetadata(good, "http://127.0.0.1:9000");
  ASSERT_TRUE(m) << m.error();
  EXPECT_EQ(m->tokenEndpoint, "http://127.0.0.1:9000/token");
  ASSERT_TRUE(m->authMethods);
  EXPECT_EQ(*m->authMethods, std::vector<std::string>{"private_key_jwt"});
  EXPECT_FALSE(m->signingAlgs);

  // RFC 8414 3.3: exact comparison, a trailing slash is another issuer.
  auto other = readAuthorizationServerMetadata(good, "http://127.0.0.1:9000/");
  ASSERT_FALSE(other);
  EXPECT_NE(other.error().find("is not the authorization server it was fetched for"),
            std::string::npos);
  Json attacker = good;
  attacker["issuer"] = "https://attacker.example.com";
  EXPECT_FALSE(readAuthorizationServerMetadata(attacker, "http://127.0.0.1:9000"));
  Json noToken = good;
  noToken.erase("token_endpoint");
  auto missing = readAuthorizationServerMetadata(noToken, "http://127.0.0.1:9000");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error(), "no token_endpoint http(s) URL");
  Json badToken = good;
  badToken["token_endpoint"] = "javascript:alert(1)";
  EXPECT_FALSE(readAuthorizationServerMetadata(badToken, "http://127.0.0.1:9000"));
  EXPECT_FALSE(readAuthorizationServerMetadata(Json::array(), "http://127.0.0.1:9000"));
}

TEST(OAuthClientAuth, FollowsWhatTheServerSupports) {
  using List = std::optional<std::vector<std::string>>;
  // No list: RFC 8414's default, client_secret_basic.
  EXPECT_EQ(*chooseClientAuth(std::nullopt, true, false), "client_secret_basic");
  EXPECT_EQ(*chooseClientAuth(List({"client_secret_post"}), true, false), "client_secret_post");
  EXPECT_EQ(*chooseClientAuth(List({"client_secret_post", "client_secret_basic"}), true, false),
            "client_secret_basic");
  EXPECT_EQ(*chooseClientAuth(List({"private_key_jwt"}), false, true), "private_key_jwt");
  EXPECT_FALSE(chooseClientAuth(List({"private_key_jwt"}), true, false));
  EXPECT_FALSE(chooseClientAuth(List({"client_secret_basic"}), false, true));
  EXPECT_FALSE(chooseClientAuth(std::nullopt, false, true)); // default has no private_key_jwt
  EXPECT_FALSE(chooseClientAuth(List({"none"}), true, false));
}

TEST(OAuthScope, ConfiguredThenChallengeThenSupportedThenNone) {
  const std::vector<std::string> supported = {"mcp:read", "mcp:write"};
  EXPECT_EQ(chooseScope("admin", std::string("mcp:basic"), supported), "admin");
  EXPECT_EQ(chooseScope("", std::string("mcp:basic"), supported), "mcp:basic");
  EXPECT_EQ(chooseScope("", std::nullopt, supported), "mcp:read mcp:write");
  EXPECT_EQ(chooseScope("", std::nullopt, {}), "");
  EXPECT_EQ(chooseScope(" ", std::string(" "), {}), "");
  // A step-up asks for what it had and what the 403 asks for (SEP-2350), once each.
  EXPECT_EQ(chooseScope("", std::string("mcp:write"), supported, "mcp:basic mcp:read"),
            "mcp:basic mcp:read mcp:write");
  EXPECT_EQ(chooseScope("mcp:basic", std::string("mcp:write mcp:basic"), {}, "mcp:basic"),
            "mcp:basic mcp:write");
}

TEST(OAuthForm, EncodesAsFormsDo) {
  EXPECT_EQ(formEncode("a b+c/d:é"), "a+b%2Bc%2Fd%3A%C3%A9");
  EXPECT_EQ(formEncode("Az09-._*~"), "Az09-._*%7E");
  EXPECT_EQ(formBody({{"grant_type", "client_credentials"}, {"resource", "http://h/mcp"}}),
            "grant_type=client_credentials&resource=http%3A%2F%2Fh%2Fmcp");
}

// ---- signed client assertions ---------------------------------------------------------------

struct Key {
  std::string privatePem;
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key{nullptr, &EVP_PKEY_free};
};

Key generate(const char* type, unsigned bits_or_zero, const char* curve = "P-256") {
  Key k;
  EVP_PKEY* raw = bits_or_zero ? EVP_PKEY_Q_keygen(nullptr, nullptr, type, size_t{bits_or_zero})
                  : std::string_view(type) == "EC"
                      ? EVP_PKEY_Q_keygen(nullptr, nullptr, type, curve)
                      : EVP_PKEY_Q_keygen(nullptr, nullptr, type);
  k.key.reset(raw);
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), &BIO_free);
  PEM_write_bio_PrivateKey(bio.get(), raw, nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.get(), &data);
  k.privatePem.assign(data, static_cast<std::size_t>(n));
  return k;
}

std::string base64UrlDecode(std::string text) {
  for (char& c : text)
    c = c == '-' ? '+' : c == '_' ? '/' : c;
  while (text.size() % 4)
    text += '=';
  return common::base64Decode(text).value_or("");
}

// Verifies the JWS with the public key; ES256's r || s is turned back into DER first.
bool verify(const Key& k, const std::string& jwt, bool ec) {
  auto last = jwt.rfind('.');
  std::string input = jwt.substr(0, last);
  std::string sig = base64UrlDecode(jwt.substr(last + 1));
  if (ec) {
    if (sig.size() != 64)
      return false;
    ECDSA_SIG* s = ECDSA_SIG_new();
    ECDSA_SIG_set0(s, BN_bin2bn(reinterpret_cast<const unsigned char*>(sig.data()), 32, nullptr),
                   BN_bin2bn(reinterpret_cast<const unsigned char*>(sig.data()) + 32, 32, nullptr));
    unsigned char* der = nullptr;
    int n = i2d_ECDSA_SIG(s, &der);
    sig.assign(reinterpret_cast<char*>(der), static_cast<std::size_t>(n));
    OPENSSL_free(der);
    ECDSA_SIG_free(s);
  }
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  return EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, k.key.get()) == 1 &&
         EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                          reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1;
}

TEST(OAuthAssertion, Es256AndRs256VerifyWithThePublicKey) {
  const auto now = std::chrono::system_clock::time_point(std::chrono::seconds(1'800'000'000));
  for (bool ec : {true, false}) {
    Key k = ec ? generate("EC", 0) : generate("RSA", 2048);
    auto jwt = clientAssertion(k.privatePem, "client-1", "http://127.0.0.1:9000", now);
    ASSERT_TRUE(jwt) << jwt.error();
    EXPECT_TRUE(verify(k, *jwt, ec));
    auto parts = common::split(*jwt, '.');
    ASSERT_EQ(parts.size(), 3u);
    auto header = common::parseJson(base64UrlDecode(std::string(parts[0])));
    auto claims = common::parseJson(base64UrlDecode(std::string(parts[1])));
    ASSERT_TRUE(header && claims);
    EXPECT_EQ((*header)["alg"], ec ? "ES256" : "RS256");
    EXPECT_EQ((*claims)["iss"], "client-1");
    EXPECT_EQ((*claims)["sub"], "client-1");
    EXPECT_EQ((*claims)["aud"], "http://127.0.0.1:9000");
    EXPECT_EQ((*claims)["iat"], 1'800'000'000);
    EXPECT_EQ((*claims)["exp"], 1'800'000'300);
    // A new jti every time: an AS may refuse a replayed assertion.
    auto again = clientAssertion(k.privatePem, "client-1", "http://127.0.0.1:9000", now);
    auto claims2 = common::parseJson(base64UrlDecode(std::string(common::split(*again, '.')[1])));
    EXPECT_NE((*claims)["jti"], (*claims2)["jti"]);
    // A flipped byte of the signed part no longer verifies.
    std::string tampered = *jwt;
    tampered[5] = tampered[5] == 'A' ? 'B' : 'A';
    EXPECT_FALSE(verify(k, tampered, ec));
  }
}

TEST(OAuthAssertion, UnusableKeysAreRefusedWithoutQuotingThem) {
  EXPECT_EQ(common::jwsAlgorithm(generate("EC", 0).privatePem).value(), "ES256");
  auto small = common::jwsAlgorithm(generate("RSA", 1024).privatePem);
  ASSERT_FALSE(small);
  EXPECT_NE(small.error().find("2048"), std::string::npos);
  auto ed = common::jwsAlgorithm(generate("ED25519", 0).privatePem);
  EXPECT_FALSE(ed);
  // 256 bits is not enough: ES256 is P-256 only.
  auto k1 = common::jwsAlgorithm(generate("EC", 0, "secp256k1").privatePem);
  ASSERT_FALSE(k1);
  EXPECT_EQ(k1.error(), "an EC key must be on P-256 (ES256)");
  auto junk = common::jwsAlgorithm("-----BEGIN PRIVATE KEY-----\nc2VjcmV0LXZhbHVl\n-----END "
                                   "PRIVATE KEY-----\n");
  ASSERT_FALSE(junk);
  EXPECT_EQ(junk.error().find("c2VjcmV0"), std::string::npos);
  EXPECT_FALSE(clientAssertion("not a key", "c", "a", std::chrono::system_clock::now()));
}

// ---- token answers and the cache ------------------------------------------------------------

TEST(OAuthToken, ReadsTheAnswer) {
  auto ok = readTokenResponse(
      200, R"({"access_token":"tok","token_type":"bearer","expires_in":3600,"scope":"a b"})", 64);
  ASSERT_TRUE(ok) << ok.error();
  EXPECT_EQ(ok->value, "tok");
  EXPECT_EQ(ok->lifetime, std::chrono::seconds(3600));
  EXPECT_EQ(ok->scope, "a b");
  auto noExpiry = readTokenResponse(200, R"({"access_token":"tok","token_type":"Bearer"})", 64);
  ASSERT_TRUE(noExpiry);
  EXPECT_FALSE(noExpiry->lifetime);

  auto refused = readTokenResponse(
      401, R"({"error":"invalid_client","error_description":"Invalid client credentials"})", 64);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error(), "HTTP 401 invalid_client (Invalid client credentials)");
  EXPECT_EQ(readTokenResponse(502, "<html>bad gateway</html>", 64).error(), "HTTP 502");
  EXPECT_EQ(readTokenResponse(200, R"({"token_type":"Bearer"})", 64).error(),
            "HTTP 200 but no access_token");
  EXPECT_EQ(readTokenResponse(200, R"({"access_token":"t","token_type":"DPoP"})", 64).error(),
            "HTTP 200 but the token_type is not Bearer");
  EXPECT_FALSE(
      readTokenResponse(200, R"({"access_token":"t","token_type":"Bearer","expires_in":-5})", 64));
  EXPECT_FALSE(readTokenResponse(200, "[]", 64));
  EXPECT_FALSE(readTokenResponse(
      200, R"({"access_token":"t","token_type":"Bearer","expires_in":1e300})", 64));
  EXPECT_EQ(
      readTokenResponse(200, R"({"access_token":"t","token_type":"Bearer","expires_in":59.9})", 64)
          ->lifetime,
      std::chrono::seconds(59));
}

TEST(OAuthRedaction, SecretsWholeOrCutShort) {
  const std::vector<std::string_view> secrets = {"s3cret-Value-1234", "Y2lkOnMzY3JldA=="};
  EXPECT_EQ(redactSecrets("got s3cret-Value-1234 and Y2lkOnMzY3JldA== back", secrets),
            "got [redacted] and [redacted] back");
  EXPECT_EQ(redactSecrets("cut: s3cret-Va…", secrets), "cut: [redacted]…");
  EXPECT_EQ(redactSecrets("short s3cret- stays", secrets), "short s3cret- stays")
      << "fewer than 8 characters say nothing";
}

TEST(OAuthCache, ReusesUntilShortlyBeforeExpiry) {
  CredentialCache cache;
  const auto t0 = std::chrono::steady_clock::time_point(100s);
  EXPECT_FALSE(cache.usable(t0));
  AccessToken hour{"tok", "", 3600s, t0, {}, "http://as"};
  cache.store(hour);
  EXPECT_TRUE(cache.usable(t0 + 3539s)); // a minute's margin at most
  EXPECT_FALSE(cache.usable(t0 + 3540s));
  AccessToken shortLived{"tok2", "", 5s, t0, {}, "http://other"};
  cache.store(shortLived);
  EXPECT_TRUE(cache.usable(t0 + 4s)); // a tenth of a short lifetime
  EXPECT_FALSE(cache.usable(t0 + 4500ms));
  EXPECT_EQ(cache.pinnedIssuer(), "http://as"); // the first issuer stays pinned
  AccessToken unknown{"tok3", "", std::nullopt, t0, {}, "http://as"};
  cache.store(unknown);
  EXPECT_TRUE(cache.usable(t0 + 100'000h)); // until the server refuses it
  cache.forget();
  EXPECT_FALSE(cache.usable(t0));
}

} // namespace
} // namespace mcpwatch::prober
