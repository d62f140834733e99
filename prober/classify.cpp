// Pure classification of MCP exchanges (see classify.hpp for the rules).
#include "prober/classify.hpp"

#include "common/crypto.hpp"
#include "common/strings.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <set>

namespace mcpwatch::prober {
namespace {

using common::Json;

bool isTokenChar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
    return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

// The media type of a Content-Type value, lower case, without parameters.
std::string mediaType(std::string_view contentType) {
  auto semi = contentType.find(';');
  return common::toLower(common::trim(contentType.substr(0, semi)));
}

std::string statusText(int status) {
  return "HTTP " + std::to_string(status);
}

std::string withExcerpt(std::string head, std::string_view excerpt) {
  if (!excerpt.empty())
    head += ": " + std::string(excerpt);
  return capDetail(head);
}

bool containsNoCase(std::string_view haystack, std::string_view needle) {
  return common::toLower(haystack).find(common::toLower(needle)) != std::string::npos;
}

} // namespace

std::string sanitizeExcerpt(std::string_view text, std::size_t maxChars) {
  // Round-trip through nlohmann's replace handler to turn invalid UTF-8 into U+FFFD.
  std::string valid = Json(std::string(text)).dump(-1, ' ', false, Json::error_handler_t::replace);
  auto parsed = Json::parse(valid, nullptr, false);
  std::string utf8 = parsed.is_string() ? parsed.get<std::string>() : std::string();
  std::string out;
  out.reserve(std::min(utf8.size(), maxChars * 4));
  bool lastSpace = true; // drops leading whitespace
  for (unsigned char c : utf8) {
    bool space = c < 0x20 || c == 0x7F || c == ' ';
    if (space) {
      if (!lastSpace)
        out.push_back(' ');
      lastSpace = true;
      continue;
    }
    out.push_back(static_cast<char>(c));
    lastSpace = false;
  }
  while (!out.empty() && out.back() == ' ')
    out.pop_back();
  return common::truncateCodePoints(out, maxChars);
}

std::string bodyExcerpt(std::string_view body, std::string_view contentType) {
  // Only the start of a body matters for a one-line detail.
  std::string_view head = body.substr(0, 4096);
  std::string text;
  bool html = isHtmlContentType(contentType) || common::trim(head).starts_with("<");
  if (html) {
    bool inTag = false;
    for (char c : head) {
      if (c == '<') {
        inTag = true;
        text.push_back(' ');
      } else if (c == '>') {
        inTag = false;
      } else if (!inTag) {
        text.push_back(c);
      }
    }
  } else {
    text.assign(head);
  }
  return sanitizeExcerpt(text);
}

std::string capDetail(std::string_view detail) {
  return common::truncateCodePoints(detail, kMaxDetailChars);
}

bool isJsonContentType(std::string_view contentType) {
  auto type = mediaType(contentType);
  return type == "application/json" ||
         (type.starts_with("application/") && type.ends_with("+json"));
}

bool isEventStreamContentType(std::string_view contentType) {
  return mediaType(contentType) == "text/event-stream";
}

bool isHtmlContentType(std::string_view contentType) {
  auto type = mediaType(contentType);
  return type == "text/html" || type == "application/xhtml+xml";
}

FailureReason reasonFor(net::NetErrorKind kind) {
  switch (kind) {
  case net::NetErrorKind::DnsError:
    return FailureReason::DnsError;
  case net::NetErrorKind::ConnectRefused:
    return FailureReason::ConnectRefused;
  case net::NetErrorKind::ConnectTimeout:
    return FailureReason::ConnectTimeout;
  case net::NetErrorKind::TlsError:
    return FailureReason::TlsError;
  case net::NetErrorKind::TlsCertificateInvalid:
    return FailureReason::TlsCertificateInvalid;
  case net::NetErrorKind::Timeout:
    return FailureReason::Timeout;
  case net::NetErrorKind::ConnectionClosed:
    return FailureReason::ConnectionClosed;
  case net::NetErrorKind::ResponseTooLarge:
    return FailureReason::ResponseTooLarge;
  case net::NetErrorKind::MalformedResponse:
    return FailureReason::InvalidResponse;
  case net::NetErrorKind::Cancelled:
    return FailureReason::Timeout;
  case net::NetErrorKind::LocalResource:
    return FailureReason::LocalError;
  }
  return FailureReason::InvalidResponse;
}

Failure netFailure(std::string_view request, const net::NetError& error) {
  std::string detail(request);
  detail += ": ";
  if (error.kind == net::NetErrorKind::Cancelled)
    detail += "probe deadline reached";
  else
    detail += sanitizeExcerpt(error.detail, kMaxDetailChars);
  return Failure{reasonFor(error.kind), capDetail(detail), {}, {}, {}};
}

// ---- WWW-Authenticate ---------------------------------------------------------------------

std::optional<std::string> AuthChallenge::param(std::string_view name) const {
  for (const auto& [key, value] : params)
    if (common::iequals(key, name))
      return value;
  return std::nullopt;
}

std::vector<AuthChallenge> parseWwwAuthenticate(std::string_view s) {
  std::vector<AuthChallenge> out;
  std::size_t i = 0;
  auto skipWs = [&] {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t'))
      ++i;
  };
  auto skipWsAndCommas = [&] {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == ','))
      ++i;
  };
  auto readToken = [&] {
    std::size_t start = i;
    while (i < s.size() && isTokenChar(s[i]))
      ++i;
    return std::string(s.substr(start, i - start));
  };
  auto readQuoted = [&]() -> std::optional<std::string> {
    ++i; // opening quote
    std::string value;
    while (i < s.size()) {
      char c = s[i++];
      if (c == '"')
        return value;
      if (c == '\\' && i < s.size())
        c = s[i++];
      value.push_back(c);
    }
    return std::nullopt; // unterminated
  };

  while (true) {
    skipWsAndCommas();
    if (i >= s.size())
      break;
    AuthChallenge challenge;
    challenge.scheme = readToken();
    if (challenge.scheme.empty())
      break; // not a token: the rest is unparseable
    skipWs();
    // token68: token chars plus "-._~+/" followed by optional "=" padding, then end or comma.
    {
      std::size_t save = i;
      std::size_t start = i;
      while (i < s.size() && (std::isalnum(static_cast<unsigned char>(s[i])) ||
                              std::string_view("-._~+/").find(s[i]) != std::string_view::npos))
        ++i;
      std::size_t bodyEnd = i;
      while (i < s.size() && s[i] == '=')
        ++i;
      std::size_t afterPad = i;
      skipWs();
      bool atEnd = i >= s.size() || s[i] == ',';
      // "a=b" is a parameter, not token68: token68 needs no '=' or only trailing padding.
      bool isParam = afterPad > bodyEnd && afterPad < s.size() && !atEnd;
      if (bodyEnd > start && atEnd && !isParam) {
        challenge.token68 = std::string(s.substr(start, afterPad - start));
        out.push_back(std::move(challenge));
        continue;
      }
      i = save;
    }
    // auth-params: name = (token | quoted-string), separated by commas.
    bool broken = false;
    while (true) {
      skipWsAndCommas();
      if (i >= s.size())
        break;
      std::size_t save = i;
      std::string name = readToken();
      skipWs();
      if (name.empty() || i >= s.size() || s[i] != '=') {
        i = save; // the next challenge's scheme
        if (name.empty())
          broken = true;
        break;
      }
      ++i;
      skipWs();
      std::string value;
      if (i < s.size() && s[i] == '"') {
        auto quoted = readQuoted();
        if (!quoted) {
          broken = true;
          break;
        }
        value = std::move(*quoted);
      } else {
        // Strictly a token; servers also send bare URLs here, so take everything up to the
        // next comma or space.
        std::size_t start = i;
        while (i < s.size() && s[i] != ',' && s[i] != ' ' && s[i] != '\t')
          ++i;
        value = std::string(s.substr(start, i - start));
      }
      challenge.params.emplace_back(common::toLower(name), std::move(value));
      skipWs();
      if (i < s.size() && s[i] != ',') {
        broken = true;
        break;
      }
    }
    out.push_back(std::move(challenge));
    if (broken)
      break;
  }
  return out;
}

std::optional<std::string> bearerParam(const std::vector<std::string>& headerValues,
                                       std::string_view name) {
  for (const auto& value : headerValues)
    for (const auto& challenge : parseWwwAuthenticate(value))
      if (common::iequals(challenge.scheme, "Bearer"))
        if (auto v = challenge.param(name))
          return v;
  return std::nullopt;
}

std::optional<std::string> resourceMetadataFrom(const std::vector<std::string>& headerValues) {
  return bearerParam(headerValues, "resource_metadata");
}

// ---- JSON-RPC ------------------------------------------------------------------------------

RpcOutcome classifyRpcResponse(const Json& message, const Json& expectedId) {
  RpcOutcome out;
  if (message.is_array()) {
    out.problem = "a JSON array (batch) instead of one response";
    return out;
  }
  if (!message.is_object()) {
    out.problem = "not a JSON object";
    return out;
  }
  auto jsonrpc = message.find("jsonrpc");
  if (jsonrpc == message.end() || !jsonrpc->is_string() || *jsonrpc != "2.0") {
    out.problem = "missing or wrong \"jsonrpc\" member";
    return out;
  }
  bool hasResult = message.contains("result");
  bool hasError = message.contains("error");
  if (hasResult == hasError) {
    out.problem = hasResult ? "both \"result\" and \"error\"" : "neither \"result\" nor \"error\"";
    return out;
  }
  auto id = message.find("id");
  bool nullId = id == message.end() || id->is_null();
  if (hasResult) {
    if (nullId || *id != expectedId) {
      out.problem = "response id " + (nullId ? std::string("null") : id->dump()) +
                    " does not match request id " + expectedId.dump();
      return out;
    }
    out.kind = RpcKind::Result;
    out.result = message["result"];
    return out;
  }
  // An error may carry a null id when the server could not read the request's id.
  if (!nullId && *id != expectedId) {
    out.problem = "error id " + id->dump() + " does not match request id " + expectedId.dump();
    return out;
  }
  const Json& error = message["error"];
  auto code = error.is_object() ? error.find("code") : error.end();
  if (!error.is_object() || code == error.end() || !code->is_number_integer()) {
    out.problem = "error member without an integer code";
    return out;
  }
  out.kind = RpcKind::Error;
  auto c = code->get<std::int64_t>();
  out.error.code = static_cast<int>(std::clamp<std::int64_t>(c, INT32_MIN, INT32_MAX));
  if (auto msg = error.find("message"); msg != error.end() && msg->is_string())
    out.error.message = msg->get<std::string>();
  if (auto data = error.find("data"); data != error.end())
    out.error.data = *data;
  return out;
}

bool isResponseTo(const Json& message, const Json& expectedId) {
  if (!message.is_object() || message.contains("method"))
    return false;
  if (!message.contains("result") && !message.contains("error"))
    return false;
  auto id = message.find("id");
  bool nullId = id == message.end() || id->is_null();
  if (nullId)
    return message.contains("error"); // only our request can be unreadable on this stream
  return *id == expectedId;
}

Reply failureReply(Failure failure, int httpStatus) {
  Reply reply;
  reply.kind = Reply::Kind::Failure;
  reply.httpStatus = httpStatus;
  if (httpStatus && !failure.httpStatus)
    failure.httpStatus = httpStatus;
  reply.failure = std::move(failure);
  return reply;
}

namespace {

Reply fromRpcOutcome(std::string_view request, RpcOutcome outcome, int status) {
  Reply reply;
  reply.httpStatus = status;
  switch (outcome.kind) {
  case RpcKind::Result:
    reply.kind = Reply::Kind::Result;
    reply.result = std::move(outcome.result);
    return reply;
  case RpcKind::Error:
    reply.kind = Reply::Kind::RpcError;
    reply.error = std::move(outcome.error);
    return reply;
  case RpcKind::Invalid:
    break;
  }
  return failureReply(
      {FailureReason::InvalidResponse,
       capDetail(std::string(request) + ": invalid JSON-RPC response (" + outcome.problem + ")"),
       {},
       {},
       {}},
      status);
}

} // namespace

namespace {
// "; error=invalid_token (Token has expired)" from the first challenge that names an error
// (RFC 6750 section 3), so a person can tell an expired token from a missing one.
std::string challengeError(const std::vector<std::string>& wwwAuthenticate) {
  for (const auto& value : wwwAuthenticate)
    for (const auto& challenge : parseWwwAuthenticate(value)) {
      auto error = challenge.param("error");
      if (!error)
        continue;
      std::string out = "; error=" + sanitizeExcerpt(*error, 40);
      if (auto description = challenge.param("error_description"))
        out += " (" + sanitizeExcerpt(*description, 100) + ")";
      return out;
    }
  return {};
}
} // namespace

std::vector<std::string>
protectedResourceMetadataUrls(const common::Url& server,
                              const std::optional<std::string>& fromChallenge) {
  if (fromChallenge)
    return {*fromChallenge};
  constexpr std::string_view kWellKnown = "/.well-known/oauth-protected-resource";
  std::string path = server.target.substr(0, server.target.find('?'));
  while (path.size() > 1 && path.back() == '/')
    path.pop_back();
  std::vector<std::string> out;
  if (path != "/" && !path.empty())
    out.push_back(server.origin() + std::string(kWellKnown) + path);
  out.push_back(server.origin() + std::string(kWellKnown));
  return out;
}

namespace {
// scheme://host[:port]/path without a trailing slash: how two resource URLs are compared.
std::string canonicalResource(const common::Url& url) {
  std::string out = url.origin() + url.target;
  while (!out.empty() && out.back() == '/')
    out.pop_back();
  return out;
}
} // namespace

std::optional<std::string>
protectedResourceProblem(const common::Json& doc, const common::Url& server,
                         std::vector<std::string>& authorizationServers) {
  if (!doc.is_object())
    return "not a JSON object";
  auto resource = doc.find("resource");
  if (resource == doc.end() || !resource->is_string())
    return "no \"resource\"";
  auto named = common::Url::parse(resource->get<std::string>());
  if (!named || canonicalResource(*named) != canonicalResource(server))
    return "its \"resource\" is not this server's URL";
  auto servers = doc.find("authorization_servers");
  if (servers == doc.end() || !servers->is_array() || servers->empty())
    return "no \"authorization_servers\"";
  authorizationServers.clear();
  for (const auto& as : *servers) {
    if (!as.is_string() || !common::Url::parse(as.get<std::string>()))
      return "an authorization server that is not an http(s) URL";
    authorizationServers.push_back(as.get<std::string>());
  }
  return std::nullopt;
}

void markCredentialSent(Failure& failure) {
  if (failure.reason == FailureReason::AuthRequired)
    failure.reason = FailureReason::AuthInvalid;
}

std::optional<Failure> terminalStatusFailure(std::string_view request, int status,
                                             const std::vector<std::string>& wwwAuthenticate) {
  std::string head = std::string(request) + ": " + statusText(status);
  switch (status) {
  case 401: {
    Failure f{
        FailureReason::AuthRequired,          {}, 401, {}, resourceMetadataFrom(wwwAuthenticate),
        bearerParam(wwwAuthenticate, "scope")};
    std::string detail = head + " Unauthorized" + challengeError(wwwAuthenticate);
    if (f.resourceMetadata)
      detail += "; resource_metadata=" + sanitizeExcerpt(*f.resourceMetadata, 150);
    f.detail = capDetail(detail);
    return f;
  }
  case 403: {
    Failure f{FailureReason::Forbidden,
              capDetail(head + " Forbidden" + challengeError(wwwAuthenticate)),
              403,
              {},
              {}};
    for (const auto& value : wwwAuthenticate)
      for (const auto& challenge : parseWwwAuthenticate(value))
        if (auto error = challenge.param("error"); error && *error == "insufficient_scope") {
          // The detail from this challenge: another one may name another error.
          std::string detail = head + " Forbidden; error=insufficient_scope";
          if (auto description = challenge.param("error_description"))
            detail += " (" + sanitizeExcerpt(*description, 100) + ")";
          if (auto scope = challenge.param("scope"))
            detail += "; scope=" + sanitizeExcerpt(*scope, 150);
          f.reason = FailureReason::InsufficientScope;
          f.challengeScope = challenge.param("scope");
          f.resourceMetadata = challenge.param("resource_metadata");
          f.detail = capDetail(detail);
          return f;
        }
    return f;
  }
  case 429:
    return Failure{FailureReason::RateLimited, capDetail(head + " Too Many Requests"), 429, {}, {}};
  default:
    return std::nullopt;
  }
}

Reply classifyHttpReply(std::string_view request, const HttpReply& reply, const Json& expectedId,
                        int maxJsonDepth) {
  if (auto terminal = terminalStatusFailure(request, reply.status, reply.wwwAuthenticate))
    return failureReply(std::move(*terminal), reply.status);

  std::string head = std::string(request) + ": " + statusText(reply.status);
  bool ok2xx = reply.status >= 200 && reply.status < 300;
  bool json = isJsonContentType(reply.contentType);
  auto trimmed = common::trim(reply.body);
  // Without a Content-Type, a body that looks like JSON gets the benefit of the doubt.
  bool looksJson =
      reply.contentType.empty() && (trimmed.starts_with("{") || trimmed.starts_with("["));

  if (json || looksJson) {
    common::JsonParseError error;
    auto parsed = common::parseJson(reply.body, &error, maxJsonDepth);
    if (!parsed) {
      if (!ok2xx)
        return failureReply({FailureReason::HttpError,
                             withExcerpt(head, bodyExcerpt(reply.body, reply.contentType)),
                             reply.status,
                             {},
                             {}},
                            reply.status);
      std::string what = trimmed.empty() ? "empty body" : error.message;
      return failureReply(
          {FailureReason::InvalidResponse, capDetail(head + ": " + what), {}, {}, {}},
          reply.status);
    }
    RpcOutcome outcome = classifyRpcResponse(*parsed, expectedId);
    if (ok2xx || outcome.kind == RpcKind::Error)
      return fromRpcOutcome(request, std::move(outcome), reply.status);
    // A non-2xx JSON body that is not a JSON-RPC error (e.g. an OAuth or gateway error).
    if (reply.status == 404)
      return failureReply({FailureReason::NotMcp,
                           withExcerpt(head, bodyExcerpt(reply.body, reply.contentType)),
                           reply.status,
                           {},
                           {}},
                          reply.status);
    return failureReply({FailureReason::HttpError,
                         withExcerpt(head, bodyExcerpt(reply.body, reply.contentType)),
                         reply.status,
                         {},
                         {}},
                        reply.status);
  }

  std::string typeNote = reply.contentType.empty()
                             ? " (no content type)"
                             : " (" + sanitizeExcerpt(mediaType(reply.contentType), 60) + ")";
  if (ok2xx) {
    if (trimmed.empty())
      return failureReply(
          {FailureReason::InvalidResponse,
           capDetail(head + typeNote + ": empty body, expected a JSON-RPC response"),
           {},
           {},
           {}},
          reply.status);
    return failureReply({FailureReason::NotMcp,
                         withExcerpt(head + typeNote + " is not JSON-RPC",
                                     bodyExcerpt(reply.body, reply.contentType)),
                         reply.status,
                         {},
                         {}},
                        reply.status);
  }
  if (reply.status == 404)
    return failureReply({FailureReason::NotMcp,
                         withExcerpt(head + typeNote, bodyExcerpt(reply.body, reply.contentType)),
                         reply.status,
                         {},
                         {}},
                        reply.status);
  return failureReply({FailureReason::HttpError,
                       withExcerpt(head + typeNote, bodyExcerpt(reply.body, reply.contentType)),
                       reply.status,
                       {},
                       {}},
                      reply.status);
}

Failure rpcErrorFailure(std::string_view request, const RpcError& error, int httpStatus) {
  std::string detail = std::string(request) + ": ";
  if (httpStatus && (httpStatus < 200 || httpStatus >= 300))
    detail += statusText(httpStatus) + ", ";
  detail += "JSON-RPC error " + std::to_string(error.code);
  auto message = sanitizeExcerpt(error.message);
  if (!message.empty())
    detail += ": " + message;
  std::optional<int> status;
  if (httpStatus)
    status = httpStatus;
  FailureReason reason = httpStatus >= 500 ? FailureReason::HttpError : FailureReason::JsonrpcError;
  return Failure{reason, capDetail(detail), status, error.code, {}};
}

Failure replyFailure(std::string_view request, const Reply& reply) {
  switch (reply.kind) {
  case Reply::Kind::Failure:
    return reply.failure;
  case Reply::Kind::RpcError:
    return rpcErrorFailure(request, reply.error, reply.httpStatus);
  case Reply::Kind::Result:
    break;
  }
  return Failure{FailureReason::InvalidResponse,
                 capDetail(std::string(request) + ": unexpected result"),
                 {},
                 {},
                 {}};
}

// ---- SSE -----------------------------------------------------------------------------------

SseMessageReader::SseMessageReader(std::size_t maxBytes, int maxJsonDepth)
    : parser_(maxBytes), maxBytes_(maxBytes), maxJsonDepth_(maxJsonDepth) {}

void SseMessageReader::feed(std::string_view chunk) {
  budgetUsed_ += chunk.size();
  for (auto& event : parser_.feed(chunk)) {
    if (event.id)
      lastEventId_ = event.id;
    if (event.retryMs)
      retryMs_ = event.retryMs;
    queue_.push_back(std::move(event));
  }
}

void SseMessageReader::restartStream() {
  parser_ = net::SseParser(maxBytes_);
}

std::optional<ServerRequest> SseMessageReader::takeServerRequest() {
  if (serverRequests_.empty())
    return std::nullopt;
  auto request = std::move(serverRequests_.front());
  serverRequests_.pop_front();
  return request;
}

std::optional<net::SseEvent> SseMessageReader::nextEvent() {
  if (queue_.empty())
    return std::nullopt;
  auto event = std::move(queue_.front());
  queue_.pop_front();
  return event;
}

std::optional<Reply> SseMessageReader::takeAnswer(std::string_view request,
                                                  const Json& expectedId) {
  while (!queue_.empty()) {
    net::SseEvent event = std::move(queue_.front());
    queue_.pop_front();
    if (event.event != "message" || common::trim(event.data).empty()) {
      ++skipped_;
      continue;
    }
    common::JsonParseError error;
    auto parsed = common::parseJson(event.data, &error, maxJsonDepth_);
    if (!parsed)
      return failureReply({FailureReason::InvalidResponse,
                           capDetail(std::string(request) + ": SSE event with " + error.message),
                           {},
                           {},
                           {}});
    if (!isResponseTo(*parsed, expectedId)) {
      ++skipped_;
      if (parsed->is_object() && parsed->contains("id") && parsed->contains("method") &&
          (*parsed)["method"].is_string() && serverRequests_.size() < kMaxServerRequests) {
        const Json& id = (*parsed)["id"];
        if (id.is_string() || id.is_number_integer())
          serverRequests_.push_back({id, (*parsed)["method"].get<std::string>()});
      }
      continue;
    }
    return fromRpcOutcome(request, classifyRpcResponse(*parsed, expectedId), 200);
  }
  if (budgetUsed_ > maxBytes_ || parser_.overflowed())
    return failureReply({FailureReason::ResponseTooLarge,
                         capDetail(std::string(request) + ": SSE stream passed " +
                                   std::to_string(maxBytes_) + " bytes without the answer"),
                         {},
                         {},
                         {}});
  return std::nullopt;
}

Reply SseMessageReader::endedWithoutAnswer(std::string_view request) {
  return failureReply({FailureReason::InvalidResponse,
                       capDetail(std::string(request) + ": SSE stream ended without the answer"),
                       {},
                       {},
                       {}});
}

// ---- Versions ------------------------------------------------------------------------------

bool versionAccepted(std::string_view version, const std::vector<std::string>& accepted) {
  return std::find(accepted.begin(), accepted.end(), version) != accepted.end();
}

bool isModernVersion(std::string_view version) {
  bool dateShaped = version.size() == 10 && version[4] == '-' && version[7] == '-';
  return dateShaped && version >= kModernVersion;
}

std::vector<std::string> supportedVersionsOf(const RpcError& error) {
  std::vector<std::string> out;
  if (!error.data.is_object())
    return out;
  auto supported = error.data.find("supported");
  if (supported == error.data.end() || !supported->is_array())
    return out;
  for (const auto& v : *supported)
    if (v.is_string())
      out.push_back(v.get<std::string>());
  return out;
}

bool isInitializeVersionError(const RpcError& error) {
  if (error.code == -32022)
    return true;
  if (error.data.is_object() && error.data.contains("supported"))
    return true;
  return containsNoCase(error.message, "unsupported protocol version");
}

std::optional<std::string> pickRetryVersion(const std::vector<std::string>& supported,
                                            const std::vector<std::string>& accepted,
                                            const std::vector<std::string>& tried) {
  for (const auto& v : accepted)
    if (versionAccepted(v, supported) && !versionAccepted(v, tried))
      return v;
  return std::nullopt;
}

std::optional<std::string> initializeResultProblem(const Json& result) {
  if (!result.is_object())
    return "result is not an object";
  auto pv = result.find("protocolVersion");
  if (pv == result.end() || !pv->is_string() || pv->get<std::string>().empty())
    return "result lacks protocolVersion";
  auto caps = result.find("capabilities");
  if (caps == result.end() || !caps->is_object())
    return "result lacks capabilities";
  auto info = result.find("serverInfo");
  if (info == result.end() || !info->is_object())
    return "result lacks serverInfo";
  auto name = info->find("name");
  auto version = info->find("version");
  if (name == info->end() || !name->is_string())
    return "serverInfo lacks name";
  if (version == info->end() || !version->is_string())
    return "serverInfo lacks version";
  return std::nullopt;
}

std::optional<std::string> discoverResultProblem(const Json& result) {
  if (!result.is_object())
    return "result is not an object";
  auto versions = result.find("supportedVersions");
  if (versions == result.end() || !versions->is_array())
    return "result lacks supportedVersions";
  auto caps = result.find("capabilities");
  if (caps == result.end() || !caps->is_object())
    return "result lacks capabilities";
  // serverInfo is a SHOULD (in _meta; the conformance mocks put it at the top level): without
  // it the server is still up, only unnamed. One that is there must be well formed.
  const Json& info = discoverServerInfo(result);
  if (info.is_null())
    return std::nullopt;
  if (!info.is_object())
    return "serverInfo is not an object";
  auto name = info.find("name");
  auto version = info.find("version");
  if (name != info.end() && !name->is_string())
    return "serverInfo name is not a string";
  if (version != info.end() && !version->is_string())
    return "serverInfo version is not a string";
  return std::nullopt;
}

const Json& discoverServerInfo(const Json& result) {
  static const Json kNone;
  if (!result.is_object())
    return kNone;
  if (auto meta = result.find("_meta"); meta != result.end() && meta->is_object())
    if (auto info = meta->find("io.modelcontextprotocol/serverInfo"); info != meta->end())
      return *info;
  if (auto info = result.find("serverInfo"); info != result.end())
    return *info;
  return kNone;
}

namespace {
// Statuses that can mean "no modern server here": a JSON-RPC or HTML answer from a legacy server
// (2xx, 4xx). Not 5xx, 408 or 429, which are transient failures of whatever server it is, not a
// redirect (mcpwatch follows none, and initialize would get the same), and not 0 (no answer).
bool notModernStatus(int status) {
  return (status >= 200 && status < 300) ||
         (status >= 400 && status < 500 && status != 408 && status != 429);
}
} // namespace

DiscoverDecision decideDiscover(const Reply& reply, std::string_view sentVersion,
                                const std::vector<std::string>& accepted,
                                const std::vector<std::string>& tried) {
  using V = DiscoverDecision::Verdict;
  constexpr std::string_view kRequest = "server/discover";
  switch (reply.kind) {
  case Reply::Kind::Failure: {
    const auto r = reply.failure.reason;
    // Only an answer that is "not this era" falls back. Network errors, auth, rate limits and
    // server errors would answer every era alike (or pass): falling back on them would record a
    // dual-era server in the wrong era and fake schema drift.
    bool notModern = r == FailureReason::NotMcp || r == FailureReason::HttpError ||
                     r == FailureReason::InvalidResponse;
    if (!notModern || !notModernStatus(reply.httpStatus))
      return {V::Stop, {}, reply.failure};
    return {V::Legacy, {}, reply.failure};
  }
  case Reply::Kind::RpcError: {
    const auto& e = reply.error;
    if (!notModernStatus(reply.httpStatus))
      return {V::Stop, {}, rpcErrorFailure(kRequest, e, reply.httpStatus)};
    if (e.code == -32022) {
      auto supported = supportedVersionsOf(e);
      // A server that names the version just sent as supported may have hit a transient
      // problem with it: send it once more before choosing another.
      if (versionAccepted(sentVersion, supported) &&
          std::count(tried.begin(), tried.end(), std::string(sentVersion)) < 2)
        return {V::RetryVersion, std::string(sentVersion), {}};
      if (auto next = pickRetryVersion(supported, accepted, tried))
        return {V::RetryVersion, next, {}};
      Failure f = rpcErrorFailure(kRequest, e, reply.httpStatus);
      f.reason = FailureReason::ProtocolVersionRejected;
      return {V::Stop, {}, f};
    }
    if (e.code == -32020 || e.code == -32021)
      return {V::Stop, {}, rpcErrorFailure(kRequest, e, reply.httpStatus)};
    return {V::Legacy, {}, rpcErrorFailure(kRequest, e, reply.httpStatus)};
  }
  case Reply::Kind::Result:
    break;
  }
  if (auto problem = discoverResultProblem(reply.result)) {
    // Something answered server/discover without the modern shape: a legacy server with an
    // odd handler is likelier than a broken modern one, so let the legacy path decide.
    if (!reply.result.is_object() || !reply.result.contains("supportedVersions"))
      return {V::Legacy,
              {},
              Failure{FailureReason::InitializeInvalid,
                      capDetail(std::string(kRequest) + ": " + *problem),
                      {},
                      {},
                      {}}};
    return {V::Stop,
            {},
            Failure{FailureReason::InitializeInvalid,
                    capDetail(std::string(kRequest) + ": " + *problem),
                    {},
                    {},
                    {}}};
  }
  std::vector<std::string> supported;
  for (const auto& v : reply.result["supportedVersions"])
    if (v.is_string())
      supported.push_back(v.get<std::string>());
  if (versionAccepted(sentVersion, supported))
    return {V::Modern, std::string(sentVersion), {}};
  std::vector<std::string> modernOnly;
  for (const auto& v : supported)
    if (isModernVersion(v))
      modernOnly.push_back(v);
  if (auto next = pickRetryVersion(modernOnly, accepted, tried))
    return {V::RetryVersion, next, {}};
  return {V::Legacy,
          {},
          Failure{FailureReason::ProtocolVersionRejected,
                  capDetail(std::string(kRequest) + ": server does not list " +
                            std::string(sentVersion) + " in supportedVersions"),
                  {},
                  {},
                  {}}};
}

InitializeDecision decideInitialize(const Reply& reply, const std::vector<std::string>& accepted,
                                    const std::vector<std::string>& tried) {
  using V = InitializeDecision::Verdict;
  constexpr std::string_view kRequest = "initialize";
  auto fallbackStatus = [](int s) { return s == 400 || s == 404 || s == 405; };
  switch (reply.kind) {
  case Reply::Kind::Failure: {
    const auto r = reply.failure.reason;
    bool soft = r == FailureReason::NotMcp || r == FailureReason::HttpError ||
                r == FailureReason::InvalidResponse;
    if (soft && fallbackStatus(reply.httpStatus))
      return {V::FallbackSse, {}, reply.failure};
    return {V::Stop, {}, reply.failure};
  }
  case Reply::Kind::RpcError: {
    const auto& e = reply.error;
    if (isInitializeVersionError(e)) {
      if (auto next = pickRetryVersion(supportedVersionsOf(e), accepted, tried))
        return {V::RetryVersion, next, {}};
      Failure f = rpcErrorFailure(kRequest, e, reply.httpStatus);
      f.reason = FailureReason::ProtocolVersionRejected;
      return {V::Stop, {}, f};
    }
    Failure f = rpcErrorFailure(kRequest, e, reply.httpStatus);
    if (fallbackStatus(reply.httpStatus))
      return {V::FallbackSse, {}, f};
    return {V::Stop, {}, f};
  }
  case Reply::Kind::Result:
    break;
  }
  if (auto problem = initializeResultProblem(reply.result))
    return {V::Stop,
            {},
            Failure{FailureReason::InitializeInvalid,
                    capDetail(std::string(kRequest) + ": " + *problem),
                    {},
                    {},
                    {}}};
  auto version = reply.result["protocolVersion"].get<std::string>();
  if (!versionAccepted(version, accepted))
    return {V::Stop,
            {},
            Failure{FailureReason::ProtocolVersionUnsupported,
                    capDetail(std::string(kRequest) + ": server chose protocol version " +
                              sanitizeExcerpt(version, 40) + ", not in the accepted list"),
                    {},
                    {},
                    {}}};
  return {V::Ok, version, {}};
}

bool isSessionLost(const Reply& reply) {
  if (reply.httpStatus == 404)
    return true;
  if (reply.httpStatus == 400 && reply.kind == Reply::Kind::RpcError)
    return containsNoCase(reply.error.message, "session");
  return false;
}

namespace {

// RFC 9110 tchar.
bool isTokenChar(unsigned char c) {
  return std::isalnum(c) ||
         std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
}

std::string encodeMcpParamValue(const std::string& value) {
  bool base64 = false;
  for (unsigned char c : value)
    if (c < 0x20 || c > 0x7E)
      base64 = true;
  auto isSpace = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  if (!value.empty() && (isSpace(value.front()) || isSpace(value.back())))
    base64 = true;
  // A value that looks encoded is encoded, or the server would decode it.
  if (value.starts_with("=?base64?") && value.ends_with("?="))
    base64 = true;
  return base64 ? "=?base64?" + common::base64Encode(value) + "?=" : value;
}

using ParamHeaders = std::vector<std::pair<std::string, std::string>>;

// Keywords whose subschemas are not reachable through `properties` alone: a mark under one of
// them makes the tool invalid (SEP-2243 static reachability).
constexpr std::array<std::string_view, 18> kUnreachableKeywords = {"items",
                                                                   "prefixItems",
                                                                   "contains",
                                                                   "additionalProperties",
                                                                   "unevaluatedProperties",
                                                                   "unevaluatedItems",
                                                                   "propertyNames",
                                                                   "patternProperties",
                                                                   "dependentSchemas",
                                                                   "oneOf",
                                                                   "anyOf",
                                                                   "allOf",
                                                                   "not",
                                                                   "if",
                                                                   "then",
                                                                   "else",
                                                                   "$defs",
                                                                   "definitions"};

bool containsMark(const Json& node, int depth = 0) {
  if (depth > 64)
    return false;
  if (node.is_object()) {
    if (node.contains("x-mcp-header"))
      return true;
    for (const auto& [key, child] : node.items())
      if (containsMark(child, depth + 1))
        return true;
  } else if (node.is_array()) {
    for (const auto& child : node)
      if (containsMark(child, depth + 1))
        return true;
  }
  return false;
}

std::optional<std::string> unreachableMark(const Json& schema, std::string_view where) {
  for (auto keyword : kUnreachableKeywords)
    if (auto it = schema.find(std::string(keyword)); it != schema.end() && containsMark(*it))
      return "x-mcp-header under '" + std::string(keyword) + "' of " + std::string(where) +
             " is not reachable through properties";
  return std::nullopt;
}

std::optional<std::string> collectParamHeaders(const Json& schema, const Json* arguments,
                                               std::set<std::string>& seen, ParamHeaders& out) {
  auto properties = schema.find("properties");
  if (properties == schema.end() || !properties->is_object())
    return std::nullopt;
  for (const auto& [property, propertySchema] : properties->items()) {
    if (!propertySchema.is_object())
      continue;
    if (auto problem =
            unreachableMark(propertySchema, "property '" + sanitizeExcerpt(property, 40) + "'"))
      return problem;
    const Json* value = nullptr;
    if (arguments && arguments->is_object())
      if (auto it = arguments->find(property); it != arguments->end())
        value = &*it;
    if (auto mark = propertySchema.find("x-mcp-header"); mark != propertySchema.end()) {
      const std::string where = "property '" + sanitizeExcerpt(property, 40) + "'";
      if (!mark->is_string() || mark->get<std::string>().empty())
        return "x-mcp-header of " + where + " is empty or not a string";
      const auto name = mark->get<std::string>();
      if (!std::all_of(name.begin(), name.end(),
                       [](char c) { return isTokenChar(static_cast<unsigned char>(c)); }))
        return "x-mcp-header '" + sanitizeExcerpt(name, 40) + "' of " + where +
               " is not a valid header name";
      auto type = propertySchema.find("type");
      if (type == propertySchema.end() || !type->is_string() ||
          (*type != "string" && *type != "integer" && *type != "boolean"))
        return "x-mcp-header '" + name + "' is on " + where +
               ", which is not a string, integer or boolean";
      if (!seen.insert(common::toLower(name)).second)
        return "x-mcp-header '" + name + "' is used twice";
      if (value && !value->is_null()) {
        std::string text;
        if (value->is_string())
          text = encodeMcpParamValue(value->get<std::string>());
        else if (value->is_boolean())
          text = value->get<bool>() ? "true" : "false";
        else if (value->is_number())
          text = value->dump();
        if (value->is_primitive())
          out.emplace_back("Mcp-Param-" + name, std::move(text));
      }
    }
    if (auto f = collectParamHeaders(propertySchema, value, seen, out))
      return f;
  }
  return std::nullopt;
}

} // namespace

common::Expected<ParamHeaders, std::string> mcpParamHeaders(const Json& tool,
                                                            const Json& arguments) {
  ParamHeaders out;
  if (!tool.is_object())
    return out;
  auto schema = tool.find("inputSchema");
  if (schema == tool.end() || !schema->is_object())
    return out;
  if (schema->contains("x-mcp-header"))
    return common::unexpected(std::string("x-mcp-header on the input schema itself"));
  if (auto problem = unreachableMark(*schema, "the input schema"))
    return common::unexpected(*problem);
  std::set<std::string> seen;
  if (auto problem = collectParamHeaders(*schema, &arguments, seen, out))
    return common::unexpected(*problem);
  return out;
}

std::string encodeMcpNameHeader(std::string_view name) {
  bool plain = !name.empty() && name.front() != ' ' && name.back() != ' ';
  for (unsigned char c : name)
    if (c < 0x20 || c > 0x7E)
      plain = false;
  if (plain)
    return std::string(name);
  return "=?base64?" + common::base64Encode(name) + "?=";
}

} // namespace mcpwatch::prober
