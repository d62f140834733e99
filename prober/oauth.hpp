// OAuth 2.1 for unattended probes: the client-credentials grant of the MCP extension
// io.modelcontextprotocol/oauth-client-credentials (SEP-1046), with discovery from the server's
// 401 challenge (RFC 9728 protected resource metadata, RFC 8414 / OpenID authorization server
// metadata), RFC 8707 `resource`, and client authentication by secret (basic or post) or by a
// signed JWT (RFC 7523, ES256 or RS256). The pure parts are public for tests; obtainToken() does
// the requests.
#pragma once

// clang-format off
#include <utility> // common/asio.hpp needs it before Boost 1.74's awaitable.hpp
#include "common/asio.hpp"
// clang-format on
#include "common/expected.hpp"
#include "common/json.hpp"
#include "common/url.hpp"
#include "prober/failure.hpp"

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mcpwatch::net {
class Client;
}

namespace mcpwatch::prober {

// What mcpwatch authenticates with (config `auth: {type: client_credentials, ...}` or the probe
// command's --oauth-* flags). Exactly one of clientSecret and privateKeyPem is set.
struct OAuthCredentials {
  std::string clientId;
  std::string clientSecret;  // secret: sent to the token endpoint only
  std::string privateKeyPem; // secret: signs the client assertion (EC P-256 or RSA)
  std::string scope;         // empty: the challenge's scope, else scopes_supported, else none
  std::string tokenUrl;      // empty: discovered from the authorization server's metadata
  std::string issuer;        // empty: the first authorization server the resource names
  friend bool operator==(const OAuthCredentials&, const OAuthCredentials&) = default;
};

// An access token and what is known of it. `value` is a secret.
struct AccessToken {
  std::string value;
  std::string scope; // granted (the AS's `scope`), else what was asked for
  std::optional<std::chrono::seconds> lifetime;         // expires_in, when the AS said
  std::chrono::steady_clock::time_point obtained;       // schedules reuse (monotonic)
  std::chrono::system_clock::time_point obtainedWall{}; // for people: when it expires
  std::string issuer;                                   // the AS it came from
};

// A server's access token kept across probes (the daemon holds one per server). Thread-safe:
// probes may run on several threads.
class CredentialCache {
public:
  // The cached token if it is still good at `now`: reused until shortly before it expires (a
  // tenth of its lifetime, at most a minute); one without a known lifetime until refused.
  std::optional<AccessToken> usable(std::chrono::steady_clock::time_point now) const;
  void store(AccessToken token);
  void forget(); // the server refused the token
  // The authorization server this credential was first used with: credentials never go to
  // another one the server names later.
  std::optional<std::string> pinnedIssuer() const;

  // The server's last OAuth challenge (its resource_metadata and scope): once one was seen, an
  // expiring token is renewed before the probe instead of after a 401.
  struct Challenge {
    std::optional<std::string> resourceMetadata;
    std::optional<std::string> scope;
  };
  void rememberChallenge(Challenge challenge);
  std::optional<Challenge> lastChallenge() const;

private:
  mutable std::mutex mutex_;
  std::optional<AccessToken> token_;
  std::optional<std::string> issuer_;
  std::optional<Challenge> challenge_;
};

// What the auth steps of one probe did, for `probe --json` (never a token or secret).
struct AuthReport {
  std::string grant = "client_credentials";
  std::string token;                           // "cached", "new", "stepped_up"
  std::optional<std::string> resourceMetadata; // where the resource's metadata was read
  std::optional<std::string> authorizationServer;
  std::optional<std::string> metadataUrl; // where the AS metadata was read
  std::optional<std::string> tokenEndpoint;
  std::optional<std::string> clientAuth; // client_secret_basic, client_secret_post, ...
  std::optional<std::string> scope;      // asked for
  std::optional<long long> expiresIn;    // seconds, as the AS said
  // When the token the probe used expires (wall clock; unset when its lifetime is unknown).
  std::optional<std::chrono::system_clock::time_point> expiresAt;
  int tokenRequests = 0;
  double ms = 0; // spent on discovery and token requests
};

// ---- pure parts -------------------------------------------------------------------------------

// RFC 8414 / OpenID Connect Discovery locations for `issuer`, in the MCP spec's order: without
// a path, /.well-known/oauth-authorization-server then /.well-known/openid-configuration; with
// one, the two path-inserted forms and then the path-appended OpenID form (never the root).
std::vector<std::string> authorizationServerMetadataUrls(const common::Url& issuer);

struct AuthorizationServerMetadata {
  std::string issuer;
  std::string tokenEndpoint;
  std::optional<std::vector<std::string>> authMethods; // token_endpoint_auth_methods_supported
  std::optional<std::vector<std::string>> signingAlgs; // ..._auth_signing_alg_values_supported
  std::optional<std::vector<std::string>> grantTypes;  // grant_types_supported
  std::optional<std::vector<std::string>> scopesSupported;
};
// Reads an AS metadata document fetched for `expectedIssuer`; the error says what is wrong
// (its issuer differs, no token endpoint, ...), never quoting the document.
common::Expected<AuthorizationServerMetadata, std::string>
readAuthorizationServerMetadata(const common::Json& doc, std::string_view expectedIssuer);

// How the client authenticates at the token endpoint, given what the AS supports (absent:
// client_secret_basic, RFC 8414) and what mcpwatch holds; the error names what is missing.
common::Expected<std::string, std::string>
chooseClientAuth(const std::optional<std::vector<std::string>>& supported, bool haveSecret,
                 bool haveKey);

// The scope to ask for: the configured one, else the challenge's, else all of the resource's
// scopes_supported, else none (SEP-835). `previous` is united in for a step-up.
std::string chooseScope(std::string_view configured, const std::optional<std::string>& challenge,
                        const std::vector<std::string>& scopesSupported,
                        std::string_view previous = {});

// application/x-www-form-urlencoded, as token requests are sent.
std::string formEncode(std::string_view text);
std::string formBody(const std::vector<std::pair<std::string, std::string>>& fields);

// A signed client assertion (RFC 7523): iss = sub = clientId, aud, iat = now, exp = now + 5 min,
// a random jti. The algorithm follows the key: ES256 for an EC P-256 key, RS256 for RSA.
common::Expected<std::string, std::string>
clientAssertion(std::string_view privateKeyPem, std::string_view clientId,
                std::string_view audience, std::chrono::system_clock::time_point now);

// `text` without any of `secrets`, whole or as a prefix of 8 or more characters ("[redacted]"
// instead): for details a hostile server may have filled with what it was sent.
std::string redactSecrets(std::string text, const std::vector<std::string_view>& secrets);

// A token endpoint's answer: the token, or a one-line detail ("HTTP 401 invalid_client: ...").
common::Expected<AccessToken, std::string> readTokenResponse(int status, std::string_view body,
                                                             int maxJsonDepth);

// ---- the requests -----------------------------------------------------------------------------

struct TokenRequest {
  common::Url server; // the MCP endpoint: its canonical URL is the `resource`
  const OAuthCredentials* credentials = nullptr;
  std::optional<std::string> resourceMetadata; // from the 401 challenge
  std::optional<std::string> challengeScope;
  std::string previousScope; // a step-up asks for this and the challenge's scope
  std::optional<std::string> pinnedIssuer;
  std::chrono::steady_clock::time_point deadline;
  int maxJsonDepth = common::kDefaultMaxJsonDepth;
};

// Discovery and one client-credentials token request. A failure is auth_token_failed: the
// monitor's credential or its authorization server, not the MCP server.
Awaitable<common::Expected<AccessToken, Failure>>
obtainToken(net::Client& client, TokenRequest request, AuthReport& report);

} // namespace mcpwatch::prober
