// `mcpwatch probe` against real MCP servers: server-everything (SDK v1, stateful, SSE replies),
// our SDK v1 test server (stateless JSON, paginated, bearer-protected) and SDK v2 (modern era).
#include "common/crypto.hpp"
#include "prober/oauth.hpp"
#include "tests/integration/probe_run.hpp"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <unistd.h>

namespace mcpwatch::integration {
namespace {

using testsupport::Peer;
using namespace std::chrono_literals;

constexpr const char* kToken = "s3cret-Bearer-Token-4217";
constexpr const char* kClientSecret = "cl1ent-Secret+With/Odd=Chars";

TEST(PeersInstalled, NodeAndNodeModulesArePresent) {
  auto problem = testsupport::peersUnavailable();
  EXPECT_FALSE(problem.has_value()) << problem.value_or("");
}

class RealPeers : public ::testing::Test {
protected:
  enum Index {
    SeHttp,
    SeSse,
    V1Json,
    V1Paged,
    V1Auth,
    V2Modern,
    V2Dual,
    V2DualFlaky,
    V2ModernFlaky,
    V1Resumable,
    V1Ask,
    V2Params,
    V1OAuth,
    V1OAuthStepUp,
    V1OAuthEcho,
    V1OAuthRefuse,
    V1OAuthSlow,
    kCount
  };

  static void SetUpTestSuite() {
    std::vector<testsupport::PeerOptions> options(kCount);
    options[SeHttp] = testsupport::serverEverything("streamableHttp");
    options[SeSse] = testsupport::serverEverything("sse");
    options[V1Json] = testsupport::v1Server({"--mode", "stateless", "--json"});
    options[V1Paged] = testsupport::v1Server({"--mode", "stateful", "--page-size", "2", "--log"});
    options[V1Auth] = testsupport::v1Server({"--mode", "stateless", "--json", "--auth", kToken});
    options[V2Modern] = testsupport::v2Server({"--legacy", "reject"});
    options[V2Dual] = testsupport::v2Server({});
    options[V2DualFlaky] = testsupport::v2Server({"--fail-discover", "1"});
    options[V2ModernFlaky] = testsupport::v2Server({"--legacy", "reject", "--fail-discover", "1"});
    options[V1Resumable] = testsupport::v1Server({"--mode", "stateful", "--close-streams"});
    options[V1Ask] = testsupport::v1Server({"--mode", "stateful", "--ask"});
    options[V2Params] = testsupport::v2Server({"--legacy", "reject", "--param-headers"});
    options[V1OAuth] = testsupport::v1Server({"--mode", "stateless", "--json", "--oauth-client",
                                              std::string("mcpwatch-probe:") + kClientSecret});
    options[V1OAuthStepUp] = testsupport::v1Server(
        {"--mode", "stateless", "--json", "--oauth-client",
         std::string("mcpwatch-probe:") + kClientSecret, "--step-up-scope", "mcp:tools"});
    options[V1OAuthEcho] =
        testsupport::v1Server({"--mode", "stateless", "--json", "--oauth-client",
                               std::string("mcpwatch-probe:") + kClientSecret, "--token-echo"});
    options[V1OAuthRefuse] =
        testsupport::v1Server({"--mode", "stateless", "--json", "--oauth-client",
                               std::string("mcpwatch-probe:") + kClientSecret, "--refuse-tokens"});
    options[V1OAuthSlow] = testsupport::v1Server({"--mode", "stateless", "--json", "--oauth-client",
                                                  std::string("mcpwatch-probe:") + kClientSecret,
                                                  "--token-delay-ms", "3300"});
    auto started = testsupport::startPeers(std::move(options));
    if (started)
      peers_ = std::move(*started);
    else
      setupError_ = started.error();
  }
  static void TearDownTestSuite() { peers_.clear(); }

  void SetUp() override {
    MCPWATCH_REQUIRE_PEERS();
    ASSERT_TRUE(setupError_.empty()) << "could not start the MCP peers: " << setupError_;
  }

  static Peer& peer(Index i) { return *peers_.at(i); }

  static std::string fingerprint(const ProbeRun& probe) {
    return probe.json.contains("tools") && probe.json["tools"].is_object()
               ? probe.json["tools"].value("fingerprint", "")
               : "";
  }
  static std::set<std::string> names(const ProbeRun& probe) {
    std::set<std::string> out;
    if (probe.json.contains("tools") && probe.json["tools"].contains("names"))
      for (const auto& n : probe.json["tools"]["names"])
        if (n.is_string())
          out.insert(n.get<std::string>());
    return out;
  }

  static inline std::vector<std::unique_ptr<Peer>> peers_;
  static inline std::string setupError_;
};

TEST_F(RealPeers, ServerEverythingStreamableHttpAutoIsUpWithAStableFingerprint) {
  const auto url = peer(SeHttp).url("/mcp");
  const UpExpectation expected{"legacy", "streamable-http", "2025-11-25", 13};
  ProbeRun first, second;
  ASSERT_NO_FATAL_FAILURE(probeJson(url, {}, first));
  expectUp(first, url, expected);
  ASSERT_NO_FATAL_FAILURE(probeJson(url, {}, second));
  expectUp(second, url, expected);
  EXPECT_EQ(fingerprint(first), fingerprint(second));
  EXPECT_TRUE(names(first).count("echo")) << first.describe();
  EXPECT_EQ(first.json["server_info"].value("name", ""),
            second.json["server_info"].value("name", ""));
}

TEST_F(RealPeers, ServerEverythingWithForcedStreamableHttpMatchesAuto) {
  const auto url = peer(SeHttp).url("/mcp");
  const UpExpectation expected{"legacy", "streamable-http", "2025-11-25", 13};
  ProbeRun forced, autoDetected;
  ASSERT_NO_FATAL_FAILURE(probeJson(url, {"--transport", "streamable-http"}, forced));
  expectUp(forced, url, expected);
  ASSERT_NO_FATAL_FAILURE(probeJson(url, {"--transport", "auto"}, autoDetected));
  expectUp(autoDetected, url, expected);
  EXPECT_EQ(fingerprint(forced), fingerprint(autoDetected));
}

TEST_F(RealPeers, ServerEverythingLegacySseAutoFromTheSseUrl) {
  const auto url = peer(SeSse).url("/sse");
  // Offered the newest accepted legacy version (as the SDK client does), it answers 2025-11-25.
  const UpExpectation expected{"legacy", "sse", "2025-11-25", 13};
  ProbeRun first, second;
  ASSERT_NO_FATAL_FAILURE(probeJson(url, {}, first));
  expectUp(first, url, expected);
  ASSERT_NO_FATAL_FAILURE(probeJson(url, {}, second));
  expectUp(second, url, expected);
  EXPECT_EQ(fingerprint(first), fingerprint(second));
}

TEST_F(RealPeers, ServerEverythingLegacySseForced) {
  const auto url = peer(SeSse).url("/sse");
  ProbeRun probe;
  ASSERT_NO_FATAL_FAILURE(probeJson(url, {"--transport", "sse"}, probe));
  expectUp(probe, url, {"legacy", "sse", "2025-11-25", 13});
}

TEST_F(RealPeers, ServerEverythingLegacySseWithOnlyANewerVersionAccepted) {
  // HTTP+SSE once always offered 2024-11-05: accepting only 2025-11-25 was a false DOWN.
  const auto url = peer(SeSse).url("/sse");
  ProbeRun newer, oldest;
  ASSERT_NO_FATAL_FAILURE(probeJson(url, {"--accept-version", "2025-11-25"}, newer));
  expectUp(newer, url, {"legacy", "sse", "2025-11-25", 13});
  ASSERT_NO_FATAL_FAILURE(probeJson(url, {"--accept-version", "2024-11-05"}, oldest));
  expectUp(oldest, url, {"legacy", "sse", "2024-11-05", 13});
}

TEST_F(RealPeers, ForcedModernAgainstALegacyOnlyServerIsAVersionRejection) {
  ProbeRun probe;
  ASSERT_NO_FATAL_FAILURE(probeJson(peer(SeHttp).url("/mcp"), {"--transport", "modern"}, probe));
  expectDown(probe, "protocol_version_rejected");
}

TEST_F(RealPeers, V1StatelessJsonServer) {
  const auto url = peer(V1Json).url("/mcp");
  const UpExpectation expected{"legacy", "streamable-http", "2025-11-25", 5};
  ProbeRun first, second;
  ASSERT_NO_FATAL_FAILURE(probeJson(url, {}, first));
  expectUp(first, url, expected);
  ASSERT_NO_FATAL_FAILURE(probeJson(url, {}, second));
  expectUp(second, url, expected);
  EXPECT_EQ(fingerprint(first), fingerprint(second));
  EXPECT_EQ(first.json["server_info"].value("name", ""), "v1-test-server");
  EXPECT_EQ(first.json["server_info"].value("version", ""), "1.0.0");
  EXPECT_EQ(first.json["server_info"].value("title", ""), "V1 Test Server");
}

TEST_F(RealPeers, V1PaginatedServerIsReadAcrossThreePages) {
  auto countListRequests = [](const std::string& err) {
    std::size_t count = 0;
    for (std::size_t at = err.find("REQUEST POST tools/list"); at != std::string::npos;
         at = err.find("REQUEST POST tools/list", at + 1))
      ++count;
    return count;
  };
  auto& process = peer(V1Paged).process();
  const std::size_t before = countListRequests(process.stderrText());
  const auto url = peer(V1Paged).url("/mcp");
  ProbeRun probe;
  ASSERT_NO_FATAL_FAILURE(probeJson(url, {}, probe));
  expectUp(probe, url, {"legacy", "streamable-http", "2025-11-25", 5});
  EXPECT_EQ(names(probe), (std::set<std::string>{"add", "tool_1", "tool_2", "tool_3", "tool_4"}));

  // The peer logs each request before answering it, so all three lines are (about to be) there.
  process.waitForOutput(
      [&](const std::string&, const std::string& err) {
        return countListRequests(err) >= before + 3;
      },
      5s);
  const std::string log = process.stderrText();
  EXPECT_EQ(countListRequests(log), before + 3) << log;
  EXPECT_NE(log.find("REQUEST POST tools/list Mg"), std::string::npos) << log; // offset 2
  EXPECT_NE(log.find("REQUEST POST tools/list NA"), std::string::npos) << log; // offset 4

  // Same tools as the unpaginated server: pagination must not change the fingerprint.
  ProbeRun unpaged;
  ASSERT_NO_FATAL_FAILURE(probeJson(peer(V1Json).url("/mcp"), {}, unpaged));
  EXPECT_EQ(fingerprint(probe), fingerprint(unpaged));
  EXPECT_FALSE(fingerprint(probe).empty());
}

TEST_F(RealPeers, V2ModernOnlyServer) {
  const auto url = peer(V2Modern).url("/mcp");
  const UpExpectation expected{"modern", "streamable-http", "2026-07-28", 2};
  ProbeRun first, second, forced;
  ASSERT_NO_FATAL_FAILURE(probeJson(url, {}, first));
  expectUp(first, url, expected);
  ASSERT_NO_FATAL_FAILURE(probeJson(url, {}, second));
  expectUp(second, url, expected);
  EXPECT_EQ(fingerprint(first), fingerprint(second));
  EXPECT_EQ(names(first), (std::set<std::string>{"add", "echo"}));
  ASSERT_NO_FATAL_FAILURE(probeJson(url, {"--transport", "modern"}, forced));
  expectUp(forced, url, expected);
  EXPECT_EQ(fingerprint(first), fingerprint(forced));
}

TEST_F(RealPeers, V2ModernOnlyServerRefusesTheLegacyHandshake) {
  // Assumption: 400 -32022 to `initialize` means every offered version was refused.
  ProbeRun probe;
  ASSERT_NO_FATAL_FAILURE(probeJson(peer(V2Modern).url("/mcp"),
                                    {"--transport", "streamable-http", "--timeout", "5"}, probe));
  expectDown(probe, "protocol_version_rejected");
}

TEST_F(RealPeers, V2DualEraServerIsModernWithAutoAndLegacyWhenForced) {
  const auto url = peer(V2Dual).url("/mcp");
  ProbeRun modern, legacy;
  ASSERT_NO_FATAL_FAILURE(probeJson(url, {}, modern));
  expectUp(modern, url, {"modern", "streamable-http", "2026-07-28", 2});
  ASSERT_NO_FATAL_FAILURE(probeJson(url, {"--transport", "streamable-http"}, legacy));
  expectUp(legacy, url, {"legacy", "streamable-http", "2025-11-25", 2});
  EXPECT_EQ(names(modern), names(legacy));
  // The same tools listed in either era have one fingerprint: an era change is no tool drift.
  EXPECT_EQ(fingerprint(modern), fingerprint(legacy));
}

TEST(DemoServer, TheSameToolsHaveOneFingerprintInEveryEra) {
  // The demo server lists execution.taskSupport only in 2025-11-25: that default must not make
  // the legacy listing look like other tools (a false schema.drifted on an era change).
  testsupport::SpawnOptions options;
  options.argv = {testsupport::mcpwatchBinary(), "demo-server", "--listen", "127.0.0.1:0"};
  auto child = testsupport::ChildProcess::spawn(std::move(options));
  ASSERT_TRUE(child) << child.error();
  auto line = (*child)->waitForLine(
      [](std::string_view l) { return l.find("http://127.0.0.1:") != std::string_view::npos; },
      10s);
  ASSERT_TRUE(line) << line.error();
  const auto port = std::atoi(line->c_str() + line->find("127.0.0.1:") + 10);
  const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/mcp";
  std::map<std::string, std::string> fingerprints;
  for (const char* transport : {"modern", "streamable-http"}) {
    ProbeRun probe;
    ASSERT_NO_FATAL_FAILURE(probeJson(url, {"--transport", transport}, probe));
    SCOPED_TRACE(probe.describe());
    ASSERT_EQ(probe.json.value("ok", false), true);
    fingerprints[transport] = probe.json["tools"].value("fingerprint", "");
  }
  EXPECT_FALSE(fingerprints["modern"].empty());
  EXPECT_EQ(fingerprints["modern"], fingerprints["streamable-http"]);
}

TEST_F(RealPeers, ATransientServerErrorOnDiscoverIsAFailureNotALegacyServer) {
  // The first server/discover gets 503 from the peer. Falling back to initialize would record
  // the dual-era server as legacy (a false era change); it is a failed probe of a modern one.
  const auto url = peer(V2DualFlaky).url("/mcp");
  ProbeRun failed, next;
  ASSERT_NO_FATAL_FAILURE(probeJson(url, {}, failed));
  expectDown(failed, "http_error");
  EXPECT_EQ(failed.json["failure"].value("http_status", 0), 503) << failed.describe();
  ASSERT_NO_FATAL_FAILURE(probeJson(url, {}, next));
  expectUp(next, url, {"modern", "streamable-http", "2026-07-28", 2});

  // A modern-only server's 503 was reported as protocol_version_rejected.
  ProbeRun modernOnly;
  ASSERT_NO_FATAL_FAILURE(probeJson(peer(V2ModernFlaky).url("/mcp"), {}, modernOnly));
  expectDown(modernOnly, "http_error");
}

TEST_F(RealPeers, AStreamTheServerEndsEarlyIsResumedWithLastEventId) {
  // The SDK v1 server ends the tools/list and tools/call POST streams after the priming event
  // (id + retry: 200); the answers come on GET /mcp with Last-Event-ID. This was DOWN
  // (invalid_response: SSE stream ended without the answer).
  const auto url = peer(V1Resumable).url("/mcp");
  ProbeRun probe;
  ASSERT_NO_FATAL_FAILURE(probeJson(url, {"--call", "add", "--args", R"({"a":2,"b":3})"}, probe));
  expectUp(probe, url, {"legacy", "streamable-http", "2025-11-25", 5});
  EXPECT_EQ(probe.json.value("sse_resumptions", 0), 2) << probe.describe();
  auto human = testsupport::runMcpwatch({"probe", url});
  ASSERT_TRUE(human) << human.error();
  EXPECT_NE(human->out.find("resumed 1 time with Last-Event-ID"), std::string::npos) << human->out;
}

TEST_F(RealPeers, AServerRequestOnAToolCallStreamIsAnsweredAtOnce) {
  // The tool asks the client for sampling/createMessage on its stream and waits. A client
  // without the sampling capability answers -32601 at once; waiting would time the probe out.
  const auto url = peer(V1Ask).url("/mcp");
  ProbeRun probe;
  ASSERT_NO_FATAL_FAILURE(
      probeJson(url, {"--call", "ask_model", "--args", "{}", "--timeout", "5"}, probe));
  expectUp(probe, url, {"legacy", "streamable-http", "2025-11-25", 6});
  EXPECT_LT(probe.json["timings_ms"].value("total", 1e9), 4000.0) << probe.describe();
  auto& process = peer(V1Ask).process();
  process.waitForOutput(
      [](const std::string&, const std::string& err) {
        return err.find("ASK ANSWERED") != std::string::npos;
      },
      5s);
  EXPECT_NE(process.stderrText().find("ASK ANSWERED -32601 "), std::string::npos)
      << process.stderrText();
}

TEST_F(RealPeers, MarkedArgumentsAreMirroredAsMcpParamHeaders) {
  // SDK v2 rejects a tools/call whose x-mcp-header arguments are not mirrored (-32020); a value
  // with a leading space goes Base64-encoded and must still match.
  const auto url = peer(V2Params).url("/mcp");
  for (const char* args :
       {R"({"region":"us-west1","query":"x"})", R"({"region":" padded 世","query":"x"})"}) {
    ProbeRun probe;
    ASSERT_NO_FATAL_FAILURE(probeJson(url, {"--call", "locate", "--args", args}, probe));
    expectUp(probe, url, {"modern", "streamable-http", "2026-07-28", 3});
  }
}

TEST_F(RealPeers, CallServerEverythingEcho) {
  ProbeRun probe;
  ASSERT_NO_FATAL_FAILURE(probeJson(peer(SeHttp).url("/mcp"),
                                    {"--call", "echo", "--args", R"({"message":"hello"})"}, probe));
  SCOPED_TRACE(probe.describe());
  EXPECT_EQ(probe.run.exitCode(), 0);
  EXPECT_EQ(probe.json.value("ok", false), true);
}

TEST_F(RealPeers, CallV1Add) {
  ProbeRun probe;
  ASSERT_NO_FATAL_FAILURE(
      probeJson(peer(V1Json).url("/mcp"), {"--call", "add", "--args", R"({"a":2,"b":3})"}, probe));
  SCOPED_TRACE(probe.describe());
  EXPECT_EQ(probe.run.exitCode(), 0);
  EXPECT_EQ(probe.json.value("ok", false), true);
  // The readable output shows what the tool answered.
  auto human = testsupport::runMcpwatch(
      {"probe", peer(V1Json).url("/mcp"), "--call", "add", "--args", R"({"a":2,"b":3})"});
  ASSERT_TRUE(human) << human.error();
  EXPECT_NE(human->out.find("\n  call      5\n"), std::string::npos) << human->out;
}

TEST_F(RealPeers, CallV2AddInTheModernEra) {
  ProbeRun probe;
  ASSERT_NO_FATAL_FAILURE(probeJson(peer(V2Modern).url("/mcp"),
                                    {"--call", "add", "--args", R"({"a":2,"b":3})"}, probe));
  SCOPED_TRACE(probe.describe());
  EXPECT_EQ(probe.run.exitCode(), 0);
  EXPECT_EQ(probe.json.value("ok", false), true);
}

TEST_F(RealPeers, CallUnknownToolFails) {
  ProbeRun v1, everything;
  ASSERT_NO_FATAL_FAILURE(probeJson(peer(V1Json).url("/mcp"), {"--call", "no_such_tool"}, v1));
  expectDown(v1, "tool_call_failed");
  ASSERT_NO_FATAL_FAILURE(
      probeJson(peer(SeHttp).url("/mcp"), {"--call", "no_such_tool", "--args", "{}"}, everything));
  expectDown(everything, "tool_call_failed");
}

TEST_F(RealPeers, CallReturningIsErrorFails) {
  // The v1 server answers add with non-numbers by a result carrying isError: true.
  ProbeRun probe;
  ASSERT_NO_FATAL_FAILURE(probeJson(peer(V1Json).url("/mcp"),
                                    {"--call", "add", "--args", R"({"a":"x","b":3})"}, probe));
  expectDown(probe, "tool_call_failed");
}

TEST_F(RealPeers, BearerTokenIsSentButNeverShown) {
  const auto url = peer(V1Auth).url("/mcp");
  const std::string header = std::string("Authorization: Bearer ") + kToken;

  ProbeRun withToken;
  ASSERT_NO_FATAL_FAILURE(probeJson(url, {"--header", header}, withToken));
  expectUp(withToken, url, {"legacy", "streamable-http", "2025-11-25", 5});
  EXPECT_EQ(withToken.run.out.find(kToken), std::string::npos);
  EXPECT_EQ(withToken.run.err.find(kToken), std::string::npos);

  auto human = testsupport::runMcpwatch({"probe", url, "--header", header});
  ASSERT_TRUE(human) << human.error();
  EXPECT_EQ(human->exitCode(), 0) << human->out << human->err;
  EXPECT_EQ(human->out.find(kToken), std::string::npos) << human->out;
  EXPECT_EQ(human->err.find(kToken), std::string::npos) << human->err;

  ProbeRun without;
  ASSERT_NO_FATAL_FAILURE(probeJson(url, {}, without));
  expectDown(without, "auth_required");

  const std::string wrong = "Authorization: Bearer wrong-Token-9981";
  ProbeRun wrongToken;
  ASSERT_NO_FATAL_FAILURE(probeJson(url, {"--header", wrong}, wrongToken));
  expectDown(wrongToken, "auth_invalid"); // the server saw the token and refused it
  EXPECT_EQ(wrongToken.run.out.find("wrong-Token-9981"), std::string::npos) << wrongToken.run.out;
  EXPECT_EQ(wrongToken.run.err.find("wrong-Token-9981"), std::string::npos) << wrongToken.run.err;
}

// mcpwatch's own OAuth client against the SDK's requireBearerAuth and a client-credentials
// authorization server: discovery from the 401, a token, the probe again; nothing secret shown.
TEST_F(RealPeers, OAuthClientCredentialsGetATokenAndNeverShowIt) {
  const auto url = peer(V1OAuth).url("/mcp");
  const std::string origin = peer(V1OAuth).url("");
  ::setenv("MCPWATCH_TEST_CLIENT_SECRET", kClientSecret, 1);
  const std::vector<std::string> client = {"--oauth-client-id", "mcpwatch-probe",
                                           "--oauth-client-secret-env",
                                           "MCPWATCH_TEST_CLIENT_SECRET"};
  ProbeRun up;
  ASSERT_NO_FATAL_FAILURE(probeJson(url, client, up));
  expectUp(up, url, {"legacy", "streamable-http", "2025-11-25", 5});
  const auto& auth = up.json["auth"];
  ASSERT_TRUE(auth.is_object()) << up.describe();
  EXPECT_EQ(auth["grant"], "client_credentials");
  EXPECT_EQ(auth["token"], "new");
  EXPECT_EQ(auth["resource_metadata"], origin + "/.well-known/oauth-protected-resource/mcp");
  EXPECT_EQ(auth["authorization_server"], origin);
  EXPECT_EQ(auth["metadata"], origin + "/.well-known/oauth-authorization-server");
  EXPECT_EQ(auth["token_endpoint"], origin + "/token");
  EXPECT_EQ(auth["client_auth"], "client_secret_basic");
  EXPECT_EQ(auth["scope"], "mcp:read"); // the resource's scopes_supported
  EXPECT_EQ(auth["expires_in"], 3600);
  EXPECT_EQ(auth["token_requests"], 1);
  for (const auto& text : {up.run.out, up.run.err}) {
    EXPECT_EQ(text.find(kClientSecret), std::string::npos) << text;
    EXPECT_EQ(text.find("mcp-access-"), std::string::npos) << text; // the peer's tokens
  }

  auto human = testsupport::runMcpwatch([&] {
    std::vector<std::string> args = {"probe", url};
    args.insert(args.end(), client.begin(), client.end());
    return args;
  }());
  ASSERT_TRUE(human) << human.error();
  EXPECT_EQ(human->exitCode(), 0) << human->out << human->err;
  EXPECT_NE(human->out.find("OAuth client_credentials, new token from " + origin),
            std::string::npos)
      << human->out;
  EXPECT_EQ(human->out.find(kClientSecret), std::string::npos);

  // The wrong secret: the monitor's credential fails, not the server; the secret stays hidden.
  ::setenv("MCPWATCH_TEST_CLIENT_SECRET", "wrong-Secret-0042", 1);
  ProbeRun refused;
  ASSERT_NO_FATAL_FAILURE(probeJson(url, client, refused));
  expectDown(refused, "auth_token_failed");
  EXPECT_NE(refused.json["failure"]["detail"].get<std::string>().find(
                "token endpoint: HTTP 401 invalid_client"),
            std::string::npos)
      << refused.describe();
  EXPECT_EQ(refused.run.out.find("wrong-Secret-0042"), std::string::npos);

  // An unreachable token endpoint (nothing listens on the closed port): auth_token_failed too.
  ::setenv("MCPWATCH_TEST_CLIENT_SECRET", kClientSecret, 1);
  auto closed = client;
  closed.insert(closed.end(), {"--oauth-token-url", "http://127.0.0.1:9/token"});
  ProbeRun unreachable;
  ASSERT_NO_FATAL_FAILURE(probeJson(url, closed, unreachable));
  expectDown(unreachable, "auth_token_failed");
  EXPECT_NE(unreachable.json["failure"]["detail"].get<std::string>().find("token endpoint"),
            std::string::npos);

  // A configured issuer the server does not name: the credentials are not sent.
  auto elsewhere = client;
  elsewhere.insert(elsewhere.end(), {"--oauth-issuer", "https://login.example.com"});
  ProbeRun pinned;
  ASSERT_NO_FATAL_FAILURE(probeJson(url, elsewhere, pinned));
  expectDown(pinned, "auth_token_failed");
  EXPECT_NE(pinned.json["failure"]["detail"].get<std::string>().find("credentials not sent"),
            std::string::npos)
      << pinned.describe();
  EXPECT_EQ(pinned.json["auth"]["token_requests"], 0);
}

// tools/list needs a scope the first token lacks: 403 insufficient_scope, one step-up with the
// union of scopes (SEP-2350), and the probe is up.
TEST_F(RealPeers, OAuthInsufficientScopeStepsUpOnce) {
  const auto url = peer(V1OAuthStepUp).url("/mcp");
  ::setenv("MCPWATCH_TEST_CLIENT_SECRET", kClientSecret, 1);
  ProbeRun up;
  ASSERT_NO_FATAL_FAILURE(probeJson(url,
                                    {"--oauth-client-id", "mcpwatch-probe",
                                     "--oauth-client-secret-env", "MCPWATCH_TEST_CLIENT_SECRET"},
                                    up));
  expectUp(up, url, {"legacy", "streamable-http", "2025-11-25", 5});
  EXPECT_EQ(up.json["auth"]["token"], "stepped_up") << up.describe();
  EXPECT_EQ(up.json["auth"]["scope"], "mcp:read mcp:tools");
  EXPECT_EQ(up.json["auth"]["token_requests"], 2);

  // A configured scope that already has it: one token, no step-up.
  ProbeRun direct;
  ASSERT_NO_FATAL_FAILURE(
      probeJson(url,
                {"--oauth-client-id", "mcpwatch-probe", "--oauth-client-secret-env",
                 "MCPWATCH_TEST_CLIENT_SECRET", "--oauth-scope", "mcp:read mcp:tools"},
                direct));
  expectUp(direct, url, {"legacy", "streamable-http", "2025-11-25", 5});
  EXPECT_EQ(direct.json["auth"]["token"], "new");
  EXPECT_EQ(direct.json["auth"]["token_requests"], 1);
}

// A hostile authorization server echoes everything it was sent: the failure is
// auth_token_failed and shows no secret in any form (raw, form-encoded, Basic, cut short).
TEST_F(RealPeers, OAuthTokenEndpointThatEchoesTheCredentialsShowsNone) {
  const auto url = peer(V1OAuthEcho).url("/mcp");
  ::setenv("MCPWATCH_TEST_CLIENT_SECRET", kClientSecret, 1);
  const std::string basic =
      common::base64Encode("mcpwatch-probe:" + prober::formEncode(kClientSecret));
  ProbeRun echoed;
  ASSERT_NO_FATAL_FAILURE(probeJson(url,
                                    {"--oauth-client-id", "mcpwatch-probe",
                                     "--oauth-client-secret-env", "MCPWATCH_TEST_CLIENT_SECRET"},
                                    echoed));
  expectDown(echoed, "auth_token_failed");
  const auto detail = echoed.json["failure"]["detail"].get<std::string>();
  EXPECT_NE(detail.find("HTTP 400 invalid_request (got "), std::string::npos) << detail;
  for (const auto& text : {echoed.run.out, echoed.run.err}) {
    EXPECT_EQ(text.find(std::string(kClientSecret).substr(0, 8)), std::string::npos) << text;
    EXPECT_EQ(text.find(prober::formEncode(kClientSecret).substr(0, 8)), std::string::npos) << text;
    EXPECT_EQ(text.find(basic.substr(0, 12)), std::string::npos) << text;
  }
}

TEST_F(RealPeers, OAuthFlagsAreCheckedBeforeAnyRequest) {
  const auto url = peer(V1OAuth).url("/mcp");
  ::setenv("MCPWATCH_TEST_CLIENT_SECRET", kClientSecret, 1);
  ::unsetenv("MCPWATCH_TEST_UNSET_SECRET");
  const std::string secretEnv = "MCPWATCH_TEST_CLIENT_SECRET";
  struct Case {
    std::vector<std::string> args;
    std::string message; // what stderr must say
  };
  std::vector<Case> cases = {
      {{"--oauth-client-id", "c"}, "needs exactly one of --oauth-client-secret-env VAR and "},
      {{"--oauth-client-secret-env", secretEnv}, "the --oauth-* flags need --oauth-client-id ID"},
      {{"--oauth-client-id", "c", "--oauth-client-secret-env", "MCPWATCH_TEST_UNSET_SECRET"},
       "the environment variable MCPWATCH_TEST_UNSET_SECRET is not set or empty"},
      {{"--oauth-client-id", "c", "--oauth-client-secret-env", secretEnv, "--header",
        "Authorization: Bearer x"},
       "the --oauth-* flags get the Authorization header themselves"},
      {{"--oauth-client-id", "c", "--oauth-client-secret-env", secretEnv, "--protected-is-up"},
       "--protected-is-up is for servers probed without credentials"},
      {{"--oauth-client-id", "c", "--oauth-client-secret-env", secretEnv, "--oauth-token-url",
        "http://as.example/token"},
       "--oauth-token-url must be an https:// URL (http:// only to a loopback host)"},
  };
  // A key file that is no key, and one anybody may read.
  const auto junk = std::filesystem::temp_directory_path() /
                    ("mcpwatch-probe-junk-key-" + std::to_string(::getpid()) + ".pem");
  std::ofstream(junk) << "-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n";
  std::filesystem::permissions(junk, std::filesystem::perms::owner_read |
                                         std::filesystem::perms::owner_write);
  cases.push_back(
      {{"--oauth-client-id", "c", "--oauth-private-key", junk.string()},
       "--oauth-private-key " + junk.string() + ": not an unencrypted PEM private key"});
  const auto shared = junk.string() + ".shared";
  std::filesystem::copy_file(junk, shared, std::filesystem::copy_options::overwrite_existing);
  std::filesystem::permissions(shared, std::filesystem::perms::others_read,
                               std::filesystem::perm_options::add);
  cases.push_back({{"--oauth-client-id", "c", "--oauth-private-key", shared},
                   "readable by other users: chmod 600 it"});
  for (const auto& c : cases) {
    std::vector<std::string> argv = {"probe", url};
    argv.insert(argv.end(), c.args.begin(), c.args.end());
    auto run = testsupport::runMcpwatch(argv);
    ASSERT_TRUE(run) << run.error();
    EXPECT_EQ(run->exitCode(), 2) << c.message << ": " << run->out << run->err;
    EXPECT_NE(run->err.find("mcpwatch probe: "), std::string::npos) << run->err;
    EXPECT_NE(run->err.find(c.message), std::string::npos) << run->err;
    EXPECT_EQ(run->err.find(kClientSecret), std::string::npos) << run->err;
    EXPECT_EQ(run->err.find("bm90IGEga2V5"), std::string::npos) << "the key's content";
  }
  std::filesystem::remove(junk);
  std::filesystem::remove(shared);
}

// The limits that keep a broken setup from hammering an authorization server or blaming the
// MCP server: a new token refused again is auth_invalid after one token request, and a token
// endpoint that takes most of the timeout is auth_token_failed, not a timeout of the server.
TEST_F(RealPeers, OAuthRetriesOnceAndASlowTokenEndpointIsItsOwnFailure) {
  ::setenv("MCPWATCH_TEST_CLIENT_SECRET", kClientSecret, 1);
  const std::vector<std::string> client = {"--oauth-client-id", "mcpwatch-probe",
                                           "--oauth-client-secret-env",
                                           "MCPWATCH_TEST_CLIENT_SECRET"};
  ProbeRun refused;
  ASSERT_NO_FATAL_FAILURE(probeJson(peer(V1OAuthRefuse).url("/mcp"), client, refused));
  expectDown(refused, "auth_invalid");
  EXPECT_EQ(refused.json["auth"]["token_requests"], 1) << refused.describe();
  EXPECT_NE(refused.json["failure"]["detail"].get<std::string>().find("Token revoked"),
            std::string::npos)
      << refused.describe();

  auto slowClient = client;
  slowClient.insert(slowClient.end(), {"--timeout", "4"}); // 3.3 s of it for the token
  ProbeRun slow;
  ASSERT_NO_FATAL_FAILURE(probeJson(peer(V1OAuthSlow).url("/mcp"), slowClient, slow));
  expectDown(slow, "auth_token_failed");
  EXPECT_NE(slow.json["failure"]["detail"].get<std::string>().find(
                "ms of the 4000 ms timeout: too little time left to probe"),
            std::string::npos)
      << slow.describe();
}

TEST_F(RealPeers, HumanOutputShowsTheStatusAndSetsTheExitCode) {
  // Assumption: the readable output's first line says up/down (any case), and a failure names its
  // reason.
  auto firstLineLower = [](const std::string& text) {
    std::string line = text.substr(0, text.find('\n'));
    for (auto& c : line)
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return line;
  };
  auto up = testsupport::runMcpwatch({"probe", peer(V1Json).url("/mcp")});
  ASSERT_TRUE(up) << up.error();
  EXPECT_EQ(up->exitCode(), 0) << up->out << up->err;
  const std::string upFirst = firstLineLower(up->out);
  EXPECT_NE(upFirst.find("up"), std::string::npos) << up->out;
  ASSERT_FALSE(up->out.empty());
  EXPECT_NE(up->out.front(), '{') << "human output must not be JSON";

  auto refusedPort = testsupport::freeLoopbackPort();
  ASSERT_TRUE(refusedPort) << refusedPort.error();
  auto down = testsupport::runMcpwatch(
      {"probe", "http://127.0.0.1:" + std::to_string(*refusedPort) + "/mcp", "--timeout", "5"});
  ASSERT_TRUE(down) << down.error();
  EXPECT_EQ(down->exitCode(), 1) << down->out << down->err;
  const std::string downFirst = firstLineLower(down->out);
  EXPECT_NE(downFirst.find("down"), std::string::npos) << down->out;
  EXPECT_NE(down->out.find("connect_refused"), std::string::npos) << down->out;
}

} // namespace
} // namespace mcpwatch::integration
