// `mcpwatch probe` against misbehaving endpoints (tests/peers/hostile.mjs, one process per
// scenario): each must end as the stable failure reason of DESIGN.md section 4, within the
// deadline.
#include "tests/integration/probe_run.hpp"

#include <algorithm>
#include <ctime>

namespace mcpwatch::integration {
namespace {

using namespace std::chrono_literals;

class Hostile : public ::testing::Test {
protected:
  void SetUp() override { MCPWATCH_REQUIRE_PEERS(); }

  // Starts the scenario and probes it with `extra` (a short --timeout unless given).
  void probeScenario(const std::string& scenario, std::vector<std::string> extra, ProbeRun& out,
                     bool tls = false) {
    auto started = testsupport::startPeer(testsupport::hostile(scenario, tls));
    ASSERT_TRUE(started) << started.error();
    peer_ = std::move(*started);
    if (std::find(extra.begin(), extra.end(), "--timeout") == extra.end()) {
      extra.push_back("--timeout");
      extra.push_back("5");
    }
    ASSERT_NO_FATAL_FAILURE(probeJson(peer_->url("/mcp"), extra, out));
  }

  // The hanging scenarios: reason `timeout`, and the probe keeps its 2 s deadline.
  void expectTimeout(const std::string& scenario) {
    ProbeRun probe;
    ASSERT_NO_FATAL_FAILURE(probeScenario(scenario, {"--timeout", "2"}, probe));
    expectDown(probe, "timeout");
    EXPECT_LT(probe.run.elapsed, 5s) << probe.describe();
    EXPECT_GE(probe.run.elapsed, 1500ms)
        << "gave up long before the deadline: " << probe.describe();
  }

  static const Json& failure(const ProbeRun& probe) {
    static const Json empty = Json::object();
    return probe.json.contains("failure") && probe.json["failure"].is_object()
               ? probe.json["failure"]
               : empty;
  }

  std::unique_ptr<testsupport::Peer> peer_;
};

TEST_F(Hostile, ConnectionRefused) {
  auto port = testsupport::freeLoopbackPort();
  ASSERT_TRUE(port) << port.error();
  ProbeRun probe;
  ASSERT_NO_FATAL_FAILURE(
      probeJson("http://127.0.0.1:" + std::to_string(*port) + "/mcp", {"--timeout", "5"}, probe));
  expectDown(probe, "connect_refused");
  EXPECT_LT(probe.run.elapsed, 5s) << probe.describe();
}

TEST_F(Hostile, AcceptAndNeverAnswer) {
  expectTimeout("hang");
}

TEST_F(Hostile, HeadersThenSilence) {
  expectTimeout("headers-then-silence");
}

TEST_F(Hostile, EndlessSseKeepAlives) {
  expectTimeout("sse-keepalive");
}

TEST_F(Hostile, TenMegabyteBody) {
  ProbeRun probe;
  ASSERT_NO_FATAL_FAILURE(probeScenario("huge-body", {}, probe));
  expectDown(probe, "response_too_large");
}

TEST_F(Hostile, HtmlPage) {
  ProbeRun probe;
  ASSERT_NO_FATAL_FAILURE(probeScenario("html", {}, probe));
  expectDown(probe, "not_mcp");
}

TEST_F(Hostile, HtmlNotFoundPage) {
  ProbeRun probe;
  ASSERT_NO_FATAL_FAILURE(probeScenario("not-found", {}, probe));
  expectDown(probe, "not_mcp");
  // The readable output says what to try next.
  auto human = testsupport::runMcpwatch({"probe", peer_->url("/")});
  ASSERT_TRUE(human) << human.error();
  EXPECT_EQ(human->exitCode(), 1);
  EXPECT_NE(human->out.find("\n  next      MCP endpoints are usually at /mcp"), std::string::npos)
      << human->out;
}

TEST_F(Hostile, UnauthorizedRecordsResourceMetadata) {
  ProbeRun probe;
  ASSERT_NO_FATAL_FAILURE(probeScenario(
      "unauthorized", {"--header", "Authorization: Bearer hostile-Secret-5521"}, probe));
  expectDown(probe, "auth_invalid"); // a credential was sent and refused
  const Json& f = failure(probe);
  EXPECT_EQ(f.value("http_status", Json()), 401) << probe.describe();
  // Assumption: the failure object carries it as `resource_metadata` (prober::Failure field).
  const std::string expected = "http://127.0.0.1:" + std::to_string(peer_->port()) +
                               "/.well-known/oauth-protected-resource/mcp";
  EXPECT_EQ(f.value("resource_metadata", ""), expected) << probe.describe();
  EXPECT_EQ(probe.run.out.find("hostile-Secret-5521"), std::string::npos) << probe.run.out;
  EXPECT_EQ(probe.run.err.find("hostile-Secret-5521"), std::string::npos) << probe.run.err;
}

TEST_F(Hostile, AChallengeWithoutACredentialIsAuthRequired) {
  ProbeRun probe;
  ASSERT_NO_FATAL_FAILURE(probeScenario("unauthorized", {}, probe));
  expectDown(probe, "auth_required");
  EXPECT_EQ(failure(probe).value("http_status", Json()), 401) << probe.describe();
}

TEST_F(Hostile, AMissingScopeIsInsufficientScopeNamingIt) {
  ProbeRun probe;
  ASSERT_NO_FATAL_FAILURE(probeScenario(
      "insufficient-scope", {"--header", "Authorization: Bearer hostile-Secret-5521"}, probe));
  expectDown(probe, "insufficient_scope");
  EXPECT_EQ(failure(probe).value("detail", ""),
            "server/discover: HTTP 403 Forbidden; error=insufficient_scope (needs write); "
            "scope=mcp:read mcp:write")
      << probe.describe();
  EXPECT_EQ(probe.run.out.find("hostile-Secret-5521"), std::string::npos) << probe.run.out;
}

TEST_F(Hostile, ATokenTheServerEchoesNeverReachesTheOutput) {
  ProbeRun probe;
  ASSERT_NO_FATAL_FAILURE(probeScenario(
      "echo-token", {"--header", "Authorization: Bearer hostile-Secret-5521"}, probe));
  expectDown(probe, "auth_invalid");
  const auto detail = failure(probe).value("detail", "");
  EXPECT_NE(detail.find("token [redacted] is unknown"), std::string::npos) << detail;
  EXPECT_EQ(probe.run.out.find("hostile-Secret-5521"), std::string::npos) << probe.run.out;
  EXPECT_EQ(probe.run.out.find("hostile-Secr"), std::string::npos)
      << "a prefix of the token cut by the detail cap: " << probe.run.out;
  EXPECT_EQ(probe.run.err.find("hostile-Secret-5521"), std::string::npos) << probe.run.err;
}

// Alive and protected (--protected-is-up, `auth: {protected_is_up: true}`): an OAuth challenge
// whose RFC 9728 metadata names this server and an authorization server counts as up.
TEST_F(Hostile, AProtectedServerIsUpWhenItsMetadataNamesIt) {
  for (const std::string scenario : {"protected", "protected-no-hint"}) {
    ProbeRun probe;
    ASSERT_NO_FATAL_FAILURE(probeScenario(scenario, {"--protected-is-up"}, probe));
    const std::string origin = "http://127.0.0.1:" + std::to_string(peer_->port());
    ASSERT_TRUE(probe.json.value("ok", false)) << scenario << ": " << probe.describe();
    const Json& p = probe.json["protected"];
    EXPECT_EQ(p.value("resource_metadata", ""),
              origin + "/.well-known/oauth-protected-resource/mcp")
        << scenario;
    EXPECT_EQ(p["authorization_servers"], Json::array({"https://auth.example.com/tenant1"}));
    EXPECT_TRUE(probe.json["tools"].is_null()) << "no credential, no tools";
  }
  auto human = testsupport::runMcpwatch({"probe", peer_->url("/mcp"), "--protected-is-up"});
  ASSERT_TRUE(human) << human.error();
  EXPECT_EQ(human->exitCode(), 0) << human->out << human->err;
  EXPECT_NE(human->out.find("alive and protected: OAuth by https://auth.example.com/tenant1"),
            std::string::npos)
      << human->out;

  ProbeRun without; // the same server, not asked to: auth_required as before
  ASSERT_NO_FATAL_FAILURE(probeScenario("protected", {}, without));
  expectDown(without, "auth_required");
  EXPECT_TRUE(without.json["protected"].is_null());

  // A credential and --protected-is-up do not go together: a usage error.
  auto both = testsupport::runMcpwatch({"probe", peer_->url("/mcp"), "--protected-is-up",
                                        "--header", "Authorization: Bearer x-Token-1234"});
  ASSERT_TRUE(both) << both.error();
  EXPECT_EQ(both->exitCode(), 2) << both->out << both->err;
  EXPECT_NE(both->err.find("--protected-is-up is for servers probed without credentials"),
            std::string::npos)
      << both->err;
}

TEST_F(Hostile, AProtectedServerWhoseMetadataNamesAnotherResourceIsDown) {
  ProbeRun probe;
  ASSERT_NO_FATAL_FAILURE(probeScenario("protected-wrong-resource", {"--protected-is-up"}, probe));
  expectDown(probe, "auth_required");
  EXPECT_NE(failure(probe)
                .value("detail", "")
                .find("protected resource metadata: GET /.well-known/oauth-protected-resource/mcp: "
                      "its \"resource\" is not this server's URL"),
            std::string::npos)
      << probe.describe();
}

TEST_F(Hostile, MetadataOnAnotherOriginIsNotFetched) {
  ProbeRun probe;
  ASSERT_NO_FATAL_FAILURE(probeScenario("protected-elsewhere", {"--protected-is-up"}, probe));
  expectDown(probe, "auth_required");
  EXPECT_NE(failure(probe)
                .value("detail", "")
                .find("protected resource metadata: resource_metadata is on another origin "
                      "(http://127.0.0.1:1), not fetched"),
            std::string::npos)
      << probe.describe();
}

// The same hostile metadata against mcpwatch's own OAuth client: no credential leaves.
TEST_F(Hostile, AnOAuthClientSendsNothingOnHostileMetadata) {
  ::setenv("MCPWATCH_TEST_HOSTILE_SECRET", "hostile-Client-Secret-881", 1);
  const std::vector<std::string> client = {"--oauth-client-id", "c", "--oauth-client-secret-env",
                                           "MCPWATCH_TEST_HOSTILE_SECRET"};
  const std::pair<const char*, const char*> cases[] = {
      {"protected-wrong-resource",
       "its \"resource\" is not this server's URL: credentials not sent"},
      {"protected-elsewhere", "resource_metadata is on another origin (http://127.0.0.1:1), not "
                              "fetched"}};
  for (const auto& [scenario, detail] : cases) {
    ProbeRun probe;
    ASSERT_NO_FATAL_FAILURE(probeScenario(scenario, client, probe));
    expectDown(probe, "auth_token_failed");
    EXPECT_NE(failure(probe).value("detail", "").find(detail), std::string::npos)
        << probe.describe();
    EXPECT_EQ(probe.json["auth"]["token_requests"], 0) << probe.describe();
  }
}

TEST_F(Hostile, AnExpiredTokenSaysSoInTheDetail) {
  ProbeRun probe;
  ASSERT_NO_FATAL_FAILURE(probeScenario(
      "token-expired", {"--header", "Authorization: Bearer hostile-Secret-5521"}, probe));
  expectDown(probe, "auth_invalid");
  EXPECT_EQ(failure(probe).value("detail", ""),
            "server/discover: HTTP 401 Unauthorized; error=invalid_token (Token has expired)")
      << probe.describe();
  EXPECT_EQ(probe.run.out.find("hostile-Secret-5521"), std::string::npos) << probe.run.out;
}

TEST_F(Hostile, ASessionRefusedRightAfterInitializeIsASessionError) {
  ProbeRun probe;
  ASSERT_NO_FATAL_FAILURE(probeScenario("session-refused", {}, probe));
  expectDown(probe, "session_error");
  EXPECT_EQ(failure(probe).value("http_status", Json()), 404) << probe.describe();
  // The era and transport are known once initialize answered, whatever failed after it.
  EXPECT_EQ(probe.json.value("era", ""), "legacy") << probe.describe();
  EXPECT_EQ(probe.json.value("transport", ""), "streamable-http") << probe.describe();
}

TEST_F(Hostile, Forbidden) {
  ProbeRun probe;
  ASSERT_NO_FATAL_FAILURE(probeScenario("forbidden", {}, probe));
  expectDown(probe, "forbidden");
  EXPECT_EQ(failure(probe).value("http_status", Json()), 403) << probe.describe();
}

TEST_F(Hostile, RateLimited) {
  ProbeRun probe;
  ASSERT_NO_FATAL_FAILURE(probeScenario("rate-limited", {}, probe));
  expectDown(probe, "rate_limited");
  EXPECT_EQ(failure(probe).value("http_status", Json()), 429) << probe.describe();
}

TEST_F(Hostile, ServerError) {
  ProbeRun probe;
  ASSERT_NO_FATAL_FAILURE(probeScenario("server-error", {}, probe));
  expectDown(probe, "http_error");
  EXPECT_EQ(failure(probe).value("http_status", Json()), 500) << probe.describe();
}

TEST_F(Hostile, InvalidJson) {
  ProbeRun probe;
  ASSERT_NO_FATAL_FAILURE(probeScenario("invalid-json", {}, probe));
  expectDown(probe, "invalid_response");
}

TEST_F(Hostile, WrongJsonRpcId) {
  ProbeRun probe;
  ASSERT_NO_FATAL_FAILURE(probeScenario("wrong-id", {}, probe));
  expectDown(probe, "invalid_response");
}

TEST_F(Hostile, InitializeWithoutProtocolVersion) {
  ProbeRun probe;
  ASSERT_NO_FATAL_FAILURE(probeScenario("no-protocol-version", {}, probe));
  expectDown(probe, "initialize_invalid");
}

TEST_F(Hostile, UnsupportedProtocolVersion) {
  ProbeRun probe;
  ASSERT_NO_FATAL_FAILURE(probeScenario("unsupported-version", {}, probe));
  expectDown(probe, "protocol_version_unsupported");
}

TEST_F(Hostile, ToolsListJsonRpcError) {
  ProbeRun probe;
  ASSERT_NO_FATAL_FAILURE(probeScenario("tools-list-error", {}, probe));
  expectDown(probe, "tools_list_failed");
}

TEST_F(Hostile, CursorThatRepeatsForever) {
  ProbeRun probe;
  ASSERT_NO_FATAL_FAILURE(probeScenario("cursor-loop", {}, probe));
  expectDown(probe, "pagination_loop");
}

TEST_F(Hostile, ConnectionResetMidBody) {
  ProbeRun probe;
  ASSERT_NO_FATAL_FAILURE(probeScenario("reset-mid-body", {}, probe));
  expectDown(probe, "connection_closed");
}

TEST_F(Hostile, SelfSignedCertificateIsRejected) {
  ProbeRun probe;
  ASSERT_NO_FATAL_FAILURE(probeScenario("valid", {}, probe, /*tls=*/true));
  EXPECT_EQ(probe.json.value("url", ""), peer_->url("/mcp"));
  expectDown(probe, "tls_certificate_invalid");
}

TEST_F(Hostile, SelfSignedCertificateIsAcceptedWithInsecure) {
  ProbeRun probe;
  ASSERT_NO_FATAL_FAILURE(probeScenario("valid", {"--insecure"}, probe, /*tls=*/true));
  expectUp(probe, peer_->url("/mcp"), {"legacy", "streamable-http", "2025-11-25", 1});
  SCOPED_TRACE(probe.describe());
  ASSERT_TRUE(probe.json.contains("tls") && probe.json["tls"].is_object());
  // hostile.mjs makes a certificate valid for 30 days from its start.
  const std::string notAfter = probe.json["tls"].value("not_after", "");
  std::tm tm{};
  ASSERT_NE(strptime(notAfter.c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm), nullptr) << notAfter;
  const auto expiry = std::chrono::system_clock::from_time_t(timegm(&tm));
  const auto now = std::chrono::system_clock::now();
  EXPECT_GT(expiry, now + std::chrono::hours(24 * 29));
  EXPECT_LT(expiry, now + std::chrono::hours(24 * 31));
  const auto daysLeft = probe.json["tls"].value("days_left", -1);
  EXPECT_TRUE(daysLeft == 29 || daysLeft == 30) << daysLeft;
  EXPECT_TRUE(probe.json["timings_ms"].value("tls", Json()).is_number());
}

} // namespace
} // namespace mcpwatch::integration
