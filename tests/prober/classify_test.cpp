// Pure classification tables: JSON-RPC shapes, HTTP status/content type/WWW-Authenticate,
// net errors, SSE answer extraction, version negotiation decisions and session loss.
#include "common/crypto.hpp"
#include "prober/classify.hpp"

#include <gtest/gtest.h>
#include <map>

namespace mcpwatch::prober {
namespace {

using common::Json;

Json parse(std::string_view text) {
  auto j = common::parseJson(text);
  EXPECT_TRUE(j.has_value()) << text;
  return j.value_or(Json());
}

// ---- JSON-RPC response table ---------------------------------------------------------------

struct RpcCase {
  const char* name;
  const char* message;
  RpcKind expected;
};

TEST(ClassifyRpcResponse, Table) {
  const RpcCase cases[] = {
      {"result", R"({"jsonrpc":"2.0","id":7,"result":{"ok":true}})", RpcKind::Result},
      {"empty result", R"({"jsonrpc":"2.0","id":7,"result":{}})", RpcKind::Result},
      {"error", R"({"jsonrpc":"2.0","id":7,"error":{"code":-32601,"message":"Method not found"}})",
       RpcKind::Error},
      {"error with null id", R"({"jsonrpc":"2.0","id":null,"error":{"code":-32000,"message":"x"}})",
       RpcKind::Error},
      {"error without id", R"({"jsonrpc":"2.0","error":{"code":-32000,"message":"x"}})",
       RpcKind::Error},
      {"wrong id", R"({"jsonrpc":"2.0","id":8,"result":{}})", RpcKind::Invalid},
      {"string id", R"({"jsonrpc":"2.0","id":"7","result":{}})", RpcKind::Invalid},
      {"null id result", R"({"jsonrpc":"2.0","id":null,"result":{}})", RpcKind::Invalid},
      {"error wrong id", R"({"jsonrpc":"2.0","id":9,"error":{"code":1,"message":"x"}})",
       RpcKind::Invalid},
      {"missing jsonrpc", R"({"id":7,"result":{}})", RpcKind::Invalid},
      {"jsonrpc 1.0", R"({"jsonrpc":"1.0","id":7,"result":{}})", RpcKind::Invalid},
      {"both result and error",
       R"({"jsonrpc":"2.0","id":7,"result":{},"error":{"code":1,"message":"x"}})",
       RpcKind::Invalid},
      {"neither", R"({"jsonrpc":"2.0","id":7})", RpcKind::Invalid},
      {"error not object", R"({"jsonrpc":"2.0","id":7,"error":"boom"})", RpcKind::Invalid},
      {"error code not int", R"({"jsonrpc":"2.0","id":7,"error":{"code":"x","message":"m"}})",
       RpcKind::Invalid},
      {"non-object", R"("hello")", RpcKind::Invalid},
      {"number", "42", RpcKind::Invalid},
      {"batch array", R"([{"jsonrpc":"2.0","id":7,"result":{}}])", RpcKind::Invalid},
  };
  for (const auto& c : cases) {
    auto out = classifyRpcResponse(parse(c.message), Json(7));
    EXPECT_EQ(out.kind, c.expected) << c.name;
    if (c.expected == RpcKind::Invalid) {
      EXPECT_FALSE(out.problem.empty()) << c.name;
    }
  }
}

TEST(ClassifyRpcResponse, ErrorFieldsAreKept) {
  auto out = classifyRpcResponse(
      parse(
          R"({"jsonrpc":"2.0","id":1,"error":{"code":-32022,"message":"Unsupported","data":{"supported":["2026-07-28"]}}})"),
      Json(1));
  ASSERT_EQ(out.kind, RpcKind::Error);
  EXPECT_EQ(out.error.code, -32022);
  EXPECT_EQ(out.error.message, "Unsupported");
  EXPECT_EQ(supportedVersionsOf(out.error), std::vector<std::string>{"2026-07-28"});
}

TEST(IsResponseTo, SkipsRequestsNotificationsAndOtherIds) {
  EXPECT_TRUE(isResponseTo(parse(R"({"jsonrpc":"2.0","id":2,"result":{}})"), Json(2)));
  EXPECT_FALSE(isResponseTo(parse(R"({"jsonrpc":"2.0","id":3,"result":{}})"), Json(2)));
  EXPECT_FALSE(isResponseTo(
      parse(R"({"jsonrpc":"2.0","method":"notifications/tools/list_changed"})"), Json(2)));
  // A server request may reuse our id number: ids are per direction.
  EXPECT_FALSE(isResponseTo(parse(R"({"jsonrpc":"2.0","id":2,"method":"roots/list"})"), Json(2)));
  EXPECT_TRUE(isResponseTo(parse(R"({"jsonrpc":"2.0","id":null,"error":{"code":1}})"), Json(2)));
  EXPECT_FALSE(isResponseTo(parse("[1,2]"), Json(2)));
}

// ---- HTTP replies ---------------------------------------------------------------------------

struct HttpCase {
  const char* name;
  int status;
  const char* contentType;
  const char* body;
  Reply::Kind kind;
  FailureReason reason; // when kind == Failure
};

TEST(ClassifyHttpReply, Table) {
  const char* ok = R"({"jsonrpc":"2.0","id":1,"result":{}})";
  const char* rpcErr =
      R"({"jsonrpc":"2.0","id":null,"error":{"code":-32000,"message":"Bad Request: Server not initialized"}})";
  const char* express404 = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                           "<title>Error</title>\n</head>\n<body>\n<pre>Cannot POST /mcp</pre>\n"
                           "</body>\n</html>\n";
  const HttpCase cases[] = {
      {"json result", 200, "application/json", ok, Reply::Kind::Result, {}},
      {"json charset", 200, "Application/JSON; charset=utf-8", ok, Reply::Kind::Result, {}},
      {"no content type but JSON", 200, "", ok, Reply::Kind::Result, {}},
      {"400 json-rpc error", 400, "application/json", rpcErr, Reply::Kind::RpcError, {}},
      {"404 json-rpc error",
       404,
       "application/json",
       R"({"jsonrpc":"2.0","id":null,"error":{"code":-32001,"message":"Session not found"}})",
       Reply::Kind::RpcError,
       {}},
      {"401", 401, "application/json", R"({"error":"invalid_token"})", Reply::Kind::Failure,
       FailureReason::AuthRequired},
      {"403", 403, "text/plain", "Forbidden", Reply::Kind::Failure, FailureReason::Forbidden},
      {"429", 429, "", "", Reply::Kind::Failure, FailureReason::RateLimited},
      {"401 even with a JSON-RPC body", 401, "application/json", rpcErr, Reply::Kind::Failure,
       FailureReason::AuthRequired},
      {"express 404 page", 404, "text/html; charset=utf-8", express404, Reply::Kind::Failure,
       FailureReason::NotMcp},
      {"html 200", 200, "text/html", "<html><body>Welcome</body></html>", Reply::Kind::Failure,
       FailureReason::NotMcp},
      {"text 200", 200, "text/plain", "hello", Reply::Kind::Failure, FailureReason::NotMcp},
      {"404 plain", 404, "text/plain", "Not Found", Reply::Kind::Failure, FailureReason::NotMcp},
      {"500 html", 500, "text/html", "<h1>oops</h1>", Reply::Kind::Failure,
       FailureReason::HttpError},
      {"502 empty", 502, "", "", Reply::Kind::Failure, FailureReason::HttpError},
      {"302", 302, "text/html", "", Reply::Kind::Failure, FailureReason::HttpError},
      {"405 json not rpc", 405, "application/json", R"({"message":"nope"})", Reply::Kind::Failure,
       FailureReason::HttpError},
      {"malformed json 200", 200, "application/json", R"({"jsonrpc":"2.0",)", Reply::Kind::Failure,
       FailureReason::InvalidResponse},
      {"empty json 200", 200, "application/json", "", Reply::Kind::Failure,
       FailureReason::InvalidResponse},
      {"empty 202 for a request", 202, "", "", Reply::Kind::Failure,
       FailureReason::InvalidResponse},
      {"wrong id 200", 200, "application/json", R"({"jsonrpc":"2.0","id":99,"result":{}})",
       Reply::Kind::Failure, FailureReason::InvalidResponse},
      {"batch 200", 200, "application/json", R"([{"jsonrpc":"2.0","id":1,"result":{}}])",
       Reply::Kind::Failure, FailureReason::InvalidResponse},
      {"too deep", 200, "application/json", "[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]",
       Reply::Kind::Failure, FailureReason::InvalidResponse},
  };
  for (const auto& c : cases) {
    HttpReply reply{c.status, c.contentType, c.body, {}};
    Reply out = classifyHttpReply("initialize", reply, Json(1), 8);
    EXPECT_EQ(out.kind, c.kind) << c.name;
    EXPECT_EQ(out.httpStatus, c.status) << c.name;
    if (c.kind == Reply::Kind::Failure && out.kind == Reply::Kind::Failure) {
      EXPECT_EQ(toString(out.failure.reason), toString(c.reason)) << c.name;
      EXPECT_EQ(out.failure.detail.rfind("initialize: ", 0), 0u) << c.name << out.failure.detail;
      EXPECT_LE(out.failure.detail.size(), kMaxDetailChars * 4) << c.name;
    }
  }
}

TEST(ClassifyHttpReply, ExpressPageDetailIsReadable) {
  HttpReply reply{404,
                  "text/html; charset=utf-8",
                  "<!DOCTYPE html><html><head><title>Error</title></head><body><pre>Cannot POST "
                  "/mcp</pre></body></html>",
                  {}};
  auto out = classifyHttpReply("server/discover", reply, Json(1), 64);
  EXPECT_EQ(out.failure.detail, "server/discover: HTTP 404 (text/html): Error Cannot POST /mcp");
  EXPECT_EQ(out.failure.httpStatus, 404);
}

TEST(ClassifyHttpReply, UnauthorizedKeepsResourceMetadata) {
  HttpReply reply{
      401,
      "application/json",
      R"({"error":"invalid_token"})",
      {R"(Bearer error="invalid_token", error_description="Missing Authorization header", resource_metadata="http://localhost:43459/.well-known/oauth-protected-resource/mcp")"}};
  auto out = classifyHttpReply("server/discover", reply, Json(1), 64);
  ASSERT_EQ(out.kind, Reply::Kind::Failure);
  EXPECT_EQ(out.failure.reason, FailureReason::AuthRequired);
  EXPECT_EQ(out.failure.httpStatus, 401);
  EXPECT_EQ(out.failure.resourceMetadata,
            "http://localhost:43459/.well-known/oauth-protected-resource/mcp");
}

TEST(ClassifyHttpReply, UnauthorizedAndForbiddenSayTheChallengesError) {
  HttpReply expired{401,
                    "application/json",
                    "{}",
                    {R"(Bearer error="invalid_token", error_description="Token has expired")"}};
  auto out = classifyHttpReply("tools/list", expired, Json(1), 64);
  EXPECT_EQ(out.failure.reason, FailureReason::AuthRequired);
  EXPECT_EQ(out.failure.detail,
            "tools/list: HTTP 401 Unauthorized; error=invalid_token (Token has expired)");
  HttpReply scope{403, "", "", {R"(Bearer error="insufficient_scope", scope="tools:write")"}};
  auto forbidden = classifyHttpReply("tools/call x", scope, Json(1), 64);
  EXPECT_EQ(forbidden.failure.reason, FailureReason::InsufficientScope);
  EXPECT_EQ(forbidden.failure.detail,
            "tools/call x: HTTP 403 Forbidden; error=insufficient_scope; scope=tools:write");
  HttpReply denied{403, "", "", {R"(Bearer error="access_denied")"}};
  auto plain = classifyHttpReply("initialize", denied, Json(1), 64);
  EXPECT_EQ(plain.failure.reason, FailureReason::Forbidden);
  EXPECT_EQ(plain.failure.detail, "initialize: HTTP 403 Forbidden; error=access_denied");
  HttpReply noChallenge{403, "", "", {}};
  EXPECT_EQ(classifyHttpReply("initialize", noChallenge, Json(1), 64).failure.reason,
            FailureReason::Forbidden);
  HttpReply bare{401, "", "", {R"(Bearer realm="mcp")"}};
  EXPECT_EQ(classifyHttpReply("initialize", bare, Json(1), 64).failure.detail,
            "initialize: HTTP 401 Unauthorized");
}

TEST(ProtectedResource, MetadataIsLookedForWhereTheSpecSays) {
  auto server = *common::Url::parse("https://mcp.example.com:8443/tenant/mcp/?x=1");
  EXPECT_EQ(protectedResourceMetadataUrls(server, std::nullopt),
            (std::vector<std::string>{
                "https://mcp.example.com:8443/.well-known/oauth-protected-resource/tenant/mcp",
                "https://mcp.example.com:8443/.well-known/oauth-protected-resource"}));
  EXPECT_EQ(protectedResourceMetadataUrls(*common::Url::parse("http://a.example/"), std::nullopt),
            std::vector<std::string>{"http://a.example/.well-known/oauth-protected-resource"});
  EXPECT_EQ(protectedResourceMetadataUrls(server, std::string("https://meta.example/x")),
            std::vector<std::string>{"https://meta.example/x"})
      << "the challenge's URL only";
}

TEST(ProtectedResource, TheMetadataMustNameThisServerAndAnAuthorizationServer) {
  auto server = *common::Url::parse("https://mcp.example.com/mcp");
  std::vector<std::string> as;
  auto problem = [&](const char* text) {
    return protectedResourceProblem(*common::parseJson(text), server, as);
  };
  EXPECT_EQ(problem(R"({"resource": "HTTPS://MCP.example.com/mcp/",
                        "authorization_servers": ["https://auth.example.com"]})"),
            std::nullopt)
      << "scheme and host in any case, a trailing slash ignored";
  EXPECT_EQ(as, std::vector<std::string>{"https://auth.example.com"});
  EXPECT_EQ(problem("[]"), "not a JSON object");
  EXPECT_EQ(problem(R"({"authorization_servers": ["https://a"]})"), "no \"resource\"");
  EXPECT_EQ(problem(R"({"resource": "https://mcp.example.com/other",
                        "authorization_servers": ["https://a"]})"),
            "its \"resource\" is not this server's URL");
  EXPECT_EQ(problem(R"({"resource": "https://mcp.example.com/mcp"})"),
            "no \"authorization_servers\"");
  EXPECT_EQ(problem(R"({"resource": "https://mcp.example.com/mcp", "authorization_servers": []})"),
            "no \"authorization_servers\"");
  EXPECT_EQ(problem(R"({"resource": "https://mcp.example.com/mcp",
                        "authorization_servers": ["ftp://x"]})"),
            "an authorization server that is not an http(s) URL");
}

TEST(MarkCredentialSent, A401ToACredentialIsAuthInvalid) {
  HttpReply expired{401, "", "", {R"(Bearer error="invalid_token")"}};
  auto failure = classifyHttpReply("server/discover", expired, Json(1), 64).failure;
  markCredentialSent(failure);
  EXPECT_EQ(failure.reason, FailureReason::AuthInvalid);
  EXPECT_EQ(failure.detail, "server/discover: HTTP 401 Unauthorized; error=invalid_token");
  EXPECT_EQ(failure.httpStatus, 401);
  for (auto other : {FailureReason::Forbidden, FailureReason::InsufficientScope,
                     FailureReason::Timeout, FailureReason::HttpError}) {
    Failure f{other, "x", {}, {}, {}};
    markCredentialSent(f);
    EXPECT_EQ(f.reason, other) << toString(other);
  }
}

TEST(ClassifyHttpReply, DetailIsSanitisedAndCapped) {
  std::string body = "\x1b[31mred\x1b[0m\r\n" + std::string(1000, 'x');
  HttpReply reply{500, "text/plain", body, {}};
  auto out = classifyHttpReply("tools/list page 1", reply, Json(1), 64);
  EXPECT_EQ(out.failure.detail.find('\x1b'), std::string::npos);
  EXPECT_EQ(out.failure.detail.find('\n'), std::string::npos);
  EXPECT_LE(out.failure.detail.size(), kMaxDetailChars + 2);
}

TEST(RpcErrorFailure, CodesAndStatuses) {
  RpcError e{-32602, "Invalid params", nullptr};
  auto f = rpcErrorFailure("initialize", e, 200);
  EXPECT_EQ(f.reason, FailureReason::JsonrpcError);
  EXPECT_EQ(f.jsonrpcCode, -32602);
  EXPECT_EQ(f.detail, "initialize: JSON-RPC error -32602: Invalid params");
  auto f400 = rpcErrorFailure("initialize", e, 400);
  EXPECT_EQ(f400.reason, FailureReason::JsonrpcError);
  EXPECT_EQ(f400.httpStatus, 400);
  EXPECT_EQ(f400.detail, "initialize: HTTP 400, JSON-RPC error -32602: Invalid params");
  auto f500 = rpcErrorFailure("initialize", RpcError{-32603, "Internal", nullptr}, 500);
  EXPECT_EQ(f500.reason, FailureReason::HttpError);
  EXPECT_EQ(f500.httpStatus, 500);
  EXPECT_EQ(f500.jsonrpcCode, -32603);
}

// ---- WWW-Authenticate -----------------------------------------------------------------------

TEST(WwwAuthenticate, BearerWithQuotedParams) {
  auto c = parseWwwAuthenticate(
      R"(Bearer resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource", scope="files:read")");
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].scheme, "Bearer");
  EXPECT_EQ(c[0].param("resource_metadata"),
            "https://mcp.example.com/.well-known/oauth-protected-resource");
  EXPECT_EQ(c[0].param("SCOPE"), "files:read");
}

TEST(WwwAuthenticate, CommasAndEscapesInsideQuotes) {
  auto c = parseWwwAuthenticate(
      R"(bearer error_description="a, \"quoted\" b", Resource_Metadata = "https://x/y,z")");
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].param("error_description"), "a, \"quoted\" b");
  EXPECT_EQ(c[0].param("resource_metadata"), "https://x/y,z");
}

TEST(WwwAuthenticate, SeveralChallenges) {
  auto c = parseWwwAuthenticate(
      R"(Basic realm="simple", Newauth realm="apps", type=1, title="Login to \"apps\"", Bearer resource_metadata=https://t/prm)");
  ASSERT_EQ(c.size(), 3u);
  EXPECT_EQ(c[0].scheme, "Basic");
  EXPECT_EQ(c[0].param("realm"), "simple");
  EXPECT_EQ(c[1].scheme, "Newauth");
  EXPECT_EQ(c[1].param("type"), "1");
  EXPECT_EQ(c[1].param("title"), "Login to \"apps\"");
  EXPECT_EQ(c[2].param("resource_metadata"), "https://t/prm"); // bare URL, not a token
}

TEST(WwwAuthenticate, Token68AndBareScheme) {
  auto c = parseWwwAuthenticate("Negotiate abc+/d==, Bearer");
  ASSERT_EQ(c.size(), 2u);
  EXPECT_EQ(c[0].token68, "abc+/d==");
  EXPECT_EQ(c[1].scheme, "Bearer");
  EXPECT_TRUE(c[1].params.empty());
}

TEST(WwwAuthenticate, ResourceMetadataFromBearerOnly) {
  EXPECT_EQ(resourceMetadataFrom({R"(Basic resource_metadata="https://wrong")",
                                  R"(Bearer realm="x", resource_metadata="https://right")"}),
            "https://right");
  EXPECT_EQ(resourceMetadataFrom({"Bearer"}), std::nullopt);
  EXPECT_EQ(resourceMetadataFrom({}), std::nullopt);
}

TEST(WwwAuthenticate, MalformedInputNeverThrows) {
  for (const char* s : {"", ",,,", "Bearer resource_metadata=\"unterminated", "=",
                        "Bearer ===", "Bearer a=\"x\" junk", "\"\"", "Bearer a=b=c"}) {
    EXPECT_NO_THROW(parseWwwAuthenticate(s)) << s;
  }
  EXPECT_EQ(resourceMetadataFrom({"Bearer resource_metadata=\"unterminated"}), std::nullopt);
}

// ---- Net errors -----------------------------------------------------------------------------

TEST(NetFailure, MapsEveryKind) {
  const std::pair<net::NetErrorKind, const char*> table[] = {
      {net::NetErrorKind::DnsError, "dns_error"},
      {net::NetErrorKind::ConnectRefused, "connect_refused"},
      {net::NetErrorKind::ConnectTimeout, "connect_timeout"},
      {net::NetErrorKind::TlsError, "tls_error"},
      {net::NetErrorKind::TlsCertificateInvalid, "tls_certificate_invalid"},
      {net::NetErrorKind::Timeout, "timeout"},
      {net::NetErrorKind::ConnectionClosed, "connection_closed"},
      {net::NetErrorKind::ResponseTooLarge, "response_too_large"},
      {net::NetErrorKind::MalformedResponse, "invalid_response"},
      {net::NetErrorKind::Cancelled, "timeout"},
      {net::NetErrorKind::LocalResource, "local_error"},
  };
  for (const auto& [kind, reason] : table) {
    auto f = netFailure("initialize", net::NetError{kind, "connect to 127.0.0.1:1: refused"});
    EXPECT_EQ(toString(f.reason), reason);
    EXPECT_EQ(f.detail.rfind("initialize: ", 0), 0u);
  }
}

TEST(FailureReasonNames, RoundTrip) {
  for (int i = 0; i <= static_cast<int>(FailureReason::LocalError); ++i) {
    auto r = static_cast<FailureReason>(i);
    EXPECT_EQ(parseFailureReason(toString(r)), r);
  }
  EXPECT_EQ(toString(FailureReason::ProtocolVersionUnsupported), "protocol_version_unsupported");
  EXPECT_EQ(parseFailureReason("nope"), std::nullopt);
}

// ---- SSE extraction -------------------------------------------------------------------------

TEST(SseMessageReader, SkipsPrimingCommentsAndUnrelatedMessages) {
  SseMessageReader reader(1 << 20, 64);
  reader.feed(
      "id: 70f63a36\ndata: \n\n"
      ": keep-alive\n\n"
      "event: message\ndata: "
      "{\"method\":\"notifications/tools/list_changed\",\"jsonrpc\":\"2.0\"}\n\n"
      "event: message\ndata: {\"method\":\"roots/list\",\"jsonrpc\":\"2.0\",\"id\":2}\n\n"
      "event: message\ndata: {\"result\":{},\"jsonrpc\":\"2.0\",\"id\":1}\n\n"
      "event: message\nid: c4\ndata: {\"result\":{\"tools\":[]},\"jsonrpc\":\"2.0\",\"id\":2}\n\n");
  auto answer = reader.takeAnswer("tools/list page 1", Json(2));
  ASSERT_TRUE(answer.has_value());
  ASSERT_EQ(answer->kind, Reply::Kind::Result);
  EXPECT_TRUE(answer->result.contains("tools"));
  EXPECT_EQ(reader.skipped(), 4u);
}

TEST(SseMessageReader, AnswerSplitAcrossChunks) {
  SseMessageReader reader(1 << 20, 64);
  std::string stream = "event: message\ndata: {\"result\":{\"protocolVersion\":\"2025-11-25\"},"
                       "\"jsonrpc\":\"2.0\",\"id\":1}\n\n";
  for (std::size_t i = 0; i + 1 < stream.size(); ++i) {
    reader.feed(stream.substr(i, 1));
    EXPECT_FALSE(reader.takeAnswer("initialize", Json(1)).has_value()) << i;
  }
  reader.feed(stream.substr(stream.size() - 1));
  auto answer = reader.takeAnswer("initialize", Json(1));
  ASSERT_TRUE(answer.has_value());
  EXPECT_EQ(answer->kind, Reply::Kind::Result);
  EXPECT_EQ(answer->result["protocolVersion"], "2025-11-25");
}

TEST(SseMessageReader, ErrorAnswerAndMalformedJson) {
  SseMessageReader reader(1 << 20, 64);
  reader.feed("data: {\"jsonrpc\":\"2.0\",\"id\":4,\"error\":{\"code\":-32601,\"message\":\"Method "
              "not found\"}}\n\n");
  auto answer = reader.takeAnswer("tools/list page 1", Json(4));
  ASSERT_TRUE(answer.has_value());
  EXPECT_EQ(answer->kind, Reply::Kind::RpcError);
  EXPECT_EQ(answer->error.code, -32601);

  SseMessageReader bad(1 << 20, 64);
  bad.feed("data: {not json\n\n");
  auto broken = bad.takeAnswer("initialize", Json(1));
  ASSERT_TRUE(broken.has_value());
  EXPECT_EQ(broken->failure.reason, FailureReason::InvalidResponse);
}

TEST(SseMessageReader, MatchingIdWithBadShapeIsInvalid) {
  SseMessageReader reader(1 << 20, 64);
  reader.feed("data: {\"jsonrpc\":\"1.0\",\"id\":1,\"result\":{}}\n\n");
  auto answer = reader.takeAnswer("initialize", Json(1));
  ASSERT_TRUE(answer.has_value());
  EXPECT_EQ(answer->kind, Reply::Kind::Failure);
  EXPECT_EQ(answer->failure.reason, FailureReason::InvalidResponse);
}

TEST(SseMessageReader, KeepAlivesStopAtTheByteCap) {
  SseMessageReader reader(1000, 64);
  std::optional<Reply> answer;
  for (int i = 0; i < 100 && !answer; ++i) {
    reader.feed(": keep-alive\n\n");
    answer = reader.takeAnswer("tools/list page 1", Json(2));
  }
  ASSERT_TRUE(answer.has_value());
  EXPECT_EQ(answer->failure.reason, FailureReason::ResponseTooLarge);
}

TEST(SseMessageReader, BudgetResetsPerAnswerAndQueueCarriesOver) {
  SseMessageReader reader(200, 64);
  reader.feed("event: endpoint\ndata: /message?sessionId=abc\n\n"
              "data: {\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}\n\n");
  auto endpoint = reader.nextEvent();
  ASSERT_TRUE(endpoint.has_value());
  EXPECT_EQ(endpoint->event, "endpoint");
  EXPECT_EQ(endpoint->data, "/message?sessionId=abc");
  reader.resetBudget();
  auto first = reader.takeAnswer("initialize", Json(1));
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->kind, Reply::Kind::Result);
  EXPECT_FALSE(reader.takeAnswer("tools/list page 1", Json(2)).has_value());
}

TEST(SseMessageReader, EndedWithoutAnswer) {
  auto r = SseMessageReader::endedWithoutAnswer("tools/list page 1");
  EXPECT_EQ(r.failure.reason, FailureReason::InvalidResponse);
  EXPECT_EQ(r.failure.detail, "tools/list page 1: SSE stream ended without the answer");
}

// ---- Versions -------------------------------------------------------------------------------

const std::vector<std::string> kAccepted = {"2026-07-28", "2025-11-25", "2025-06-18", "2025-03-26",
                                            "2024-11-05"};

Reply resultReply(const char* json) {
  Reply r;
  r.kind = Reply::Kind::Result;
  r.httpStatus = 200;
  r.result = parse(json);
  return r;
}

Reply errorReply(int status, const char* errorJson) {
  Reply r;
  r.kind = Reply::Kind::RpcError;
  r.httpStatus = status;
  auto e = parse(errorJson);
  r.error.code = e["code"].get<int>();
  r.error.message = e.value("message", "");
  r.error.data = e.value("data", Json());
  return r;
}

TEST(Versions, AcceptedAndModern) {
  EXPECT_TRUE(versionAccepted("2025-06-18", kAccepted));
  EXPECT_FALSE(versionAccepted("2099-01-01", kAccepted));
  EXPECT_TRUE(isModernVersion("2026-07-28"));
  EXPECT_TRUE(isModernVersion("2027-01-01"));
  EXPECT_FALSE(isModernVersion("2025-11-25"));
  EXPECT_FALSE(isModernVersion("draft"));
}

TEST(Versions, PickRetryVersionFollowsPreferenceAndSkipsTried) {
  EXPECT_EQ(pickRetryVersion({"2025-06-18", "2025-11-25"}, kAccepted, {}), "2025-11-25");
  EXPECT_EQ(pickRetryVersion({"2025-06-18", "2025-11-25"}, kAccepted, {"2025-11-25"}),
            "2025-06-18");
  EXPECT_EQ(pickRetryVersion({"2099-01-01"}, kAccepted, {}), std::nullopt);
  EXPECT_EQ(pickRetryVersion({}, kAccepted, {}), std::nullopt);
}

TEST(DecideDiscover, ModernResult) {
  auto d = decideDiscover(
      resultReply(
          R"({"supportedVersions":["2026-07-28"],"capabilities":{"tools":{}},"_meta":{"io.modelcontextprotocol/serverInfo":{"name":"m","version":"2"}}})"),
      "2026-07-28", kAccepted, {"2026-07-28"});
  EXPECT_EQ(d.verdict, DiscoverDecision::Verdict::Modern);
}

TEST(DecideDiscover, ServerInfoIsOptionalAndMayBeAtTheTopLevel) {
  // The spec says SHOULD: a result without serverInfo is a modern server, only unnamed.
  auto none = resultReply(R"({"supportedVersions":["2026-07-28"],"capabilities":{}})");
  auto d = decideDiscover(none, "2026-07-28", kAccepted, {"2026-07-28"});
  EXPECT_EQ(d.verdict, DiscoverDecision::Verdict::Modern);
  EXPECT_TRUE(discoverServerInfo(none.result).is_null());
  // The conformance mocks send it at the top level of the result.
  auto top = resultReply(
      R"({"supportedVersions":["2026-07-28"],"capabilities":{},"serverInfo":{"name":"mock","version":"1"}})");
  EXPECT_EQ(decideDiscover(top, "2026-07-28", kAccepted, {"2026-07-28"}).verdict,
            DiscoverDecision::Verdict::Modern);
  EXPECT_EQ(discoverServerInfo(top.result).value("name", ""), "mock");
  // _meta wins where both are sent.
  auto both = resultReply(
      R"({"supportedVersions":["2026-07-28"],"capabilities":{},"serverInfo":{"name":"top","version":"1"},"_meta":{"io.modelcontextprotocol/serverInfo":{"name":"meta","version":"2"}}})");
  EXPECT_EQ(discoverServerInfo(both.result).value("name", ""), "meta");
  // One that is sent must be well formed.
  auto bad = decideDiscover(
      resultReply(
          R"({"supportedVersions":["2026-07-28"],"capabilities":{},"serverInfo":{"name":7}})"),
      "2026-07-28", kAccepted, {"2026-07-28"});
  EXPECT_EQ(bad.verdict, DiscoverDecision::Verdict::Stop);
  EXPECT_EQ(bad.failure->reason, FailureReason::InitializeInvalid);
}

TEST(DecideDiscover, ServerErrorsAndTimeoutsNeverFallBackToLegacy) {
  // A 5xx, 408 or 429 is a failure of whatever server answers, not a sign of a legacy one:
  // falling back would move a dual-era server to the legacy era and fake schema drift.
  for (int status : {500, 502, 503, 504, 408, 301, 307}) {
    auto plain =
        decideDiscover(failureReply({FailureReason::HttpError, "x", status, {}, {}}, status),
                       "2026-07-28", kAccepted, {"2026-07-28"});
    EXPECT_EQ(plain.verdict, DiscoverDecision::Verdict::Stop) << status;
    EXPECT_EQ(plain.failure->reason, FailureReason::HttpError) << status;
    auto html = decideDiscover(failureReply({FailureReason::NotMcp, "x", status, {}, {}}, status),
                               "2026-07-28", kAccepted, {"2026-07-28"});
    EXPECT_EQ(html.verdict, DiscoverDecision::Verdict::Stop) << status;
    auto rpc = decideDiscover(errorReply(status, R"({"code":-32603,"message":"Internal error"})"),
                              "2026-07-28", kAccepted, {"2026-07-28"});
    EXPECT_EQ(rpc.verdict, DiscoverDecision::Verdict::Stop) << status;
    if (status >= 500) {
      EXPECT_EQ(rpc.failure->reason, FailureReason::HttpError) << status;
    }
  }
  // What a legacy server answers still falls back: 400/404/405 and method-not-found.
  for (int status : {400, 404, 405}) {
    auto d = decideDiscover(failureReply({FailureReason::HttpError, "x", status, {}, {}}, status),
                            "2026-07-28", kAccepted, {"2026-07-28"});
    EXPECT_EQ(d.verdict, DiscoverDecision::Verdict::Legacy) << status;
  }
}

TEST(DecideDiscover, VersionErrorNamingTheSentVersionIsRetriedOnce) {
  const char* error =
      R"({"code":-32022,"message":"Unsupported protocol version","data":{"supported":["2026-07-28"]}})";
  auto once = decideDiscover(errorReply(400, error), "2026-07-28", kAccepted, {"2026-07-28"});
  EXPECT_EQ(once.verdict, DiscoverDecision::Verdict::RetryVersion);
  EXPECT_EQ(once.version, "2026-07-28");
  auto twice =
      decideDiscover(errorReply(400, error), "2026-07-28", kAccepted, {"2026-07-28", "2026-07-28"});
  EXPECT_EQ(twice.verdict, DiscoverDecision::Verdict::Stop);
  EXPECT_EQ(twice.failure->reason, FailureReason::ProtocolVersionRejected);
}

TEST(DecideDiscover, VersionErrorRetriesOnlyWithAcceptedVersion) {
  auto retry = decideDiscover(
      errorReply(
          400,
          R"({"code":-32022,"message":"Unsupported protocol version","data":{"supported":["2099-01-01","2026-07-28"]}})"),
      "2027-01-01", {"2027-01-01", "2026-07-28"}, {"2027-01-01"});
  EXPECT_EQ(retry.verdict, DiscoverDecision::Verdict::RetryVersion);
  EXPECT_EQ(retry.version, "2026-07-28");

  auto rejected = decideDiscover(
      errorReply(
          400,
          R"({"code":-32022,"message":"Unsupported protocol version","data":{"supported":["2099-01-01"]}})"),
      "2026-07-28", kAccepted, {"2026-07-28"});
  EXPECT_EQ(rejected.verdict, DiscoverDecision::Verdict::Stop);
  EXPECT_EQ(rejected.failure->reason, FailureReason::ProtocolVersionRejected);
  EXPECT_EQ(rejected.failure->jsonrpcCode, -32022);

  auto legacyNamed = decideDiscover(
      errorReply(400, R"({"code":-32022,"message":"x","data":{"supported":["2025-11-25"]}})"),
      "2026-07-28", kAccepted, {"2026-07-28"});
  EXPECT_EQ(legacyNamed.verdict, DiscoverDecision::Verdict::RetryVersion);
  EXPECT_EQ(legacyNamed.version, "2025-11-25");
}

TEST(DecideDiscover, LegacySignals) {
  // server-everything (v1 stateful) and a v1 stateless server.
  auto v1 = decideDiscover(
      errorReply(400, R"({"code":-32000,"message":"Bad Request: Server not initialized"})"),
      "2026-07-28", kAccepted, {"2026-07-28"});
  EXPECT_EQ(v1.verdict, DiscoverDecision::Verdict::Legacy);
  auto v1s = decideDiscover(
      errorReply(
          400,
          R"J({"code":-32000,"message":"Bad Request: Unsupported protocol version: 2026-07-28 (supported versions: 2025-11-25)"})J"),
      "2026-07-28", kAccepted, {"2026-07-28"});
  EXPECT_EQ(v1s.verdict, DiscoverDecision::Verdict::Legacy);
  auto notFound = decideDiscover(errorReply(200, R"({"code":-32601,"message":"Method not found"})"),
                                 "2026-07-28", kAccepted, {"2026-07-28"});
  EXPECT_EQ(notFound.verdict, DiscoverDecision::Verdict::Legacy);
  auto html = decideDiscover(failureReply({FailureReason::NotMcp, "x", 404, {}, {}}, 404),
                             "2026-07-28", kAccepted, {"2026-07-28"});
  EXPECT_EQ(html.verdict, DiscoverDecision::Verdict::Legacy);
}

TEST(DecideDiscover, AuthAndRateLimitStop) {
  for (auto reason : {FailureReason::AuthRequired, FailureReason::Forbidden,
                      FailureReason::InsufficientScope, FailureReason::RateLimited}) {
    auto d = decideDiscover(failureReply({reason, "x", {}, {}, {}}), "2026-07-28", kAccepted,
                            {"2026-07-28"});
    EXPECT_EQ(d.verdict, DiscoverDecision::Verdict::Stop);
    EXPECT_EQ(d.failure->reason, reason);
  }
  for (auto reason : {FailureReason::ConnectRefused, FailureReason::Timeout,
                      FailureReason::DnsError, FailureReason::TlsCertificateInvalid,
                      FailureReason::ResponseTooLarge, FailureReason::ConnectionClosed}) {
    auto d = decideDiscover(failureReply({reason, "x", {}, {}, {}}), "2026-07-28", kAccepted,
                            {"2026-07-28"});
    EXPECT_EQ(d.verdict, DiscoverDecision::Verdict::Stop) << toString(reason);
  }
  // A malformed HTTP answer (no status) is a network-level failure too.
  auto malformed = decideDiscover(failureReply({FailureReason::InvalidResponse, "x", {}, {}, {}}),
                                  "2026-07-28", kAccepted, {"2026-07-28"});
  EXPECT_EQ(malformed.verdict, DiscoverDecision::Verdict::Stop);
  auto mismatch = decideDiscover(errorReply(400, R"({"code":-32020,"message":"HeaderMismatch"})"),
                                 "2026-07-28", kAccepted, {"2026-07-28"});
  EXPECT_EQ(mismatch.verdict, DiscoverDecision::Verdict::Stop);
  EXPECT_EQ(mismatch.failure->reason, FailureReason::JsonrpcError);
}

TEST(DecideInitialize, OkAndVersionChecks) {
  const char* good =
      R"({"protocolVersion":"2025-11-25","capabilities":{},"serverInfo":{"name":"s","version":"1"}})";
  auto ok = decideInitialize(resultReply(good), kAccepted, {"2025-11-25"});
  EXPECT_EQ(ok.verdict, InitializeDecision::Verdict::Ok);
  EXPECT_EQ(ok.version, "2025-11-25");

  auto unsupported = decideInitialize(
      resultReply(
          R"({"protocolVersion":"2099-01-01","capabilities":{},"serverInfo":{"name":"s","version":"1"}})"),
      kAccepted, {"2025-11-25"});
  EXPECT_EQ(unsupported.verdict, InitializeDecision::Verdict::Stop);
  EXPECT_EQ(unsupported.failure->reason, FailureReason::ProtocolVersionUnsupported);

  auto narrowed = decideInitialize(resultReply(good), {"2025-06-18"}, {"2025-06-18"});
  EXPECT_EQ(narrowed.failure->reason, FailureReason::ProtocolVersionUnsupported);
}

TEST(DecideInitialize, InvalidResults) {
  for (const char* bad : {
           R"({"capabilities":{},"serverInfo":{"name":"s","version":"1"}})",
           R"({"protocolVersion":"2025-11-25","serverInfo":{"name":"s","version":"1"}})",
           R"({"protocolVersion":"2025-11-25","capabilities":{}})",
           R"({"protocolVersion":"2025-11-25","capabilities":{},"serverInfo":{"version":"1"}})",
           R"({"protocolVersion":"2025-11-25","capabilities":{},"serverInfo":{"name":"s"}})",
           R"({"protocolVersion":5,"capabilities":{},"serverInfo":{"name":"s","version":"1"}})",
           R"([])",
       }) {
    auto d = decideInitialize(resultReply(bad), kAccepted, {"2025-11-25"});
    EXPECT_EQ(d.verdict, InitializeDecision::Verdict::Stop) << bad;
    EXPECT_EQ(d.failure->reason, FailureReason::InitializeInvalid) << bad;
  }
}

TEST(DecideInitialize, VersionErrors) {
  auto retry = decideInitialize(
      errorReply(
          200,
          R"({"code":-32602,"message":"Unsupported protocol version","data":{"supported":["2024-11-05"],"requested":"2025-11-25"}})"),
      kAccepted, {"2025-11-25"});
  EXPECT_EQ(retry.verdict, InitializeDecision::Verdict::RetryVersion);
  EXPECT_EQ(retry.version, "2024-11-05");

  auto rejected = decideInitialize(
      errorReply(
          400,
          R"({"code":-32000,"message":"Bad Request: Unsupported protocol version: 2025-11-25"})"),
      kAccepted, {"2025-11-25"});
  EXPECT_EQ(rejected.verdict, InitializeDecision::Verdict::Stop);
  EXPECT_EQ(rejected.failure->reason, FailureReason::ProtocolVersionRejected);

  auto exhausted = decideInitialize(
      errorReply(400, R"({"code":-32022,"message":"x","data":{"supported":["2024-11-05"]}})"),
      kAccepted, {"2025-11-25", "2024-11-05"});
  EXPECT_EQ(exhausted.failure->reason, FailureReason::ProtocolVersionRejected);
}

TEST(DecideInitialize, FallbackToSseOnlyOn400_404_405) {
  auto html404 = decideInitialize(failureReply({FailureReason::NotMcp, "x", 404, {}, {}}, 404),
                                  kAccepted, {"2025-11-25"});
  EXPECT_EQ(html404.verdict, InitializeDecision::Verdict::FallbackSse);
  auto rpc400 = decideInitialize(errorReply(400, R"({"code":-32600,"message":"Invalid"})"),
                                 kAccepted, {"2025-11-25"});
  EXPECT_EQ(rpc400.verdict, InitializeDecision::Verdict::FallbackSse);
  auto s500 = decideInitialize(failureReply({FailureReason::HttpError, "x", 500, {}, {}}, 500),
                               kAccepted, {"2025-11-25"});
  EXPECT_EQ(s500.verdict, InitializeDecision::Verdict::Stop);
  auto html200 = decideInitialize(failureReply({FailureReason::NotMcp, "x", 200, {}, {}}, 200),
                                  kAccepted, {"2025-11-25"});
  EXPECT_EQ(html200.verdict, InitializeDecision::Verdict::Stop);
  auto timeout = decideInitialize(failureReply({FailureReason::Timeout, "x", {}, {}, {}}),
                                  kAccepted, {"2025-11-25"});
  EXPECT_EQ(timeout.verdict, InitializeDecision::Verdict::Stop);
  auto rpc200 = decideInitialize(errorReply(200, R"({"code":-32603,"message":"boom"})"), kAccepted,
                                 {"2025-11-25"});
  EXPECT_EQ(rpc200.verdict, InitializeDecision::Verdict::Stop);
  EXPECT_EQ(rpc200.failure->reason, FailureReason::JsonrpcError);
  EXPECT_EQ(rpc200.failure->jsonrpcCode, -32603);
}

TEST(SessionLost, NotFoundOrSessionBadRequest) {
  EXPECT_TRUE(isSessionLost(errorReply(404, R"({"code":-32001,"message":"Session not found"})")));
  EXPECT_TRUE(isSessionLost(failureReply({FailureReason::NotMcp, "x", 404, {}, {}}, 404)));
  EXPECT_TRUE(isSessionLost(
      errorReply(400, R"({"code":-32000,"message":"Bad Request: No valid session ID provided"})")));
  EXPECT_FALSE(isSessionLost(errorReply(400, R"({"code":-32602,"message":"Invalid cursor"})")));
  EXPECT_FALSE(isSessionLost(resultReply("{}")));
}

TEST(McpNameHeader, PlainOrBase64) {
  EXPECT_EQ(encodeMcpNameHeader("add_numbers"), "add_numbers");
  EXPECT_EQ(encodeMcpNameHeader("héllo"), "=?base64?aMOpbGxv?=");
  EXPECT_EQ(encodeMcpNameHeader(" padded"), "=?base64?IHBhZGRlZA==?=");
  EXPECT_EQ(encodeMcpNameHeader("a\r\nb"), "=?base64?YQ0KYg==?=");
}

// The conformance http-custom-headers tool and arguments (SEP-2243).
TEST(McpParamHeaders, MirrorsMarkedArgumentsWithTheSpecsEncoding) {
  auto tool = parse(R"({"name":"t","inputSchema":{"type":"object","properties":{
    "region":{"type":"string","x-mcp-header":"Region"},
    "priority":{"type":"integer","x-mcp-header":"Priority"},
    "verbose":{"type":"boolean","x-mcp-header":"Verbose"},
    "empty":{"type":"string","x-mcp-header":"EmptyVal"},
    "method":{"type":"string","x-mcp-header":"Method"},
    "float":{"type":"number"},
    "utf8":{"type":"string","x-mcp-header":"NonAscii"},
    "padded":{"type":"string","x-mcp-header":"Whitespace"},
    "inner":{"type":"string","x-mcp-header":"InternalSpace"},
    "crlf":{"type":"string","x-mcp-header":"CrLf"},
    "tab":{"type":"string","x-mcp-header":"Tab"},
    "looks":{"type":"string","x-mcp-header":"Looks"},
    "absent":{"type":"string","x-mcp-header":"Absent"},
    "nothing":{"type":"boolean","x-mcp-header":"Nothing"},
    "nested":{"type":"object","properties":{"zone":{"type":"string","x-mcp-header":"Zone"}}},
    "query":{"type":"string"}}}})");
  auto args = parse(R"({"region":"us-west1","priority":42,"verbose":false,"empty":"",
    "method":"test-method","float":3.5,"utf8":"Hello, 世界","padded":" padded ",
    "inner":"us west 1","crlf":"line1\r\nline2","tab":"\tindented","looks":"=?base64?eA==?=",
    "nothing":null,"nested":{"zone":"b"},"query":"SELECT 1"})");
  auto headers = mcpParamHeaders(tool, args);
  ASSERT_TRUE(headers) << headers.error();
  std::map<std::string, std::string> got(headers->begin(), headers->end());
  auto b64 = [](std::string_view v) { return "=?base64?" + common::base64Encode(v) + "?="; };
  std::map<std::string, std::string> want = {
      {"Mcp-Param-Region", "us-west1"},
      {"Mcp-Param-Priority", "42"},
      {"Mcp-Param-Verbose", "false"},
      {"Mcp-Param-EmptyVal", ""},
      {"Mcp-Param-Method", "test-method"},
      {"Mcp-Param-NonAscii", b64("Hello, \xe4\xb8\x96\xe7\x95\x8c")},
      {"Mcp-Param-Whitespace", b64(" padded ")},
      {"Mcp-Param-InternalSpace", "us west 1"},
      {"Mcp-Param-CrLf", b64("line1\r\nline2")},
      {"Mcp-Param-Tab", b64("\tindented")},
      {"Mcp-Param-Looks", b64("=?base64?eA==?=")},
      {"Mcp-Param-Zone", "b"}};
  EXPECT_EQ(got, want); // nothing for null, absent or unmarked arguments
}

TEST(McpParamHeaders, InvalidMarksMeanTheToolMustNotBeCalled) {
  auto problem = [](const char* properties) {
    auto tool = parse((std::string(R"({"name":"t","inputSchema":{"type":"object","properties":)") +
                       properties + "}}")
                          .c_str());
    auto headers = mcpParamHeaders(tool, Json::object());
    return headers ? std::string() : headers.error();
  };
  EXPECT_EQ(problem(R"({"v":{"type":"string","x-mcp-header":"Region"}})"), "");
  for (
      const char* invalid : {
          R"({"v":{"type":"string","x-mcp-header":""}})",
          R"({"v":{"type":"object","x-mcp-header":"Data"}})",
          R"({"v":{"type":"array","items":{"type":"string"},"x-mcp-header":"Items"}})",
          R"({"v":{"type":"null","x-mcp-header":"Nil"}})",
          R"({"v":{"type":"number","x-mcp-header":"Score"}})",
          R"({"v":{"x-mcp-header":"Untyped"}})",
          R"({"a":{"type":"string","x-mcp-header":"Region"},"b":{"type":"string","x-mcp-header":"Region"}})",
          R"({"a":{"type":"string","x-mcp-header":"MyField"},"b":{"type":"string","x-mcp-header":"myfield"}})",
          R"({"v":{"type":"string","x-mcp-header":"My Region"}})",
          R"({"v":{"type":"string","x-mcp-header":"Region:Primary"}})",
          "{\"v\":{\"type\":\"string\",\"x-mcp-header\":\"R\u00e9gion\"}}",
          R"({"v":{"type":"string","x-mcp-header":"Region\t1"}})",
          R"({"v":{"type":"array","items":{"type":"string","x-mcp-header":"Item"}}})",
          R"({"v":{"anyOf":[{"type":"string","x-mcp-header":"Either"}]}})",
      })
    EXPECT_NE(problem(invalid), "") << invalid;
}

TEST(SanitizeExcerpt, PrintableOneLine) {
  EXPECT_EQ(sanitizeExcerpt("  a\tb\r\n\x1b[2Jc  "), "a b [2Jc");
  EXPECT_EQ(sanitizeExcerpt(std::string("x\xff", 2)), "x\xEF\xBF\xBD");
  EXPECT_EQ(sanitizeExcerpt(std::string(300, 'a'), 10).size(), 9u + 3u);
}

} // namespace
} // namespace mcpwatch::prober
