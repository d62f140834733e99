// The strict Discord webhook fake: Discord's limits and error bodies (50035 Invalid Form Body,
// 50006 empty message, 10015 Unknown Webhook, 50027 Invalid Webhook Token), its bucket headers
// and 429 answers, scripted failures, and a record of what arrived when.
#include "tests/fakes/fake_discord.hpp"

#include "common/strings.hpp"
#include "common/time.hpp"
#include "common/url.hpp"
#include "tests/fakes/fake_util.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <deque>
#include <fmt/format.h>
#include <mutex>
#include <set>

namespace mcpwatch::fakes {
namespace {

using common::Json;
using Clock = std::chrono::steady_clock;

struct Scripted {
  int status = 500;
  std::optional<double> retryAfter;
  DiscordRetryHint hint = DiscordRetryHint::BodyAndHeader;
  bool global = false;
};

net::ServerResponse answer(int status, const Json& body) {
  return net::ServerResponse::json(status, body.dump());
}

net::ServerResponse discordError(int status, std::string message, int code) {
  return answer(status, {{"message", std::move(message)}, {"code", code}});
}

// errors[path...]["_errors"] += {code, message}, the shape of Discord's form errors.
void addError(Json& errors, const std::vector<std::string>& path, const std::string& code,
              const std::string& message) {
  Json* node = &errors;
  for (const auto& p : path)
    node = &(*node)[p];
  (*node)["_errors"].push_back({{"code", code}, {"message", message}});
}

using Path = std::vector<std::string>;

Path join(Path base, std::initializer_list<std::string> more) {
  base.insert(base.end(), more.begin(), more.end());
  return base;
}

void checkString(const Json& obj, const char* key, std::size_t max, bool required, Json& errors,
                 const Path& at) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) {
    if (required)
      addError(errors, join(at, {key}), "BASE_TYPE_REQUIRED", "This field is required");
    return;
  }
  if (!it->is_string()) {
    addError(errors, join(at, {key}), "BASE_TYPE_STRING", "Could not interpret as string.");
    return;
  }
  const auto& s = it->get_ref<const std::string&>();
  if (required && common::trim(s).empty())
    addError(errors, join(at, {key}), "BASE_TYPE_REQUIRED", "This field is required");
  else if (codePointCount(s) > max)
    addError(errors, join(at, {key}), "BASE_TYPE_MAX_LENGTH",
             fmt::format("Must be {} or fewer in length.", max));
}

// Discord ignores unknown keys; the fake refuses them so a misspelt field cannot pass a test.
void checkKnown(const Json& obj, const std::set<std::string>& known, Json& errors, const Path& at) {
  for (const auto& [k, v] : obj.items())
    if (!known.count(k))
      addError(errors, join(at, {k}), "UNKNOWN_FIELD", "Unknown field (strict fake)");
}

std::size_t stringChars(const Json& obj, const char* key) {
  auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? codePointCount(it->get<std::string>()) : 0;
}

std::size_t validateEmbed(const Json& embed, Json& errors, const Path& at) {
  if (!embed.is_object()) {
    addError(errors, at, "MODEL_TYPE_CONVERT", "Only dictionaries may be used in a ModelType");
    return 0;
  }
  checkKnown(embed,
             {"title", "type", "description", "url", "timestamp", "color", "footer", "image",
              "thumbnail", "video", "provider", "author", "fields"},
             errors, at);
  checkString(embed, "title", 256, false, errors, at);
  checkString(embed, "description", 4096, false, errors, at);
  std::size_t total = stringChars(embed, "title") + stringChars(embed, "description");
  if (auto it = embed.find("url"); it != embed.end()) {
    if (!it->is_string() || !common::Url::parse(it->get<std::string>()))
      addError(errors, join(at, {"url"}), "URL_TYPE_INVALID_URL", "Not a well formed URL.");
  }
  if (auto it = embed.find("timestamp"); it != embed.end()) {
    if (!it->is_string() || !common::parseRfc3339(it->get<std::string>()))
      addError(errors, join(at, {"timestamp"}), "DATE_TYPE_PARSE",
               "Could not parse the timestamp. Should be ISO8601.");
  }
  if (auto it = embed.find("color"); it != embed.end()) {
    if (!it->is_number_integer())
      addError(errors, join(at, {"color"}), "NUMBER_TYPE_COERCE",
               "Value is not int."); // Discord refuses "#e01e5a" and 1.5 alike
    else if (it->get<long long>() < 0 || it->get<long long>() > 0xFFFFFF)
      addError(errors, join(at, {"color"}), "NUMBER_TYPE_MAX",
               "int value should be less than or equal to 16777215.");
  }
  if (auto it = embed.find("footer"); it != embed.end()) {
    if (!it->is_object()) {
      addError(errors, join(at, {"footer"}), "MODEL_TYPE_CONVERT", "Must be an object.");
    } else {
      checkKnown(*it, {"text", "icon_url"}, errors, join(at, {"footer"}));
      checkString(*it, "text", 2048, true, errors, join(at, {"footer"}));
      total += stringChars(*it, "text");
    }
  }
  if (auto it = embed.find("author"); it != embed.end()) {
    if (!it->is_object()) {
      addError(errors, join(at, {"author"}), "MODEL_TYPE_CONVERT", "Must be an object.");
    } else {
      checkString(*it, "name", 256, true, errors, join(at, {"author"}));
      total += stringChars(*it, "name");
    }
  }
  if (auto it = embed.find("fields"); it != embed.end()) {
    if (!it->is_array()) {
      addError(errors, join(at, {"fields"}), "BASE_TYPE_LIST", "Must be an array.");
    } else {
      if (it->size() > 25)
        addError(errors, join(at, {"fields"}), "BASE_TYPE_MAX_LENGTH",
                 "Must be 25 or fewer in length.");
      for (std::size_t i = 0; i < it->size(); ++i) {
        const auto& field = (*it)[i];
        const Path fa = join(at, {"fields", std::to_string(i)});
        if (!field.is_object()) {
          addError(errors, fa, "MODEL_TYPE_CONVERT", "Must be an object.");
          continue;
        }
        checkKnown(field, {"name", "value", "inline"}, errors, fa);
        checkString(field, "name", 256, true, errors, fa);
        checkString(field, "value", 1024, true, errors, fa);
        if (field.contains("inline") && !field["inline"].is_boolean())
          addError(errors, join(fa, {"inline"}), "BASE_TYPE_BOOLEAN",
                   "Must be either true or false.");
        total += stringChars(field, "name") + stringChars(field, "value");
      }
    }
  }
  return total;
}

} // namespace

std::optional<Json> FakeDiscord::validate(const Json& body) {
  Json errors = Json::object();
  if (!body.is_object()) {
    addError(errors, {}, "MODEL_TYPE_CONVERT", "Only dictionaries may be used in a ModelType");
    return errors;
  }
  checkKnown(body,
             {"content", "username", "avatar_url", "tts", "embeds", "allowed_mentions",
              "components", "attachments", "flags", "thread_name", "applied_tags", "poll"},
             errors, {});
  checkString(body, "content", 2000, false, errors, {});
  if (body.contains("username")) {
    checkString(body, "username", 80, true, errors, {});
    if (body["username"].is_string()) {
      const auto lower = common::toLower(body["username"].get<std::string>());
      if (lower.find("discord") != std::string::npos || lower.find("clyde") != std::string::npos)
        addError(errors, {"username"}, "USERNAME_INVALID_CONTAINS",
                 "Username cannot contain \"discord\"");
    }
  }
  if (auto it = body.find("embeds"); it != body.end()) {
    if (!it->is_array()) {
      addError(errors, {"embeds"}, "BASE_TYPE_LIST", "Must be an array.");
    } else {
      if (it->size() > 10)
        addError(errors, {"embeds"}, "BASE_TYPE_MAX_LENGTH", "Must be 10 or fewer in length.");
      std::size_t total = 0;
      for (std::size_t i = 0; i < it->size(); ++i)
        total += validateEmbed((*it)[i], errors, {"embeds", std::to_string(i)});
      if (total > 6000)
        addError(errors, {"embeds"}, "MAX_EMBED_SIZE_EXCEEDED",
                 "Embed size exceeds maximum size of 6000");
    }
  }
  if (auto it = body.find("allowed_mentions"); it != body.end()) {
    static const std::set<std::string> kParse = {"roles", "users", "everyone"};
    if (!it->is_object()) {
      addError(errors, {"allowed_mentions"}, "MODEL_TYPE_CONVERT", "Must be an object.");
    } else {
      checkKnown(*it, {"parse", "roles", "users", "replied_user"}, errors, {"allowed_mentions"});
      if (auto p = it->find("parse"); p != it->end()) {
        if (!p->is_array())
          addError(errors, {"allowed_mentions", "parse"}, "BASE_TYPE_LIST", "Must be an array.");
        else
          for (const auto& v : *p)
            if (!v.is_string() || !kParse.count(v.get<std::string>()))
              addError(errors, {"allowed_mentions", "parse"}, "BASE_TYPE_CHOICES",
                       "Value must be one of {'roles', 'users', 'everyone'}.");
      }
    }
  }
  return errors.empty() ? std::nullopt : std::optional(errors);
}

struct FakeDiscord::Impl {
  Impl(asio::any_io_executor executor, std::string id, std::string tok)
      : server(executor, [this](const net::ServerRequest& req,
                                net::ResponseWriter& w) { return handle(req, w); }),
        webhookId(std::move(id)), token(std::move(tok)) {}
  net::HttpServer server;
  std::string webhookId;
  std::string token;
  mutable std::mutex mu;
  std::deque<Scripted> failures;
  std::vector<DiscordMessage> messages;
  std::vector<DiscordRequest> requests;
  bool revoked = false;
  std::size_t bucketLimit = 5;
  std::chrono::milliseconds bucketWindow{2000};
  Clock::time_point windowStart{};
  std::size_t used = 0;
  std::uint64_t nextId = 1300000000000000000ULL;

  // Bucket state for this request: whether it is within the limit, and its headers.
  std::pair<bool, net::HeaderList> takeFromBucket(Clock::time_point now) {
    std::lock_guard lock(mu);
    if (windowStart == Clock::time_point{} || now >= windowStart + bucketWindow) {
      windowStart = now;
      used = 0;
    }
    const bool allowed = used < bucketLimit;
    if (allowed)
      ++used;
    const double resetAfter =
        std::chrono::duration<double>(windowStart + bucketWindow - now).count();
    const double resetAt =
        std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count() +
        resetAfter;
    net::HeaderList headers = {{"X-RateLimit-Limit", std::to_string(bucketLimit)},
                               {"X-RateLimit-Remaining", std::to_string(bucketLimit - used)},
                               {"X-RateLimit-Reset", fmt::format("{:.3f}", resetAt)},
                               {"X-RateLimit-Reset-After", fmt::format("{:.3f}", resetAfter)},
                               {"X-RateLimit-Bucket", "a06de2f1b3c8d4e5f60718293a4b5c6d"}};
    return {allowed, std::move(headers)};
  }

  static net::ServerResponse rateLimited(double retryAfter, DiscordRetryHint hint,
                                         bool global = false) {
    net::ServerResponse r;
    if (hint == DiscordRetryHint::HeaderOnly)
      r = answer(429, {{"message", "You are being rate limited."}, {"global", global}});
    else
      r = answer(429, {{"message", "You are being rate limited."},
                       {"retry_after", retryAfter},
                       {"global", global}});
    if (global)
      r.with("X-RateLimit-Global", "true");
    if (hint != DiscordRetryHint::BodyOnly)
      r.with("Retry-After", std::to_string(static_cast<long long>(std::ceil(retryAfter))));
    return r;
  }

  net::ServerResponse accept(const net::ServerRequest& req, Json body, Clock::time_point now) {
    DiscordMessage m;
    m.body = std::move(body);
    m.query = req.rawQuery;
    m.at = now;
    if (auto am = m.body.find("allowed_mentions"); am != m.body.end() && am->is_object())
      if (auto p = am->find("parse"); p != am->end() && p->is_array() && p->empty())
        m.mentionsOff = true;
    Json reply;
    {
      std::lock_guard lock(mu);
      m.id = std::to_string(nextId++);
      reply = {{"id", m.id},
               {"type", 0},
               {"content", m.body.contains("content") && m.body["content"].is_string()
                               ? m.body["content"]
                               : Json("")},
               {"embeds", m.body.contains("embeds") ? m.body["embeds"] : Json::array()},
               {"channel_id", "1100000000000000001"},
               {"webhook_id", webhookId},
               {"author", {{"id", webhookId}, {"username", "mcpwatch"}, {"bot", true}}},
               {"mention_everyone", false},
               {"timestamp", common::formatRfc3339Millis(std::chrono::system_clock::now())}};
      messages.push_back(std::move(m));
    }
    return answer(200, reply);
  }

  net::ServerResponse route(const net::ServerRequest& req, Clock::time_point now) {
    const std::optional<Scripted> scripted = takeScripted(mu, failures);
    if (scripted) {
      if (scripted->status == 429)
        return rateLimited(scripted->retryAfter.value_or(1.25), scripted->hint, scripted->global);
      return discordError(scripted->status, "scripted failure", 0);
    }
    const std::string prefix = "/api/webhooks/";
    const auto rest = req.path.rfind(prefix, 0) == 0 ? req.path.substr(prefix.size()) : "";
    const auto slash = rest.find('/');
    if (slash == std::string::npos || rest.substr(0, slash) != webhookId)
      return discordError(404, "Unknown Webhook", 10015);
    {
      std::lock_guard lock(mu);
      if (revoked)
        return discordError(404, "Unknown Webhook", 10015);
    }
    if (rest.substr(slash + 1) != token)
      return discordError(401, "Invalid Webhook Token", 50027);
    if (req.method != "POST")
      return discordError(405, "405: Method Not Allowed", 0);
    auto [allowed, bucket] = takeFromBucket(now);
    net::ServerResponse response = [&] {
      if (!allowed) {
        const double resetAfter = std::stod(bucket[3].second);
        auto r = rateLimited(resetAfter, DiscordRetryHint::BodyAndHeader);
        r.with("X-RateLimit-Scope", "user");
        return r;
      }
      return handlePost(req, now);
    }();
    for (auto& [name, value] : bucket)
      response.with(name, value);
    return response;
  }

  net::ServerResponse handlePost(const net::ServerRequest& req, Clock::time_point now) {
    // Without wait=true Discord answers 204 and hides errors; mcpwatch must always ask for it.
    if (req.query("wait") != "true")
      return discordError(400, "strict fake: wait=true is required", 0);
    if (auto thread = req.query("thread_id")) {
      if (thread->empty() || !std::all_of(thread->begin(), thread->end(),
                                          [](unsigned char c) { return std::isdigit(c); })) {
        Json errors = Json::object();
        addError(errors, {"thread_id"}, "NUMBER_TYPE_COERCE", "Value is not snowflake.");
        return answer(400, {{"message", "Invalid Form Body"}, {"code", 50035}, {"errors", errors}});
      }
    }
    const auto type = common::toLower(req.header("Content-Type").value_or(""));
    if (type.rfind("application/json", 0) != 0)
      return discordError(400, "Cannot send an empty message", 50006);
    auto body = common::parseJson(req.body);
    if (!body)
      return discordError(400, "The request body contains invalid JSON.", 50109);
    if (auto errors = validate(*body))
      return answer(400, {{"message", "Invalid Form Body"}, {"code", 50035}, {"errors", *errors}});
    const bool hasContent = body->contains("content") && (*body)["content"].is_string() &&
                            !common::trim((*body)["content"].get<std::string>()).empty();
    const bool hasEmbeds =
        body->contains("embeds") && (*body)["embeds"].is_array() && !(*body)["embeds"].empty();
    if (!hasContent && !hasEmbeds)
      return discordError(400, "Cannot send an empty message", 50006);
    return accept(req, std::move(*body), now);
  }

  Awaitable<void> handle(const net::ServerRequest& req, net::ResponseWriter& w) {
    const auto now = Clock::now();
    auto response = route(req, now);
    {
      std::lock_guard lock(mu);
      requests.push_back(
          {req.method, req.target, req.body, req.headers.entries(), response.status, now});
    }
    co_await w.send(std::move(response));
  }
};

FakeDiscord::FakeDiscord(asio::any_io_executor executor, std::string webhookId, std::string token)
    : impl_(std::make_shared<Impl>(executor, std::move(webhookId), std::move(token))) {
  listenOnLoopback(impl_->server, "fake Discord");
}
FakeDiscord::~FakeDiscord() {
  impl_->server.stop();
}
std::uint16_t FakeDiscord::port() const {
  return impl_->server.port();
}
std::string FakeDiscord::webhookUrl() const {
  return "http://127.0.0.1:" + std::to_string(port()) + "/api/webhooks/" + impl_->webhookId + "/" +
         impl_->token;
}
const std::string& FakeDiscord::token() const {
  return impl_->token;
}
void FakeDiscord::failNext(int count, int status, std::optional<double> retryAfter,
                           DiscordRetryHint hint, bool global) {
  addScripted(impl_->mu, impl_->failures, count, Scripted{status, retryAfter, hint, global});
}
void FakeDiscord::setBucket(std::size_t limit, std::chrono::milliseconds window) {
  std::lock_guard lock(impl_->mu);
  impl_->bucketLimit = limit;
  impl_->bucketWindow = window;
  impl_->windowStart = {};
  impl_->used = 0;
}
void FakeDiscord::revoke() {
  std::lock_guard lock(impl_->mu);
  impl_->revoked = true;
}
std::vector<DiscordMessage> FakeDiscord::messages() const {
  std::lock_guard lock(impl_->mu);
  return impl_->messages;
}
std::vector<DiscordRequest> FakeDiscord::requests() const {
  std::lock_guard lock(impl_->mu);
  return impl_->requests;
}
std::size_t FakeDiscord::invalidRequests() const {
  std::lock_guard lock(impl_->mu);
  return static_cast<std::size_t>(
      std::count_if(impl_->requests.begin(), impl_->requests.end(),
                    [](const DiscordRequest& r) { return r.answered >= 400 && r.answered < 500; }));
}

} // namespace mcpwatch::fakes
