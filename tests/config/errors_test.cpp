// Every validation rule, all problems reported at once with lines, and no secret in any message.
#include "tests/config/test_support.hpp"

#include <filesystem>
#include <fstream>
#include <memory>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <unistd.h>

namespace mcpwatch::config {
namespace {

using test::envOf;
using test::errorsOf;
using test::load;
using test::onlyError;

// A valid server entry to prepend where a rule needs one.
constexpr std::string_view kServer = "servers:\n  - {slug: a, url: \"http://a.example/mcp\"}\n";

// Fails the test unless one of `errors` contains `needle`.
void expectErrorWith(const std::vector<std::string>& errors, std::string_view needle) {
  for (const auto& e : errors)
    if (e.find(needle) != std::string::npos)
      return;
  ADD_FAILURE() << "no error with " << needle << " in " << ::testing::PrintToString(errors);
}

std::string withServer(std::string_view rest) {
  return std::string(kServer) + std::string(rest);
}

TEST(ConfigErrors, YamlSyntaxErrorIsOneErrorWithItsLine) {
  auto errors = errorsOf(load("servers:\n  - slug: a\n    url: [unclosed\nweb: {}\n"));
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_TRUE(errors[0].starts_with("invalid YAML: ")) << errors[0];
  EXPECT_TRUE(errors[0].ends_with("(line 4)") || errors[0].ends_with("(line 3)")) << errors[0];
}

TEST(ConfigErrors, HostileInputIsAnErrorNotACrash) {
  // Deep nesting is refused by the document's depth cap, not by running out of stack.
  auto deep = errorsOf(load("servers: " + std::string(100'000, '[')));
  ASSERT_EQ(deep.size(), 1u);
  EXPECT_TRUE(deep[0].starts_with("invalid YAML: ")) << deep[0];
  std::string garbage;
  for (int i = 0; i < 4096; ++i)
    garbage += static_cast<char>((i * 7919) % 256);
  EXPECT_FALSE(load(garbage));
  EXPECT_FALSE(load("\t- tab indented\n"));
  EXPECT_FALSE(load("servers: [*undefined_alias]\n"));
  EXPECT_EQ(onlyError("? [complex, key]\n: value\n"), "keys must be plain strings (line 1)");
}

TEST(ConfigErrors, EmptyFileAndWrongTopLevel) {
  EXPECT_EQ(onlyError(""), "the file is empty: expected a mapping of settings (see "
                           "examples/mcpwatch.yaml)");
  EXPECT_EQ(onlyError("- a\n- b\n"),
            "the top level must be a mapping of settings (key: value) (line 1)");
}

TEST(ConfigErrors, UnknownAndDuplicateKeys) {
  EXPECT_EQ(onlyError("servers:\n  - slug: a\n    url: http://a.example/mcp\n    intervall: 5s\n"),
            "servers[0].intervall: unknown key (line 4)");
  EXPECT_EQ(onlyError("color: blue\n"), "color: unknown key (line 1)");
  EXPECT_EQ(onlyError("log: {level: info, level: debug}\n"), "log.level: duplicate key (line 1)");
  EXPECT_EQ(onlyError("defaults:\n  flapping: {windw: 5}\n"),
            "defaults.flapping.windw: unknown key (line 2)");
}

TEST(ConfigErrors, WrongShapes) {
  EXPECT_EQ(onlyError("servers: {slug: a}\n"), "servers: must be a list (line 1)");
  EXPECT_EQ(onlyError("servers:\n  - just-a-string\n"),
            "servers[0]: must be a mapping (key: value) (line 2)");
  EXPECT_EQ(onlyError(withServer("log: {level: [debug]}\n")),
            "log.level: must be a single value, not a list (line 3)");
}

TEST(ConfigErrors, ServerSlugRules) {
  EXPECT_EQ(onlyError("servers:\n  - {url: \"http://a.example/mcp\"}\n"),
            "servers[0].slug: is required (line 2)");
  EXPECT_EQ(onlyError("servers:\n  - {slug: Bad_Slug, url: \"http://a.example/mcp\"}\n"),
            "servers[0].slug: invalid slug \"Bad_Slug\" (1-63 characters of a-z, 0-9 and -, not "
            "starting with -) (line 2)");
  EXPECT_NE(onlyError("servers:\n  - {slug: -a, url: \"http://a.example/mcp\"}\n")
                .find("invalid "
                      "slug"),
            std::string::npos);
  std::string longSlug(64, 'a');
  EXPECT_NE(onlyError("servers:\n  - {slug: " + longSlug + ", url: \"http://a.example/mcp\"}\n")
                .find("invalid slug"),
            std::string::npos);
  EXPECT_TRUE(
      load("servers:\n  - {slug: " + std::string(63, 'a') + ", url: \"http://a.example/mcp\"}\n"));
  EXPECT_EQ(onlyError("servers:\n"
                      "  - {slug: a, url: \"http://a.example/mcp\"}\n"
                      "  - {slug: b, url: \"http://b.example/mcp\"}\n"
                      "  - {slug: a, url: \"http://c.example/mcp\"}\n"),
            "servers[2].slug: duplicate slug \"a\" (first used at servers[0]) (line 4)");
}

TEST(ConfigErrors, ServerUrlRules) {
  EXPECT_EQ(onlyError("servers:\n  - {slug: a}\n"), "servers[0].url: is required (line 2)");
  auto urlError = [](const std::string& url) {
    return onlyError("servers:\n  - {slug: a, url: \"" + url + "\"}\n");
  };
  EXPECT_EQ(urlError("ftp://a.example/mcp"),
            "servers[0].url: invalid URL \"ftp://a.example/…\": must be an absolute URL "
            "starting with http:// or https:// (line 2)");
  // Only the scheme and host are shown: a key may be in the user info, the path or the query.
  EXPECT_EQ(urlError("http://user:hunter2@a.example/mcp"),
            "servers[0].url: invalid URL \"http://a.example/…\": must not contain credentials "
            "(user@host); send them in headers (line 2)");
  EXPECT_EQ(urlError("https://mcp.example/sk-secret%zz/sse"),
            "servers[0].url: invalid URL \"https://mcp.example/…\": has characters not allowed "
            "in a path or query (percent-encode them) (line 2)");
  EXPECT_EQ(urlError("mcp.example/sk-secret"),
            "servers[0].url: invalid URL \"mcp.example/…\": must be an absolute URL starting "
            "with http:// or https:// (line 2)");
  EXPECT_NE(urlError("http:///mcp").find("has no host"), std::string::npos);
  EXPECT_NE(urlError("http://a.example:99999/mcp").find("invalid port"), std::string::npos);
  EXPECT_NE(urlError("http://a.example:0/mcp").find("invalid port"), std::string::npos);
  EXPECT_NE(urlError("http://a<b/mcp").find("invalid host"), std::string::npos);
  EXPECT_NE(urlError("http://[::1/mcp").find("unterminated IPv6"), std::string::npos);
  EXPECT_NE(urlError("http://a.example/m\u00e9").find("non-ASCII"), std::string::npos);
  EXPECT_NE(urlError("http://a.example/a%zz").find("path or query"), std::string::npos);
  // The same parser as the prober's: an empty port is the default one (RFC 3986).
  EXPECT_TRUE(load("servers:\n  - {slug: a, url: \"http://a.example:/mcp\"}\n"));
  EXPECT_NE(urlError("http://user:pw@a.example/mcp").find("credentials"), std::string::npos);
  EXPECT_NE(urlError("http://a example/mcp").find("spaces"), std::string::npos);
  EXPECT_NE(urlError("/relative/mcp").find("absolute"), std::string::npos);
  EXPECT_TRUE(load("servers:\n  - {slug: a, url: \"HTTPS://[::1]:8443/mcp?x=1\"}\n"));
}

TEST(ConfigErrors, AuthRules) {
  auto ok = load("servers:\n  - slug: a\n    url: http://a.example/mcp\n    auth: "
                 "{protected_is_up: true}\n  - {slug: b, url: \"http://b.example/mcp\"}\n");
  ASSERT_TRUE(ok) << ::testing::PrintToString(errorsOf(ok));
  EXPECT_TRUE(ok->servers[0].protectedIsUp);
  EXPECT_FALSE(ok->servers[1].protectedIsUp) << "off unless asked for";
  EXPECT_EQ(onlyError("servers:\n  - slug: a\n    url: http://a.example/mcp\n    headers: "
                      "{Authorization: Bearer t}\n    auth: {protected_is_up: true}\n"),
            "servers[0].auth.protected_is_up: cannot be true with an Authorization header: it is "
            "for servers probed without credentials (line 5)");
  EXPECT_EQ(onlyError("servers:\n  - slug: a\n    url: http://a.example/mcp\n    auth: "
                      "{protected_is_up: maybe}\n"),
            "servers[0].auth.protected_is_up: must be true or false, got \"maybe\" (line 4)");
  EXPECT_EQ(onlyError("servers:\n  - slug: a\n    url: http://a.example/mcp\n    auth: "
                      "{client_id: x}\n"),
            "servers[0].auth.client_id: needs type: client_credentials (line 4)");
  EXPECT_EQ(onlyError("servers:\n  - slug: a\n    url: http://a.example/mcp\n    auth: "
                      "{grant: x}\n"),
            "servers[0].auth.grant: unknown key (line 4)");
}

// A private key file for the client-credentials tests, written with `mode`.
std::string writeKey(const std::string& name, std::filesystem::perms mode, bool ec = true) {
  EVP_PKEY* key = ec ? EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256")
                     : EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", std::size_t{1024});
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), &BIO_free);
  PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr);
  EVP_PKEY_free(key);
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.get(), &data);
  auto path = (std::filesystem::temp_directory_path() /
               ("mcpwatch-config-test-" + std::to_string(::getpid()) + "-" + name))
                  .string();
  std::ofstream(path, std::ios::binary).write(data, n);
  std::filesystem::permissions(path, mode);
  return path;
}

TEST(ConfigErrors, ClientCredentialsRules) {
  const std::string head = "servers:\n  - slug: a\n    url: http://a.example/mcp\n";
  auto env = envOf({{"CLIENT_SECRET", "s3cr3t-Client-Value"}});
  auto ok = load(head + "    auth: {type: client_credentials, client_id: probe, client_secret: "
                        "\"${CLIENT_SECRET}\", scope: \"mcp:read\", token_url: "
                        "\"https://as.example/token\", issuer: \"https://as.example\"}\n",
                 env);
  ASSERT_TRUE(ok) << ::testing::PrintToString(errorsOf(ok));
  ASSERT_TRUE(ok->servers[0].oauth);
  const auto& c = *ok->servers[0].oauth;
  EXPECT_EQ(c.clientId, "probe");
  EXPECT_EQ(c.clientSecret.reveal(), "s3cr3t-Client-Value");
  EXPECT_TRUE(c.privateKeyPem.empty());
  EXPECT_EQ(c.scope, "mcp:read");
  EXPECT_EQ(c.tokenUrl, "https://as.example/token");
  EXPECT_EQ(c.issuer, "https://as.example");

  const auto privateKey = writeKey("ok.pem", std::filesystem::perms::owner_read);
  auto withKey = load(head +
                      "    auth: {type: client_credentials, client_id: probe, "
                      "private_key_file: \"" +
                      privateKey + "\"}\n");
  ASSERT_TRUE(withKey) << ::testing::PrintToString(errorsOf(withKey));
  EXPECT_NE(withKey->servers[0].oauth->privateKeyPem.reveal().find("PRIVATE KEY"),
            std::string::npos);
  EXPECT_EQ(withKey->servers[0].oauth->privateKeyFile, privateKey);

  // Every problem at once, none quoting the secret or the key.
  const auto shared = writeKey("shared.pem", std::filesystem::perms::owner_read |
                                                 std::filesystem::perms::others_read);
  const auto small = writeKey("small.pem", std::filesystem::perms::owner_read, false);
  auto errors = errorsOf(load(
      "servers:\n"
      "  - {slug: a, url: \"http://a.example/mcp\", auth: {type: password}}\n"
      "  - {slug: b, url: \"http://b.example/mcp\", auth: {type: client_credentials}}\n"
      "  - {slug: c, url: \"http://c.example/mcp\", auth: {type: client_credentials, client_id: "
      "x, client_secret: \"${CLIENT_SECRET}\", private_key_file: \"" +
          privateKey +
          "\"}}\n"
          "  - {slug: d, url: \"http://d.example/mcp\", auth: {type: client_credentials, "
          "client_id: x, private_key_file: \"" +
          shared +
          "\"}}\n"
          "  - {slug: e, url: \"http://e.example/mcp\", auth: {type: client_credentials, "
          "client_id: x, private_key_file: \"" +
          small +
          "\"}}\n"
          "  - {slug: f, url: \"http://f.example/mcp\", auth: {type: client_credentials, "
          "client_id: x, client_secret: \"${CLIENT_SECRET}\", protected_is_up: true, token_url: "
          "\"ftp://x\"}}\n"
          "  - slug: g\n    url: http://g.example/mcp\n    headers: {Authorization: Bearer t}\n"
          "    auth: {type: client_credentials, client_id: x, client_secret: \"${MISSING}\"}\n"
          "  - {slug: h, url: \"http://h.example/mcp\", auth: {type: client_credentials, "
          "client_id: x, private_key_file: /nonexistent/key.pem}}\n"
          "  - {slug: i, url: \"http://i.example/mcp\", auth: {type: client_credentials, "
          "client_id: x, client_secret: \"${CLIENT_SECRET}\", issuer: \"http://as.example\"}}\n",
      env));
  expectErrorWith(errors, "servers[0].auth.type: must be one of client_credentials, got "
                          "\"password\" (line 2)");
  expectErrorWith(errors, "servers[1].auth.client_id: is required with type: client_credentials");
  expectErrorWith(errors, "servers[1].auth.client_secret: type: client_credentials needs "
                          "client_secret or private_key_file");
  expectErrorWith(errors, "servers[2].auth.private_key_file: give client_secret or "
                          "private_key_file, not both");
  expectErrorWith(errors, "servers[3].auth.private_key_file: \"" + shared +
                              "\": readable by other users: chmod 600 it");
  expectErrorWith(errors, "servers[4].auth.private_key_file: \"" + small +
                              "\": an RSA key must have at least 2048 bits (RS256)");
  expectErrorWith(errors, "servers[5].auth.protected_is_up: cannot be true with type: "
                          "client_credentials");
  expectErrorWith(errors, "servers[5].auth.token_url:");
  expectErrorWith(errors, "servers[6].auth.type: cannot go with an Authorization header");
  expectErrorWith(errors, "servers[6].auth.client_secret:");
  expectErrorWith(
      errors,
      "servers[7].auth.private_key_file: \"/nonexistent/key.pem\": cannot read: No such file");
  expectErrorWith(errors, "servers[8].auth.issuer: must be https (http only to a loopback host)");
  for (const auto& e : errors) {
    EXPECT_EQ(e.find("s3cr3t-Client-Value"), std::string::npos) << e;
    EXPECT_EQ(e.find("BEGIN"), std::string::npos) << e;
  }
  for (const auto& f : {privateKey, shared, small})
    std::filesystem::remove(f);
}

TEST(ConfigErrors, TagsHeadersAndCall) {
  EXPECT_EQ(onlyError("servers:\n  - slug: a\n    url: http://a.example/mcp\n    tags: [ok, "
                      "NotOk]\n"),
            "servers[0].tags[1]: invalid tag \"NotOk\" (use a-z, 0-9, _ and -) (line 4)");
  EXPECT_EQ(onlyError("servers:\n  - slug: a\n    url: http://a.example/mcp\n    headers: "
                      "{Host: x}\n"),
            "servers[0].headers.Host: is set by mcpwatch itself and cannot be configured (line 4)");
  EXPECT_EQ(onlyError("servers:\n  - slug: a\n    url: http://a.example/mcp\n    headers:\n"
                      "      X-A: \"one\\r\\nInjected: yes\"\n"),
            "servers[0].headers.X-A: header value must not contain line breaks or NUL bytes "
            "(line 5)");
  EXPECT_EQ(onlyError("servers:\n  - slug: a\n    url: http://a.example/mcp\n    headers: {x-a: "
                      "1, X-A: 2}\n"),
            "servers[0].headers.X-A: duplicate header (names are case-insensitive) (line 4)");
  EXPECT_EQ(onlyError("servers:\n  - slug: a\n    url: http://a.example/mcp\n    headers: {\"Bad "
                      "Name\": 1}\n"),
            "servers[0].headers.Bad Name: invalid header name (line 4)");
  EXPECT_EQ(onlyError("servers:\n  - slug: a\n    url: http://a.example/mcp\n    call: {args: "
                      "{}}\n"),
            "servers[0].call.tool: is required (line 4)");
  EXPECT_EQ(onlyError("servers:\n  - slug: a\n    url: http://a.example/mcp\n    call: {tool: t, "
                      "args: '[1]'}\n"),
            "servers[0].call.args: must be a JSON object (line 4)");
  EXPECT_EQ(onlyError("servers:\n  - slug: a\n    url: http://a.example/mcp\n    call: {tool: t, "
                      "args: [1]}\n"),
            "servers[0].call.args: must be a mapping (the tool's arguments) (line 4)");
  EXPECT_NE(onlyError("servers:\n  - slug: a\n    url: http://a.example/mcp\n    call: {tool: t, "
                      "args: '{bad'}\n")
                .find("servers[0].call.args: invalid JSON"),
            std::string::npos);
}

TEST(ConfigErrors, ToolArgumentAliasBombIsBounded) {
  std::string yaml = "servers:\n  - slug: a\n    url: http://a.example/mcp\n    call:\n"
                     "      tool: t\n      args:\n"
                     "        l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int i = 1; i < 9; ++i)
    yaml += "        l" + std::to_string(i) + ": &l" + std::to_string(i) + " [*l" +
            std::to_string(i - 1) + ", *l" + std::to_string(i - 1) + ", *l" +
            std::to_string(i - 1) + ", *l" + std::to_string(i - 1) + ", *l" +
            std::to_string(i - 1) + ", *l" + std::to_string(i - 1) + ", *l" +
            std::to_string(i - 1) + ", *l" + std::to_string(i - 1) + ", *l" +
            std::to_string(i - 1) + ", *l" + std::to_string(i - 1) + "]\n";
  auto errors = errorsOf(load(yaml));
  ASSERT_EQ(errors.size(), 1u) << ::testing::PrintToString(errors);
  EXPECT_NE(errors[0].find("too large"), std::string::npos) << errors[0];
}

TEST(ConfigErrors, CheckSettingRules) {
  EXPECT_EQ(onlyError("servers:\n  - slug: a\n    url: http://a.example/mcp\n    interval: 5x\n"),
            "servers[0].interval: invalid duration \"5x\" (line 4)");
  EXPECT_EQ(onlyError("defaults: {timeout: 0s}\n"),
            "defaults.timeout: must be greater than 0 (line 1)");
  EXPECT_EQ(onlyError("defaults: {failure_threshold: 0}\n"),
            "defaults.failure_threshold: must be between 1 and 1000, got 0 (line 1)");
  EXPECT_EQ(onlyError("defaults: {success_threshold: -1}\n"),
            "defaults.success_threshold: must be between 1 and 1000, got -1 (line 1)");
  EXPECT_EQ(onlyError("defaults: {success_threshold: two}\n"),
            "defaults.success_threshold: must be a whole number, got \"two\" (line 1)");
  EXPECT_EQ(onlyError("defaults: {schema_drift: loud}\n"),
            "defaults.schema_drift: must be one of warn, fail, ignore, got \"loud\" (line 1)");
  EXPECT_EQ(onlyError("defaults: {transport: websocket}\n"),
            "defaults.transport: must be one of auto, modern, streamable-http, sse, got "
            "\"websocket\" (line 1)");
  EXPECT_EQ(onlyError("defaults: {insecure: maybe}\n"),
            "defaults.insecure: must be true or false, got \"maybe\" (line 1)");
  EXPECT_EQ(onlyError("defaults: {accepted_protocol_versions: [2025-06-18, latest]}\n"),
            "defaults.accepted_protocol_versions[1]: invalid protocol version \"latest\" "
            "(expected YYYY-MM-DD) (line 1)");
  EXPECT_EQ(onlyError("defaults: {accepted_protocol_versions: []}\n"),
            "defaults.accepted_protocol_versions: must list at least one version (line 1)");
}

TEST(ConfigErrors, FlappingRules) {
  EXPECT_EQ(onlyError("defaults:\n  flapping: {window: 4}\n"),
            "defaults.flapping.window: must be between 5 and 100, got 4 (line 2)");
  EXPECT_EQ(onlyError("defaults:\n  flapping: {window: 101}\n"),
            "defaults.flapping.window: must be between 5 and 100, got 101 (line 2)");
  EXPECT_EQ(onlyError("defaults:\n  flapping: {low_threshold: 50, high_threshold: 50}\n"),
            "defaults.flapping.low_threshold: must be lower than high_threshold (50 >= 50) "
            "(line 2)");
  // A server override that inverts the thresholds inherited from defaults is caught there.
  EXPECT_EQ(onlyError("servers:\n  - slug: a\n    url: http://a.example/mcp\n"
                      "    flapping: {high_threshold: 20}\n"),
            "servers[0].flapping.low_threshold: must be lower than high_threshold (25 >= 20) "
            "(line 4)");
}

TEST(ConfigErrors, RouteRules) {
  std::string sinks = "sinks:\n  hook: {type: webhook, url: \"http://h.example/\"}\n";
  EXPECT_EQ(onlyError(withServer(sinks + "routes:\n  - sinks: [hook, pd-x]\n")),
            "routes[0].sinks[1]: unknown sink \"pd-x\" (line 6)");
  EXPECT_EQ(onlyError(withServer(sinks + "routes:\n  - match: {tags: [x]}\n")),
            "routes[0].sinks: is required (line 6)");
  EXPECT_EQ(onlyError(withServer(sinks + "routes:\n  - sinks: []\n")),
            "routes[0].sinks: must name at least one sink (line 6)");
  EXPECT_EQ(onlyError(withServer(sinks + "routes:\n  - {match: {servers: [a, zz]}, sinks: "
                                         "[hook]}\n")),
            "routes[0].match.servers[1]: unknown server \"zz\" (line 6)");
  EXPECT_EQ(onlyError(withServer(sinks + "routes:\n  - {match: {labels: [x]}, sinks: [hook]}\n")),
            "routes[0].match.labels: unknown key (line 6)");
  EXPECT_EQ(onlyError(withServer(sinks + "routes:\n  - {sinks: [hook], severity: fatal}\n")),
            "routes[0].severity: must be one of critical, error, warning, info, got \"fatal\" "
            "(line 6)");
  EXPECT_EQ(onlyError(withServer(sinks + "routes:\n  - {sinks: [hook], continue: nah}\n")),
            "routes[0].continue: must be true or false, got \"nah\" (line 6)");
}

TEST(ConfigErrors, SinkTypeRules) {
  EXPECT_EQ(onlyError("sinks:\n  s: {type: carrier-pigeon}\n"),
            "sinks.s.type: must be one of pagerduty, webhook, slack, discord, opsgenie, email, "
            "got \"carrier-pigeon\" (line 2)");
  EXPECT_EQ(onlyError("sinks:\n  s: {url: \"http://x.example/\"}\n"),
            "sinks.s.type: is required (one of pagerduty, webhook, slack, discord, opsgenie, "
            "email) (line 2)");
  EXPECT_EQ(onlyError("sinks:\n  Bad!: {type: webhook, url: \"http://x.example/\"}\n"),
            "sinks.Bad!: invalid sink name (use a-z, 0-9, _ and -) (line 2)");
  // A sink with errors still counts as declared: routes naming it do not add noise.
  EXPECT_EQ(onlyError(withServer("sinks:\n  s: {type: slack}\nroutes:\n  - sinks: [s]\n")),
            "sinks.s.url: is required (the incoming webhook URL) (line 4)");
}

TEST(ConfigErrors, ChatSinkRules) {
  EXPECT_EQ(onlyError("sinks:\n  s: {type: slack, url: \"http://hooks.slack.com/services/x\"}\n"),
            "sinks.s.url: must be an https:// URL (the Slack webhook URL is a secret) (line 2)");
  EXPECT_EQ(onlyError("sinks:\n  s: {type: slack, url: \"https://hooks.slack.com/x\", "
                      "channel: \"#ops\"}\n"),
            "sinks.s.channel: unknown key (line 2)");
  EXPECT_EQ(onlyError("sinks:\n  s: {type: discord}\n"),
            "sinks.s.url: is required (the webhook URL) (line 2)");
  EXPECT_EQ(onlyError("sinks:\n  s: {type: discord, url: \"https://discord.com/api/webhooks/1/t\", "
                      "username: \"Discord Bot\"}\n"),
            "sinks.s.username: must not contain \"discord\" or \"clyde\" (line 2)");
  // The secret URL is never quoted back, even when it is malformed.
  auto errors =
      errorsOf(load("sinks:\n  s: {type: slack, url: \"https://hooks slack/T0SECRET\"}\n"));
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].find("T0SECRET"), std::string::npos) << errors[0];
}

TEST(ConfigErrors, OpsGenieRules) {
  EXPECT_EQ(onlyError("sinks:\n  s: {type: opsgenie}\n"),
            "sinks.s.api_key: is required (an API integration key) (line 2)");
  EXPECT_EQ(onlyError("sinks:\n  s: {type: opsgenie, api_key: k, region: au}\n"),
            "sinks.s.region: must be one of us, eu, got \"au\" (line 2)");
  EXPECT_EQ(onlyError("sinks:\n  s: {type: opsgenie, api_key: k, region: eu, "
                      "api_url: \"https://og.example\"}\n"),
            "sinks.s.api_url: set either region or api_url, not both (line 2)");
  EXPECT_EQ(onlyError("sinks:\n  s: {type: opsgenie, api_key: k, priority: P0}\n"),
            "sinks.s.priority: must be one of P1, P2, P3, P4, P5, got \"P0\" (line 2)");
  EXPECT_EQ(onlyError("sinks:\n  s: {type: opsgenie, api_key: k, responders: [{type: squad, "
                      "name: sre}]}\n"),
            "sinks.s.responders[0].type: must be one of team, user, escalation, schedule, got "
            "\"squad\" (line 2)");
  EXPECT_EQ(onlyError("sinks:\n  s: {type: opsgenie, api_key: k, tags: [\"" + std::string(51, 't') +
                      "\"]}\n"),
            "sinks.s.tags[0]: a tag must have 1 to 50 characters (line 2)");
}

TEST(ConfigErrors, EmailRules) {
  auto errors = errorsOf(load("sinks:\n  m:\n    type: email\n"));
  EXPECT_EQ(errors,
            (std::vector<std::string>{"sinks.m.host: is required (the SMTP server) (line 3)",
                                      "sinks.m.from: is required (the sender address) (line 3)",
                                      "sinks.m.to: is required (one address or a list) (line 3)"}));
  const std::string base =
      "sinks:\n  m: {type: email, host: smtp.example.com, from: a@example.com, ";
  EXPECT_EQ(onlyError(base + "to: [\"not an address\"]}\n"),
            "sinks.m.to[0]: invalid email address \"not an address\" (line 2)");
  EXPECT_EQ(onlyError(base + "to: [], tls: starttls}\n"),
            "sinks.m.to: must list at least one recipient (line 2)");
  EXPECT_EQ(onlyError(base + "to: b@example.com, username: u}\n"),
            "sinks.m.password: is required with username (line 2)");
  EXPECT_EQ(onlyError(base + "to: b@example.com, username: u, password: p, tls: none}\n"),
            "sinks.m.tls: must be starttls or tls when username is set (the password would "
            "travel in clear) (line 2)");
  EXPECT_EQ(onlyError(base + "to: b@example.com, auth: cram-md5}\n"),
            "sinks.m.auth: must be one of auto, plain, login, got \"cram-md5\" (line 2)");
  EXPECT_EQ(onlyError(base + "to: b@example.com, port: 70000}\n"),
            "sinks.m.port: must be between 1 and 65535, got 70000 (line 2)");
  EXPECT_EQ(onlyError(base + "to: b@example.com, ca_file: /nonexistent/ca.pem}\n"),
            "sinks.m.ca_file: file not found: \"/nonexistent/ca.pem\" (line 2)");
  // The password never appears in an error.
  auto withPassword = errorsOf(load(base + "to: b@example.com, username: u, password: hunter2pw, "
                                           "tls: none}\n"));
  ASSERT_EQ(withPassword.size(), 1u);
  EXPECT_EQ(withPassword[0].find("hunter2pw"), std::string::npos);
}

TEST(ConfigErrors, PagerDutyRules) {
  std::string key(32, 'k');
  auto pd = [&](const std::string& extra) {
    return "sinks:\n  pd-default:\n    type: pagerduty\n    routing_key: " + key + "\n" + extra;
  };
  EXPECT_TRUE(load(pd("")));
  EXPECT_EQ(onlyError("sinks:\n  pd-default: {type: pagerduty}\n"),
            "sinks.pd-default.routing_key: is required (line 2)");
  EXPECT_EQ(onlyError("sinks:\n  pd-default:\n    type: pagerduty\n    routing_key: short\n"),
            "sinks.pd-default.routing_key: must be 32 characters (line 4)");
  EXPECT_EQ(onlyError(pd("    severity: page\n")),
            "sinks.pd-default.severity: must be one of critical, error, warning, info, got "
            "\"page\" (line 5)");
  EXPECT_EQ(onlyError(pd("    dedup_prefix: \"a b\"\n")),
            "sinks.pd-default.dedup_prefix: invalid prefix \"a b\" (use letters, digits, ., _ and "
            "-) (line 5)");
  EXPECT_EQ(onlyError(pd("    events_url: events.pagerduty.com\n")),
            "sinks.pd-default.events_url: invalid URL \"events.pagerduty.com\": must be an "
            "absolute URL starting with http:// or https:// (line 5)");
  EXPECT_EQ(onlyError(pd("    change_events: 1\n")),
            "sinks.pd-default.change_events: must be true or false, got \"1\" (line 5)");
  EXPECT_EQ(onlyError(pd("    timeout: soon\n")),
            "sinks.pd-default.timeout: invalid duration \"soon\" (line 5)");
  EXPECT_EQ(onlyError(pd("    url: https://x.example/\n")),
            "sinks.pd-default.url: unknown key (line 5)");
}

TEST(ConfigErrors, ReminderIntervalRules) {
  const std::string slack = "sinks:\n  chat:\n    type: slack\n    url: "
                            "https://hooks.slack.com/services/T0/B0/x\n";
  EXPECT_EQ(onlyError(slack + "    reminder_interval: 30s\n"),
            "sinks.chat.reminder_interval: must be between 1m and 7d, got 30s (line 5)");
  EXPECT_EQ(onlyError(slack + "    reminder_interval: 8d\n"),
            "sinks.chat.reminder_interval: must be between 1m and 7d, got 8d (line 5)");
  EXPECT_EQ(onlyError(slack + "    reminder_interval: 0s\n"),
            "sinks.chat.reminder_interval: must be greater than 0 (line 5)");
  EXPECT_EQ(onlyError(slack + "    reminder_interval: hourly\n"),
            "sinks.chat.reminder_interval: invalid duration \"hourly\" (line 5)");
  EXPECT_EQ(onlyError(slack + "    reminder_interval: [1h]\n"),
            "sinks.chat.reminder_interval: must be a single value, not a list (line 5)");
  // Sinks with their own re-notification refuse the key and say why.
  EXPECT_EQ(onlyError("sinks:\n  pd:\n    type: pagerduty\n    routing_key: " +
                      std::string(32, 'k') + "\n    reminder_interval: 1h\n"),
            "sinks.pd.reminder_interval: is not supported on pagerduty sinks: PagerDuty "
            "re-notifies through the service's escalation policy until someone acknowledges "
            "(reminders are for webhook, slack, discord and email sinks) (line 5)");
  EXPECT_EQ(onlyError("sinks:\n  og: {type: opsgenie, api_key: k, reminder_interval: 1h}\n"),
            "sinks.og.reminder_interval: is not supported on opsgenie sinks: OpsGenie "
            "re-notifies through its escalation and notification policies until someone "
            "acknowledges (reminders are for webhook, slack, discord and email sinks) (line 2)");
  // Every problem at once: the sink's own and the interval's, of several sinks.
  EXPECT_EQ(errorsOf(load("sinks:\n"
                          "  hook: {type: webhook, reminder_interval: 10d}\n"
                          "  disc: {type: discord, url: \"https://discord.com/api/webhooks/1/t\", "
                          "reminder_interval: 59s}\n"
                          "  og: {type: opsgenie, api_key: k, reminder_interval: 1h}\n")),
            (std::vector<std::string>{
                "sinks.hook.url: is required (line 2)",
                "sinks.hook.reminder_interval: must be between 1m and 7d, got 10d (line 2)",
                "sinks.disc.reminder_interval: must be between 1m and 7d, got 59s (line 3)",
                "sinks.og.reminder_interval: is not supported on opsgenie sinks: OpsGenie "
                "re-notifies through its escalation and notification policies until someone "
                "acknowledges (reminders are for webhook, slack, discord and email sinks) (line "
                "4)"}));
}

TEST(ConfigErrors, WebhookRules) {
  EXPECT_EQ(onlyError("sinks:\n  hook: {type: webhook}\n"), "sinks.hook.url: is required (line 2)");
  EXPECT_EQ(onlyError("sinks:\n  hook: {type: webhook, url: \"http://h.example/\", secret: "
                      "\"whsec_not base64!\"}\n"),
            "sinks.hook.secret: a whsec_ secret must be base64 after the prefix (line 2)");
  EXPECT_EQ(onlyError("sinks:\n  hook: {type: webhook, url: \"http://h.example/\", "
                      "signature_header: \"X Sig\"}\n"),
            "sinks.hook.signature_header: invalid header name \"X Sig\" (line 2)");
  EXPECT_EQ(
      onlyError("sinks:\n  hook: {type: webhook, url: \"http://h.example/\", secret: \"\"}\n"),
      "sinks.hook.secret: must not be empty (line 2)");
  EXPECT_EQ(onlyError("sinks:\n  hook: {type: webhook, url: \"http://h.example/\", routing_key: "
                      "x}\n"),
            "sinks.hook.routing_key: unknown key (line 2)");
}

TEST(ConfigErrors, MaintenanceRules) {
  auto window = [](const std::string& body) {
    return withServer("maintenance:\n  windows:\n    - " + body + "\n");
  };
  EXPECT_EQ(onlyError(window("{cron: \"0 3 * * *\", duration: 1h}")),
            "maintenance.windows[0].name: is required (line 5)");
  EXPECT_EQ(onlyError(withServer("maintenance:\n  windows:\n"
                                 "    - {name: w, cron: \"0 3 * * *\", duration: 1h}\n"
                                 "    - {name: w, cron: \"0 4 * * *\", duration: 1h}\n")),
            "maintenance.windows[1].name: duplicate window name \"w\" (first used at "
            "maintenance.windows[0]) (line 6)");
  EXPECT_EQ(onlyError(window("{name: w}")),
            "maintenance.windows[0]: needs either start and end, or cron and duration (line 5)");
  EXPECT_EQ(onlyError(window("{name: w, cron: \"0 3 * * *\", duration: 1h, start: "
                             "2026-12-01T02:00:00Z}")),
            "maintenance.windows[0]: use either start/end or cron/duration/timezone, not both "
            "(line 5)");
  EXPECT_EQ(onlyError(window("{name: w, start: 2026-12-01T02:00:00Z}")),
            "maintenance.windows[0].end: is required (RFC 3339, e.g. 2026-12-01T02:00:00Z) "
            "(line 5)");
  EXPECT_EQ(onlyError(window("{name: w, start: 2026-12-01T04:00:00Z, end: 2026-12-01T02:00:00Z}")),
            "maintenance.windows[0].end: must be after start (line 5)");
  EXPECT_EQ(onlyError(window("{name: w, start: yesterday, end: 2026-12-01T02:00:00Z}")),
            "maintenance.windows[0].start: invalid time \"yesterday\" (RFC 3339, e.g. "
            "2026-12-01T02:00:00Z) (line 5)");
  EXPECT_EQ(onlyError(window("{name: w, cron: \"0 3 * * *\"}")),
            "maintenance.windows[0].duration: is required with cron (line 5)");
  EXPECT_EQ(onlyError(window("{name: w, duration: 1h}")),
            "maintenance.windows[0].cron: is required with duration (line 5)");
  EXPECT_EQ(onlyError(window("{name: w, cron: \"0 3 * * *\", duration: 1h, timezone: "
                             "Mars/Olympus}")),
            "maintenance.windows[0].timezone: unknown time zone \"Mars/Olympus\" (line 5)");
  EXPECT_EQ(onlyError(window("{name: w, servers: [nope], cron: \"0 3 * * *\", duration: 1h}")),
            "maintenance.windows[0].servers[0]: unknown server \"nope\" (line 5)");
  // The cron parser's own message is included, whatever its wording.
  std::string cronError;
  ASSERT_FALSE(common::CronExpression::parse("61 * * * *", &cronError));
  EXPECT_EQ(onlyError(window("{name: w, cron: \"61 * * * *\", duration: 1h}")),
            "maintenance.windows[0].cron: invalid cron expression \"61 * * * *\": " + cronError +
                " (line 5)");
  EXPECT_EQ(onlyError("maintenance: {flag_file: \"\"}\n"),
            "maintenance.flag_file: must not be empty (line 1)");
}

TEST(ConfigErrors, WebHeartbeatAlertingSchedulerLogRules) {
  EXPECT_EQ(onlyError("web: {listen: localhost}\n"),
            "web.listen: invalid listen address \"localhost\" (expected host:port, e.g. "
            "127.0.0.1:8080 or [::1]:8080) (line 1)");
  EXPECT_NE(onlyError("web: {listen: \"127.0.0.1:70000\"}\n").find("invalid listen"),
            std::string::npos);
  EXPECT_EQ(onlyError("web: {public_url: status.example.com}\n"),
            "web.public_url: invalid URL \"status.example.com\": must be an absolute URL "
            "starting with http:// or https:// (line 1)");
  EXPECT_EQ(onlyError("web: {admin_token: short}\n"),
            "web.admin_token: must be at least 16 characters (line 1)");
  EXPECT_EQ(onlyError("web: {header_timeout: 2m}\n"),
            "web.header_timeout: must be between 100ms and 1m, got 2m (line 1)");
  EXPECT_EQ(onlyError("web: {header_timeout: 0s}\n"),
            "web.header_timeout: must be greater than 0 (line 1)");
  EXPECT_EQ(onlyError("web: {max_connections: 4}\n"),
            "web.max_connections: must be between 8 and 100000, got 4 (line 1)");
  EXPECT_EQ(onlyError("web: {max_connections: 16, max_connections_per_client: 17}\n"),
            "web.max_connections_per_client: must not exceed web.max_connections (16) (line 1)");
  EXPECT_EQ(onlyError("web: {max_connections_per_client: 0}\n"),
            "web.max_connections_per_client: must be between 1 and 100000, got 0 (line 1)");
  EXPECT_NE(onlyError("web: {metrics: {per_server_histograms: maybe}}\n")
                .find("web.metrics.per_server_histograms: "),
            std::string::npos);
  EXPECT_EQ(onlyError("web: {metrics: {per_server: true}}\n"),
            "web.metrics.per_server: unknown key (line 1)");
  EXPECT_EQ(onlyError("web: {metrics: true}\n"),
            "web.metrics: must be a mapping (key: value) (line 1)");
  EXPECT_EQ(onlyError("heartbeat: {interval: 5m}\n"), "heartbeat.url: is required (line 1)");
  EXPECT_EQ(onlyError("heartbeat: {url: \"hc-ping.com/abc\"}\n"),
            "heartbeat.url: invalid URL: must be an absolute URL starting with http:// or "
            "https:// (line 1)");
  EXPECT_EQ(onlyError("alerting: {retry_schedule: []}\n"),
            "alerting.retry_schedule: must list at least one wait (e.g. [1m, 5m, 15m, 1h]) "
            "(line 1)");
  EXPECT_EQ(onlyError("alerting: {retry_schedule: [1m, 0s]}\n"),
            "alerting.retry_schedule[1]: must be greater than 0 (line 1)");
  EXPECT_EQ(onlyError("alerting: {give_up_after: forever}\n"),
            "alerting.give_up_after: invalid duration \"forever\" (line 1)");
  EXPECT_EQ(onlyError("scheduler: {concurrency: 0}\n"),
            "scheduler.concurrency: must be between 1 and 10000, got 0 (line 1)");
  EXPECT_EQ(onlyError("scheduler: {concurrency: 10001}\n"),
            "scheduler.concurrency: must be between 1 and 10000, got 10001 (line 1)");
  EXPECT_EQ(onlyError("scheduler: {probe_threads: 65}\n"),
            "scheduler.probe_threads: must be between 0 and 64, got 65 (line 1)");
  EXPECT_EQ(onlyError("scheduler: {probe_threads: -1}\n"),
            "scheduler.probe_threads: must be between 0 and 64, got -1 (line 1)");
  EXPECT_EQ(onlyError("log: {level: trace}\n"),
            "log.level: must be one of debug, info, warn, error, got \"trace\" (line 1)");
  EXPECT_EQ(onlyError("log: {format: xml}\n"),
            "log.format: must be one of text, json, got \"xml\" (line 1)");
  EXPECT_EQ(onlyError("storage: {retention: 0d}\n"),
            "storage.retention: must be greater than 0 (line 1)");
}

TEST(ConfigErrors, LongValuesAreTruncatedInMessages) {
  std::string longValue(500, 'z');
  std::string error = onlyError("log: {level: " + longValue + "}\n");
  EXPECT_LT(error.size(), 200u);
  EXPECT_EQ(error.find(longValue.substr(0, 61)), std::string::npos);
}

TEST(ConfigErrors, ManyErrorsAreAllReportedWithTheirLines) {
  auto errors = errorsOf(load(R"(defaults:
  interval: 5x
  failure_threshold: 0
servers:
  - slug: ok
    url: http://a.example/mcp
  - slug: ok
    url: http://b.example/mcp
  - slug: third
    url: nope
    intervall: 10s
sinks:
  pd-default:
    type: pagerduty
    routing_key: tooshort
  chat:
    type: slack
routes:
  - match: {servers: [ok]}
    sinks: [pd-default, pd-x]
maintenance:
  windows:
    - name: deploy
      cron: "not a cron"
      duration: 30m
      timezone: Nowhere/City
log:
  level: loud
)"));
  ASSERT_EQ(errors.size(), 11u) << ::testing::PrintToString(errors);
  EXPECT_EQ(errors[0], "defaults.interval: invalid duration \"5x\" (line 2)");
  EXPECT_EQ(errors[1], "defaults.failure_threshold: must be between 1 and 1000, got 0 (line 3)");
  EXPECT_EQ(errors[2],
            "servers[1].slug: duplicate slug \"ok\" (first used at servers[0]) (line 7)");
  EXPECT_EQ(errors[3], "servers[2].url: invalid URL \"nope\": must be an absolute URL starting "
                       "with http:// or https:// (line 10)");
  EXPECT_EQ(errors[4], "servers[2].intervall: unknown key (line 11)");
  EXPECT_EQ(errors[5], "sinks.pd-default.routing_key: must be 32 characters (line 15)");
  EXPECT_EQ(errors[6], "sinks.chat.url: is required (the incoming webhook URL) (line 17)");
  EXPECT_EQ(errors[7], "routes[0].sinks[1]: unknown sink \"pd-x\" (line 20)");
  EXPECT_TRUE(errors[8].starts_with(
      "maintenance.windows[0].cron: invalid cron expression \"not a cron\": "))
      << errors[8];
  EXPECT_TRUE(errors[8].ends_with("(line 24)")) << errors[8];
  EXPECT_EQ(errors[9],
            "maintenance.windows[0].timezone: unknown time zone \"Nowhere/City\" (line 26)");
  EXPECT_EQ(errors[10],
            "log.level: must be one of debug, info, warn, error, got \"loud\" (line 28)");
}

TEST(ConfigErrors, SecretValuesNeverAppearInAnyMessage) {
  const std::string key31 = "SECRETVALUE" + std::string(20, 'X'); // 31 characters
  const std::string header = "SECRETHEADER\r\nInjected: 1";
  const std::string admin = "SECRETADMIN";
  const std::string hookSecret = "whsec_SECRETHOOK!!";
  const std::string heartbeat = "SECRETBEAT/not-a-url";
  auto env = envOf({{"PD_KEY", key31},
                    {"HDR", header},
                    {"ADMIN", admin},
                    {"HOOK", hookSecret},
                    {"BEAT", heartbeat},
                    {"ENVHEADER", "SECRETENV${"}});
  auto result = load(R"(servers:
  - slug: a
    url: http://a.example/mcp
    headers:
      Authorization: "${HDR}"
      X-Other: "${ENVHEADER}"
      X-Unset: "Bearer SECRETLITERAL ${UNSET_TOKEN}"
      X-Broken: "SECRETBROKEN ${unterminated"
sinks:
  pd:
    type: pagerduty
    routing_key: "${PD_KEY}"
  pd-literal:
    type: pagerduty
    routing_key: SECRETLITERALKEY
  hook:
    type: webhook
    url: http://h.example/
    secret: "${HOOK}"
    headers: {X-Token: "SECRETTOKEN\n"}
web:
  admin_token: "${ADMIN}"
heartbeat:
  url: "${BEAT}"
  fail_url: "SECRETFAIL"
)",
                     env);
  ASSERT_FALSE(result);
  auto errors = errorsOf(result);
  EXPECT_EQ(errors.size(), 10u) << ::testing::PrintToString(errors);
  for (const auto& e : errors) {
    EXPECT_EQ(e.find("SECRET"), std::string::npos) << e;
    EXPECT_EQ(e.find("XXXXXXXX"), std::string::npos) << e;
  }
  // The missing variable is named, the surrounding literal is not.
  EXPECT_NE(std::find(errors.begin(), errors.end(),
                      "servers[0].headers.X-Unset: environment variable UNSET_TOKEN is not set "
                      "(line 7)"),
            errors.end());
  EXPECT_NE(std::find(errors.begin(), errors.end(),
                      "sinks.pd.routing_key: must be 32 characters (line 12)"),
            errors.end());
}

} // namespace
} // namespace mcpwatch::config

namespace mcpwatch::config {
namespace {

using test::errorsOf;
using test::load;
using test::onlyError;

// Every duration key with a value just above its documented maximum: one row each, all reported
// at once with the key path and the rule. Before ranges existed every one of these loaded (and
// `interval: 300000d` overflowed into back-to-back probing).
TEST(ConfigRanges, EveryDurationKeyRefusesValuesAboveItsMaximum) {
  auto errors = errorsOf(load(R"(defaults:
  interval: 25h
  timeout: 6m
  retry_interval: 2d
storage: {retention: 3651d}
servers:
  - {slug: a, url: "http://a.example/mcp", interval: 300000d}
sinks:
  pd: {type: pagerduty, routing_key: "0123456789abcdef0123456789abcdef", timeout: 6m}
  hook: {type: webhook, url: "http://h.example/", timeout: 1h}
routes:
  - sinks: [pd, hook]
maintenance:
  windows:
    - {name: w, cron: "0 3 * * *", duration: 367d}
heartbeat: {url: "https://hc-ping.com/x", interval: 2d}
alerting: {retry_schedule: [1m, 2d], give_up_after: 31d}
scheduler: {jitter: 2h}
)"));
  const std::vector<std::string> expected = {
      "defaults.interval: must be between 1s and 1d, got 1d1h (line 2)",
      "defaults.timeout: must be between 100ms and 5m, got 6m (line 3)",
      "defaults.retry_interval: must be between 100ms and 1d, got 2d (line 4)",
      "storage.retention: must be between 1d and 3650d, got 3651d (line 5)",
      "servers[0].interval: must be between 1s and 1d, got 300000d (line 7)",
      "sinks.pd.timeout: must be between 1s and 5m, got 6m (line 9)",
      "sinks.hook.timeout: must be between 1s and 5m, got 1h (line 10)",
      "maintenance.windows[0].duration: must be between 1m and 366d, got 367d (line 15)",
      "heartbeat.interval: must be between 10s and 1d, got 2d (line 16)",
      "alerting.retry_schedule[1]: must be between 100ms and 1d, got 2d (line 17)",
      "alerting.give_up_after: must be between 1s and 30d, got 31d (line 17)",
      "scheduler.jitter: must be between 0s and 1h, got 2h (line 18)",
  };
  EXPECT_EQ(errors, expected);
}

TEST(ConfigRanges, LowerBoundsAndTheLimitsThemselves) {
  EXPECT_EQ(onlyError("defaults: {interval: 500ms}\n"),
            "defaults.interval: must be between 1s and 1d, got 500ms (line 1)");
  EXPECT_EQ(onlyError("storage: {retention: 12h}\n"),
            "storage.retention: must be between 1d and 3650d, got 12h (line 1)");
  EXPECT_EQ(onlyError("heartbeat: {url: \"https://hc-ping.com/x\", interval: 5s}\n"),
            "heartbeat.interval: must be between 10s and 1d, got 5s (line 1)");
  EXPECT_EQ(onlyError("maintenance:\n  windows:\n    - {name: w, cron: \"0 3 * * *\", "
                      "duration: 30s}\n"),
            "maintenance.windows[0].duration: must be between 1m and 366d, got 30s (line 3)");
  // A value too large to even parse (beyond 50 years) is reported the same way.
  EXPECT_EQ(onlyError("alerting: {give_up_after: 99999999999999999999d}\n"),
            "alerting.give_up_after: must be between 1s and 30d, got 99999999999999999999d "
            "(line 1)");
  auto limits = load(R"(defaults: {interval: 1d, timeout: 5m, retry_interval: 1d}
storage: {retention: 3650d}
heartbeat: {url: "https://hc-ping.com/x", interval: 1d}
alerting: {retry_schedule: [100ms, 1d], give_up_after: 30d}
scheduler: {jitter: 1h}
)");
  ASSERT_TRUE(limits) << ::testing::PrintToString(errorsOf(limits));
  EXPECT_EQ(limits->defaults.interval, std::chrono::hours(24));
  EXPECT_EQ(limits->storage.retention.rollups, std::chrono::hours(24 * 3650));
  EXPECT_EQ(limits->storage.retention.failures, std::chrono::hours(24 * 3650));
  EXPECT_EQ(limits->alerting.giveUpAfter, std::chrono::hours(24 * 30));
}

// storage.retention as a map: each kind with its own range, raw at most rollups, unknown kinds
// refused, every problem at once.
TEST(ConfigRanges, RetentionMapKeysHaveTheirOwnRanges) {
  EXPECT_EQ(errorsOf(load("storage:\n  retention: {raw: 91d, rollups: 3651d, failures: 0d}\n")),
            (std::vector<std::string>{
                "storage.retention.raw: must be between 1h and 90d, got 91d (line 2)",
                "storage.retention.rollups: must be between 1d and 3650d, got 3651d (line 2)",
                "storage.retention.failures: must be greater than 0 (line 2)",
            }));
  EXPECT_EQ(errorsOf(load("storage:\n  retention:\n    raw: 30m\n    rollups: 12h\n"
                          "    failures: 3651d\n    checks: 1d\n")),
            (std::vector<std::string>{
                "storage.retention.raw: must be between 1h and 90d, got 30m (line 3)",
                "storage.retention.rollups: must be between 1d and 3650d, got 12h (line 4)",
                "storage.retention.failures: must be between 1d and 3650d, got 3651d (line 5)",
                "storage.retention.checks: unknown key (line 6)",
            }));
  EXPECT_EQ(onlyError("storage:\n  retention: {raw: 30d, rollups: 7d}\n"),
            "storage.retention.raw: must be at most rollups (30d > 7d) (line 2)");
  EXPECT_EQ(onlyError("storage: {retention: [48h]}\n"),
            "storage.retention: must be a mapping (key: value) (line 1)");

  auto limits = load("storage: {retention: {raw: 90d, rollups: 90d, failures: 1d}}\n");
  ASSERT_TRUE(limits) << ::testing::PrintToString(errorsOf(limits));
  EXPECT_EQ(limits->storage.retention.raw, std::chrono::hours(24 * 90));
  EXPECT_EQ(limits->storage.retention.rollups, std::chrono::hours(24 * 90));
  EXPECT_EQ(limits->storage.retention.failures, std::chrono::hours(24));
  EXPECT_EQ(limits->storage.legacyRetentionLine, 0);
  auto lowest = load("storage: {retention: {raw: 1h, rollups: 1d}}\n");
  ASSERT_TRUE(lowest) << ::testing::PrintToString(errorsOf(lowest));
  EXPECT_EQ(lowest->storage.retention.raw, std::chrono::hours(1));
  EXPECT_EQ(lowest->storage.retention.failures, RetentionConfig{}.failures); // unset: default
}

TEST(ConfigRanges, TimeoutAndRetryIntervalAreAtMostTheInterval) {
  EXPECT_EQ(onlyError("defaults: {interval: 10s, timeout: 15s}\n"),
            "defaults.timeout: must be at most the interval (10s), got 15s (line 1)");
  EXPECT_EQ(onlyError("defaults: {interval: 10s, retry_interval: 30s}\n"),
            "defaults.retry_interval: must be at most the interval (10s), got 30s (line 1)");
  EXPECT_EQ(onlyError("servers:\n  - {slug: a, url: \"http://a.example/mcp\", interval: 5s, "
                      "timeout: 6s}\n"),
            "servers[0].timeout: must be at most the interval (5s), got 6s (line 2)");
  // A server's short interval against a timeout the defaults set explicitly: the key the server
  // set is named, and where the other value comes from.
  EXPECT_EQ(onlyError("defaults: {timeout: 8s}\nservers:\n  - {slug: a, url: "
                      "\"http://a.example/mcp\", interval: 5s}\n"),
            "servers[0].interval: must be at least timeout (8s, set in defaults.timeout), got 5s "
            "(line 3)");
}

TEST(ConfigRanges, UnsetTimeoutAndRetryIntervalAreCappedAtTheInterval) {
  auto c = load("defaults: {interval: 5s}\nservers:\n"
                "  - {slug: a, url: \"http://a.example/mcp\"}\n"
                "  - {slug: b, url: \"http://b.example/mcp\", interval: 2m}\n"
                "  - {slug: c, url: \"http://c.example/mcp\", interval: 15s}\n");
  ASSERT_TRUE(c) << ::testing::PrintToString(errorsOf(c));
  using namespace std::chrono_literals;
  EXPECT_EQ(c->defaults.timeout, 5s);
  EXPECT_EQ(c->defaults.retryInterval, 5s);
  EXPECT_EQ(c->servers[0].check.timeout, 5s);
  EXPECT_EQ(c->servers[0].check.retryInterval, 5s);
  // The built-in defaults (10s, 20s) apply again once the server's interval allows them.
  EXPECT_EQ(c->servers[1].check.timeout, 10s);
  EXPECT_EQ(c->servers[1].check.retryInterval, 20s);
  EXPECT_EQ(c->servers[2].check.timeout, 10s);
  EXPECT_EQ(c->servers[2].check.retryInterval, 15s);
}

TEST(ConfigRanges, MaintenanceDatesOutsideTheSupportedRangeNameTheKey) {
  EXPECT_EQ(onlyError("maintenance:\n  windows:\n    - name: w\n      start: "
                      "2026-12-01T02:00:00Z\n      end: 9999-12-31T23:59:59Z\n"),
            "maintenance.windows[0].end: invalid time \"9999-12-31T23:59:59Z\": year 9999 is out "
            "of range (supported: dates from 1800-01-01 to 2200-12-31) (line 5)");
  EXPECT_EQ(onlyError("maintenance:\n  windows:\n    - name: w\n      start: "
                      "1600-01-01T00:00:00Z\n      end: 2026-12-01T04:00:00Z\n"),
            "maintenance.windows[0].start: invalid time \"1600-01-01T00:00:00Z\": year 1600 is out "
            "of range (supported: dates from 1800-01-01 to 2200-12-31) (line 4)");
}

TEST(ConfigErrors, ServerContextRules) {
  auto errors = errorsOf(load("servers:\n"
                              "  - slug: a\n"
                              "    url: http://a.example/mcp\n"
                              "    description: \"\"\n"
                              "    owner: " +
                              std::string(201, 'o') +
                              "\n"
                              "    runbook_url: ftp://wiki.example.com/x\n"
                              "    links:\n"
                              "      - {name: Grafana}\n"
                              "      - {url: \"https://x.example\"}\n"
                              "      - {name: Logs, url: \"javascript:alert(1)\", extra: 1}\n"));
  auto has = [&](std::string_view needle) { expectErrorWith(errors, needle); };
  has("servers[0].description: must not be empty");
  has("servers[0].owner: at most 200 bytes");
  has("servers[0].runbook_url: invalid URL");
  has("servers[0].links[0].url: is required");
  has("servers[0].links[1].name: is required");
  has("servers[0].links[2].url: invalid URL");
  has("servers[0].links[2].extra");
  std::string many = "servers:\n  - slug: a\n    url: http://a.example/mcp\n    links:\n";
  for (int i = 0; i < 11; ++i)
    many += "      - {name: l" + std::to_string(i) + ", url: \"https://x.example\"}\n";
  EXPECT_EQ(onlyError(many), "servers[0].links: at most 10 links (line 5)");
}

TEST(ConfigErrors, DependsOnNamesOtherServersWithoutCycles) {
  auto errors =
      errorsOf(load("servers:\n"
                    "  - {slug: a, url: \"http://a.example/mcp\", depends_on: [b]}\n"
                    "  - {slug: b, url: \"http://b.example/mcp\", depends_on: [c]}\n"
                    "  - {slug: c, url: \"http://c.example/mcp\", depends_on: [a]}\n"
                    "  - {slug: d, url: \"http://d.example/mcp\", depends_on: [d, nope]}\n"));
  auto has = [&](std::string_view needle) { expectErrorWith(errors, needle); };
  has("dependency cycle: a -> b -> c -> a");
  has("servers[3].depends_on[0]: a server cannot depend on itself");
  has("servers[3].depends_on[1]: unknown server \"nope\"");
  EXPECT_EQ(errors.size(), 3u) << ::testing::PrintToString(errors);
}

TEST(ConfigErrors, ALongDependencyChainIsCheckedWithoutRecursion) {
  // s0 -> s1 -> ... -> s2999 -> s0: one cycle, reported once, at the entry that closes it.
  std::string yaml = "servers:\n";
  for (int i = 0; i < 3000; ++i)
    yaml += "  - {slug: s" + std::to_string(i) + ", url: \"http://a.example/mcp\", depends_on: [s" +
            std::to_string((i + 1) % 3000) + "]}\n";
  auto errors = errorsOf(load(yaml));
  ASSERT_EQ(errors.size(), 1u) << ::testing::PrintToString(errors);
  EXPECT_EQ(errors[0].rfind("servers[2999].depends_on[0]: dependency cycle: s0 -> s1 -> ", 0), 0u)
      << errors[0].substr(0, 200);
  EXPECT_NE(errors[0].find("s2999 -> s0"), std::string::npos);
}

} // namespace
} // namespace mcpwatch::config
