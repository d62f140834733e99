// `mcpwatch probe URL`: one probe from the command line, printed for a person or as JSON.
#include "app/commands.hpp"
#include "common/crypto.hpp"
#include "common/duration.hpp"
#include "common/strings.hpp"
#include "common/url.hpp"
#include "prober/probe.hpp"

#include <CLI/CLI.hpp>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <memory>
#include <tuple>

namespace mcpwatch::app {
namespace {

struct ProbeArgs {
  std::string url;
  std::string transport = "auto";
  std::vector<std::string> headers;
  std::string timeout = "10";
  bool insecure = false;
  bool protectedIsUp = false;
  std::string caFile;
  bool json = false;
  std::string call;
  std::string args;
  std::vector<std::string> acceptVersions;
  std::string oauthClientId;
  std::string oauthSecretEnv;
  std::string oauthPrivateKey;
  std::string oauthScope;
  std::string oauthTokenUrl;
  std::string oauthIssuer;
};

// The --oauth-* flags as client credentials; nullopt with `error` unset when none is given.
std::optional<prober::OAuthCredentials> oauthFlags(const ProbeArgs& a, std::string& error) {
  const bool any = !a.oauthClientId.empty() || !a.oauthSecretEnv.empty() ||
                   !a.oauthPrivateKey.empty() || !a.oauthScope.empty() ||
                   !a.oauthTokenUrl.empty() || !a.oauthIssuer.empty();
  if (!any)
    return std::nullopt;
  if (a.oauthClientId.empty()) {
    error = "the --oauth-* flags need --oauth-client-id ID";
    return std::nullopt;
  }
  if (a.oauthSecretEnv.empty() == a.oauthPrivateKey.empty()) {
    error = "--oauth-client-id needs exactly one of --oauth-client-secret-env VAR and "
            "--oauth-private-key FILE";
    return std::nullopt;
  }
  prober::OAuthCredentials c;
  c.clientId = a.oauthClientId;
  c.scope = a.oauthScope;
  if (!a.oauthSecretEnv.empty()) {
    const char* secret = std::getenv(a.oauthSecretEnv.c_str());
    if (!secret || !*secret) {
      error = "--oauth-client-secret-env: the environment variable " + a.oauthSecretEnv +
              " is not set or empty";
      return std::nullopt;
    }
    c.clientSecret = secret;
  } else {
    auto pem = common::readPrivateKeyFile(a.oauthPrivateKey);
    if (!pem) {
      error = "--oauth-private-key " + a.oauthPrivateKey + ": " + pem.error();
      return std::nullopt;
    }
    c.privateKeyPem = std::move(*pem);
  }
  for (auto [flag, value, field] : {std::tuple{"--oauth-token-url", &a.oauthTokenUrl, &c.tokenUrl},
                                    std::tuple{"--oauth-issuer", &a.oauthIssuer, &c.issuer}}) {
    if (value->empty())
      continue;
    auto parsed = common::Url::parse(*value);
    if (!parsed || !parsed->secureOrLoopback()) {
      error = std::string(flag) + " must be an https:// URL (http:// only to a loopback host)";
      return std::nullopt;
    }
    *field = *value;
  }
  return c;
}

bool isTokenChar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
    return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

// "Name: value". The value may be a secret, so errors never quote it.
std::optional<std::pair<std::string, std::string>> parseHeader(std::string_view text) {
  auto colon = text.find(':');
  if (colon == std::string_view::npos)
    return std::nullopt;
  auto name = common::trim(text.substr(0, colon));
  auto value = common::trim(text.substr(colon + 1));
  if (name.empty() || !std::all_of(name.begin(), name.end(), isTokenChar))
    return std::nullopt;
  for (unsigned char c : value)
    if ((c < 0x20 && c != '\t') || c == 0x7F)
      return std::nullopt;
  return std::make_pair(std::string(name), std::string(value));
}

// Seconds ("10", "2.5") or a duration ("500ms", "1m").
std::optional<std::chrono::milliseconds> parseTimeout(std::string_view text) {
  double seconds = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), seconds);
  std::optional<std::chrono::milliseconds> ms;
  if (ec == std::errc() && end == text.data() + text.size()) {
    if (!std::isfinite(seconds) || seconds <= 0 || seconds > 86400)
      return std::nullopt;
    ms = std::chrono::milliseconds(static_cast<long long>(std::ceil(seconds * 1000)));
  } else {
    ms = common::parseDuration(text);
  }
  if (!ms || ms->count() <= 0 || *ms > std::chrono::hours(24))
    return std::nullopt;
  return ms;
}

int usage(const std::string& message) {
  std::fprintf(stderr, "mcpwatch probe: %s\n", message.c_str());
  return 2;
}

int runProbe(const ProbeArgs& a) {
  prober::ProbeOptions options;
  if (!common::Url::parse(a.url))
    return usage("URL must be an absolute http:// or https:// URL without credentials");
  options.url = a.url;

  auto transport = prober::parseTransport(a.transport);
  if (!transport)
    return usage("--transport must be one of auto, modern, streamable-http, sse");
  options.transport = *transport;

  for (std::size_t i = 0; i < a.headers.size(); ++i) {
    auto header = parseHeader(a.headers[i]);
    if (!header)
      return usage("--header #" + std::to_string(i + 1) + " is not of the form 'Name: value'");
    options.headers.push_back(std::move(*header));
  }

  auto timeout = parseTimeout(a.timeout);
  if (!timeout)
    return usage("--timeout must be a positive number of seconds (or a duration like 500ms), "
                 "at most one day");
  options.timeout = *timeout;
  options.insecure = a.insecure;
  options.caFile = a.caFile;
  if (a.protectedIsUp &&
      std::any_of(options.headers.begin(), options.headers.end(),
                  [](const auto& h) { return common::iequals(h.first, "Authorization"); }))
    return usage("--protected-is-up is for servers probed without credentials: drop the "
                 "Authorization header, or drop --protected-is-up");
  options.protectedIsUp = a.protectedIsUp;
  std::string oauthError;
  options.oauth = oauthFlags(a, oauthError);
  if (!oauthError.empty())
    return usage(oauthError);
  if (options.oauth) {
    if (a.protectedIsUp)
      return usage("--protected-is-up is for servers probed without credentials: drop it, or "
                   "drop the --oauth-* flags");
    if (std::any_of(options.headers.begin(), options.headers.end(),
                    [](const auto& h) { return common::iequals(h.first, "Authorization"); }))
      return usage("the --oauth-* flags get the Authorization header themselves: drop the "
                   "--header 'Authorization: ...'");
  }

  if (!a.acceptVersions.empty()) {
    for (const auto& v : a.acceptVersions)
      if (common::trim(v).empty())
        return usage("--accept-version must not be empty");
    options.acceptedVersions = a.acceptVersions;
  }

  if (!a.args.empty() && a.call.empty())
    return usage("--args needs --call TOOL");
  if (!a.call.empty()) {
    prober::ToolCall call;
    call.name = a.call;
    if (!a.args.empty()) {
      common::JsonParseError error;
      auto parsed = common::parseJson(a.args, &error);
      if (!parsed)
        return usage("--args is not valid JSON: " + error.message);
      if (!parsed->is_object())
        return usage("--args must be a JSON object");
      call.arguments = std::move(*parsed);
    }
    options.call = std::move(call);
  }

  asio::io_context io;
  std::optional<prober::ProbeResult> result;
  std::exception_ptr failure;
  asio::co_spawn(io, prober::probe(std::move(options)),
                 [&](std::exception_ptr e, prober::ProbeResult r) {
                   failure = e;
                   if (!e)
                     result = std::move(r);
                 });
  io.run();
  if (failure || !result) {
    std::fprintf(stderr, "mcpwatch probe: internal error\n");
    return 1;
  }
  if (a.json) {
    auto text = prober::toJsonText(*result);
    std::printf("%s\n", text.c_str());
  } else {
    std::fputs(prober::toText(*result).c_str(), stdout);
  }
  std::fflush(stdout);
  return result->ok ? 0 : 1;
}

} // namespace

void addProbeCommand(CLI::App& app, int& exitCode) {
  auto* cmd = app.add_subcommand("probe", "Probe one MCP server once and print the result "
                                          "(exit 0 up, 1 down, 2 usage error)");
  auto a = std::make_shared<ProbeArgs>();
  cmd->add_option("url", a->url, "MCP endpoint URL, e.g. https://host/mcp or http://host/sse")
      ->required();
  cmd->add_option("--transport", a->transport, "auto | modern | streamable-http | sse")
      ->capture_default_str();
  cmd->add_option("--header", a->headers,
                  "Extra request header 'Name: value' (repeatable; values are never printed)")
      ->allow_extra_args(false);
  cmd->add_option("--timeout", a->timeout, "Whole-probe deadline in seconds (or 500ms, 1m)")
      ->capture_default_str();
  cmd->add_flag("--insecure", a->insecure, "Skip TLS certificate and host-name verification");
  cmd->add_option("--ca-file", a->caFile,
                  "PEM file of CA certificates trusted instead of the system store")
      ->check(CLI::ExistingFile);
  cmd->add_flag("--protected-is-up", a->protectedIsUp,
                "Count an OAuth challenge with valid protected resource metadata as up (alive "
                "and protected; without credentials)");
  cmd->add_option("--oauth-client-id", a->oauthClientId,
                  "OAuth client id: get a token with the client-credentials grant when the "
                  "server answers 401 (with --oauth-client-secret-env or --oauth-private-key)");
  cmd->add_option("--oauth-client-secret-env", a->oauthSecretEnv,
                  "Environment variable holding the OAuth client secret");
  cmd->add_option("--oauth-private-key", a->oauthPrivateKey,
                  "PEM private key (EC P-256 or RSA) signing a private_key_jwt client assertion")
      ->check(CLI::ExistingFile);
  cmd->add_option("--oauth-scope", a->oauthScope,
                  "Scopes to ask for (default: the challenge's, else the server's "
                  "scopes_supported)");
  cmd->add_option("--oauth-token-url", a->oauthTokenUrl,
                  "Token endpoint (default: discovered from the server's metadata)");
  cmd->add_option("--oauth-issuer", a->oauthIssuer,
                  "The only authorization server the credentials may be sent to (default: the "
                  "first one the server names)");
  cmd->add_flag("--json", a->json, "Print the result as one JSON object");
  cmd->add_option("--call", a->call, "Call this tool after listing (synthetic check)");
  cmd->add_option("--args", a->args, "JSON object of arguments for --call");
  cmd->add_option("--accept-version", a->acceptVersions,
                  "Accepted protocol version (repeatable; replaces the default list)")
      ->allow_extra_args(false);
  cmd->callback([a, &exitCode] { exitCode = runProbe(*a); });
}

} // namespace mcpwatch::app
