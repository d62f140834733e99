// Sink settings to and from JSON, for the outbox rows and the incident's trigger record.
#include "alerting/sink.hpp"

namespace mcpwatch::alerting {
namespace {

using common::Json;

Json headersToJson(const std::map<std::string, common::Secret>& headers) {
  Json out = Json::object();
  for (const auto& [name, value] : headers)
    out[name] = value.reveal();
  return out;
}

std::map<std::string, common::Secret> headersFromJson(const Json& json) {
  std::map<std::string, common::Secret> out;
  for (const auto& [name, value] : json.items())
    out.emplace(name, common::Secret(value.get<std::string>()));
  return out;
}

std::optional<config::OpsGeniePriority> parseOpsGeniePriority(std::string_view text) {
  for (auto p :
       {config::OpsGeniePriority::P1, config::OpsGeniePriority::P2, config::OpsGeniePriority::P3,
        config::OpsGeniePriority::P4, config::OpsGeniePriority::P5})
    if (config::toString(p) == text)
      return p;
  return std::nullopt;
}

} // namespace

std::optional<config::Severity> parseSeverity(std::string_view text) {
  for (auto s : {config::Severity::Critical, config::Severity::Error, config::Severity::Warning,
                 config::Severity::Info})
    if (config::toString(s) == text)
      return s;
  return std::nullopt;
}

Json sinkSettingsToJson(const config::SinkConfig& sink) {
  Json out = {{"name", sink.name}, {"type", std::string(sink.type())}};
  if (const auto* pd = std::get_if<config::PagerDutySinkConfig>(&sink.settings)) {
    out["routing_key"] = pd->routingKey.reveal();
    out["severity"] = std::string(config::toString(pd->severity));
    out["source"] = pd->source;
    out["dedup_prefix"] = pd->dedupPrefix;
    out["events_url"] = pd->eventsUrl;
    out["change_events"] = pd->changeEvents;
    out["timeout_ms"] = pd->timeout.count();
  } else if (const auto* wh = std::get_if<config::WebhookSinkConfig>(&sink.settings)) {
    out["url"] = wh->url;
    out["secret"] = wh->secret ? Json(wh->secret->reveal()) : Json(nullptr);
    out["signature_header"] = wh->signatureHeader;
    out["headers"] = headersToJson(wh->headers);
    out["timeout_ms"] = wh->timeout.count();
  } else if (const auto* slack = std::get_if<config::SlackSinkConfig>(&sink.settings)) {
    out["url"] = slack->url.reveal();
    out["schema_drift"] = slack->schemaDrift;
    out["timeout_ms"] = slack->timeout.count();
  } else if (const auto* discord = std::get_if<config::DiscordSinkConfig>(&sink.settings)) {
    out["url"] = discord->url.reveal();
    out["username"] = discord->username;
    out["schema_drift"] = discord->schemaDrift;
    out["timeout_ms"] = discord->timeout.count();
  } else if (const auto* og = std::get_if<config::OpsGenieSinkConfig>(&sink.settings)) {
    out["api_key"] = og->apiKey.reveal();
    out["api_url"] = og->apiUrl;
    out["priority"] = std::string(config::toString(og->priority));
    out["drift_priority"] = std::string(config::toString(og->driftPriority));
    out["dedup_prefix"] = og->dedupPrefix;
    out["source"] = og->source;
    out["tags"] = og->tags;
    Json responders = Json::array();
    for (const auto& r : og->responders)
      responders.push_back({{"type", r.type}, {"name", r.name}});
    out["responders"] = std::move(responders);
    out["schema_drift"] = og->schemaDrift;
    out["timeout_ms"] = og->timeout.count();
  } else if (const auto* mail = std::get_if<config::EmailSinkConfig>(&sink.settings)) {
    out["host"] = mail->host;
    out["port"] = mail->port;
    out["tls"] = std::string(config::toString(mail->tls));
    out["username"] = mail->username;
    out["password"] = mail->password.reveal();
    out["auth"] = std::string(config::toString(mail->auth));
    out["from"] = mail->from;
    out["to"] = mail->to;
    out["ca_file"] = mail->caFile;
    out["insecure"] = mail->insecure;
    out["schema_drift"] = mail->schemaDrift;
    out["timeout_ms"] = mail->timeout.count();
  }
  return out;
}

std::optional<config::SinkConfig> sinkSettingsFromJson(const Json& json) {
  try {
    config::SinkConfig sink;
    sink.name = json.at("name").get<std::string>();
    const auto type = json.at("type").get<std::string>();
    if (type == "pagerduty") {
      config::PagerDutySinkConfig pd;
      pd.routingKey = common::Secret(json.at("routing_key").get<std::string>());
      auto severity = parseSeverity(json.at("severity").get<std::string>());
      if (!severity)
        return std::nullopt;
      pd.severity = *severity;
      pd.source = json.at("source").get<std::string>();
      pd.dedupPrefix = json.at("dedup_prefix").get<std::string>();
      pd.eventsUrl = json.at("events_url").get<std::string>();
      pd.changeEvents = json.at("change_events").get<bool>();
      pd.timeout = Duration(json.at("timeout_ms").get<std::int64_t>());
      sink.settings = std::move(pd);
    } else if (type == "webhook") {
      config::WebhookSinkConfig wh;
      wh.url = json.at("url").get<std::string>();
      if (!json.at("secret").is_null())
        wh.secret = common::Secret(json.at("secret").get<std::string>());
      wh.signatureHeader = json.at("signature_header").get<std::string>();
      wh.headers = headersFromJson(json.at("headers"));
      wh.timeout = Duration(json.at("timeout_ms").get<std::int64_t>());
      sink.settings = std::move(wh);
    } else if (type == "slack") {
      config::SlackSinkConfig slack;
      slack.url = common::Secret(json.at("url").get<std::string>());
      slack.schemaDrift = json.at("schema_drift").get<bool>();
      slack.timeout = Duration(json.at("timeout_ms").get<std::int64_t>());
      sink.settings = std::move(slack);
    } else if (type == "discord") {
      config::DiscordSinkConfig discord;
      discord.url = common::Secret(json.at("url").get<std::string>());
      discord.username = json.at("username").get<std::string>();
      discord.schemaDrift = json.at("schema_drift").get<bool>();
      discord.timeout = Duration(json.at("timeout_ms").get<std::int64_t>());
      sink.settings = std::move(discord);
    } else if (type == "opsgenie") {
      config::OpsGenieSinkConfig og;
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
      og.timeout = Duration(json.at("timeout_ms").get<std::int64_t>());
      sink.settings = std::move(og);
    } else if (type == "email") {
      config::EmailSinkConfig mail;
      mail.host = json.at("host").get<std::string>();
      mail.port = json.at("port").get<int>();
      const auto tls = json.at("tls").get<std::string>();
      if (tls == "starttls")
        mail.tls = config::SmtpTls::StartTls;
      else if (tls == "tls")
        mail.tls = config::SmtpTls::Implicit;
      else if (tls == "none")
        mail.tls = config::SmtpTls::None;
      else
        return std::nullopt;
      mail.username = json.at("username").get<std::string>();
      mail.password = common::Secret(json.at("password").get<std::string>());
      const auto auth = json.at("auth").get<std::string>();
      if (auth == "auto")
        mail.auth = config::SmtpAuth::Auto;
      else if (auth == "plain")
        mail.auth = config::SmtpAuth::Plain;
      else if (auth == "login")
        mail.auth = config::SmtpAuth::Login;
      else
        return std::nullopt;
      mail.from = json.at("from").get<std::string>();
      mail.to = json.at("to").get<std::vector<std::string>>();
      mail.caFile = json.at("ca_file").get<std::string>();
      mail.insecure = json.at("insecure").get<bool>();
      mail.schemaDrift = json.at("schema_drift").get<bool>();
      mail.timeout = Duration(json.at("timeout_ms").get<std::int64_t>());
      sink.settings = std::move(mail);
    } else {
      return std::nullopt;
    }
    return sink;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

} // namespace mcpwatch::alerting
