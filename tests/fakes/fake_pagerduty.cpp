// The strict fakes: PagerDuty's validation rules and 400 body shape, and a webhook receiver
// that recomputes both mcpwatch signatures.
#include "tests/fakes/fake_pagerduty.hpp"

#include "common/crypto.hpp"
#include "common/strings.hpp"
#include "tests/fakes/fake_util.hpp"

#include <set>

namespace mcpwatch::fakes {
namespace {

using common::Json;

net::ServerResponse pdInvalid(const std::vector<std::string>& errors) {
  Json body = {
      {"status", "invalid event"}, {"message", "Event object is invalid"}, {"errors", errors}};
  return net::ServerResponse::json(400, body.dump());
}

net::ServerResponse scripted(const ScriptedFailure& f) {
  auto r = net::ServerResponse::json(
      f.status,
      Json{{"status", "error"}, {"message", "scripted failure"}, {"errors", Json::array()}}.dump());
  if (f.retryAfter)
    r.with("Retry-After", *f.retryAfter);
  return r;
}

std::size_t utf8Chars(const std::string& s) {
  std::size_t n = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80)
      ++n;
  return n;
}

} // namespace

std::optional<std::vector<std::string>> FakePagerDuty::validate(const std::string& path,
                                                                const std::string& contentType,
                                                                const std::string& body) {
  if (body.size() > 512 * 1024)
    return std::vector<std::string>{"Event object is too large (limit 512 KB)"};
  if (contentType != "application/json")
    return std::vector<std::string>{"Content-Type must be application/json"};
  auto json = common::parseJson(body);
  if (!json || !json->is_object())
    return std::vector<std::string>{"Could not parse JSON"};
  std::vector<std::string> errors;
  auto key = json->find("routing_key");
  if (key == json->end() || !key->is_string())
    errors.push_back("'routing_key' is missing or blank");
  else if (key->get<std::string>().size() != 32)
    errors.push_back("Length of 'routing_key' is incorrect (should be 32 characters)");
  auto payload = json->find("payload");
  auto checkSummary = [&](const Json& p) {
    auto s = p.find("summary");
    if (s == p.end() || !s->is_string() || s->get<std::string>().empty())
      errors.push_back("'payload.summary' is missing or blank");
    else if (utf8Chars(s->get<std::string>()) > 1024)
      errors.push_back("'payload.summary' is too long (maximum is 1024 characters)");
  };
  if (path == "/v2/change/enqueue") {
    if (payload == json->end() || !payload->is_object())
      errors.push_back("'payload' is missing or invalid");
    else
      checkSummary(*payload);
    return errors.empty() ? std::nullopt : std::optional(errors);
  }
  auto action = json->find("event_action");
  static const std::set<std::string> kActions = {"trigger", "acknowledge", "resolve"};
  if (action == json->end() || !action->is_string())
    errors.push_back("'event_action' is missing or blank");
  else if (!kActions.count(action->get<std::string>()))
    errors.push_back("'event_action' is invalid (must be one of: trigger, acknowledge, resolve)");
  auto dedup = json->find("dedup_key");
  if (dedup != json->end() && (!dedup->is_string() || utf8Chars(dedup->get<std::string>()) > 255))
    errors.push_back("'dedup_key' is too long (maximum is 255 characters)");
  const std::string act =
      action != json->end() && action->is_string() ? action->get<std::string>() : "";
  if ((act == "resolve" || act == "acknowledge") && dedup == json->end())
    errors.push_back("'dedup_key' is required for " + act + " events");
  if (act == "trigger") {
    if (payload == json->end() || !payload->is_object()) {
      errors.push_back("'payload' is missing or invalid");
    } else {
      checkSummary(*payload);
      auto src = payload->find("source");
      if (src == payload->end() || !src->is_string() || src->get<std::string>().empty())
        errors.push_back("'payload.source' is missing or blank");
      static const std::set<std::string> kSev = {"critical", "error", "warning", "info"};
      auto sev = payload->find("severity");
      if (sev == payload->end() || !sev->is_string())
        errors.push_back("'payload.severity' is missing or blank");
      else if (!kSev.count(sev->get<std::string>()))
        errors.push_back("'payload.severity' is invalid (must be one of: critical, error, "
                         "warning, info)");
    }
  }
  return errors.empty() ? std::nullopt : std::optional(errors);
}

struct FakePagerDuty::Impl {
  explicit Impl(asio::any_io_executor executor)
      : server(executor, [this](const net::ServerRequest& req, net::ResponseWriter& w) {
          return handle(req, w);
        }) {}
  net::HttpServer server;
  mutable std::mutex mu;
  std::deque<ScriptedFailure> failures;
  std::vector<Json> events, changes;
  std::vector<FakeRequest> requests;

  Awaitable<void> handle(const net::ServerRequest& req, net::ResponseWriter& w) {
    net::ServerResponse response;
    if (req.method != "POST" || (req.path != "/v2/enqueue" && req.path != "/v2/change/enqueue")) {
      response = net::ServerResponse::text(404, "not found");
    } else if (auto f = takeScripted(mu, failures)) {
      response = scripted(*f);
    } else if (auto errors =
                   validate(req.path, baseContentType(req.header("Content-Type")), req.body)) {
      response = pdInvalid(*errors);
    } else {
      auto json = *common::parseJson(req.body);
      std::lock_guard lock(mu);
      if (req.path == "/v2/change/enqueue") {
        changes.push_back(json);
        response = net::ServerResponse::json(
            202, Json{{"status", "success"}, {"message", "Change event processed"}}.dump());
      } else {
        events.push_back(json);
        response = net::ServerResponse::json(202, Json{{"status", "success"},
                                                       {"message", "Event processed"},
                                                       {"dedup_key", json.value("dedup_key", "")}}
                                                      .dump());
      }
    }
    {
      std::lock_guard lock(mu);
      requests.push_back({req.path, req.body, req.headers.entries(), response.status});
    }
    co_await w.send(std::move(response));
  }
};

FakePagerDuty::FakePagerDuty(asio::any_io_executor executor)
    : impl_(std::make_shared<Impl>(executor)) {
  listenOnLoopback(impl_->server, "fake PagerDuty");
}
FakePagerDuty::~FakePagerDuty() {
  impl_->server.stop();
}
std::uint16_t FakePagerDuty::port() const {
  return impl_->server.port();
}
std::string FakePagerDuty::eventsUrl() const {
  return "http://127.0.0.1:" + std::to_string(port()) + "/v2/enqueue";
}
void FakePagerDuty::failNext(int count, int status, std::optional<std::string> retryAfter) {
  addScripted(impl_->mu, impl_->failures, count, ScriptedFailure{status, retryAfter});
}
std::vector<Json> FakePagerDuty::acceptedEvents() const {
  std::lock_guard lock(impl_->mu);
  return impl_->events;
}
std::vector<Json> FakePagerDuty::acceptedChanges() const {
  std::lock_guard lock(impl_->mu);
  return impl_->changes;
}
std::vector<FakeRequest> FakePagerDuty::requests() const {
  std::lock_guard lock(impl_->mu);
  return impl_->requests;
}

struct FakeWebhookReceiver::Impl {
  Impl(asio::any_io_executor executor, std::string s, std::string header)
      : server(executor, [this](const net::ServerRequest& req,
                                net::ResponseWriter& w) { return handle(req, w); }),
        secret(std::move(s)), signatureHeader(std::move(header)) {}
  net::HttpServer server;
  std::string secret;
  std::string signatureHeader;
  mutable std::mutex mu;
  std::deque<ScriptedFailure> failures;
  std::vector<WebhookDelivery> deliveries;
  std::size_t requests = 0;
  std::size_t bad = 0;
  std::chrono::milliseconds answerDelay{0};

  // Independent of the sink's code: the Standard Webhooks rule written out again here.
  bool verified(const net::ServerRequest& req) const {
    auto id = req.header("webhook-id"), ts = req.header("webhook-timestamp");
    auto sig = req.header("webhook-signature"), hex = req.header(signatureHeader);
    if (!id || !ts || !sig || !hex)
      return false;
    if (!common::constantTimeEquals(*hex, common::toHex(common::hmacSha256(secret, req.body))))
      return false;
    std::string key = secret;
    if (key.rfind("whsec_", 0) == 0)
      key = common::base64Decode(key.substr(6)).value_or("");
    const auto expected =
        "v1," + common::base64Encode(common::hmacSha256(key, *id + "." + *ts + "." + req.body));
    for (auto part : common::split(*sig, ' '))
      if (common::constantTimeEquals(part, expected))
        return true;
    return false;
  }

  Awaitable<void> handle(const net::ServerRequest& req, net::ResponseWriter& w) {
    {
      std::lock_guard lock(mu);
      ++requests;
    }
    net::ServerResponse response;
    if (auto f = takeScripted(mu, failures)) {
      response = scripted(*f);
    } else if (req.method != "POST" ||
               baseContentType(req.header("Content-Type")) != "application/json" ||
               !common::parseJson(req.body)) {
      response = net::ServerResponse::text(400, "bad request");
    } else if (!verified(req)) {
      std::lock_guard lock(mu);
      ++bad;
      response = net::ServerResponse::text(401, "bad signature");
    } else {
      std::lock_guard lock(mu);
      deliveries.push_back({*req.header("webhook-id"), *req.header("webhook-timestamp"), req.body,
                            req.headers.entries()});
      response = net::ServerResponse::text(200, "ok");
    }
    co_await answerAfter(delay());
    co_await w.send(std::move(response));
  }
  std::chrono::milliseconds delay() const {
    std::lock_guard lock(mu);
    return answerDelay;
  }
};

FakeWebhookReceiver::FakeWebhookReceiver(asio::any_io_executor executor, std::string secret,
                                         std::string signatureHeader)
    : impl_(std::make_shared<Impl>(executor, std::move(secret), std::move(signatureHeader))) {
  listenOnLoopback(impl_->server, "fake webhook receiver");
}
FakeWebhookReceiver::~FakeWebhookReceiver() {
  impl_->server.stop();
}
std::uint16_t FakeWebhookReceiver::port() const {
  return impl_->server.port();
}
std::string FakeWebhookReceiver::url() const {
  return "http://127.0.0.1:" + std::to_string(port()) + "/hook";
}
void FakeWebhookReceiver::failNext(int count, int status, std::optional<std::string> retryAfter) {
  addScripted(impl_->mu, impl_->failures, count, ScriptedFailure{status, retryAfter});
}
void FakeWebhookReceiver::setAnswerDelay(std::chrono::milliseconds delay) {
  std::lock_guard lock(impl_->mu);
  impl_->answerDelay = delay;
}
std::vector<WebhookDelivery> FakeWebhookReceiver::deliveries() const {
  std::lock_guard lock(impl_->mu);
  return impl_->deliveries;
}
std::size_t FakeWebhookReceiver::requestCount() const {
  std::lock_guard lock(impl_->mu);
  return impl_->requests;
}
std::size_t FakeWebhookReceiver::badSignatures() const {
  std::lock_guard lock(impl_->mu);
  return impl_->bad;
}

} // namespace mcpwatch::fakes
