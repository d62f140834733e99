// Pure classification of MCP exchanges: HTTP status, headers, body and JSON-RPC shape in, an
// outcome or a Failure out. No I/O here, so every rule is tested on tables without sockets.
#pragma once

#include "common/expected.hpp"
#include "common/json.hpp"
#include "net/http_client.hpp"
#include "net/sse.hpp"
#include "prober/failure.hpp"

#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mcpwatch::prober {

inline constexpr std::size_t kMaxDetailChars = 200;
inline constexpr std::string_view kModernVersion = "2026-07-28";
inline constexpr std::string_view kLegacyInitVersion = "2025-11-25";
inline constexpr std::string_view kSseInitVersion = "2024-11-05";

// Printable one-line excerpt of text that came from a server: control bytes become spaces,
// runs of whitespace collapse, invalid UTF-8 is replaced, and it is cut to `maxChars`.
std::string sanitizeExcerpt(std::string_view text, std::size_t maxChars = 100);
// The excerpt of a response body for a failure detail; HTML tags are dropped first so an
// Express "Cannot POST /mcp" page reads as its message.
std::string bodyExcerpt(std::string_view body, std::string_view contentType);
// Caps a detail line at kMaxDetailChars code points.
std::string capDetail(std::string_view detail);

bool isJsonContentType(std::string_view contentType); // application/json, application/*+json
bool isEventStreamContentType(std::string_view contentType);
bool isHtmlContentType(std::string_view contentType);

FailureReason reasonFor(net::NetErrorKind kind);
// `request` names the step, e.g. "initialize" or "tools/list page 2".
Failure netFailure(std::string_view request, const net::NetError& error);

// One challenge of a WWW-Authenticate header (RFC 9110 section 11.6.1).
struct AuthChallenge {
  std::string scheme;                                      // as sent; compare case-insensitively
  std::optional<std::string> token68;                      // e.g. Basic's credentials form
  std::vector<std::pair<std::string, std::string>> params; // names lower-cased, values unquoted
  std::optional<std::string> param(std::string_view name) const;
};
// Parses every challenge of one or more header values. Malformed input yields the challenges
// parsed up to the problem; it never throws.
std::vector<AuthChallenge> parseWwwAuthenticate(std::string_view headerValue);
// The parameter `name` of the first Bearer challenge that has it.
std::optional<std::string> bearerParam(const std::vector<std::string>& headerValues,
                                       std::string_view name);
// The resource_metadata parameter of the first Bearer challenge that has one.
std::optional<std::string> resourceMetadataFrom(const std::vector<std::string>& headerValues);

struct RpcError {
  int code = 0;
  std::string message;
  common::Json data; // null when absent
};

enum class RpcKind { Result, Error, Invalid };
struct RpcOutcome {
  RpcKind kind = RpcKind::Invalid;
  common::Json result;
  RpcError error;
  std::string problem; // for Invalid: what is wrong with the message
};

// Classifies one JSON value as the response to the request with id `expectedId`: exactly one
// of result/error, "jsonrpc":"2.0", matching id (an error may carry a null id when the server
// could not read the request). Arrays (batches) and non-objects are Invalid.
RpcOutcome classifyRpcResponse(const common::Json& message, const common::Json& expectedId);
// True when `message` is a response (not a request or notification) meant for `expectedId`.
// Used to skip unrelated traffic on SSE streams.
bool isResponseTo(const common::Json& message, const common::Json& expectedId);

// What one JSON-RPC request produced at the HTTP level.
struct Reply {
  enum class Kind { Result, RpcError, Failure };
  Kind kind = Kind::Failure;
  int httpStatus = 0;
  common::Json result;
  RpcError error;
  Failure failure{FailureReason::InvalidResponse, {}, {}, {}, {}};
};

Reply failureReply(Failure failure, int httpStatus = 0);

// A complete (non-SSE) HTTP answer to a JSON-RPC request.
struct HttpReply {
  int status = 0;
  std::string contentType; // empty when absent
  std::string body;
  std::vector<std::string> wwwAuthenticate;
};

// Status first (401 auth_required, 403 forbidden or insufficient_scope, 429 rate_limited), then
// the body: a JSON-RPC
// response (even on 4xx/5xx, so callers can read version errors), else not_mcp for HTML,
// 404 pages and non-JSON 2xx, http_error for other statuses, invalid_response for bad JSON.
Reply classifyHttpReply(std::string_view request, const HttpReply& reply,
                        const common::Json& expectedId, int maxJsonDepth);
// Where a server's protected resource metadata (RFC 9728) is looked for, in order: the
// challenge's resource_metadata URL when it gave one (only that), else the path-aware
// well-known URL (/.well-known/oauth-protected-resource/<path>), then the root one.
std::vector<std::string>
protectedResourceMetadataUrls(const common::Url& server,
                              const std::optional<std::string>& fromChallenge);
// What is wrong with a protected resource metadata document for `server` (nullopt: usable): it
// must be a JSON object whose `resource` is the server's URL (scheme and host in any case, a
// trailing slash ignored) and whose `authorization_servers` lists at least one http(s) URL,
// returned in `authorizationServers`. Never quotes the document.
std::optional<std::string> protectedResourceProblem(const common::Json& doc,
                                                    const common::Url& server,
                                                    std::vector<std::string>& authorizationServers);

// A 401 after mcpwatch sent a credential (an Authorization header) is auth_invalid, not
// auth_required: the server saw the credential and refused it.
void markCredentialSent(Failure& failure);
// The failure for a status that ends the probe whatever the body says, if `status` is one.
std::optional<Failure> terminalStatusFailure(std::string_view request, int status,
                                             const std::vector<std::string>& wwwAuthenticate);
// The failure a JSON-RPC error answer stands for when nothing better applies: jsonrpc_error
// (code set) for 2xx/4xx, http_error for 5xx.
Failure rpcErrorFailure(std::string_view request, const RpcError& error, int httpStatus);
// Turns any reply that is not a result into its Failure.
Failure replyFailure(std::string_view request, const Reply& reply);

// A request the server sent the client on a stream (sampling, elicitation, roots/list, ping).
struct ServerRequest {
  common::Json id;
  std::string method;
};

// Collects JSON-RPC messages from an SSE body (a POST's response stream or the legacy GET
// stream) and hands out the answer to one request at a time. Priming events (empty data),
// comments, non-"message" events, notifications and answers to other ids are skipped; server
// requests are kept (up to kMaxServerRequests) for the caller to answer. Bytes are counted per
// awaited answer so a stream of noise ends at the cap. The last event id and retry time seen
// are kept so a stream that ends early can be resumed (2025-11-25 SSE resumption).
class SseMessageReader {
public:
  static constexpr std::size_t kMaxServerRequests = 8;

  SseMessageReader(std::size_t maxBytes, int maxJsonDepth);

  void feed(std::string_view chunk);
  // A new stream continues this one (a resumption GET): its bytes start a fresh parse, the
  // queue, event id and retry time carry over.
  void restartStream();
  const std::optional<std::string>& lastEventId() const { return lastEventId_; }
  std::optional<long> retryMs() const { return retryMs_; }
  // The oldest server request not handed out yet.
  std::optional<ServerRequest> takeServerRequest();
  // Starts waiting for a new answer: resets the byte budget.
  void resetBudget() { budgetUsed_ = 0; }
  // The next queued event of any kind (the legacy transport's `endpoint` event).
  std::optional<net::SseEvent> nextEvent();
  // The answer to `expectedId` if it has arrived; skipped events are consumed. Also returns a
  // failure reply when the stream went over the byte cap or carried malformed JSON.
  std::optional<Reply> takeAnswer(std::string_view request, const common::Json& expectedId);
  // The reply when the stream ended before the answer.
  static Reply endedWithoutAnswer(std::string_view request);

  std::size_t skipped() const { return skipped_; }

private:
  net::SseParser parser_;
  std::deque<net::SseEvent> queue_;
  std::deque<ServerRequest> serverRequests_;
  std::optional<std::string> lastEventId_;
  std::optional<long> retryMs_;
  std::size_t maxBytes_;
  int maxJsonDepth_;
  std::size_t budgetUsed_ = 0;
  std::size_t skipped_ = 0;
};

// ---- Version negotiation ------------------------------------------------------------------

bool versionAccepted(std::string_view version, const std::vector<std::string>& accepted);
// Modern-era versions are the stateless ones, 2026-07-28 and later (dates compare as text).
bool isModernVersion(std::string_view version);
// The versions a server names in data.supported of a version error (strings only).
std::vector<std::string> supportedVersionsOf(const RpcError& error);
// A version error answer to initialize: -32022, or any error naming data.supported, or an
// "Unsupported protocol version" message (SDK v1 and the spec example use -32602/-32000).
bool isInitializeVersionError(const RpcError& error);
// The first accepted version (in the caller's preference order) the server supports and that
// was not tried yet.
std::optional<std::string> pickRetryVersion(const std::vector<std::string>& supported,
                                            const std::vector<std::string>& accepted,
                                            const std::vector<std::string>& tried);

// What to do after a server/discover answer (reference sections 3 and 12).
struct DiscoverDecision {
  enum class Verdict { Modern, RetryVersion, Legacy, Stop };
  Verdict verdict = Verdict::Stop;
  std::optional<std::string> version; // RetryVersion: the version to use next
  std::optional<Failure> failure;     // Stop: the failure; Legacy: why it is not modern
};
DiscoverDecision decideDiscover(const Reply& reply, std::string_view sentVersion,
                                const std::vector<std::string>& accepted,
                                const std::vector<std::string>& tried);

// What to do after an initialize answer.
struct InitializeDecision {
  enum class Verdict { Ok, RetryVersion, FallbackSse, Stop };
  Verdict verdict = Verdict::Stop;
  std::optional<std::string> version; // Ok: negotiated; RetryVersion: next to send
  std::optional<Failure> failure;     // Stop and FallbackSse
};
InitializeDecision decideInitialize(const Reply& reply, const std::vector<std::string>& accepted,
                                    const std::vector<std::string>& tried);

// The checks on an initialize result (protocolVersion, capabilities, serverInfo name/version)
// and on a server/discover result (supportedVersions, capabilities, _meta serverInfo); the
// problem text when invalid.
std::optional<std::string> initializeResultProblem(const common::Json& result);
std::optional<std::string> discoverResultProblem(const common::Json& result);
// The serverInfo of a server/discover result: from _meta (the spec's place), else from the top
// level (as the conformance mocks send it); null when there is none.
const common::Json& discoverServerInfo(const common::Json& result);

// A 404 on a request after initialize, or a 400 whose JSON-RPC error talks about the session:
// the session is gone and the client must initialize again.
bool isSessionLost(const Reply& reply);

// Header value for Mcp-Name: plain when it is visible ASCII without leading/trailing spaces,
// otherwise the "=?base64?...?=" form of the 2026-07-28 transport.
std::string encodeMcpNameHeader(std::string_view name);

// SEP-2243 (2026-07-28): the Mcp-Param-<Name> headers a tools/call of `tool` with `arguments`
// carries, one per property its inputSchema marks with "x-mcp-header" (through nested
// `properties` only; not under items, anyOf or $ref) whose argument is present and not null:
// strings as sent unless they need Base64 (a byte outside 0x20-0x7E, or leading/trailing
// whitespace), integers in decimal, booleans as true/false. Fails, naming the problem, when a
// mark is invalid (empty, not an HTTP token, on a type other than string/integer/boolean, or
// the same name twice ignoring case): a client must not call such a tool.
common::Expected<std::vector<std::pair<std::string, std::string>>, std::string>
mcpParamHeaders(const common::Json& tool, const common::Json& arguments);

} // namespace mcpwatch::prober
