// The strict Slack webhook fake: validates payloads the way Slack documents Block Kit (types,
// text objects, limits, attachment colours), answers Slack's plain-text codes, and can be scripted
// to fail, be revoked or rate-limit.
#include "tests/fakes/fake_slack.hpp"

#include "common/crypto.hpp"
#include "common/strings.hpp"
#include "tests/fakes/fake_util.hpp"

#include <algorithm>
#include <cctype>
#include <deque>
#include <mutex>
#include <set>
#include <stdexcept>

namespace mcpwatch::fakes {
namespace {

using common::Json;
using Refusal = std::optional<SlackRefusal>;

constexpr std::string_view kTeam = "T0MCPWATCH";
constexpr std::string_view kBot = "B0MCPWATCH";

Refusal refuse(std::string code, std::string problem) {
  return SlackRefusal{std::move(code), std::move(problem)};
}

std::string defaultBody(int status) {
  switch (status) {
  case 400:
    return "invalid_payload";
  case 403:
    return "action_prohibited";
  case 404:
    return "channel_not_found";
  case 410:
    return "channel_is_archived";
  case 429:
    return R"({"ok":false,"error":"rate_limited"})";
  case 500:
    return "rollup_error";
  default:
    return "error";
  }
}

net::ServerResponse respond(int status, std::string body) {
  if (!body.empty() && body.front() == '{')
    return net::ServerResponse::json(status, std::move(body));
  return net::ServerResponse::text(status, std::move(body));
}

// Counts text for the 40,000-character message budget.
struct Budget {
  std::size_t total = 0;
  std::size_t blocks = 0;
};

// A text object: {"type": "plain_text"|"mrkdwn", "text": non-empty string}; `emoji` only on
// plain_text, `verbatim` only on mrkdwn.
Refusal textObject(const Json& t, const std::string& where, std::size_t max, bool plainOnly,
                   Budget& budget) {
  if (!t.is_object())
    return refuse("invalid_blocks", where + " must be a text object");
  auto type = t.find("type");
  if (type == t.end() || !type->is_string() || (*type != "plain_text" && *type != "mrkdwn"))
    return refuse("invalid_blocks", where + ".type must be plain_text or mrkdwn");
  if (plainOnly && *type != "plain_text")
    return refuse("invalid_blocks", where + " must be plain_text");
  auto text = t.find("text");
  if (text == t.end() || !text->is_string() || text->get<std::string>().empty())
    return refuse("invalid_blocks", where + ".text must be a non-empty string");
  const auto n = codePointCount(text->get<std::string>());
  if (n > max)
    return refuse("invalid_blocks", where + ".text is " + std::to_string(n) +
                                        " characters, more than " + std::to_string(max));
  budget.total += n;
  for (const auto& [k, v] : t.items()) {
    if (k == "type" || k == "text")
      continue;
    if (k == "emoji" && *type == "plain_text" && v.is_boolean())
      continue;
    if (k == "verbatim" && *type == "mrkdwn" && v.is_boolean())
      continue;
    return refuse("invalid_blocks", where + " has an invalid field " + k);
  }
  return std::nullopt;
}

bool validUrl(const std::string& url) {
  if (url.empty() || codePointCount(url) > 3000)
    return false;
  if (url.rfind("https://", 0) != 0 && url.rfind("http://", 0) != 0)
    return false;
  for (unsigned char c : url)
    if (c <= 0x20 || c == 0x7F)
      return false;
  return true;
}

Refusal optionalId(const Json& block, const char* key, const std::string& where) {
  auto it = block.find(key);
  if (it == block.end())
    return std::nullopt;
  if (!it->is_string() || it->get<std::string>().empty() ||
      codePointCount(it->get<std::string>()) > 255)
    return refuse("invalid_blocks", where + "." + key + " must be a string of 1..255 characters");
  return std::nullopt;
}

Refusal button(const Json& b, const std::string& where, Budget& budget) {
  static const std::set<std::string> kKnown = {"type",      "text",  "url",
                                               "action_id", "value", "style"};
  for (const auto& [k, v] : b.items())
    if (!kKnown.count(k))
      return refuse("invalid_blocks", where + " has an invalid field " + k);
  if (auto r = textObject(b.value("text", Json()), where + ".text", 75, true, budget))
    return r;
  if (auto it = b.find("url"); it != b.end() && (!it->is_string() || !validUrl(*it)))
    return refuse("invalid_blocks", where + ".url must be an http(s) URL of at most 3000 "
                                            "characters");
  if (auto it = b.find("style");
      it != b.end() && (!it->is_string() || (*it != "primary" && *it != "danger")))
    return refuse("invalid_blocks", where + ".style must be primary or danger");
  if (auto it = b.find("value");
      it != b.end() && (!it->is_string() || codePointCount(it->get<std::string>()) > 2000))
    return refuse("invalid_blocks", where + ".value must be a string of at most 2000 characters");
  return optionalId(b, "action_id", where);
}

Refusal block(const Json& b, const std::string& where, Budget& budget) {
  if (!b.is_object())
    return refuse("invalid_blocks", where + " must be an object");
  ++budget.blocks;
  if (auto r = optionalId(b, "block_id", where))
    return r;
  const std::string type = b.contains("type") && b["type"].is_string() ? b["type"] : "";
  auto only = [&](std::set<std::string> known) -> Refusal {
    known.insert("type");
    known.insert("block_id");
    for (const auto& [k, v] : b.items())
      if (!known.count(k))
        return refuse("invalid_blocks", where + " (" + type + ") has an invalid field " + k);
    return std::nullopt;
  };
  if (type == "header") {
    if (auto r = only({"text"}))
      return r;
    return textObject(b.value("text", Json()), where + ".text", 150, true, budget);
  }
  if (type == "divider")
    return only({});
  if (type == "section") {
    if (auto r = only({"text", "fields", "accessory"}))
      return r;
    if (!b.contains("text") && !b.contains("fields"))
      return refuse("invalid_blocks", where + " (section) needs text or fields");
    if (b.contains("text"))
      if (auto r = textObject(b["text"], where + ".text", 3000, false, budget))
        return r;
    if (b.contains("fields")) {
      const auto& fields = b["fields"];
      if (!fields.is_array() || fields.empty() || fields.size() > 10)
        return refuse("invalid_blocks", where + ".fields must hold 1..10 text objects");
      for (std::size_t i = 0; i < fields.size(); ++i)
        if (auto r = textObject(fields[i], where + ".fields[" + std::to_string(i) + "]", 2000,
                                false, budget))
          return r;
    }
    if (b.contains("accessory") && !b["accessory"].is_object())
      return refuse("invalid_blocks", where + ".accessory must be an element");
    return std::nullopt;
  }
  if (type == "context") {
    if (auto r = only({"elements"}))
      return r;
    const auto& elements = b.value("elements", Json());
    if (!elements.is_array() || elements.empty() || elements.size() > 10)
      return refuse("invalid_blocks", where + ".elements must hold 1..10 elements");
    for (std::size_t i = 0; i < elements.size(); ++i) {
      const std::string at = where + ".elements[" + std::to_string(i) + "]";
      if (elements[i].is_object() && elements[i].value("type", "") == "image") {
        if (!elements[i].contains("image_url") || !elements[i].contains("alt_text"))
          return refuse("invalid_blocks", at + " (image) needs image_url and alt_text");
        continue;
      }
      if (auto r = textObject(elements[i], at, 3000, false, budget))
        return r;
    }
    return std::nullopt;
  }
  if (type == "actions") {
    if (auto r = only({"elements"}))
      return r;
    const auto& elements = b.value("elements", Json());
    if (!elements.is_array() || elements.empty() || elements.size() > 25)
      return refuse("invalid_blocks", where + ".elements must hold 1..25 elements");
    std::set<std::string> ids;
    for (std::size_t i = 0; i < elements.size(); ++i) {
      const std::string at = where + ".elements[" + std::to_string(i) + "]";
      if (!elements[i].is_object() || elements[i].value("type", "") != "button")
        return refuse("invalid_blocks", at + " must be a button");
      if (auto r = button(elements[i], at, budget))
        return r;
      if (elements[i].contains("action_id") && !ids.insert(elements[i]["action_id"]).second)
        return refuse("invalid_blocks", at + ".action_id is not unique");
    }
    return std::nullopt;
  }
  return refuse("invalid_blocks", where + " has an unknown block type '" + type + "'");
}

Refusal blockList(const Json& blocks, const std::string& where, Budget& budget) {
  if (!blocks.is_array())
    return refuse("invalid_blocks", where + " must be an array");
  for (std::size_t i = 0; i < blocks.size(); ++i)
    if (auto r = block(blocks[i], where + "[" + std::to_string(i) + "]", budget))
      return r;
  return std::nullopt;
}

bool validColor(const Json& c) {
  if (!c.is_string())
    return false;
  const std::string s = c;
  if (s == "good" || s == "warning" || s == "danger")
    return true;
  if (s.size() != 7 && s.size() != 4)
    return false;
  if (s[0] != '#')
    return false;
  for (std::size_t i = 1; i < s.size(); ++i)
    if (!std::isxdigit(static_cast<unsigned char>(s[i])))
      return false;
  return true;
}

} // namespace

std::optional<SlackRefusal> FakeSlack::validate(const Json& payload) {
  if (!payload.is_object())
    return refuse("invalid_payload", "the payload must be a JSON object");
  Budget budget;
  bool hasText = false;
  if (auto it = payload.find("text"); it != payload.end()) {
    if (!it->is_string())
      return refuse("invalid_payload", "text must be a string");
    hasText = !common::trim(it->get<std::string>()).empty();
    budget.total += codePointCount(it->get_ref<const std::string&>());
  }
  if (auto it = payload.find("mrkdwn"); it != payload.end() && !it->is_boolean())
    return refuse("invalid_payload", "mrkdwn must be a boolean");
  bool hasBlocks = false;
  if (auto it = payload.find("blocks"); it != payload.end()) {
    if (auto r = blockList(*it, "blocks", budget))
      return r;
    hasBlocks = !it->empty();
  }
  bool hasAttachments = false;
  if (auto it = payload.find("attachments"); it != payload.end()) {
    if (!it->is_array() || it->size() > 100)
      return refuse("invalid_attachments", "attachments must be an array of at most 100");
    for (std::size_t i = 0; i < it->size(); ++i) {
      const auto& a = (*it)[i];
      const std::string where = "attachments[" + std::to_string(i) + "]";
      if (!a.is_object())
        return refuse("invalid_attachments", where + " must be an object");
      if (a.contains("color") && !validColor(a["color"]))
        return refuse("invalid_attachments",
                      where + ".color must be good, warning, danger or a #rrggbb hex colour");
      for (const char* key : {"fallback", "text", "title", "pretext"})
        if (a.contains(key)) {
          if (!a[key].is_string())
            return refuse("invalid_attachments", where + "." + key + " must be a string");
          budget.total += codePointCount(a[key].get_ref<const std::string&>());
        }
      if (a.contains("blocks"))
        if (auto r = blockList(a["blocks"], where + ".blocks", budget))
          return r;
      hasAttachments = true;
    }
  }
  if (budget.blocks > 50)
    return refuse("invalid_blocks",
                  "the message holds " + std::to_string(budget.blocks) + " blocks, more than 50");
  if (!hasText && !hasBlocks && !hasAttachments)
    return refuse("no_text", "the message has no text, blocks or attachments");
  if (budget.total > 40000)
    return refuse("msg_too_long",
                  "the message holds " + std::to_string(budget.total) + " characters of text");
  return std::nullopt;
}

struct FakeSlack::Impl {
  Impl(asio::any_io_executor executor, const common::Clock* c)
      : server(executor, [this](const net::ServerRequest& req,
                                net::ResponseWriter& w) { return handle(req, w); }),
        token(common::randomHex(12)), clock(c) {}

  struct Scripted {
    int status;
    std::optional<std::string> retryAfter;
    std::string body;
  };

  net::HttpServer server;
  std::string token;
  const common::Clock* clock;
  mutable std::mutex mu;
  std::chrono::milliseconds answerDelay{0};
  std::deque<Scripted> failures;
  int revokedStatus = 0;
  std::optional<std::chrono::milliseconds> minInterval;
  std::string rateRetryAfter = "1";
  std::optional<std::chrono::steady_clock::time_point> lastAccepted;
  std::size_t rateLimitedCount = 0;
  std::vector<SlackMessage> messages;
  std::vector<SlackRequest> requests;

  std::string hookPath() const {
    return "/services/" + std::string(kTeam) + "/" + std::string(kBot) + "/" + token;
  }

  // Well-formed: /services/T<alnum>/B<alnum>/<alnum>.
  static bool hookShaped(const std::string& path) {
    const auto parts = common::split(path, '/');
    if (parts.size() != 5 || !parts[0].empty() || parts[1] != "services")
      return false;
    auto alnum = [](std::string_view s) {
      return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c));
      });
    };
    return parts[2].size() > 1 && parts[2][0] == 'T' && alnum(parts[2]) && parts[3].size() > 1 &&
           parts[3][0] == 'B' && alnum(parts[3]) && alnum(parts[4]);
  }

  net::ServerResponse route(const net::ServerRequest& req,
                            std::chrono::steady_clock::time_point now, std::string& problem) {
    const std::string rawPath = req.target.substr(0, req.target.find('?'));
    if (!hookShaped(rawPath)) {
      problem = "not a webhook path";
      return respond(404, "no_service");
    }
    if (rawPath != hookPath()) {
      problem = "unknown webhook token";
      return respond(403, "invalid_token");
    }
    if (req.method != "POST") {
      problem = "method " + req.method;
      return respond(405, "invalid_method");
    }
    {
      std::lock_guard lock(mu);
      if (revokedStatus != 0) {
        problem = "revoked";
        return respond(revokedStatus, defaultBody(revokedStatus));
      }
    }
    auto type = common::toLower(req.header("Content-Type").value_or(""));
    type = std::string(common::trim(type.substr(0, type.find(';'))));
    if (type != "application/json") {
      problem = "content type '" + type + "'";
      return respond(400, "invalid_payload");
    }
    auto json = common::parseJson(req.body);
    if (!json) {
      problem = "body is not JSON";
      return respond(400, "invalid_payload");
    }
    if (auto refusal = validate(*json)) {
      problem = refusal->problem;
      return respond(400, refusal->code);
    }
    std::lock_guard lock(mu);
    if (minInterval && lastAccepted && now - *lastAccepted < *minInterval) {
      problem = "rate limited";
      ++rateLimitedCount;
      auto r = respond(429, defaultBody(429));
      if (!rateRetryAfter.empty())
        r.with("Retry-After", rateRetryAfter);
      return r;
    }
    lastAccepted = now;
    messages.push_back({std::move(*json), now});
    return respond(200, "ok");
  }

  Awaitable<void> handle(const net::ServerRequest& req, net::ResponseWriter& w) {
    const auto now = clock ? clock->monoNow() : std::chrono::steady_clock::now();
    const std::optional<Scripted> scripted = takeScripted(mu, failures);
    net::ServerResponse response;
    std::string problem;
    if (scripted) {
      problem = "scripted";
      response = respond(scripted->status,
                         scripted->body.empty() ? defaultBody(scripted->status) : scripted->body);
      if (scripted->retryAfter)
        response.with("Retry-After", *scripted->retryAfter);
    } else {
      response = route(req, now, problem);
    }
    {
      std::lock_guard lock(mu);
      requests.push_back({req.method, req.target, req.body, req.header("Content-Type"),
                          response.status, response.body, problem, now});
    }
    std::chrono::milliseconds wait;
    {
      std::lock_guard lock(mu);
      wait = answerDelay;
    }
    co_await answerAfter(wait);
    co_await w.send(std::move(response));
  }
};

FakeSlack::FakeSlack(asio::any_io_executor executor, const common::Clock* clock)
    : impl_(std::make_shared<Impl>(executor, clock)) {
  listenOnLoopback(impl_->server, "fake Slack");
}
FakeSlack::~FakeSlack() {
  impl_->server.stop();
}
std::uint16_t FakeSlack::port() const {
  return impl_->server.port();
}
std::string FakeSlack::webhookUrl() const {
  return "http://127.0.0.1:" + std::to_string(port()) + impl_->hookPath();
}
std::string FakeSlack::token() const {
  return impl_->token;
}
void FakeSlack::failNext(int count, int status, std::optional<std::string> retryAfter,
                         std::string body) {
  addScripted(impl_->mu, impl_->failures, count, Impl::Scripted{status, retryAfter, body});
}
void FakeSlack::revoke(int status) {
  std::lock_guard lock(impl_->mu);
  impl_->revokedStatus = status;
}
void FakeSlack::setAnswerDelay(std::chrono::milliseconds delay) {
  std::lock_guard lock(impl_->mu);
  impl_->answerDelay = delay;
}
void FakeSlack::setRateLimit(std::chrono::milliseconds minInterval, std::string retryAfter) {
  std::lock_guard lock(impl_->mu);
  impl_->minInterval = minInterval;
  impl_->rateRetryAfter = std::move(retryAfter);
}
std::vector<SlackMessage> FakeSlack::messages() const {
  std::lock_guard lock(impl_->mu);
  return impl_->messages;
}
std::vector<SlackRequest> FakeSlack::requests() const {
  std::lock_guard lock(impl_->mu);
  return impl_->requests;
}
std::size_t FakeSlack::rateLimited() const {
  std::lock_guard lock(impl_->mu);
  return impl_->rateLimitedCount;
}

} // namespace mcpwatch::fakes
