#include "prober/oauth.hpp"

#include "common/crypto.hpp"
#include "common/strings.hpp"
#include "net/http_client.hpp"
#include "prober/classify.hpp"

#include <algorithm>
#include <memory>

namespace mcpwatch::prober {

using common::Json;
using SteadyClock = std::chrono::steady_clock;

// ---- the cache --------------------------------------------------------------------------------

std::optional<AccessToken> CredentialCache::usable(SteadyClock::time_point now) const {
  std::lock_guard lock(mutex_);
  if (!token_)
    return std::nullopt;
  if (token_->lifetime) {
    const SteadyClock::duration lifetime = *token_->lifetime;
    const auto margin = std::min<SteadyClock::duration>(std::chrono::minutes(1), lifetime / 10);
    if (now >= token_->obtained + lifetime - margin)
      return std::nullopt;
  }
  return token_;
}

void CredentialCache::store(AccessToken token) {
  std::lock_guard lock(mutex_);
  if (!issuer_ && !token.issuer.empty())
    issuer_ = token.issuer;
  token_ = std::move(token);
}

void CredentialCache::forget() {
  std::lock_guard lock(mutex_);
  token_.reset();
}

std::optional<std::string> CredentialCache::pinnedIssuer() const {
  std::lock_guard lock(mutex_);
  return issuer_;
}

void CredentialCache::rememberChallenge(Challenge challenge) {
  std::lock_guard lock(mutex_);
  challenge_ = std::move(challenge);
}

std::optional<CredentialCache::Challenge> CredentialCache::lastChallenge() const {
  std::lock_guard lock(mutex_);
  return challenge_;
}

// ---- pure parts -------------------------------------------------------------------------------

std::vector<std::string> authorizationServerMetadataUrls(const common::Url& issuer) {
  const std::string origin = issuer.origin();
  std::string path = issuer.target.substr(0, issuer.target.find('?'));
  while (!path.empty() && path.back() == '/')
    path.pop_back();
  if (path.empty())
    return {origin + "/.well-known/oauth-authorization-server",
            origin + "/.well-known/openid-configuration"};
  return {origin + "/.well-known/oauth-authorization-server" + path,
          origin + "/.well-known/openid-configuration" + path,
          origin + path + "/.well-known/openid-configuration"};
}

namespace {

std::optional<std::vector<std::string>> stringList(const Json& doc, const char* key) {
  auto it = doc.find(key);
  if (it == doc.end() || !it->is_array())
    return std::nullopt;
  std::vector<std::string> out;
  for (const auto& v : *it)
    if (v.is_string())
      out.push_back(v.get<std::string>());
  return out;
}

bool contains(const std::vector<std::string>& list, std::string_view value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

} // namespace

common::Expected<AuthorizationServerMetadata, std::string>
readAuthorizationServerMetadata(const Json& doc, std::string_view expectedIssuer) {
  if (!doc.is_object())
    return common::unexpected(std::string("not a JSON object"));
  auto issuer = doc.find("issuer");
  if (issuer == doc.end() || !issuer->is_string())
    return common::unexpected(std::string("no issuer"));
  // RFC 8414 section 3.3: the issuer must be the one the URL was built from, exactly.
  if (issuer->get<std::string>() != expectedIssuer)
    return common::unexpected("its issuer (" + sanitizeExcerpt(issuer->get<std::string>(), 100) +
                              ") is not the authorization server it was fetched for");
  AuthorizationServerMetadata m;
  m.issuer = issuer->get<std::string>();
  auto token = doc.find("token_endpoint");
  if (token == doc.end() || !token->is_string() || !common::Url::parse(token->get<std::string>()))
    return common::unexpected(std::string("no token_endpoint http(s) URL"));
  m.tokenEndpoint = token->get<std::string>();
  m.authMethods = stringList(doc, "token_endpoint_auth_methods_supported");
  m.signingAlgs = stringList(doc, "token_endpoint_auth_signing_alg_values_supported");
  m.grantTypes = stringList(doc, "grant_types_supported");
  m.scopesSupported = stringList(doc, "scopes_supported");
  return m;
}

common::Expected<std::string, std::string>
chooseClientAuth(const std::optional<std::vector<std::string>>& supported, bool haveSecret,
                 bool haveKey) {
  const std::vector<std::string> defaults = {"client_secret_basic"};
  const auto& list = supported ? *supported : defaults;
  if (haveKey) {
    if (contains(list, "private_key_jwt"))
      return std::string("private_key_jwt");
    return common::unexpected(
        std::string("the authorization server does not accept private_key_jwt (a signed "
                    "assertion); configure a client secret instead"));
  }
  if (haveSecret) {
    for (const char* method : {"client_secret_basic", "client_secret_post"})
      if (contains(list, method))
        return std::string(method);
    return common::unexpected(std::string(
        "the authorization server accepts neither client_secret_basic nor client_secret_post"));
  }
  return common::unexpected(std::string("no client secret or private key configured"));
}

std::string chooseScope(std::string_view configured, const std::optional<std::string>& challenge,
                        const std::vector<std::string>& scopesSupported,
                        std::string_view previous) {
  std::string base;
  if (!common::trim(configured).empty())
    base = std::string(common::trim(configured));
  else if (challenge && !common::trim(*challenge).empty())
    base = std::string(common::trim(*challenge));
  else
    for (const auto& s : scopesSupported)
      base += (base.empty() ? "" : " ") + s;
  if (previous.empty())
    return base;
  // A step-up keeps what was granted before (SEP-2350): the union, previous scopes first.
  std::vector<std::string> scopes;
  auto add = [&](std::string_view text) {
    for (auto word : common::split(text, ' '))
      if (!word.empty() && !contains(scopes, word))
        scopes.emplace_back(word);
  };
  add(previous);
  add(base);
  if (challenge)
    add(*challenge);
  std::string out;
  for (const auto& s : scopes)
    out += (out.empty() ? "" : " ") + s;
  return out;
}

std::string formEncode(std::string_view text) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '.' || c == '_' || c == '*')
      out += static_cast<char>(c);
    else if (c == ' ')
      out += '+';
    else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

std::string formBody(const std::vector<std::pair<std::string, std::string>>& fields) {
  std::string out;
  for (const auto& [name, value] : fields) {
    if (!out.empty())
      out += '&';
    out += formEncode(name) + "=" + formEncode(value);
  }
  return out;
}

common::Expected<std::string, std::string>
clientAssertion(std::string_view privateKeyPem, std::string_view clientId,
                std::string_view audience, std::chrono::system_clock::time_point now) {
  auto alg = common::jwsAlgorithm(privateKeyPem);
  if (!alg)
    return common::unexpected(alg.error());
  const auto iat = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  Json header = {{"alg", *alg}, {"typ", "JWT"}};
  Json claims = {{"iss", clientId}, {"sub", clientId},  {"aud", audience},
                 {"iat", iat},      {"exp", iat + 300}, {"jti", common::randomHex(16)}};
  std::string input =
      common::base64UrlEncode(header.dump()) + "." + common::base64UrlEncode(claims.dump());
  auto signature = common::jwsSign(privateKeyPem, input);
  if (!signature)
    return common::unexpected(signature.error());
  return input + "." + common::base64UrlEncode(*signature);
}

common::Expected<AccessToken, std::string> readTokenResponse(int status, std::string_view body,
                                                             int maxJsonDepth) {
  auto doc = common::parseJson(body, nullptr, maxJsonDepth);
  const std::string head = "HTTP " + std::to_string(status);
  if (status != 200) {
    std::string detail = head;
    if (doc && doc->is_object()) {
      if (auto e = doc->find("error"); e != doc->end() && e->is_string())
        detail += " " + sanitizeExcerpt(e->get<std::string>(), 40);
      if (auto d = doc->find("error_description"); d != doc->end() && d->is_string())
        detail += " (" + sanitizeExcerpt(d->get<std::string>(), 120) + ")";
    }
    return common::unexpected(detail);
  }
  if (!doc || !doc->is_object())
    return common::unexpected(head + " but the answer is not a JSON object");
  AccessToken t;
  auto value = doc->find("access_token");
  if (value == doc->end() || !value->is_string() || value->get<std::string>().empty())
    return common::unexpected(head + " but no access_token");
  t.value = value->get<std::string>();
  auto type = doc->find("token_type");
  if (type == doc->end() || !type->is_string() ||
      !common::iequals(type->get<std::string>(), "Bearer"))
    return common::unexpected(head + " but the token_type is not Bearer");
  if (auto e = doc->find("expires_in"); e != doc->end()) {
    constexpr long long kMax = 10LL * 365 * 86400; // ten years
    long long seconds = -1;
    if (e->is_number_integer())
      seconds = e->get<long long>();
    else if (e->is_number() && e->get<double>() > 0 && e->get<double>() <= kMax)
      seconds = static_cast<long long>(e->get<double>()); // range checked before the cast
    if (seconds <= 0 || seconds > kMax)
      return common::unexpected(head + " but expires_in is not a positive number of seconds");
    t.lifetime = std::chrono::seconds(seconds);
  }
  if (auto s = doc->find("scope"); s != doc->end() && s->is_string())
    t.scope = s->get<std::string>();
  return t;
}

std::string redactSecrets(std::string text, const std::vector<std::string_view>& secrets) {
  for (auto secret : secrets)
    for (auto pos = text.find(secret); pos != std::string::npos; pos = text.find(secret, pos))
      text.replace(pos, secret.size(), "[redacted]");
  // A secret cut short (by an excerpt's cap): any 8 or more of its first characters.
  for (auto secret : secrets)
    for (std::size_t n = secret.size() - 1; n >= 8; --n)
      for (auto pos = text.find(secret.substr(0, n)); pos != std::string::npos;
           pos = text.find(secret.substr(0, n), pos))
        text.replace(pos, n, "[redacted]");
  return text;
}

// ---- the requests -----------------------------------------------------------------------------

namespace {

struct Fetched {
  int status = 0;
  std::optional<Json> json;
  std::string problem; // set when the request failed
};

class TokenFlow {
public:
  TokenFlow(net::Client& client, TokenRequest request, AuthReport& report)
      : client_(client), req_(std::move(request)), creds_(*req_.credentials), report_(report) {}

  Awaitable<common::Expected<AccessToken, Failure>> run() {
    std::vector<std::string> scopesSupported;
    std::string issuer = creds_.issuer;
    std::optional<AuthorizationServerMetadata> metadata;
    if (creds_.tokenUrl.empty()) {
      // 1. The resource's metadata names its authorization servers (RFC 9728).
      auto servers = co_await protectedResource(scopesSupported);
      if (!servers)
        co_return fail(servers.error());
      if (servers->empty()) {
        // 2025-03-26 servers have no resource metadata: the MCP server's origin is the AS.
        servers->push_back(req_.server.origin());
      }
      if (issuer.empty())
        issuer = servers->front();
      else if (!contains(*servers, issuer))
        co_return fail("the server names authorization server " +
                       sanitizeExcerpt(servers->front(), 100) +
                       ", not the configured issuer: credentials not sent");
      if (req_.pinnedIssuer && issuer != *req_.pinnedIssuer)
        co_return fail("the server now names authorization server " + sanitizeExcerpt(issuer, 100) +
                       ", not " + sanitizeExcerpt(*req_.pinnedIssuer, 100) +
                       " as before: credentials not sent (restart or reload to accept it)");
      report_.authorizationServer = issuer;
      // 2. The authorization server's metadata names its token endpoint (RFC 8414).
      auto m = co_await authorizationServer(issuer, report_.resourceMetadata.has_value());
      if (!m)
        co_return fail(m.error());
      metadata = std::move(*m);
    }
    const std::string tokenEndpoint = metadata ? metadata->tokenEndpoint : creds_.tokenUrl;
    report_.tokenEndpoint = tokenEndpoint;
    if (issuer.empty())
      issuer = creds_.issuer.empty() ? tokenEndpoint : creds_.issuer;
    if (metadata && metadata->grantTypes && !contains(*metadata->grantTypes, "client_credentials"))
      co_return fail("the authorization server does not offer the client_credentials grant");
    // Without metadata (a configured token_url) the method follows what mcpwatch holds.
    auto method =
        metadata ? chooseClientAuth(metadata->authMethods, !creds_.clientSecret.empty(),
                                    !creds_.privateKeyPem.empty())
        : creds_.privateKeyPem.empty()
            ? common::Expected<std::string, std::string>(std::string("client_secret_basic"))
            : common::Expected<std::string, std::string>(std::string("private_key_jwt"));
    if (!method)
      co_return fail(method.error());
    report_.clientAuth = *method;

    // 3. The token request.
    auto url = common::Url::parse(tokenEndpoint);
    if (!url)
      co_return fail("the token endpoint is not an http(s) URL");
    if (!url->secureOrLoopback())
      co_return fail("the token endpoint is not https (" + sanitizeExcerpt(url->origin(), 100) +
                     "): credentials not sent");
    const std::string scope =
        chooseScope(creds_.scope, req_.challengeScope, scopesSupported, req_.previousScope);
    std::vector<std::pair<std::string, std::string>> form = {{"grant_type", "client_credentials"},
                                                             {"resource", canonicalResource()}};
    if (!scope.empty()) {
      form.emplace_back("scope", scope);
      report_.scope = scope;
    }
    net::Request post;
    post.method = "POST";
    post.url = *url;
    post.headers.add("Accept", "application/json");
    post.headers.add("Content-Type", "application/x-www-form-urlencoded");
    if (*method == "client_secret_basic") {
      // RFC 6749 section 2.3.1: both parts form-encoded before base64.
      basic_ =
          common::base64Encode(formEncode(creds_.clientId) + ":" + formEncode(creds_.clientSecret));
      post.headers.add("Authorization", "Basic " + basic_);
    } else if (*method == "client_secret_post") {
      form.emplace_back("client_id", creds_.clientId);
      form.emplace_back("client_secret", creds_.clientSecret);
    } else {
      if (metadata && metadata->signingAlgs) {
        auto alg = common::jwsAlgorithm(creds_.privateKeyPem);
        if (alg && !contains(*metadata->signingAlgs, *alg))
          co_return fail("the authorization server does not accept " + *alg + " client assertions");
      }
      auto assertion = clientAssertion(creds_.privateKeyPem, creds_.clientId, issuer,
                                       std::chrono::system_clock::now());
      if (!assertion)
        co_return fail("private key: " + assertion.error());
      assertion_ = *assertion;
      form.emplace_back("client_id", creds_.clientId);
      form.emplace_back("client_assertion_type",
                        "urn:ietf:params:oauth:client-assertion-type:jwt-bearer");
      form.emplace_back("client_assertion", *assertion);
    }
    post.body = formBody(form);
    ++report_.tokenRequests;
    auto got = co_await client_.send(std::move(post), req_.deadline);
    if (!got)
      co_return fail("token endpoint: " + netFailure("POST", got.error()).detail);
    auto token = readTokenResponse(got->head.status, got->body, req_.maxJsonDepth);
    if (!token)
      co_return fail("token endpoint: " + token.error());
    token->obtained = SteadyClock::now();
    token->obtainedWall = std::chrono::system_clock::now();
    token->issuer = issuer;
    if (token->scope.empty())
      token->scope = scope;
    if (token->lifetime)
      report_.expiresIn = token->lifetime->count();
    co_return std::move(*token);
  }

private:
  std::string canonicalResource() const { return req_.server.toString(); }

  common::Unexpected<Failure> fail(std::string detail) const {
    // A hostile endpoint may echo what it was sent (the secret raw or form-encoded, the Basic
    // credential, the assertion), whole or cut short: none of it survives into the detail.
    const std::string encoded = formEncode(creds_.clientSecret);
    std::vector<std::string_view> secrets;
    for (const std::string* secret : {&creds_.clientSecret, &encoded, &basic_, &assertion_})
      if (secret->size() >= 4)
        secrets.emplace_back(*secret);
    detail = redactSecrets(std::move(detail), secrets);
    return common::unexpected(Failure{
        FailureReason::AuthTokenFailed, redactSecrets(capDetail(detail), secrets), {}, {}, {}});
  }

  Awaitable<Fetched> getJson(const std::string& location) {
    Fetched out;
    auto url = common::Url::parse(location);
    if (!url) {
      out.problem = "not an http(s) URL";
      co_return out;
    }
    net::Request get;
    get.method = "GET";
    get.url = *url;
    get.headers.add("Accept", "application/json");
    auto got = co_await client_.send(std::move(get), req_.deadline);
    if (!got) {
      out.problem = netFailure("GET " + url->target, got.error()).detail;
      co_return out;
    }
    out.status = got->head.status;
    if (out.status == 200) {
      out.json = common::parseJson(got->body, nullptr, req_.maxJsonDepth);
      if (!out.json)
        out.problem = "GET " + sanitizeExcerpt(url->target, 150) + ": not JSON";
    } else {
      out.problem =
          "GET " + sanitizeExcerpt(url->target, 150) + ": HTTP " + std::to_string(out.status);
    }
    co_return out;
  }

  // The authorization servers of the resource; empty when it publishes no metadata at all (a
  // 2025-03-26 server); an error when the metadata is unusable or names another resource.
  Awaitable<common::Expected<std::vector<std::string>, std::string>>
  protectedResource(std::vector<std::string>& scopesSupported) {
    bool anyAnswer = false;
    std::string problem;
    for (const auto& location : protectedResourceMetadataUrls(req_.server, req_.resourceMetadata)) {
      auto target = common::Url::parse(location);
      if (target && target->origin() != req_.server.origin()) {
        problem = "resource_metadata is on another origin (" +
                  sanitizeExcerpt(target->origin(), 100) + "), not fetched";
        anyAnswer = true;
        continue;
      }
      auto got = co_await getJson(location);
      if (!got.json) {
        // Only a well-known URL that is not there (404, or a catch-all page that is not JSON)
        // lets discovery fall back to the 2025-03-26 rules; anything else is a broken server.
        if (req_.resourceMetadata || (got.status != 404 && got.status != 200))
          anyAnswer = true;
        problem = "protected resource metadata: " + got.problem;
        continue;
      }
      std::vector<std::string> servers;
      if (auto wrong = protectedResourceProblem(*got.json, req_.server, servers))
        co_return common::unexpected("protected resource metadata (" +
                                     sanitizeExcerpt(target ? target->target : location, 150) +
                                     "): " + *wrong + ": credentials not sent");
      report_.resourceMetadata = location;
      if (auto s = stringList(*got.json, "scopes_supported"))
        scopesSupported = *s;
      co_return servers;
    }
    if (anyAnswer)
      co_return common::unexpected(problem);
    co_return std::vector<std::string>{};
  }

  Awaitable<common::Expected<AuthorizationServerMetadata, std::string>>
  authorizationServer(const std::string& issuer, bool fromResourceMetadata) {
    auto url = common::Url::parse(issuer);
    if (!url)
      co_return common::unexpected(std::string("the authorization server is not an http(s) URL"));
    if (!url->secureOrLoopback())
      co_return common::unexpected("the authorization server is not https (" +
                                   sanitizeExcerpt(url->origin(), 100) + "): credentials not sent");
    std::string problem = "authorization server metadata: not found";
    bool absent = true; // every location answered 404
    for (const auto& location : authorizationServerMetadataUrls(*url)) {
      auto got = co_await getJson(location);
      if (!got.json) {
        problem = "authorization server metadata: " + got.problem;
        if (got.status != 404) {
          absent = false;
          break;
        }
        continue;
      }
      auto m = readAuthorizationServerMetadata(*got.json, issuer);
      if (!m)
        co_return common::unexpected("authorization server metadata (" +
                                     sanitizeExcerpt(location, 150) + "): " + m.error());
      report_.metadataUrl = location;
      co_return std::move(*m);
    }
    if (absent && !fromResourceMetadata) {
      // A 2025-03-26 server without metadata: its own /token (the spec's fallback).
      AuthorizationServerMetadata m;
      m.issuer = issuer;
      m.tokenEndpoint = url->origin() + "/token";
      co_return m;
    }
    co_return common::unexpected(problem);
  }

  net::Client& client_;
  TokenRequest req_;
  const OAuthCredentials& creds_;
  AuthReport& report_;
  std::string basic_;     // the Basic credential sent, to keep it out of failure details
  std::string assertion_; // the client assertion sent, likewise
};

} // namespace

Awaitable<common::Expected<AccessToken, Failure>>
obtainToken(net::Client& client, TokenRequest request, AuthReport& report) {
  const auto start = SteadyClock::now();
  TokenFlow flow(client, std::move(request), report);
  auto result = co_await flow.run();
  report.ms += std::chrono::duration<double, std::milli>(SteadyClock::now() - start).count();
  co_return result;
}

} // namespace mcpwatch::prober
