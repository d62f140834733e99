// Discord webhook delivery: a pure message renderer within Discord's limits (escaped markdown,
// no mentions), and one paced request per attempt with Discord's answers mapped onto the retry
// rule, 429 holds, bucket-header holds and revoked webhooks.
#include "channels/discord_sink.hpp"

#include "channels/discord_config.hpp"
#include "channels/json_post.hpp"
#include "channels/text.hpp"
#include "common/strings.hpp"
#include "common/time.hpp"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace mcpwatch::channels {
namespace {

using common::Json;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// Discord allows short bursts per webhook but its limits "should not be hard coded": one message
// per half second keeps a burst of alerts (a shared outage) well inside any observed bucket.
constexpr alerting::DestinationGates::Millis kMinInterval = 500ms;
// A wait longer than this goes back to the outbox as a deferral instead of holding a slot.
constexpr alerting::DestinationGates::Millis kMaxPaceWait = 5s;

constexpr std::string_view kZeroWidthSpace = "\xE2\x80\x8B";

// For texts Discord shows without markdown (footer, username): no control characters, and no
// '@' that could start a mention.
std::string plainDefused(std::string_view s) {
  std::string out;
  for (char ch : oneLine(s)) {
    out += ch;
    if (ch == '@')
      out += kZeroWidthSpace;
  }
  return out;
}

std::string escLine(std::string_view s) {
  return escapeDiscordMarkdown(oneLine(s));
}

std::string escCut(std::string_view s, std::size_t maxChars) {
  return cutDiscordText(escLine(s), maxChars);
}

// "<t:1732413724:f> (<t:1732413724:R>)": Discord shows it in the reader's own time zone.
std::string discordTime(const std::string& rfc3339, bool relative = true) {
  auto t = common::parseRfc3339(rfc3339);
  if (!t)
    return escLine(rfc3339);
  const auto unix = std::chrono::duration_cast<std::chrono::seconds>(t->time_since_epoch()).count();
  return relative ? fmt::format("<t:{}:f> (<t:{}:R>)", unix, unix) : fmt::format("<t:{}:f>", unix);
}

// An http(s) URL safe as the target of a masked link and as an embed url; nullopt otherwise.
std::optional<std::string> linkTarget(std::string_view text) {
  auto url = common::Url::parse(text);
  if (!url)
    return std::nullopt;
  std::string out;
  for (char ch : url->toString()) {
    switch (ch) {
    case '(':
      out += "%28";
      break;
    case ')':
      out += "%29";
      break;
    case '<':
      out += "%3C";
      break;
    case '>':
      out += "%3E";
      break;
    default:
      out += ch;
    }
  }
  return out;
}

// An operator-given URL (the MCP endpoint) shown as inline code: nothing inside a code span is
// markdown, so the URL stays readable; escaped text when it holds a backtick.
std::string codeOrEscaped(std::string_view text, std::size_t maxChars) {
  const std::string line = oneLine(text);
  if (line.find('`') == std::string::npos && codePoints(line) + 2 <= maxChars)
    return "`" + line + "`";
  return escCut(line, maxChars);
}

std::string latencyText(double ms) {
  if (!std::isfinite(ms) || ms < 0)
    return "n/a";
  return ms >= 10 ? fmt::format("{:.0f} ms", ms) : fmt::format("{:.1f} ms", ms);
}

std::string joinEscaped(const std::vector<std::string>& names, std::size_t maxChars) {
  std::string out;
  for (const auto& n : names) {
    out += (out.empty() ? "" : ", ") + escLine(n);
    if (codePoints(out) > maxChars)
      break; // enough to fill the field; the rest would be cut anyway
  }
  return cutDiscordText(out, maxChars);
}

struct Field {
  std::string name;
  std::string value;
  bool inlined = false;
};

void addField(std::vector<Field>& fields, std::string name, std::string value, bool inlined) {
  if (value.empty())
    return;
  fields.push_back({cutDiscordText(name, kDiscordMaxFieldName),
                    cutDiscordText(value, kDiscordMaxFieldValue), inlined});
}

std::string descriptionOf(const Event& e) {
  std::string out;
  if (e.test)
    out += "*This is a test alert sent by mcpwatch test-alert; no action is needed.*\n\n";
  const std::string name = "**" + escLine(e.name) + "**";
  switch (e.type) {
  case EventType::Triggered:
    out += name + " is down: " + escLine(whatFailed(e)) + ".";
    break;
  case EventType::Resolved:
    out += name + " is answering again" +
           (e.durationSeconds ? " after " + humanDuration(*e.durationSeconds) : std::string()) +
           ".";
    break;
  case EventType::SchemaDrifted:
    out += "The tools of " + name + " changed: " +
           (e.schema ? driftSummary(*e.schema) : std::string("fingerprint changed")) + ".";
    break;
  case EventType::ProtocolChanged:
    out += name + " now answers in another protocol era or transport" +
           (e.protocol ? ": " + escLine(protocolSummary(*e.protocol)) : std::string()) + ".";
    break;
  case EventType::Reminder:
    out += name + " is still down" +
           (e.durationSeconds ? " after " + humanDuration(*e.durationSeconds) : std::string()) +
           ": " + escLine(whatFailed(e)) + ". The incident is still open.";
    break;
  }
  if (!e.description.empty())
    out += "\n\n" + escapeDiscordMarkdown(common::truncateCodePoints(e.description, 1000));
  // The server's own texts come last, so the cut to Discord's limits takes them first.
  if (!e.note.empty())
    out += "\n\n" + escapeDiscordMarkdown(common::truncateCodePoints(e.note, 2000));
  if (e.type == EventType::Triggered && !e.detail.empty())
    out += "\n\n" + escapeDiscordMarkdown(common::truncateCodePoints(e.detail, 4096));
  return cutDiscordText(out, kDiscordMaxDescription);
}

std::vector<Field> fieldsOf(const Event& e) {
  std::vector<Field> f;
  const auto latency = e.responseTimeMs ? latencyText(*e.responseTimeMs) : std::string();
  switch (e.type) {
  case EventType::Triggered: {
    addField(f, "Reason", escCut(e.reason, 200), true);
    if (!e.downSince.empty())
      addField(f, "Down since", discordTime(e.downSince), true);
    if (e.consecutiveFailures > 0)
      addField(f, "Failures in a row", std::to_string(e.consecutiveFailures), true);
    addField(f, "Latency", latency, true);
    addField(f, "Protocol version", escCut(e.protocolVersion, 100), true);
    std::string recent;
    for (const auto& r : e.recentFailures) {
      // Each line is cut on its own so every recent failure keeps its time and reason.
      const std::size_t share =
          kDiscordMaxFieldValue / std::max<std::size_t>(1, e.recentFailures.size());
      const std::string when = r.at.empty() ? std::string("?") : discordTime(r.at, false);
      std::string line = "- " + when + " " + escCut(r.reason, 60);
      if (!r.detail.empty())
        line += ": " + escLine(r.detail);
      recent += (recent.empty() ? "" : "\n") + cutDiscordText(line, share > 1 ? share - 1 : 1);
    }
    addField(f, "Recent failures", recent, false);
    break;
  }
  case EventType::Resolved:
    if (e.durationSeconds)
      addField(f, "Down for", humanDuration(*e.durationSeconds), true);
    if (!e.downSince.empty())
      addField(f, "Down since", discordTime(e.downSince), true);
    addField(f, "Latency", latency, true);
    addField(f, "Protocol version", escCut(e.protocolVersion, 100), true);
    break;
  case EventType::SchemaDrifted:
    if (e.schema) {
      auto list = [&](const char* label, const std::vector<std::string>& names) {
        if (!names.empty())
          addField(f, fmt::format("{} ({})", label, names.size()),
                   joinEscaped(names, kDiscordMaxFieldValue), false);
      };
      list("Added", e.schema->added);
      list("Removed", e.schema->removed);
      list("Changed", e.schema->changed);
      if (!e.schema->oldFingerprint.empty() || !e.schema->newFingerprint.empty())
        addField(f, "Fingerprint",
                 codeOrEscaped(e.schema->oldFingerprint, 500) + " \xE2\x86\x92 " +
                     codeOrEscaped(e.schema->newFingerprint, 500),
                 false);
    }
    addField(f, "Protocol version", escCut(e.protocolVersion, 100), true);
    break;
  case EventType::ProtocolChanged:
    if (e.protocol)
      addField(f, "Protocol", codeOrEscaped(protocolSummary(*e.protocol), 500), false);
    break;
  case EventType::Reminder:
    if (e.durationSeconds)
      addField(f, "Down for", humanDuration(*e.durationSeconds), true);
    addField(f, "Reason", escCut(e.reason, 200), true);
    if (!e.downSince.empty())
      addField(f, "Down since", discordTime(e.downSince), true);
    addField(f, "Protocol version", escCut(e.protocolVersion, 100), true);
    break;
  }
  if (!e.owner.empty())
    addField(f, "Owner", escCut(e.owner, 200), true);
  if (e.type == EventType::Triggered && !e.dependents.empty())
    addField(f, "Dependents", joinEscaped(e.dependents, 500), false);
  if (auto runbook = linkTarget(e.runbookUrl))
    addField(f, "Runbook", "[Open the runbook](" + *runbook + ")", true);
  // Whole links only: a cut inside "[name](url)" would show broken markdown.
  std::string links;
  for (const auto& link : e.links)
    if (auto target = linkTarget(link.url)) {
      std::string one = "[" + escCut(link.name, 100) + "](" + *target + ")";
      std::string next = links.empty() ? one : links + " \xC2\xB7 " + one;
      if (codePoints(next) > kDiscordMaxFieldValue)
        break;
      links = std::move(next);
    }
  addField(f, "Links", links, false);
  addField(f, "Endpoint", codeOrEscaped(e.checkUrl, kDiscordMaxFieldValue), false);
  if (auto status = linkTarget(e.statusUrl))
    addField(f, "Status page", "[" + escCut(e.slug, 200) + "](" + *status + ")", true);
  if (!e.tags.empty())
    addField(f, "Tags", joinEscaped(e.tags, 300), true);
  if (f.size() > kDiscordMaxFields)
    f.resize(kDiscordMaxFields);
  return f;
}

// The string under `key`, or empty when absent or not a string (bodies may be hostile).
std::string stringOf(const Json& j, const char* key) {
  if (!j.is_object())
    return {};
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::size_t stringChars(const Json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? codePoints(it->get_ref<const std::string&>()) : 0;
}

// Meets the 6000-character total by trimming: the description first (it holds the server's
// detail), then the longest field values, then whole fields from the end.
void fitTotal(Json& embed) {
  auto total = [&] { return discordEmbedChars(embed); };
  if (total() <= kDiscordMaxEmbedTotal)
    return;
  if (embed.contains("description")) {
    const auto excess = total() - kDiscordMaxEmbedTotal;
    const auto have = stringChars(embed, "description");
    const auto keep = std::max<std::size_t>(have > excess ? have - excess : 0, 200);
    if (keep < have)
      embed["description"] = cutDiscordText(embed["description"].get<std::string>(), keep);
  }
  auto& fields = embed["fields"];
  while (total() > kDiscordMaxEmbedTotal) {
    Json* longest = nullptr;
    std::size_t longestChars = 0;
    for (auto& field : fields) {
      const auto n = stringChars(field, "value");
      if (n > longestChars) {
        longest = &field;
        longestChars = n;
      }
    }
    if (!longest || longestChars <= 64)
      break;
    const auto excess = total() - kDiscordMaxEmbedTotal;
    const auto keep = std::max<std::size_t>(longestChars > excess ? longestChars - excess : 0, 64);
    (*longest)["value"] = cutDiscordText((*longest)["value"].get<std::string>(), keep);
  }
  while (total() > kDiscordMaxEmbedTotal && !fields.empty())
    fields.erase(fields.size() - 1);
}

std::string hostOf(const common::Url& url) {
  return url.host;
}

// Removes the webhook URL and its token from a text (Discord never echoes them, a proxy might).
// Shorter than 8 characters is no webhook token: leave such text alone.
std::string redact(std::string text, const common::Secret& url) {
  constexpr std::size_t kMinSecret = 8;
  redactInPlace(text, url.reveal(), kMinSecret);
  if (auto parsed = common::Url::parse(url.reveal())) {
    const std::string path = parsed->target.substr(0, parsed->target.find('?'));
    redactInPlace(text, path.substr(path.find_last_of('/') + 1), kMinSecret); // the token segment
  }
  return text;
}

std::optional<double> headerSeconds(const net::Headers& headers, std::string_view name) {
  auto v = headers.get(name);
  if (!v)
    return std::nullopt;
  try {
    std::size_t used = 0;
    const double d = std::stod(std::string(common::trim(*v)), &used);
    if (used == 0 || !std::isfinite(d) || d < 0)
      return std::nullopt;
    return d;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

alerting::DestinationGates::Millis toMillis(double seconds) {
  // Capped at a day: a hostile or broken answer must not silence the channel for longer.
  seconds = std::clamp(seconds, 0.0, 86400.0);
  return alerting::DestinationGates::Millis(static_cast<std::int64_t>(std::ceil(seconds * 1000)));
}

std::string wholeSeconds(alerting::DestinationGates::Millis wait) {
  return std::to_string(std::max<std::int64_t>(1, (wait.count() + 999) / 1000));
}

struct GateKeys {
  std::string gate;           // per webhook: pacing and its own holds
  std::string globalHoldGate; // per Discord host: holds after a global 429 (never reserved)
};

void hold(alerting::DestinationGates& gates, const GateKeys& keys, bool global,
          alerting::DestinationGates::SteadyTime until) {
  if (global) {
    gates.holdUntil(keys.globalHoldGate, until);
    return;
  }
  gates.holdUntil(keys.gate, until);
}

// Waits for this webhook's next send slot (pace() honours the webhook's own holds, also those
// that arrive while it waits) and then for a host-wide hold after a global 429; a deferral when
// either is more than kMaxPaceWait away.
Awaitable<std::optional<alerting::DestinationGates::Millis>>
waitForTurn(alerting::DestinationGates& gates, const GateKeys& keys) {
  using Millis = alerting::DestinationGates::Millis;
  for (int round = 0; round < 16; ++round) {
    if (auto wait = co_await gates.pace(keys.gate, kMinInterval, kMaxPaceWait))
      co_return wait;
    // The global gate never gets reservations, so busyUntil() is exactly its hold.
    const auto until = gates.busyUntil(keys.globalHoldGate).value_or(Clock::time_point{});
    const auto now = gates.now();
    if (until <= now)
      co_return std::nullopt;
    if (until - now > kMaxPaceWait)
      co_return std::chrono::ceil<Millis>(until - now);
    co_await gates.sleepUntil(until);
  }
  // Holds kept arriving (a very busy webhook): let the outbox come back a little later.
  co_return Millis(kMaxPaceWait);
}

} // namespace

std::string escapeDiscordMarkdown(std::string_view text) {
  static constexpr std::string_view kSpecial = "\\*_~`|>#[]()<";
  std::string out;
  out.reserve(text.size() + text.size() / 4);
  bool lineStart = true;
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (ch == '\r')
      continue;
    if (ch == '\n') {
      out += ch;
      lineStart = true;
      continue;
    }
    if (ch == '\t' || ch == ' ') {
      out += ch; // indentation keeps "  - x" a list item: still at the line start
      continue;
    }
    if (isControl(c))
      continue;
    if (kSpecial.find(ch) != std::string_view::npos || (lineStart && (ch == '-' || ch == '+')))
      out += '\\';
    out += ch;
    if (ch == '@')
      out += kZeroWidthSpace;
    lineStart = false;
  }
  return out;
}

std::string cutDiscordText(std::string_view markdown, std::size_t maxChars) {
  if (codePoints(markdown) <= maxChars)
    return std::string(markdown);
  if (maxChars == 0)
    return {};
  std::string out = common::truncateCodePoints(markdown, maxChars);
  out.resize(out.size() - kEllipsis.size());
  // An odd run of trailing backslashes would escape the ellipsis and show a stray '\'.
  std::size_t slashes = 0;
  for (auto it = out.rbegin(); it != out.rend() && *it == '\\'; ++it)
    ++slashes;
  if (slashes % 2 == 1)
    out.pop_back();
  return out + std::string(kEllipsis);
}

std::size_t discordEmbedChars(const Json& embed) {
  std::size_t n = stringChars(embed, "title") + stringChars(embed, "description");
  if (auto it = embed.find("fields"); it != embed.end() && it->is_array())
    for (const auto& f : *it)
      n += stringChars(f, "name") + stringChars(f, "value");
  if (auto it = embed.find("footer"); it != embed.end() && it->is_object())
    n += stringChars(*it, "text");
  if (auto it = embed.find("author"); it != embed.end() && it->is_object())
    n += stringChars(*it, "name");
  return n;
}

Json discordMessage(const Event& event, std::string_view publicUrl, std::string_view username) {
  const bool down = isDownEvent(event.type); // a trigger or a reminder
  const int color = down                                ? kDiscordRed
                    : event.type == EventType::Resolved ? kDiscordGreen
                                                        : kDiscordAmber;
  const std::string_view icon = down                                ? "\xF0\x9F\x94\xB4 "  // red
                                : event.type == EventType::Resolved ? "\xE2\x9C\x85 "      // check
                                                                    : "\xF0\x9F\x9F\xA0 "; // amber
  std::string title = std::string(event.test ? "[TEST] " : "") +
                      std::string(statusWord(event.type)) + ": " + event.name;
  Json embed = {{"title", escCut(title, kDiscordMaxTitle)},
                {"color", color},
                {"description", descriptionOf(event)}};
  if (auto url = linkTarget(event.statusUrl))
    embed["url"] = *url;
  else if (auto home = linkTarget(publicUrl))
    embed["url"] = *home;
  Json fields = Json::array();
  for (auto& f : fieldsOf(event))
    fields.push_back(
        {{"name", std::move(f.name)}, {"value", std::move(f.value)}, {"inline", f.inlined}});
  embed["fields"] = std::move(fields);
  if (auto t = common::parseRfc3339(event.occurredAt))
    embed["timestamp"] = common::formatRfc3339(*t);
  std::string footer = "mcpwatch \xC2\xB7 " + event.slug;
  if (!event.incidentId.empty())
    footer += " \xC2\xB7 incident " + event.incidentId;
  embed["footer"] = {{"text", common::truncateCodePoints(plainDefused(footer), kDiscordMaxFooter)}};
  fitTotal(embed);

  Json message = {
      {"content", cutDiscordText(std::string(icon) + escLine(headline(event)), kDiscordMaxContent)},
      {"embeds", Json::array({std::move(embed)})},
      // Nothing in a message may ping anyone, whatever the server's texts hold.
      {"allowed_mentions", {{"parse", Json::array()}}}};
  if (const auto name = plainDefused(username); !name.empty())
    message["username"] = common::truncateCodePoints(name, kDiscordMaxUsername);
  return message;
}

std::optional<common::Url> discordRequestUrl(const common::Secret& webhookUrl) {
  auto url = common::Url::parse(webhookUrl.reveal());
  if (!url)
    return std::nullopt;
  const auto q = url->target.find('?');
  std::string query = q == std::string::npos ? std::string() : url->target.substr(q + 1);
  std::string kept;
  for (auto part : common::split(query, '&')) {
    const auto name = part.substr(0, part.find('='));
    if (part.empty() || name == "wait")
      continue;
    kept += std::string(part) + "&";
  }
  url->target = url->target.substr(0, q) + "?" + kept + "wait=true";
  return url;
}

std::string describeDiscordError(std::string_view body) {
  auto json = common::parseJson(body);
  if (!json || !json->is_object())
    return plainAnswer(body);
  std::string out = oneLine(stringOf(*json, "message"));
  if (auto it = json->find("code"); it != json->end() && it->is_number_integer())
    out += fmt::format("{}(code {})", out.empty() ? "" : " ", it->get<long long>());
  // Discord nests form errors by path: {"embeds": {"0": {"title": {"_errors": [{...}]}}}}.
  std::string errors;
  auto walk = [&](auto&& self, const Json& node, const std::string& path, int depth) -> void {
    if (!node.is_object() || depth > 8 || errors.size() > 1000)
      return;
    for (const auto& [key, value] : node.items()) {
      if (key == "_errors" && value.is_array()) {
        for (const auto& e : value) {
          std::string message = stringOf(e, "message");
          if (message.empty())
            message = stringOf(e, "code");
          errors += (errors.empty() ? "" : "; ") + (path.empty() ? "body" : path) + ": " +
                    oneLine(message);
        }
      } else {
        self(self, value, path.empty() ? key : path + "." + key, depth + 1);
      }
    }
  };
  if (auto it = json->find("errors"); it != json->end())
    walk(walk, *it, "", 0);
  if (!errors.empty())
    out += (out.empty() ? "" : ": ") + errors;
  if (out.empty())
    out = compactJson(*json);
  return common::truncateCodePoints(out, 1000);
}

DiscordSink::DiscordSink(channels::DiscordSinkConfig config, alerting::SinkContext context)
    : config_(std::move(config)), context_(std::move(context)) {}

Awaitable<alerting::AttemptResult> DiscordSink::deliver(alerting::Delivery delivery) {
  const Event& event = delivery.event;
  auto url = discordRequestUrl(config_.url);
  if (!url)
    co_return alerting::AttemptResult::permanent("discord url is not a valid http(s) URL");
  const std::string where = fmt::format("Discord ({})", hostOf(*url));

  // Keys are hashes, so the token is never kept. Per webhook (its URL without the query:
  // thread_id shares the webhook's bucket): `gate` paces sends and carries holds. Per Discord
  // host name: `globalHoldGate` for a global 429.
  const std::string path = url->target.substr(0, url->target.find('?'));
  const std::string webhook = url->origin() + path;
  const GateKeys keys{alerting::DestinationGates::keyOf("discord\n" + webhook),
                      alerting::DestinationGates::keyOf("discord-global\n" + url->host)};
  if (context_.gates) {
    if (auto reason = context_.gates->revoked(keys.gate))
      co_return alerting::AttemptResult::revoked(
          fmt::format("not sent: this Discord webhook was refused earlier ({}); it is not "
                      "contacted again until its url changes or mcpwatch restarts",
                      *reason));
    if (auto wait = co_await waitForTurn(*context_.gates, keys))
      co_return alerting::AttemptResult::retry(
          fmt::format("{}: the webhook's rate limit is not reset yet; deferred by {}s", where,
                      wholeSeconds(*wait)),
          wholeSeconds(*wait));
  }

  JsonPost post{*url,
                discordMessage(event, context_.publicUrl, config_.username),
                "application/json",
                {{"Accept", "application/json"}},
                config_.timeout};
  auto exchange = co_await postJson(context_.executor, std::move(post));
  auto result = std::move(exchange.result);
  if (!exchange.response || !result.status) {
    result.error = redact(fmt::format("{}: {}", where, result.error), config_.url);
    co_return result;
  }
  const int status = *result.status;
  const auto& headers = exchange.response->head.headers;
  const auto now = context_.gates ? context_.gates->now() : Clock::now();
  if (status >= 200 && status < 300) {
    // The bucket is empty: hold the webhook until it refills rather than earning a 429.
    const std::string remaining = headers.get("X-RateLimit-Remaining").value_or("");
    if (context_.gates && common::trim(remaining) == "0")
      if (auto resetAfter = headerSeconds(headers, "X-RateLimit-Reset-After"))
        hold(*context_.gates, keys, false, now + toMillis(*resetAfter));
    co_return result;
  }
  const std::string why = describeDiscordError(exchange.response->body);
  switch (status) {
  case 429: {
    // Discord: "rely on the Retry-After header or retry_after field". The JSON field is exact
    // (float seconds); the header is rounded up. Take the later of the two.
    std::optional<double> seconds;
    if (auto json = common::parseJson(exchange.response->body); json && json->is_object())
      if (auto it = json->find("retry_after"); it != json->end() && it->is_number())
        seconds = it->get<double>();
    if (auto header = headerSeconds(headers, "Retry-After"))
      seconds = std::max(seconds.value_or(0.0), *header);
    if (!seconds)
      seconds = headerSeconds(headers, "X-RateLimit-Reset-After");
    const auto wait = toMillis(seconds.value_or(1.0));
    bool global = headers.get("X-RateLimit-Global").has_value();
    if (auto json = common::parseJson(exchange.response->body); json && json->is_object())
      if (auto it = json->find("global"); it != json->end() && it->is_boolean())
        global = global || it->get<bool>();
    if (context_.gates)
      hold(*context_.gates, keys, global, now + wait);
    // Whole seconds, rounded up, so the outbox's next attempt never comes before Discord allows.
    result.retryAfter = wholeSeconds(wait);
    result.error = fmt::format("{}: HTTP 429: rate limited{}; waiting {}s before the next attempt",
                               where, global ? " (global)" : "", *result.retryAfter);
    co_return result;
  }
  case 401:
  case 403:
  case 404: {
    // The webhook is gone (Unknown Webhook, code 10015), its token is wrong, or it may not post.
    // Every further request would be refused too, and Cloudflare bans the IP for a while after
    // 10,000 invalid requests (401, 403, 429) in 10 minutes: stop contacting this webhook.
    const std::string reason = fmt::format("HTTP {} from {}: {}", status, where, why);
    if (context_.gates)
      context_.gates->revoke(keys.gate, redact(reason, config_.url));
    result.outcome = alerting::AttemptOutcome::Revoked;
    result.error =
        redact(reason + "; the webhook was deleted or its url is wrong: create a webhook in the "
                        "channel's Integrations settings and update the sink's url",
               config_.url);
    co_return result;
  }
  default:
    result.error = redact(fmt::format("HTTP {} from {}: {}", status, where, why), config_.url);
    co_return result;
  }
}

Json saveDiscordSettings(const channels::DiscordSinkConfig& discord) {
  return {{"url", discord.url.reveal()},
          {"username", discord.username},
          {"schema_drift", discord.schemaDrift},
          {"timeout_ms", discord.timeout.count()}};
}

std::optional<channels::DiscordSinkConfig> loadDiscordSettings(const Json& json) {
  channels::DiscordSinkConfig discord;
  discord.url = common::Secret(json.at("url").get<std::string>());
  discord.username = json.at("username").get<std::string>();
  discord.schemaDrift = json.at("schema_drift").get<bool>();
  discord.timeout = alerting::Duration(json.at("timeout_ms").get<std::int64_t>());
  return discord;
}

alerting::SinkKind discordSinkKind() {
  return alerting::sinkKind<channels::DiscordSinkConfig>(makeDiscordSink, saveDiscordSettings,
                                                         loadDiscordSettings);
}

std::unique_ptr<alerting::Sink> makeDiscordSink(const config::SinkConfig& sink,
                                                const alerting::SinkContext& context) {
  const auto* discord = sink.settings.get<channels::DiscordSinkConfig>();
  if (!discord)
    return nullptr;
  return std::make_unique<DiscordSink>(*discord, context);
}

} // namespace mcpwatch::channels
