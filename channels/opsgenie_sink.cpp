// OpsGenie Alert API v2 delivery: pure create/close bodies within OpsGenie's limits, and one
// request per attempt with OpsGenie's answers mapped onto the outbox's retry rule.
#include "channels/opsgenie_sink.hpp"

#include "alerting/dedup_key.hpp"
#include "channels/json_post.hpp"
#include "channels/opsgenie_config.hpp"
#include "channels/text.hpp"
#include "common/log.hpp"
#include "common/strings.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace mcpwatch::channels {
namespace {

using common::Json;
using namespace std::chrono_literals;

// A pace wait longer than this is handed back to the outbox as a deferral rather than holding a
// delivery slot (OpsGenie's Retry-After is seconds, its buckets refill per second and minute).
constexpr alerting::DestinationGates::Millis kMaxPaceWait = 2s;

// Server-provided text goes in as plain text (oneLine, plainText from text.hpp), never as HTML
// entities: the message also reaches SMS, voice calls and push notifications, where entities
// would be read out literally.
std::string cut(std::string_view s, std::size_t maxChars) {
  return common::truncateCodePoints(s, maxChars);
}

std::string joinNames(const std::vector<std::string>& names, std::size_t maxChars) {
  std::string out;
  for (const auto& n : names)
    out += (out.empty() ? "" : ", ") + oneLine(n);
  return cut(out, maxChars);
}

std::string priorityOf(const channels::OpsGenieSinkConfig& config, const Event& event,
                       std::optional<config::Severity> severity) {
  if (event.type == EventType::SchemaDrifted || event.type == EventType::ProtocolChanged)
    return std::string(toString(config.driftPriority));
  if (severity) {
    switch (*severity) {
    case config::Severity::Critical:
      return "P1";
    case config::Severity::Error:
      return "P2";
    case config::Severity::Warning:
      return "P3";
    case config::Severity::Info:
      return "P5";
    }
  }
  return std::string(toString(config.priority));
}

std::string description(const Event& e, std::string_view publicUrl) {
  std::string out = oneLine(headline(e)) + "\n";
  auto line = [&](std::string_view label, const std::string& value, std::size_t max = 2000) {
    if (!value.empty())
      out += std::string(label) + ": " + cut(plainText(value), max) + "\n";
  };
  out += "\n";
  if (e.type == EventType::Triggered) {
    line("Reason", e.reason);
    line("Detail", e.detail, 4000);
    if (e.consecutiveFailures > 0)
      line("Consecutive failures", std::to_string(e.consecutiveFailures));
    line("Down since", e.downSince);
  }
  if (e.type == EventType::Resolved) {
    if (e.durationSeconds)
      line("Down for", humanDuration(*e.durationSeconds));
    line("Down since", e.downSince);
  }
  line("Protocol version", e.protocolVersion);
  line("Note", e.note);
  line("About", e.description, 1000);
  line("Owner", e.owner);
  if (e.type == EventType::Triggered && !e.dependents.empty())
    line("Dependents", joinNames(e.dependents, 2000));
  line("Runbook", e.runbookUrl);
  for (const auto& link : e.links)
    line(link.name, link.url);
  line("Status page", e.statusUrl);
  line("Endpoint", e.checkUrl);
  if (e.statusUrl.empty() && !publicUrl.empty())
    line("mcpwatch", std::string(publicUrl));
  if (!e.recentFailures.empty()) {
    out += "\nRecent failures:\n";
    for (const auto& f : e.recentFailures)
      out += "- " + oneLine(f.at) + " " + oneLine(f.reason) + ": " + cut(oneLine(f.detail), 1000) +
             "\n";
  }
  if (e.type == EventType::SchemaDrifted && e.schema) {
    out += "\nTools " + driftSummary(*e.schema) + ".\n";
    auto names = [&](std::string_view label, const std::vector<std::string>& list) {
      if (!list.empty())
        out += std::string(label) + " (" + std::to_string(list.size()) +
               "): " + joinNames(list, 3000) + "\n";
    };
    names("Added", e.schema->added);
    names("Removed", e.schema->removed);
    names("Changed", e.schema->changed);
    if (!e.schema->oldFingerprint.empty() || !e.schema->newFingerprint.empty())
      out += "Fingerprint: " + oneLine(e.schema->oldFingerprint) + " -> " +
             oneLine(e.schema->newFingerprint) + "\n";
  }
  if (e.test)
    out += "\nThis is a test alert sent by mcpwatch test-alert; no action is needed.\n";
  return cut(out, kOpsGenieMaxDescription);
}

std::vector<std::string> tagsOf(const channels::OpsGenieSinkConfig& config, const Event& e) {
  // The operator's tags first: OpsGenie routing rules match on them, so they must survive the cut.
  std::vector<std::string> candidates = config.tags;
  candidates.push_back("mcpwatch");
  if (e.type == EventType::SchemaDrifted)
    candidates.push_back("schema_drift");
  else if (e.type == EventType::ProtocolChanged)
    candidates.push_back("protocol_changed");
  else if (e.type == EventType::Triggered)
    candidates.push_back(e.reason);
  if (e.test)
    candidates.push_back("test");
  candidates.insert(candidates.end(), e.tags.begin(), e.tags.end());
  std::vector<std::string> out;
  for (const auto& raw : candidates) {
    auto tag = cut(oneLine(raw), kOpsGenieMaxTag);
    if (tag.empty() || std::find(out.begin(), out.end(), tag) != out.end())
      continue;
    out.push_back(std::move(tag));
    if (out.size() == kOpsGenieMaxTags)
      break;
  }
  return out;
}

Json detailsOf(const Event& e, std::string_view publicUrl) {
  std::vector<std::pair<std::string, std::string>> d = {
      {"slug", e.slug},
      {"server_name", e.name},
      {"event_id", e.id},
      {"incident_id", e.incidentId},
      {"check_url", e.checkUrl},
      {"status_url", e.statusUrl},
      {"protocol_version", e.protocolVersion},
      {"reason", e.reason},
      {"detail", e.detail},
      {"consecutive_failures",
       e.consecutiveFailures > 0 ? std::to_string(e.consecutiveFailures) : ""},
      {"down_since", e.downSince},
      {"occurred_at", e.occurredAt},
      {"mcpwatch_url", std::string(publicUrl)},
      {"description", e.description},
      {"owner", e.owner},
      {"runbook_url", e.runbookUrl},
      {"dependents", joinNames(e.dependents, 2000)},
  };
  if (!e.links.empty()) {
    std::string links;
    for (const auto& l : e.links)
      links += (links.empty() ? "" : " | ") + l.name + ": " + l.url;
    d.emplace_back("links", links);
  }
  if (!e.recentFailures.empty()) {
    std::string recent;
    for (const auto& f : e.recentFailures)
      recent += (recent.empty() ? "" : " | ") + f.at + " " + f.reason + ": " + f.detail;
    d.emplace_back("recent_failures", recent);
  }
  if (e.schema) {
    d.emplace_back("tools_added", joinNames(e.schema->added, 100000));
    d.emplace_back("tools_removed", joinNames(e.schema->removed, 100000));
    d.emplace_back("tools_changed", joinNames(e.schema->changed, 100000));
    d.emplace_back("old_fingerprint", e.schema->oldFingerprint);
    d.emplace_back("new_fingerprint", e.schema->newFingerprint);
  }
  if (e.test)
    d.emplace_back("test", "true");
  std::erase_if(d, [](const auto& kv) { return kv.second.empty(); });
  for (auto& kv : d)
    kv.second = oneLine(kv.second);
  // OpsGenie refuses more than 8000 characters of keys and values together: cap every value
  // harder until it fits. With at most 25 short keys the last cap always fits.
  auto total = [&] {
    std::size_t n = 0;
    for (const auto& [k, v] : d)
      n += codePoints(k) + codePoints(v);
    return n;
  };
  for (std::size_t capChars : {std::size_t(2000), std::size_t(1000), std::size_t(400),
                               std::size_t(150), std::size_t(60)}) {
    if (total() <= kOpsGenieMaxDetails)
      break;
    for (auto& kv : d)
      kv.second = cut(kv.second, capChars);
  }
  Json out = Json::object();
  for (auto& [k, v] : d)
    out[k] = std::move(v);
  return out;
}

Json respondersOf(const channels::OpsGenieSinkConfig& config) {
  Json out = Json::array();
  for (const auto& r : config.responders) {
    if (r.name.empty())
      continue;
    // OpsGenie names a user by `username`; teams, escalations and schedules by `name`.
    out.push_back({{"type", r.type}, {r.type == "user" ? "username" : "name", r.name}});
  }
  return out;
}

std::string hostOf(std::string_view apiUrl) {
  auto url = common::Url::parse(apiUrl);
  return url ? url->host : std::string("the configured api_url");
}

std::string redact(std::string text, const common::Secret& key) {
  // OpsGenie never echoes the key, but a proxy in front of it might: never let it reach a log.
  redactInPlace(text, key.reveal());
  return text;
}

// A 404 that is OpsGenie saying the alert is gone (not a wrong api_url or a proxy's page).
bool alertDoesNotExist(std::string_view body) {
  auto json = common::parseJson(body);
  if (!json || !json->is_object())
    return false;
  auto it = json->find("message");
  if (it == json->end() || !it->is_string())
    return false;
  const auto message = common::toLower(it->get<std::string>());
  return message.find("alert") != std::string::npos &&
         (message.find("does not exist") != std::string::npos ||
          message.find("not found") != std::string::npos);
}

} // namespace

std::string opsGenieAlias(const channels::OpsGenieSinkConfig& config, std::string_view slug) {
  // A plain cut, no ellipsis: the trigger and its resolve must compute the same key. The loader
  // keeps prefix and slug short enough that the cut never happens with a loaded config.
  return common::truncateUtf8(config.dedupPrefix + "-" + std::string(slug), kOpsGenieMaxAlias);
}

std::string opsGenieDriftAlias(const channels::OpsGenieSinkConfig& config, std::string_view slug,
                               std::string_view suffix) {
  return common::truncateUtf8(config.dedupPrefix + "-" + std::string(slug),
                              kOpsGenieMaxAlias - suffix.size()) +
         std::string(suffix);
}

std::string opsGenieAliasFor(const channels::OpsGenieSinkConfig& config, const Event& event) {
  // A test alert gets the run's own alias (the same rule as PagerDuty's test dedup_key): a fixed
  // "-test" suffix would be the live alias of a server whose slug ends in "-test".
  if (event.test)
    return alerting::testDedupKey(config.dedupPrefix, event.slug, event.incidentId,
                                  kOpsGenieMaxAlias);
  if (event.type == EventType::ProtocolChanged)
    return opsGenieDriftAlias(config, event.slug, "-protocol");
  return event.type == EventType::SchemaDrifted ? opsGenieDriftAlias(config, event.slug)
                                                : opsGenieAlias(config, event.slug);
}

std::string opsGenieEncodePathSegment(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size() * 3);
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '.' || c == '_' || c == '~') {
      out += ch;
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0x0F];
    }
  }
  return out;
}

Json createBody(const channels::OpsGenieSinkConfig& config, const Event& event,
                std::optional<config::Severity> severity, std::string_view publicUrl) {
  Json body = {{"message", cut(oneLine(headline(event)), kOpsGenieMaxMessage)},
               {"alias", opsGenieAliasFor(config, event)},
               {"description", description(event, publicUrl)},
               {"tags", tagsOf(config, event)},
               {"details", detailsOf(event, publicUrl)},
               {"entity", cut(oneLine(event.slug), kOpsGenieMaxEntity)},
               {"source", cut(oneLine(config.source), kOpsGenieMaxSource)},
               {"priority", priorityOf(config, event, severity)},
               {"user", "mcpwatch"}};
  if (auto responders = respondersOf(config); !responders.empty())
    body["responders"] = std::move(responders);
  return body;
}

Json closeBody(const channels::OpsGenieSinkConfig& config, const Event& event) {
  std::string note = event.test ? "[TEST] Recovered" : "Recovered";
  if (event.durationSeconds)
    note += " after " + humanDuration(*event.durationSeconds);
  if (!event.note.empty())
    note += ". " + plainText(event.note);
  if (!event.statusUrl.empty())
    note += "\nStatus page: " + oneLine(event.statusUrl);
  return {{"source", cut(oneLine(config.source), kOpsGenieMaxSource)},
          {"user", "mcpwatch"},
          {"note", cut(note, kOpsGenieMaxNote)}};
}

std::string opsGenieAuthHint(std::string_view apiUrl) {
  const std::string host = hostOf(apiUrl);
  std::string where;
  if (apiUrl == channels::kOpsGenieUsUrl)
    where = host + " (region us); EU accounts need region: eu";
  else if (apiUrl == channels::kOpsGenieEuUrl)
    where = host + " (region eu); US accounts need region: us";
  else
    where = host + " (api_url); OpsGenie accounts live in region us (api.opsgenie.com) or eu "
                   "(api.eu.opsgenie.com)";
  return "check the region: requests go to " + where +
         ". Check api_key too: it must be the key of an API integration that is enabled (account "
         "API keys from API Key Management cannot create or close alerts)";
}

std::string describeOpsGenieError(std::string_view body) {
  auto json = common::parseJson(body);
  if (!json || !json->is_object())
    return plainAnswer(body);
  std::string out = oneLine(json->value("message", std::string()));
  if (auto it = json->find("errors"); it != json->end() && it->is_object()) {
    std::string errors;
    for (const auto& [field, problem] : it->items())
      errors += (errors.empty() ? "" : "; ") + oneLine(field) + ": " +
                oneLine(problem.is_string() ? problem.get<std::string>() : problem.dump());
    if (!errors.empty())
      out += (out.empty() ? "" : " ") + ("(" + errors + ")");
  }
  if (out.empty())
    out = compactJson(*json);
  if (auto it = json->find("requestId"); it != json->end() && it->is_string())
    out += " [requestId " + oneLine(it->get<std::string>()) + "]";
  return cut(out, 1000);
}

OpsGenieSink::OpsGenieSink(channels::OpsGenieSinkConfig config, alerting::SinkContext context)
    : config_(std::move(config)), context_(std::move(context)) {}

Awaitable<alerting::AttemptResult> OpsGenieSink::deliver(alerting::Delivery delivery) {
  const Event& event = delivery.event;
  // The config refuses reminder_interval here; a reminder could only come from a hand-made row.
  if (event.type == EventType::Reminder)
    co_return alerting::AttemptResult::permanent(
        "opsgenie: reminders are not sent to OpsGenie (its own policies re-notify)");
  const bool close = event.type == EventType::Resolved;
  const std::string alias = opsGenieAliasFor(config_, event);
  const std::string path =
      close ? "/v2/alerts/" + opsGenieEncodePathSegment(alias) + "/close?identifierType=alias"
            : std::string("/v2/alerts");
  auto url = common::Url::parse(config_.apiUrl + path);
  if (!url)
    co_return alerting::AttemptResult::permanent("opsgenie api_url is not a valid http(s) URL");
  const std::string action = fmt::format("{} of alert {}", close ? "close" : "create", alias);

  // One gate per account (base URL and key, hashed): OpsGenie rate-limits per account, so after
  // a 429 every delivery to it waits, not just the one that was refused.
  std::string gate;
  if (context_.gates) {
    gate = alerting::DestinationGates::keyOf("opsgenie\n" + config_.apiUrl + "\n" +
                                             config_.apiKey.reveal());
    if (auto wait = co_await context_.gates->pace(gate, 0ms, kMaxPaceWait)) {
      const auto seconds = (wait->count() + 999) / 1000;
      co_return alerting::AttemptResult::retry(
          fmt::format("OpsGenie ({}) asked to slow down (HTTP 429 earlier); {} deferred by {}s",
                      url->host, action, seconds),
          std::to_string(seconds));
    }
  }

  JsonPost post{
      *url,
      close ? closeBody(config_, event)
            : createBody(config_, event, delivery.severity, context_.publicUrl),
      "application/json",
      {{"Authorization", "GenieKey " + config_.apiKey.reveal()}, {"Accept", "application/json"}},
      config_.timeout};
  auto exchange = co_await postJson(context_.executor, std::move(post));
  auto result = std::move(exchange.result);
  if (!exchange.response || !result.status) {
    result.error = redact(fmt::format("{}: {}", action, result.error), config_.apiKey);
    co_return result;
  }
  const int status = *result.status;
  if (status >= 200 && status < 300) // 202: accepted for asynchronous processing
    co_return result;
  const std::string& answer = exchange.response->body;
  if (status == 404 && close && alertDoesNotExist(answer)) {
    // Nothing is left to close: the alert was closed or deleted in OpsGenie already (by a person
    // or an expiry). The goal of a resolve, no open alert under this alias, holds, and retrying
    // could never succeed. So this counts as delivered. A 404 that is not OpsGenie's "alert does
    // not exist" (a wrong api_url path, a proxy's page) stays a permanent failure so it gets
    // noticed.
    common::logRecord(spdlog::level::info,
                      "OpsGenie says the alert does not exist (HTTP 404): nothing left to close, "
                      "counted as delivered",
                      {{"action", action}});
    result.outcome = alerting::AttemptOutcome::Delivered;
    result.error.clear();
    co_return result;
  }
  std::string why = describeOpsGenieError(answer);
  switch (status) {
  case 401:
    why += "; " + opsGenieAuthHint(config_.apiUrl);
    break;
  case 402:
    why += "; the OpsGenie plan does not allow this request";
    break;
  case 403:
    why += "; the API integration lacks the permission (it needs create and update access, and "
           "must not be read-only)";
    break;
  case 404:
    why += "; check api_url (" + url->host + ")";
    break;
  case 429:
    if (context_.gates && result.retryAfter) {
      const auto now = context_.clock ? context_.clock->now() : std::chrono::system_clock::now();
      if (auto delay = alerting::parseRetryAfter(*result.retryAfter, now))
        context_.gates->holdUntil(gate, context_.gates->now() + *delay);
    }
    why += result.retryAfter ? "; rate limited, Retry-After " + oneLine(*result.retryAfter)
                             : "; rate limited";
    break;
  default:
    break;
  }
  result.error =
      redact(fmt::format("{}: HTTP {} from OpsGenie ({}): {}", action, status, url->host, why),
             config_.apiKey);
  co_return result;
}

namespace {

std::optional<channels::OpsGeniePriority> parseOpsGeniePriority(std::string_view text) {
  return alerting::enumFromName(text,
                                {channels::OpsGeniePriority::P1, channels::OpsGeniePriority::P2,
                                 channels::OpsGeniePriority::P3, channels::OpsGeniePriority::P4,
                                 channels::OpsGeniePriority::P5});
}

} // namespace

Json saveOpsGenieSettings(const channels::OpsGenieSinkConfig& og) {
  Json responders = Json::array();
  for (const auto& r : og.responders)
    responders.push_back({{"type", r.type}, {"name", r.name}});
  return {{"api_key", og.apiKey.reveal()},
          {"api_url", og.apiUrl},
          {"priority", std::string(toString(og.priority))},
          {"drift_priority", std::string(toString(og.driftPriority))},
          {"dedup_prefix", og.dedupPrefix},
          {"source", og.source},
          {"tags", og.tags},
          {"responders", std::move(responders)},
          {"schema_drift", og.schemaDrift},
          {"timeout_ms", og.timeout.count()}};
}

std::optional<channels::OpsGenieSinkConfig> loadOpsGenieSettings(const Json& json) {
  channels::OpsGenieSinkConfig og;
  og.apiKey = common::Secret(json.at("api_key").get<std::string>());
  og.apiUrl = json.at("api_url").get<std::string>();
  auto priority = parseOpsGeniePriority(json.at("priority").get<std::string>());
  auto driftPriority = parseOpsGeniePriority(json.at("drift_priority").get<std::string>());
  if (!priority || !driftPriority)
    return std::nullopt;
  og.priority = *priority;
  og.driftPriority = *driftPriority;
  og.dedupPrefix = json.at("dedup_prefix").get<std::string>();
  og.source = json.at("source").get<std::string>();
  og.tags = json.at("tags").get<std::vector<std::string>>();
  for (const auto& r : json.at("responders"))
    og.responders.push_back({r.at("type").get<std::string>(), r.at("name").get<std::string>()});
  og.schemaDrift = json.at("schema_drift").get<bool>();
  og.timeout = alerting::Duration(json.at("timeout_ms").get<std::int64_t>());
  return og;
}

alerting::SinkKind opsGenieSinkKind() {
  return alerting::sinkKind<channels::OpsGenieSinkConfig>(makeOpsGenieSink, saveOpsGenieSettings,
                                                          loadOpsGenieSettings);
}

std::unique_ptr<alerting::Sink> makeOpsGenieSink(const config::SinkConfig& sink,
                                                 const alerting::SinkContext& context) {
  const auto* og = sink.settings.get<channels::OpsGenieSinkConfig>();
  if (!og)
    return nullptr;
  return std::make_unique<OpsGenieSink>(*og, context);
}

} // namespace mcpwatch::channels
