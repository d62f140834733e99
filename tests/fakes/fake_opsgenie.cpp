// The strict OpsGenie fake: OpsGenie's limits and answer shapes (202 + requestId, 401/422 with
// "message"), alias dedup and close-by-alias on the raw, still percent-encoded request path.
#include "tests/fakes/fake_opsgenie.hpp"

#include "common/crypto.hpp"
#include "common/strings.hpp"
#include "tests/fakes/fake_util.hpp"

#include <algorithm>
#include <cctype>
#include <deque>
#include <mutex>
#include <set>

namespace mcpwatch::fakes {
namespace {

using common::Json;
using Errors = std::map<std::string, std::string>;

struct Scripted {
  int status = 500;
  std::optional<std::string> retryAfter;
  std::string message;
};

std::string newRequestId() {
  const auto h = common::randomHex(16);
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) +
         "-" + h.substr(20);
}

bool looksLikeUuid(const std::string& s) {
  if (s.size() != 36)
    return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? s[i] != '-' : !std::isxdigit(static_cast<unsigned char>(s[i])))
      return false;
  }
  return true;
}

net::ServerResponse answer(int status, Json body) {
  body["took"] = 0.001;
  if (!body.contains("requestId"))
    body["requestId"] = newRequestId();
  return net::ServerResponse::json(status, body.dump());
}

net::ServerResponse accepted(const std::string& requestId) {
  return answer(202, {{"result", "Request will be processed"}, {"requestId", requestId}});
}

// RFC 3986 pchar: unreserved, sub-delims, ':' and '@' raw; everything else must be "%XX".
bool validSegment(const std::string& seg) {
  static const std::string kRaw = "-._~!$&'()*+,;=:@";
  for (std::size_t i = 0; i < seg.size(); ++i) {
    const auto c = static_cast<unsigned char>(seg[i]);
    if (c == '%') {
      if (i + 2 >= seg.size() || !std::isxdigit(static_cast<unsigned char>(seg[i + 1])) ||
          !std::isxdigit(static_cast<unsigned char>(seg[i + 2])))
        return false;
      i += 2;
    } else if (!std::isalnum(c) && kRaw.find(static_cast<char>(c)) == std::string::npos) {
      return false;
    }
  }
  return !seg.empty();
}

void checkString(const Json& body, const char* key, std::size_t max, Errors& errors) {
  auto it = body.find(key);
  if (it == body.end())
    return;
  if (!it->is_string())
    errors[key] = std::string(key) + " must be a string";
  else if (codePointCount(it->get<std::string>()) > max)
    errors[key] =
        std::string(key) + " can not be longer than " + std::to_string(max) + " characters";
}

void checkRecipients(const Json& body, const char* key, Errors& errors) {
  auto it = body.find(key);
  if (it == body.end())
    return;
  static const std::set<std::string> kTypes = {"team", "user", "escalation", "schedule"};
  if (!it->is_array()) {
    errors[key] = std::string(key) + " must be an array";
    return;
  }
  for (const auto& r : *it) {
    if (!r.is_object() || !r.contains("type") || !r["type"].is_string() ||
        !kTypes.count(r["type"].get<std::string>())) {
      errors[key] = "Responder type must be one of team, user, escalation, schedule";
      return;
    }
    const bool user = r["type"] == "user";
    const char* nameKey = user ? "username" : "name";
    auto named = [&](const char* k) {
      return r.contains(k) && r[k].is_string() && !r[k].get<std::string>().empty();
    };
    if (!named("id") && !named(nameKey)) {
      errors[key] = std::string(user ? "User" : "Team, escalation and schedule") +
                    " responders need an id or a " + nameKey;
      return;
    }
    for (const auto& [k, v] : r.items())
      if (k != "type" && k != "id" && k != nameKey) {
        errors[key] = "Unknown responder field " + k;
        return;
      }
  }
}

} // namespace

std::optional<Errors> FakeOpsGenie::validateCreate(const Json& body) {
  if (!body.is_object())
    return Errors{{"body", "must be a JSON object"}};
  Errors errors;
  static const std::set<std::string> kKnown = {
      "message", "alias",  "description", "responders", "visibleTo", "actions", "tags",
      "details", "entity", "source",      "priority",   "user",      "note"};
  for (const auto& [k, v] : body.items())
    if (!kKnown.count(k))
      errors[k] = "Unknown field " + k;
  auto message = body.find("message");
  if (message == body.end() || !message->is_string() ||
      common::trim(message->get<std::string>()).empty())
    errors["message"] = "Message can not be empty.";
  else
    checkString(body, "message", 130, errors);
  checkString(body, "alias", 512, errors);
  checkString(body, "description", 15000, errors);
  checkString(body, "entity", 512, errors);
  checkString(body, "source", 100, errors);
  checkString(body, "user", 100, errors);
  checkString(body, "note", 25000, errors);
  if (auto it = body.find("priority"); it != body.end()) {
    static const std::set<std::string> kPriorities = {"P1", "P2", "P3", "P4", "P5"};
    if (!it->is_string() || !kPriorities.count(it->get<std::string>()))
      errors["priority"] = "Priority should be one of [P1, P2, P3, P4, P5]";
  }
  if (auto it = body.find("tags"); it != body.end()) {
    if (!it->is_array())
      errors["tags"] = "tags must be an array";
    else if (it->size() > 20)
      errors["tags"] = "Tags can not be more than 20";
    else
      for (const auto& t : *it)
        if (!t.is_string() || t.get<std::string>().empty() ||
            codePointCount(t.get<std::string>()) > 50) {
          errors["tags"] = "Each tag must be a non-empty string of at most 50 characters";
          break;
        }
  }
  if (auto it = body.find("actions"); it != body.end()) {
    if (!it->is_array() || it->size() > 10)
      errors["actions"] = "Actions can not be more than 10";
    else
      for (const auto& a : *it)
        if (!a.is_string() || codePointCount(a.get<std::string>()) > 50)
          errors["actions"] = "Each action must be a string of at most 50 characters";
  }
  if (auto it = body.find("details"); it != body.end()) {
    if (!it->is_object()) {
      errors["details"] = "details must be an object";
    } else {
      std::size_t total = 0;
      for (const auto& [k, v] : it->items()) {
        if (!v.is_string()) {
          errors["details"] = "Detail values must be strings (" + k + ")";
          break;
        }
        total += codePointCount(k) + codePointCount(v.get<std::string>());
      }
      if (total > 8000 && !errors.count("details"))
        errors["details"] = "Details can not be longer than 8000 characters in total (got " +
                            std::to_string(total) + ")";
    }
  }
  checkRecipients(body, "responders", errors);
  checkRecipients(body, "visibleTo", errors);
  return errors.empty() ? std::nullopt : std::optional(errors);
}

std::optional<Errors> FakeOpsGenie::validateClose(const Json& body) {
  if (!body.is_object())
    return Errors{{"body", "must be a JSON object"}};
  Errors errors;
  for (const auto& [k, v] : body.items())
    if (k != "user" && k != "source" && k != "note")
      errors[k] = "Unknown field " + k;
  checkString(body, "user", 100, errors);
  checkString(body, "source", 100, errors);
  checkString(body, "note", 25000, errors);
  return errors.empty() ? std::nullopt : std::optional(errors);
}

struct FakeOpsGenie::Impl {
  Impl(asio::any_io_executor executor, std::string key)
      : server(executor, [this](const net::ServerRequest& req,
                                net::ResponseWriter& w) { return handle(req, w); }),
        apiKey(std::move(key)) {}
  net::HttpServer server;
  std::string apiKey;
  mutable std::mutex mu;
  std::deque<Scripted> failures;
  std::vector<OpsGenieAlert> alerts;
  std::vector<OpsGenieProcessed> processed;
  std::vector<OpsGenieRequest> requests;
  std::size_t rateLimit = 0; // 0: none
  std::chrono::milliseconds rateWindow{1000};
  std::string rateRetryAfter;
  std::deque<std::chrono::steady_clock::time_point> recent;
  int nextAlertId = 1;

  std::optional<net::ServerResponse> authenticate(const net::ServerRequest& req) const {
    auto header = req.header("Authorization");
    constexpr std::string_view kScheme = "GenieKey ";
    if (!header || header->rfind(kScheme, 0) != 0)
      return answer(401, {{"message", "Could not authenticate"}});
    const std::string key(common::trim(std::string_view(*header).substr(kScheme.size())));
    if (!looksLikeUuid(key))
      return answer(401, {{"message", "Key format is not valid!"}});
    if (!common::constantTimeEquals(key, apiKey))
      return answer(401, {{"message", "Could not authenticate"}});
    return std::nullopt;
  }

  bool rateLimited(std::chrono::steady_clock::time_point now) {
    std::lock_guard lock(mu);
    if (rateLimit == 0)
      return false;
    while (!recent.empty() && now - recent.front() >= rateWindow)
      recent.pop_front();
    if (recent.size() >= rateLimit)
      return true;
    recent.push_back(now);
    return false;
  }

  // Parses a POST body as OpsGenie would; an error response when it would refuse it.
  static std::optional<net::ServerResponse> parseBody(const net::ServerRequest& req, Json& out) {
    const auto type = baseContentType(req.header("Content-Type"));
    if (type != "application/json")
      return answer(415, {{"message", "Content type '" + type + "' not supported"}});
    auto json = common::parseJson(req.body);
    if (!json)
      return answer(400, {{"message", "Could not parse the request body as JSON"}});
    out = std::move(*json);
    return std::nullopt;
  }

  static net::ServerResponse unprocessable(const Errors& errors) {
    Json e = Json::object();
    for (const auto& [k, v] : errors)
      e[k] = v;
    return answer(422, {{"message", "Request body is not processable. Please check the errors."},
                        {"errors", e}});
  }

  net::ServerResponse create(const net::ServerRequest& req) {
    Json body;
    if (auto refused = parseBody(req, body))
      return *refused;
    if (auto errors = validateCreate(body))
      return unprocessable(*errors);
    const auto requestId = newRequestId();
    const std::string alias = body.value("alias", std::string());
    std::lock_guard lock(mu);
    OpsGenieProcessed p{requestId, "Create", alias, "", true, ""};
    auto open = std::find_if(alerts.rbegin(), alerts.rend(), [&](const OpsGenieAlert& a) {
      return !alias.empty() && a.alias == alias && a.open;
    });
    if (open != alerts.rend()) {
      // OpsGenie's dedup: an open alert with this alias only counts up.
      ++open->count;
      p.alertId = open->id;
      p.status = "Alert count incremented";
    } else {
      OpsGenieAlert a;
      a.id = "alert-" + std::to_string(nextAlertId++);
      a.alias = alias.empty() ? a.id : alias;
      a.body = body;
      p.alertId = a.id;
      p.status = "Created alert";
      alerts.push_back(std::move(a));
    }
    processed.push_back(std::move(p));
    return accepted(requestId);
  }

  net::ServerResponse close(const net::ServerRequest& req, const std::string& segment) {
    const auto type = req.query("identifierType").value_or("id");
    if (type != "id" && type != "alias" && type != "tiny")
      return answer(422, {{"message", "Invalid identifierType [" + type + "]"}});
    if (!validSegment(segment))
      return answer(400, {{"message", "Invalid characters in the alert identifier"}});
    auto identifier = net::percentDecode(segment, false);
    if (!identifier)
      return answer(400, {{"message", "Invalid percent-encoding in the alert identifier"}});
    Json body = Json::object();
    if (!req.body.empty())
      if (auto refused = parseBody(req, body))
        return *refused;
    if (auto errors = validateClose(body))
      return unprocessable(*errors);
    const auto requestId = newRequestId();
    std::lock_guard lock(mu);
    auto open = std::find_if(alerts.rbegin(), alerts.rend(), [&](const OpsGenieAlert& a) {
      return a.open && (type == "alias" ? a.alias == *identifier : a.id == *identifier);
    });
    OpsGenieProcessed p{requestId, "Close", type == "alias" ? *identifier : "", "", false, ""};
    if (open == alerts.rend()) {
      // The API is asynchronous: the 202 comes first, the failure only in the request status.
      p.status = "Alert does not exist";
    } else {
      open->open = false;
      open->closeNote = body.value("note", std::string());
      open->closeSource = body.value("source", std::string());
      p.alertId = open->id;
      p.isSuccess = true;
      p.status = "Closed alert";
    }
    processed.push_back(std::move(p));
    return accepted(requestId);
  }

  net::ServerResponse requestStatus(const std::string& id) const {
    std::lock_guard lock(mu);
    for (const auto& p : processed)
      if (p.requestId == id)
        return answer(200, {{"data",
                             {{"success", p.isSuccess},
                              {"action", p.action},
                              {"isSuccess", p.isSuccess},
                              {"status", p.status},
                              {"alertId", p.alertId},
                              {"alias", p.alias}}}});
    return answer(404, {{"message", "Request does not exist"}});
  }

  net::ServerResponse route(const net::ServerRequest& req) {
    const std::string rawPath = req.target.substr(0, req.target.find('?'));
    constexpr std::string_view kAlerts = "/v2/alerts/";
    constexpr std::string_view kClose = "/close";
    constexpr std::string_view kRequests = "/v2/alerts/requests/";
    if (req.method == "POST" && rawPath == "/v2/alerts")
      return create(req);
    if (req.method == "GET" && rawPath.rfind(kRequests, 0) == 0)
      return requestStatus(rawPath.substr(kRequests.size()));
    if (req.method == "POST" && rawPath.rfind(kAlerts, 0) == 0 &&
        rawPath.size() > kAlerts.size() + kClose.size() &&
        rawPath.compare(rawPath.size() - kClose.size(), kClose.size(), kClose) == 0) {
      const auto segment =
          rawPath.substr(kAlerts.size(), rawPath.size() - kAlerts.size() - kClose.size());
      // An unencoded '/' in the alias splits the path: OpsGenie has no such route either.
      if (segment.find('/') == std::string::npos)
        return close(req, segment);
    }
    return answer(404, {{"message", "Requested resource does not exist"}});
  }

  Awaitable<void> handle(const net::ServerRequest& req, net::ResponseWriter& w) {
    const auto now = std::chrono::steady_clock::now();
    const std::optional<Scripted> scripted = takeScripted(mu, failures);
    net::ServerResponse response;
    if (scripted) {
      response = answer(scripted->status, {{"message", scripted->message}});
      if (scripted->retryAfter)
        response.with("Retry-After", *scripted->retryAfter);
    } else if (auto refused = authenticate(req)) {
      response = std::move(*refused);
    } else if (rateLimited(now)) {
      response = answer(429, {{"message", "You are making too many requests! To avoid errors, "
                                          "we recommend you limit requests."}});
      std::lock_guard lock(mu);
      if (!rateRetryAfter.empty())
        response.with("Retry-After", rateRetryAfter);
    } else {
      response = route(req);
    }
    {
      std::lock_guard lock(mu);
      requests.push_back(
          {req.method, req.target, req.body, req.headers.entries(), response.status, now});
    }
    co_await w.send(std::move(response));
  }
};

FakeOpsGenie::FakeOpsGenie(asio::any_io_executor executor, std::string apiKey)
    : impl_(std::make_shared<Impl>(executor, std::move(apiKey))) {
  listenOnLoopback(impl_->server, "fake OpsGenie");
}
FakeOpsGenie::~FakeOpsGenie() {
  impl_->server.stop();
}
std::uint16_t FakeOpsGenie::port() const {
  return impl_->server.port();
}
std::string FakeOpsGenie::baseUrl() const {
  return "http://127.0.0.1:" + std::to_string(port());
}
void FakeOpsGenie::failNext(int count, int status, std::optional<std::string> retryAfter,
                            std::string message) {
  addScripted(impl_->mu, impl_->failures, count, Scripted{status, retryAfter, message});
}
void FakeOpsGenie::setRateLimit(std::size_t requests, std::chrono::milliseconds window,
                                std::string retryAfter) {
  std::lock_guard lock(impl_->mu);
  impl_->rateLimit = requests;
  impl_->rateWindow = window;
  impl_->rateRetryAfter = std::move(retryAfter);
  impl_->recent.clear();
}
std::vector<OpsGenieAlert> FakeOpsGenie::alerts() const {
  std::lock_guard lock(impl_->mu);
  return impl_->alerts;
}
std::optional<OpsGenieAlert> FakeOpsGenie::alert(const std::string& alias) const {
  std::lock_guard lock(impl_->mu);
  for (auto it = impl_->alerts.rbegin(); it != impl_->alerts.rend(); ++it)
    if (it->alias == alias)
      return *it;
  return std::nullopt;
}
std::vector<OpsGenieProcessed> FakeOpsGenie::processed() const {
  std::lock_guard lock(impl_->mu);
  return impl_->processed;
}
std::vector<OpsGenieRequest> FakeOpsGenie::requests() const {
  std::lock_guard lock(impl_->mu);
  return impl_->requests;
}

} // namespace mcpwatch::fakes
