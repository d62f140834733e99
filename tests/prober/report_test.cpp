// The `probe --json` shape (DESIGN.md section 3): every key present, null where unknown, names
// sorted; and the readable text output.
#include "prober/failure.hpp"
#include "prober/probe.hpp"

#include <gtest/gtest.h>

namespace mcpwatch::prober {
namespace {

using common::Json;

void expectKeys(const Json& object, std::initializer_list<const char*> keys) {
  ASSERT_TRUE(object.is_object());
  for (const char* key : keys)
    EXPECT_TRUE(object.contains(key)) << key << " in " << object.dump();
}

ProbeResult upResult() {
  ProbeResult r;
  r.url = "https://mcp.example.com/mcp";
  r.ok = true;
  r.era = Era::Legacy;
  r.transport = Transport::StreamableHttp;
  r.protocolVersion = "2025-11-25";
  r.serverInfo = ServerInfo{"mcp-servers/everything", "2.0.0", "Everything Reference Server"};
  r.tools = ToolsSummary{2, "sha256:abc", {{"add", "11"}, {"echo", "22"}}};
  r.timings.dns = 0.1;
  r.timings.connect = 0.2;
  r.timings.tls = 1.5;
  r.timings.handshake = 3.1;
  r.timings.toolsList = 2.2;
  r.timings.total = 6.0;
  r.tls = TlsInfo{std::chrono::system_clock::time_point{} + std::chrono::seconds(1798761600), 38};
  return r;
}

TEST(ProbeJson, UpResultHasEveryKey) {
  Json j = toJson(upResult());
  expectKeys(j, {"url", "ok", "status", "failure", "era", "transport", "protocol_version",
                 "server_info", "tools", "timings_ms", "tls"});
  EXPECT_EQ(j["ok"], true);
  EXPECT_EQ(j["status"], "up");
  EXPECT_TRUE(j["failure"].is_null());
  EXPECT_EQ(j["era"], "legacy");
  EXPECT_EQ(j["transport"], "streamable-http");
  EXPECT_EQ(j["protocol_version"], "2025-11-25");
  expectKeys(j["server_info"], {"name", "version", "title"});
  EXPECT_EQ(j["server_info"]["title"], "Everything Reference Server");
  expectKeys(j["tools"], {"count", "fingerprint", "names"});
  EXPECT_EQ(j["tools"]["count"], 2);
  EXPECT_EQ(j["tools"]["names"], Json::array({"add", "echo"}));
  expectKeys(j["timings_ms"], {"dns", "connect", "tls", "handshake", "tools_list", "total"});
  EXPECT_DOUBLE_EQ(j["timings_ms"]["total"].get<double>(), 6.0);
  expectKeys(j["tls"], {"not_after", "days_left"});
  EXPECT_EQ(j["tls"]["not_after"], "2027-01-01T00:00:00Z");
  EXPECT_EQ(j["tls"]["days_left"], 38);
}

TEST(ProbeJson, TheTextKeepsTheDocumentedKeyOrder) {
  auto r = upResult();
  r.failure = Failure{FailureReason::HttpError, "d", 500, {}, {}};
  const auto text = toJsonText(r);
  std::size_t at = 0;
  for (const char* key : {"\"url\"",
                          "\"ok\"",
                          "\"status\"",
                          "\"failure\"",
                          "\"reason\"",
                          "\"detail\"",
                          "\"http_status\"",
                          "\"jsonrpc_code\"",
                          "\"resource_metadata\"",
                          "\"era\"",
                          "\"transport\"",
                          "\"protocol_version\"",
                          "\"server_info\"",
                          "\"name\"",
                          "\"version\"",
                          "\"title\"",
                          "\"tools\"",
                          "\"count\"",
                          "\"fingerprint\"",
                          "\"names\"",
                          "\"timings_ms\"",
                          "\"dns\"",
                          "\"connect\"",
                          "\"tls\"",
                          "\"handshake\"",
                          "\"tools_list\"",
                          "\"tool_call\"",
                          "\"total\"",
                          "\"sse_resumptions\"",
                          "\"tls\"",
                          "\"not_after\"",
                          "\"days_left\""}) {
    auto next = text.find(key, at);
    ASSERT_NE(next, std::string::npos) << key << " after " << at << " in " << text;
    at = next + 1;
  }
  EXPECT_EQ(common::parseJson(text).value(), toJson(r)); // the same document
}

TEST(ProbeJson, DownResultHasEveryKeyWithNulls) {
  ProbeResult r;
  r.url = "http://127.0.0.1:1/mcp";
  r.failure =
      Failure{FailureReason::ConnectRefused, "server/discover: connection refused", {}, {}, {}};
  r.timings.total = 0.4;
  Json j = toJson(r);
  expectKeys(j, {"url", "ok", "status", "failure", "era", "transport", "protocol_version",
                 "server_info", "tools", "timings_ms", "tls"});
  EXPECT_EQ(j["ok"], false);
  EXPECT_EQ(j["status"], "down");
  expectKeys(j["failure"], {"reason", "detail", "http_status", "jsonrpc_code"});
  EXPECT_EQ(j["failure"]["reason"], "connect_refused");
  EXPECT_TRUE(j["failure"]["http_status"].is_null());
  EXPECT_TRUE(j["failure"]["jsonrpc_code"].is_null());
  for (const char* key : {"era", "transport", "protocol_version", "server_info", "tools", "tls"})
    EXPECT_TRUE(j[key].is_null()) << key;
  expectKeys(j["timings_ms"], {"dns", "connect", "tls", "handshake", "tools_list", "total"});
  EXPECT_TRUE(j["timings_ms"]["dns"].is_null());
  EXPECT_TRUE(j["timings_ms"]["handshake"].is_null());
}

TEST(ProbeJson, FailureCodesAndSortedNames) {
  ProbeResult r;
  r.url = "http://x/mcp";
  r.failure =
      Failure{FailureReason::JsonrpcError, "initialize: JSON-RPC error -32602", 400, -32602, {}};
  Json j = toJson(r);
  EXPECT_EQ(j["failure"]["http_status"], 400);
  EXPECT_EQ(j["failure"]["jsonrpc_code"], -32602);
}

TEST(ProbeText, UpAndDown) {
  auto up = toText(upResult());
  EXPECT_EQ(up.rfind("UP   https://mcp.example.com/mcp", 0), 0u) << up;
  EXPECT_NE(up.find("legacy era, streamable-http, protocol 2025-11-25"), std::string::npos) << up;
  EXPECT_NE(up.find("mcp-servers/everything 2.0.0 (Everything Reference Server)"),
            std::string::npos);
  EXPECT_NE(up.find("2, sha256:abc"), std::string::npos);
  EXPECT_NE(up.find("total 6.0 ms"), std::string::npos);
  EXPECT_NE(up.find("2027-01-01T00:00:00Z (38 days left)"), std::string::npos);

  ProbeResult down;
  down.url = "http://127.0.0.1:1/mcp";
  down.failure = Failure{FailureReason::AuthRequired,
                         "server/discover: HTTP 401 Unauthorized",
                         401,
                         {},
                         "https://a/prm"};
  auto text = toText(down);
  EXPECT_EQ(text.rfind("DOWN http://127.0.0.1:1/mcp  (auth_required)", 0), 0u) << text;
  EXPECT_NE(text.find("server/discover: HTTP 401 Unauthorized"), std::string::npos);
  EXPECT_NE(text.find("resource_metadata https://a/prm"), std::string::npos);
}

TEST(ProbeText, ServerStringsCannotInjectTerminalEscapes) {
  auto r = upResult();
  r.serverInfo->name = "evil\x1b]0;title\x07\nname";
  auto text = toText(r);
  EXPECT_EQ(text.find('\x1b'), std::string::npos);
  EXPECT_EQ(text.find('\x07'), std::string::npos);
}

TEST(Transports, NamesRoundTrip) {
  for (auto t : {Transport::Auto, Transport::Modern, Transport::StreamableHttp, Transport::Sse})
    EXPECT_EQ(parseTransport(toString(t)), t);
  EXPECT_EQ(parseTransport("http"), std::nullopt);
  EXPECT_EQ(toString(Era::Modern), "modern");
}

TEST(ProbeText, EveryFailureSaysWhatToTryNext) {
  for (int i = 0; i <= static_cast<int>(FailureReason::LocalError); ++i) {
    ProbeResult r;
    r.url = "http://127.0.0.1:1/mcp";
    r.failure = Failure{static_cast<FailureReason>(i), "x", {}, {}, {}};
    SCOPED_TRACE(std::string(toString(r.failure->reason)));
    EXPECT_FALSE(nextStep(r).empty());
    EXPECT_NE(toText(r).find("\n  next      " + nextStep(r) + "\n"), std::string::npos)
        << toText(r);
  }
  ProbeResult root;
  root.url = "https://example.com/";
  root.failure = Failure{FailureReason::NotMcp, "HTTP 200 text/html", {}, {}, {}};
  EXPECT_EQ(nextStep(root), "MCP endpoints are usually at /mcp (or /sse for the legacy transport)");
  root.url = "https://example.com/api/mcp";
  EXPECT_EQ(nextStep(root), "something answers here, but not an MCP server: check the path");
  root.failure->reason = FailureReason::AuthRequired;
  EXPECT_EQ(nextStep(root), "the server wants a token: give mcpwatch a client (--oauth-client-id "
                            "with --oauth-client-secret-env or --oauth-private-key), or --header "
                            "'Authorization: Bearer <token>'");
  root.failure->reason = FailureReason::AuthTokenFailed;
  EXPECT_NE(nextStep(root).find("mcpwatch's own OAuth client failed"), std::string::npos);
  EXPECT_EQ(nextStep(upResult()), "");
  EXPECT_EQ(toText(upResult()).find("next"), std::string::npos);
}

TEST(ProbeText, TheCallsAnswerIsShown) {
  auto r = upResult();
  r.callText = "5";
  EXPECT_NE(toText(r).find("\n  call      5\n"), std::string::npos) << toText(r);
  r.callText = "";
  EXPECT_NE(toText(r).find("\n  call      ok (no text content)\n"), std::string::npos);
}

TEST(FailureSummary, NamesTheConcreteFailure) {
  EXPECT_EQ(failureSummary("http_error", "server/discover: HTTP 503 (text/html): <h1>down</h1>"),
            "HTTP 503");
  EXPECT_EQ(failureSummary("http_error", "initialize: HTTP 502, JSON-RPC error -32603: boom"),
            "HTTP 502");
  EXPECT_EQ(failureSummary("http_error", "no status here"), "HTTP error");
  EXPECT_EQ(failureSummary("connect_refused", "connect to 10.1.2.3:8080: Connection refused"),
            "connection refused");
  EXPECT_EQ(failureSummary("tls_certificate_invalid",
                           "TLS handshake with a.example:443: certificate verify failed: "
                           "certificate has expired (3 days ago)"),
            "TLS certificate expired 3 days ago");
  EXPECT_EQ(failureSummary("tls_certificate_invalid",
                           "certificate verify failed: certificate has expired"),
            "TLS certificate expired");
  EXPECT_EQ(failureSummary("tls_certificate_invalid",
                           "certificate verify failed: self-signed certificate"),
            "TLS certificate is self-signed");
  EXPECT_EQ(
      failureSummary("tls_certificate_invalid", "certificate verify failed: Hostname mismatch"),
      "TLS certificate is for another host");
  EXPECT_EQ(failureSummary("jsonrpc_error", "tools/list: JSON-RPC error -32603: internal"),
            "JSON-RPC error -32603");
  EXPECT_EQ(failureSummary("auth_required",
                           "server/discover: HTTP 401 Unauthorized; error=invalid_token (Token "
                           "has expired)"),
            "HTTP 401: token rejected");
  EXPECT_EQ(failureSummary("auth_required", "server/discover: HTTP 401 Unauthorized"),
            "HTTP 401: authentication required");
  EXPECT_EQ(failureSummary("flapping", "12 changes in 21 checks"), "flapping between up and down");
  EXPECT_EQ(failureSummary("something_new", "x"), "something_new");
  // Every reason has words of its own, none longer than 80 bytes.
  for (const char* reason : {"dns_error",
                             "connect_refused",
                             "connect_timeout",
                             "tls_error",
                             "tls_certificate_invalid",
                             "timeout",
                             "connection_closed",
                             "http_error",
                             "auth_required",
                             "forbidden",
                             "rate_limited",
                             "not_mcp",
                             "invalid_response",
                             "response_too_large",
                             "jsonrpc_error",
                             "protocol_version_rejected",
                             "protocol_version_unsupported",
                             "initialize_invalid",
                             "session_error",
                             "tools_list_failed",
                             "pagination_loop",
                             "schema_drift",
                             "tool_call_failed",
                             "local_error"}) {
    auto words = failureSummary(reason, "");
    EXPECT_NE(words, reason) << reason;
    EXPECT_LE(words.size(), 80u);
  }
}

} // namespace
} // namespace mcpwatch::prober
