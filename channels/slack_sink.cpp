// Slack incoming-webhook delivery: a pure Block Kit renderer within Slack's limits, and one paced
// request per attempt with Slack's plain-text answers mapped onto the outbox's retry rule.
#include "channels/slack_sink.hpp"

#include "channels/json_post.hpp"
#include "channels/slack_config.hpp"
#include "channels/text.hpp"
#include "common/strings.hpp"
#include "common/time.hpp"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <vector>

namespace mcpwatch::channels {
namespace {

using common::Json;
using namespace std::chrono_literals;

constexpr std::string_view kReplacement = "\xEF\xBF\xBD"; // U+FFFD
constexpr std::string_view kGraveLookalike = "\xCB\x8B";  // ˋ U+02CB
constexpr std::string_view kEmDash = "\xE2\x80\x94";      // —

// Caps per element, chosen so that even a message where every text is at its cap stays well
// inside Slack's 40,000-character budget (about 22,000) and far below 50 blocks (at most 12).
constexpr std::size_t kFallbackText = 1000;
constexpr std::size_t kFactField = 500;
constexpr std::size_t kContextText = 2000;
constexpr std::size_t kMaxRecentFailures = 10;
// Without a Retry-After (Slack always sends one) a 429 holds the webhook this long: sending
// again after a rate limit risks Slack disabling the app, so guess long rather than short.
constexpr std::chrono::seconds kDefaultRateLimitHold{30};

// Characters as Slack counts them. Its limits are enforced in JavaScript, which counts UTF-16
// units, so a code point past U+FFFF (most emoji) counts twice; that is never fewer than the
// code points, so a text within this count is within either reading of the limit.
std::size_t slackChars(std::string_view s) {
  std::size_t n = 0;
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if ((u & 0xC0) != 0x80)
      n += u >= 0xF0 ? 2 : 1;
  }
  return n;
}

enum class Flavor { Text, Code };

// The escaped form of one code point: "" when it is dropped.
std::string_view piece(char32_t cp, std::string_view bytes, Flavor flavor, bool keepNewlines) {
  switch (cp) {
  case '&':
    return "&amp;";
  case '<':
    return "&lt;";
  case '>':
    return "&gt;";
  case '`':
    return flavor == Flavor::Code ? kGraveLookalike : bytes;
  case '\n':
    return keepNewlines ? std::string_view("\n") : std::string_view(" ");
  case '\t':
    return " ";
  default:
    break;
  }
  // C0/C1 controls (terminal escapes, NUL, bell) and bidi overrides that could make a server's
  // text read differently from what it is.
  if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || (cp >= 0x202A && cp <= 0x202E) ||
      (cp >= 0x2066 && cp <= 0x2069))
    return "";
  return bytes;
}

std::string escapeAs(std::string_view text, std::size_t maxChars, bool keepNewlines,
                     Flavor flavor) {
  // One pass collecting pieces until the budget is certainly exceeded, then a cut that leaves
  // room for the ellipsis.
  std::vector<std::string_view> pieces;
  std::size_t total = 0;
  bool over = false;
  for (std::size_t i = 0; i < text.size();) {
    const common::Utf8Char ch = common::decodeUtf8(text, i);
    const auto bytes = ch.valid ? text.substr(i, ch.length) : kReplacement;
    i += ch.length;
    const auto p = piece(ch.codePoint, bytes, flavor, keepNewlines);
    if (p.empty())
      continue;
    pieces.push_back(p);
    total += slackChars(p);
    if (total > maxChars) {
      over = true;
      break;
    }
  }
  std::string out;
  if (!over) {
    for (auto p : pieces)
      out += p;
    return out;
  }
  if (maxChars == 0)
    return out;
  std::size_t used = 0;
  for (auto p : pieces) {
    const auto n = slackChars(p);
    if (used + n > maxChars - 1)
      break;
    out += p;
    used += n;
  }
  // A cut right after a space reads better without it.
  while (!out.empty() && (out.back() == ' ' || out.back() == '\n'))
    out.pop_back();
  out += kEllipsis;
  return out;
}

bool httpUrl(std::string_view url) {
  if (url.size() > kSlackMaxButtonUrl)
    return false;
  if (!(url.rfind("https://", 0) == 0 || url.rfind("http://", 0) == 0))
    return false;
  return std::none_of(url.begin(), url.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u <= 0x20 || u == 0x7F;
  });
}

Json mrkdwn(std::string text) {
  return {{"type", "mrkdwn"}, {"text", std::move(text)}};
}
Json plainText(std::string text) {
  return {{"type", "plain_text"}, {"text", std::move(text)}, {"emoji", true}};
}

// "*Label*\n<value>" with the value already formatted; at most kSlackMaxFieldText characters.
Json field(std::string_view label, const std::string& value) {
  return mrkdwn("*" + std::string(label) + "*\n" + value);
}

std::string latencyText(double ms) {
  if (!std::isfinite(ms) || ms < 0)
    return "unknown";
  return ms < 10 ? fmt::format("{:.1f} ms", ms) : fmt::format("{:.0f} ms", ms);
}

// A Slack date token, shown in each reader's own time zone; the RFC 3339 text is its fallback.
// Unparseable times are shown as given, in a code span.
std::string slackTime(const std::string& rfc3339) {
  if (auto t = common::parseRfc3339(rfc3339)) {
    const auto unix = std::chrono::duration_cast<std::chrono::seconds>(t->time_since_epoch());
    return fmt::format("<!date^{}^{{date_short_pretty}} {{time_secs}}|{}>", unix.count(),
                       slackEscape(rfc3339, 64));
  }
  return slackCode(rfc3339, 100);
}

std::string_view emojiOf(const Event& e) {
  switch (e.type) {
  case EventType::Triggered:
  case EventType::Reminder:
    return "\xF0\x9F\x94\xB4"; // 🔴
  case EventType::Resolved:
    return "\xE2\x9C\x85"; // ✅
  case EventType::SchemaDrifted:
  case EventType::ProtocolChanged:
    return "\xF0\x9F\x9F\xA1"; // 🟡
  }
  return "";
}

std::string_view colorOf(EventType kind) {
  switch (kind) {
  case EventType::Triggered:
  case EventType::Reminder:
    return "danger";
  case EventType::Resolved:
    return "good";
  case EventType::SchemaDrifted:
  case EventType::ProtocolChanged:
    return "warning";
  }
  return "danger";
}

// "`a`, `b`, `c` … and 12 more" within `maxChars`.
std::string nameList(const std::vector<std::string>& names, std::size_t maxChars) {
  std::string out;
  std::size_t shown = 0;
  for (const auto& n : names) {
    const std::string item = (out.empty() ? "" : ", ") + slackCode(n, 200);
    // Room for the longest possible "… and N more" tail.
    if (slackChars(out) + slackChars(item) + 24 > maxChars)
      break;
    out += item;
    ++shown;
  }
  if (shown < names.size())
    out += (out.empty() ? std::string() : std::string(" ")) + std::string(kEllipsis) + " and " +
           std::to_string(names.size() - shown) + " more";
  return out;
}

std::string recentFailuresText(const Event& e, std::size_t maxChars) {
  std::string out = "*Recent failures*";
  const std::size_t n = std::min(e.recentFailures.size(), kMaxRecentFailures);
  std::size_t shown = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const auto& f = e.recentFailures[i];
    std::string line = "\n\xE2\x80\xA2 " + slackCode(f.at, 40) + " " + slackCode(f.reason, 80);
    if (!f.detail.empty())
      line += ": " + slackCode(f.detail, 240);
    if (slackChars(out) + slackChars(line) + 24 > maxChars)
      break;
    out += line;
    ++shown;
  }
  if (shown < e.recentFailures.size())
    out += "\n" + std::string(kEllipsis) + " and " +
           std::to_string(e.recentFailures.size() - shown) + " more";
  return out;
}

Json button(std::string_view label, const std::string& url, std::string_view actionId,
            bool primary) {
  Json b = {{"type", "button"},
            {"text", plainText(slackEscape(label, kSlackMaxButtonText))},
            {"url", url},
            {"action_id", actionId}};
  if (primary)
    b["style"] = "primary";
  return b;
}

// Callers keep `text` within kSlackMaxSectionText (every part has its own cap).
Json section(std::string text) {
  return {{"type", "section"}, {"text", mrkdwn(std::move(text))}};
}

std::vector<Json> factFields(const Event& e) {
  std::vector<Json> fields;
  auto add = [&](std::string_view label, const std::string& value) {
    if (fields.size() < kSlackMaxFields)
      fields.push_back(field(label, value));
  };
  const auto code = [](const std::string& s) { return slackCode(s, kFactField); };
  switch (e.type) {
  case EventType::Triggered:
    add("Reason", code(e.reason));
    if (!e.downSince.empty())
      add("Down since", slackTime(e.downSince));
    if (e.consecutiveFailures > 0)
      add("Consecutive failures", std::to_string(e.consecutiveFailures));
    break;
  case EventType::Resolved:
    if (e.durationSeconds)
      add("Down for", humanDuration(*e.durationSeconds));
    if (!e.downSince.empty())
      add("Down since", slackTime(e.downSince));
    break;
  case EventType::Reminder:
    if (e.durationSeconds)
      add("Down for", humanDuration(*e.durationSeconds));
    add("Reason", code(e.reason));
    if (!e.downSince.empty())
      add("Down since", slackTime(e.downSince));
    break;
  case EventType::SchemaDrifted:
    if (e.schema)
      add("Tools", driftSummary(*e.schema));
    break;
  case EventType::ProtocolChanged:
    if (e.protocol)
      add("Protocol", code(protocolSummary(*e.protocol)));
    break;
  }
  if (e.responseTimeMs)
    add("Latency", latencyText(*e.responseTimeMs));
  if (!e.protocolVersion.empty())
    add("Protocol version", code(e.protocolVersion));
  if (!e.owner.empty())
    add("Owner", slackEscape(e.owner, kFactField));
  if (e.type == EventType::Triggered && !e.dependents.empty())
    add("Dependents", nameList(e.dependents, kFactField));
  add("Server", code(e.slug));
  if (!e.checkUrl.empty())
    add("Endpoint", code(e.checkUrl));
  return fields;
}

} // namespace

std::string slackEscape(std::string_view text, std::size_t maxChars, bool keepNewlines) {
  return escapeAs(text, maxChars, keepNewlines, Flavor::Text);
}

std::string slackCode(std::string_view text, std::size_t maxChars) {
  if (maxChars < 3)
    return std::string(kEmDash);
  auto inner = escapeAs(text, maxChars - 2, false, Flavor::Code);
  // A span of spaces only would show the backticks themselves.
  if (inner.find_first_not_of(' ') == std::string::npos)
    return std::string(kEmDash);
  return "`" + inner + "`";
}

std::string slackCodeBlock(std::string_view text, std::size_t maxChars) {
  if (maxChars < 9)
    return std::string(kEmDash);
  auto inner = escapeAs(text, maxChars - 8, true, Flavor::Code);
  if (inner.find_first_not_of(" \n") == std::string::npos)
    return std::string(kEmDash);
  return "```\n" + inner + "\n```";
}

Json slackMessage(const Event& e, std::string_view publicUrl) {
  const std::string title = headline(e);
  Json header = {
      {"type", "header"},
      {"text", plainText(slackEscape(std::string(emojiOf(e)) + " " + title, kSlackMaxHeaderText))}};

  Json blocks = Json::array();
  blocks.push_back({{"type", "section"}, {"fields", factFields(e)}});
  if (!e.description.empty())
    blocks.push_back(section(slackEscape(e.description, kSlackMaxSectionText, true)));

  if (e.type == EventType::Triggered && !e.detail.empty())
    blocks.push_back(section("*Detail*\n" + slackCodeBlock(e.detail, kSlackMaxSectionText - 12)));
  if (e.type == EventType::Triggered && !e.recentFailures.empty())
    blocks.push_back(section(recentFailuresText(e, kSlackMaxSectionText)));
  if (e.type == EventType::SchemaDrifted && e.schema) {
    auto list = [&](std::string_view label, const std::vector<std::string>& names) {
      if (names.empty())
        return;
      const std::string head =
          fmt::format("*{} ({})*\n", label, names.size()); // at most ~20 characters
      blocks.push_back(section(head + nameList(names, kSlackMaxSectionText - 30)));
    };
    list("Added", e.schema->added);
    list("Removed", e.schema->removed);
    list("Changed", e.schema->changed);
  }

  Json actions = Json::array();
  if (httpUrl(e.statusUrl))
    actions.push_back(button("Status page", e.statusUrl, "status_page", true));
  else if (httpUrl(publicUrl))
    actions.push_back(button("Open mcpwatch", std::string(publicUrl), "mcpwatch", true));
  if (httpUrl(e.runbookUrl))
    actions.push_back(button("Runbook", e.runbookUrl, "runbook", false));
  if (httpUrl(e.checkUrl))
    actions.push_back(button("Endpoint", e.checkUrl, "endpoint", false));
  for (std::size_t i = 0; i < e.links.size(); ++i)
    if (httpUrl(e.links[i].url))
      actions.push_back(
          button(e.links[i].name, e.links[i].url, "link_" + std::to_string(i), false));
  if (!actions.empty())
    blocks.push_back({{"type", "actions"}, {"elements", std::move(actions)}});

  Json context = Json::array();
  if (e.test)
    context.push_back(mrkdwn(":test_tube: *Test alert* sent by `mcpwatch test-alert`; no action "
                             "is needed."));
  if (!e.note.empty())
    context.push_back(plainText("Note: " + slackEscape(e.note, kContextText - 6, true)));
  if (e.type == EventType::SchemaDrifted && e.schema &&
      (!e.schema->oldFingerprint.empty() || !e.schema->newFingerprint.empty()))
    context.push_back(mrkdwn("Fingerprint " + slackCode(e.schema->oldFingerprint, 120) +
                             " \xE2\x86\x92 " + slackCode(e.schema->newFingerprint, 120)));
  std::string footer = "mcpwatch";
  if (!e.id.empty())
    footer += " \xC2\xB7 " + slackCode(e.id, 80);
  if (!e.incidentId.empty())
    footer += " \xC2\xB7 incident " + slackCode(e.incidentId, 80);
  if (!e.occurredAt.empty())
    footer += " \xC2\xB7 " + slackTime(e.occurredAt);
  context.push_back(mrkdwn(footer));
  blocks.push_back({{"type", "context"}, {"elements", std::move(context)}});

  // Notifications and clients without Block Kit show `text`; mrkdwn is off there so a server's
  // name cannot format it, and the escaping keeps it from pinging.
  return {{"text", slackEscape(title, kFallbackText)},
          {"mrkdwn", false},
          {"blocks", Json::array({std::move(header)})},
          {"attachments", Json::array({{{"color", colorOf(e.type)},
                                        {"fallback", slackEscape(title, kFallbackText)},
                                        {"blocks", std::move(blocks)}}})}};
}

std::size_t slackTextLength(const Json& message) {
  std::size_t n = 0;
  // Every string value named "text" or "fallback" anywhere in the message.
  std::vector<const Json*> stack = {&message};
  while (!stack.empty()) {
    const Json* j = stack.back();
    stack.pop_back();
    if (j->is_object()) {
      for (const auto& [k, v] : j->items()) {
        if ((k == "text" || k == "fallback") && v.is_string())
          n += slackChars(v.get_ref<const std::string&>());
        else if (v.is_structured())
          stack.push_back(&v);
      }
    } else if (j->is_array()) {
      for (const auto& v : *j)
        stack.push_back(&v);
    }
  }
  return n;
}

namespace {

// Slack's answers are short plain-text codes; anything else (a proxy's page) is cut to one line.
std::string answerText(std::string_view body) {
  auto text = slackEscape(body, 200);
  // slackEscape's entities are for Slack, not for logs: undo them for readability.
  std::string out;
  for (std::size_t i = 0; i < text.size();) {
    if (text.compare(i, 5, "&amp;") == 0) {
      out += '&';
      i += 5;
    } else if (text.compare(i, 4, "&lt;") == 0) {
      out += '<';
      i += 4;
    } else if (text.compare(i, 4, "&gt;") == 0) {
      out += '>';
      i += 4;
    } else {
      out += text[i++];
    }
  }
  auto first = out.find_first_not_of(' ');
  if (first == std::string::npos)
    return "empty body";
  return out.substr(first, out.find_last_not_of(' ') - first + 1);
}

// The error code of a JSON answer ({"ok": false, "error": "..."}), if the body is one.
std::optional<std::string> jsonError(std::string_view body) {
  auto json = common::parseJson(body);
  if (!json || !json->is_object())
    return std::nullopt;
  auto it = json->find("error");
  if (it == json->end() || !it->is_string())
    return std::nullopt;
  return it->get<std::string>();
}

std::string redact(std::string text, const common::Secret& url, const std::string& path) {
  // Slack never echoes the hook, but a proxy in front of it might: neither the URL nor its
  // token-bearing path may reach a log.
  redactInPlace(text, url.reveal(), 2);
  redactInPlace(text, path, 2); // "/" alone is no secret
  return text;
}

} // namespace

SlackSink::SlackSink(channels::SlackSinkConfig config, alerting::SinkContext context)
    : config_(std::move(config)), context_(std::move(context)) {}

Awaitable<alerting::AttemptResult> SlackSink::deliver(alerting::Delivery delivery) {
  const Event& event = delivery.event;
  auto url = common::Url::parse(config_.url.reveal());
  if (!url)
    co_return alerting::AttemptResult::permanent(
        "slack: the webhook url is not a valid http(s) URL");
  const std::string host = url->host;

  // One gate per webhook URL (hashed): Slack's rate limit and revocations are per webhook.
  const std::string gate = alerting::DestinationGates::keyOf("slack\n" + config_.url.reveal());
  if (context_.gates) {
    if (auto reason = context_.gates->revoked(gate)) {
      // Not sent at all: a revoked webhook stays revoked, and Slack asks not to keep calling it.
      // The text is the original diagnosis.
      co_return alerting::AttemptResult::revoked(*reason + " (not sent)");
    }
    if (auto wait = co_await context_.gates->pace(gate, kSlackPaceInterval, kSlackMaxPaceWait)) {
      const auto seconds = (wait->count() + 999) / 1000;
      co_return alerting::AttemptResult::retry(
          fmt::format("Slack webhook ({}) is busy (one message per second, or a 429 hold); "
                      "deferred by {}s",
                      host, seconds),
          std::to_string(seconds));
    }
  }

  JsonPost post{*url,
                slackMessage(event, context_.publicUrl),
                "application/json; charset=utf-8",
                {},
                config_.timeout};
  auto exchange = co_await postJson(context_.executor, std::move(post));
  auto result = std::move(exchange.result);
  const auto fail = [&](std::string text) {
    result.error = redact("slack: " + std::move(text), config_.url, url->target);
  };
  if (!exchange.response || !result.status) {
    fail(result.error);
    co_return result;
  }
  const int status = *result.status;
  const std::string answer = answerText(exchange.response->body);
  const std::string code = jsonError(exchange.response->body).value_or(answer);

  if (status == 200) {
    if (answer == "ok") {
      result.error.clear();
      co_return result;
    }
    // Incoming webhooks answer exactly "ok"; a 200 with anything else did not come from Slack's
    // webhook endpoint as documented (a captive portal, a proxy's page, a chat.postMessage-style
    // URL answering {"ok": false}) and the message was most likely not posted. It is neither a
    // success nor proof of a permanent problem, so it is retried on the outbox's backing-off
    // schedule (bounded by give-up, and paced at one per second here, so never a hammering).
    result.outcome = alerting::AttemptOutcome::Retry;
    fail(fmt::format("HTTP 200 from {} with body \"{}\" instead of \"ok\"; not counted as "
                     "delivered (retried)",
                     host, code));
    co_return result;
  }
  switch (status) {
  case 400:
    fail(fmt::format("Slack rejected the message (HTTP 400 {}) at {}", code, host));
    break;
  case 403:
  case 404:
  case 410: {
    // Gone for good until the configuration changes: later events must not call it again.
    std::string reason = redact(
        fmt::format("slack: Slack webhook revoked or channel gone (HTTP {} {}) at {}: create a "
                    "new incoming webhook and put its URL in this sink's url (sinks.<name>.url)",
                    status, code, host),
        config_.url, url->target);
    if (context_.gates)
      context_.gates->revoke(gate, reason);
    result.outcome = alerting::AttemptOutcome::Revoked;
    result.error = std::move(reason);
    break;
  }
  case 429: {
    const auto now = context_.clock ? context_.clock->now() : std::chrono::system_clock::now();
    std::optional<alerting::Duration> delay;
    if (result.retryAfter)
      delay = alerting::parseRetryAfter(*result.retryAfter, now);
    if (!delay) {
      delay = kDefaultRateLimitHold;
      result.retryAfter = std::to_string(kDefaultRateLimitHold.count());
    }
    // Every message to this webhook waits, not only this one (other servers' alerts too).
    if (context_.gates)
      context_.gates->holdUntil(gate, context_.gates->now() + *delay);
    fail(fmt::format("Slack rate limited the webhook (HTTP 429 {}) at {}; Retry-After {}", code,
                     host, *result.retryAfter));
    break;
  }
  default:
    fail(fmt::format("HTTP {} {} from {}", status, code, host));
    break;
  }
  co_return result;
}

Json saveSlackSettings(const channels::SlackSinkConfig& slack) {
  return {{"url", slack.url.reveal()},
          {"schema_drift", slack.schemaDrift},
          {"timeout_ms", slack.timeout.count()}};
}

std::optional<channels::SlackSinkConfig> loadSlackSettings(const Json& json) {
  channels::SlackSinkConfig slack;
  slack.url = common::Secret(json.at("url").get<std::string>());
  slack.schemaDrift = json.at("schema_drift").get<bool>();
  slack.timeout = alerting::Duration(json.at("timeout_ms").get<std::int64_t>());
  return slack;
}

alerting::SinkKind slackSinkKind() {
  return alerting::sinkKind<channels::SlackSinkConfig>(makeSlackSink, saveSlackSettings,
                                                       loadSlackSettings);
}

std::unique_ptr<alerting::Sink> makeSlackSink(const config::SinkConfig& sink,
                                              const alerting::SinkContext& context) {
  const auto* slack = sink.settings.get<channels::SlackSinkConfig>();
  if (!slack)
    return nullptr;
  return std::make_unique<SlackSink>(*slack, context);
}

} // namespace mcpwatch::channels
