// The validated configuration model (DESIGN.md section 5): plain structs, fully resolved defaults.
#pragma once

#include "common/cron.hpp"
#include "common/json.hpp"
#include "common/secret.hpp"
#include "common/timezone.hpp"
#include "common/transport.hpp"
#include "config/sink_settings.hpp"

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace mcpwatch::config {

using Duration = std::chrono::milliseconds;
using TimePoint = std::chrono::system_clock::time_point;

enum class SchemaDriftPolicy { Warn, Fail, Ignore };
using Transport = common::Transport;
using common::toString;
enum class Severity { Critical, Error, Warning, Info };
enum class LogLevel { Debug, Info, Warn, Error };
enum class LogFormat { Text, Json };

// The config spellings: "warn", "streamable-http", "critical", "debug", "json", ...
std::string_view toString(SchemaDriftPolicy v);
std::string_view toString(Severity v);
std::string_view toString(LogLevel v);
std::string_view toString(LogFormat v);

inline const std::vector<std::string> kDefaultAcceptedProtocolVersions = {
    "2026-07-28", "2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"};

// Nagios-style percent state change over the last `window` checks.
struct FlappingSettings {
  bool enabled = true;
  int window = 21;        // checks, 5..100
  int highThreshold = 50; // percent: at or above it the server starts flapping
  int lowThreshold = 25;  // percent: below it a flapping server is stable again
  friend bool operator==(const FlappingSettings&, const FlappingSettings&) = default;
};

// Everything `defaults:` sets and each server may override.
struct CheckSettings {
  Duration interval = std::chrono::seconds(60);
  Duration timeout = std::chrono::seconds(10); // whole-probe deadline
  Duration retryInterval = std::chrono::seconds(20);
  int failureThreshold = 2;
  int successThreshold = 1;
  std::vector<std::string> acceptedProtocolVersions = kDefaultAcceptedProtocolVersions;
  SchemaDriftPolicy schemaDrift = SchemaDriftPolicy::Warn;
  Transport transport = Transport::Auto;
  bool insecure = false;
  std::string caFile;        // PEM trust anchors for https probes instead of the system store
  bool tlsResumption = true; // resume TLS sessions with the server between probes
  FlappingSettings flapping;
  friend bool operator==(const CheckSettings&, const CheckSettings&) = default;
};
using Defaults = CheckSettings;

// Optional synthetic check: call one tool after tools/list.
struct ToolCallConfig {
  std::string tool;
  common::Json args = common::Json::object();
  friend bool operator==(const ToolCallConfig&, const ToolCallConfig&) = default;
};

// A link shown with the server's alerts (PagerDuty links, chat buttons, email lines).
struct ServerLink {
  std::string name;
  std::string url; // http(s)
  friend bool operator==(const ServerLink&, const ServerLink&) = default;
};

// `auth: {type: client_credentials, ...}`: mcpwatch's own OAuth client for a server (the
// client-credentials grant). Exactly one of clientSecret and privateKeyPem is set.
struct OAuthClientConfig {
  std::string clientId;
  common::Secret clientSecret;  // client_secret (a ${ENV} value)
  std::string privateKeyFile;   // private_key_file, resolved against the config's directory
  common::Secret privateKeyPem; // that file's content, read when the config is loaded
  std::string scope;            // empty: the server's challenge, else its scopes_supported
  std::string tokenUrl;         // empty: discovered
  std::string issuer;           // empty: the first authorization server the server names
  friend bool operator==(const OAuthClientConfig&, const OAuthClientConfig&) = default;
};

struct ServerConfig {
  std::string slug;
  std::string name;
  std::string url;
  std::vector<std::string> tags;
  // What a person paged at 2 AM needs: in every event body and sink, and in admin API answers.
  std::string description; // empty: none
  std::string owner;       // a team or person, free text
  std::string runbookUrl;  // http(s) or empty
  std::vector<ServerLink> links;
  // Servers this one needs: while one of them is failing or down, this server's trigger is held
  // (its resolve never is), so one upstream outage pages once.
  std::vector<std::string> dependsOn;
  std::map<std::string, common::Secret> headers; // values may carry tokens: never shown
  // `auth: {protected_is_up: true}`: an OAuth challenge with valid protected resource metadata
  // counts as up (alive and protected), for a server mcpwatch holds no credential for.
  bool protectedIsUp = false;
  std::optional<OAuthClientConfig> oauth; // `auth: {type: client_credentials, ...}`
  bool isPublic = true;                   // `public:` (shown on the status page)
  std::optional<ToolCallConfig> call;
  bool enabled = true;
  CheckSettings check; // defaults overlaid by this server's own keys
  int line = 0;        // where the entry starts in the file (0 = unknown)

  bool hasTag(std::string_view tag) const;
  friend bool operator==(const ServerConfig&, const ServerConfig&) = default;
};

struct RouteMatch {
  std::vector<std::string> tags;    // any of them
  std::vector<std::string> servers; // slugs
  // Empty lists match everything; with both lists set, either one matching is enough.
  bool matches(const ServerConfig& server) const;
  friend bool operator==(const RouteMatch&, const RouteMatch&) = default;
};

struct RouteConfig {
  RouteMatch match;
  std::vector<std::string> sinks;
  bool continueMatching = true; // `continue: false` stops at this route
  std::optional<Severity> severity;
  friend bool operator==(const RouteConfig&, const RouteConfig&) = default;
};

// One sink a route delivers to, with the severity override of the route that chose it.
struct RouteTarget {
  std::string sink;
  std::optional<Severity> severity;
  friend bool operator==(const RouteTarget&, const RouteTarget&) = default;
};
// Walks the routes in order: every matching route contributes its sinks (each sink once, the
// first route naming it wins) until a matching route has `continue: false`.
std::vector<RouteTarget> routeTargets(const std::vector<RouteConfig>& routes,
                                      const ServerConfig& server);

struct SinkConfig {
  std::string name;
  SinkSettings settings;
  int line = 0; // where the entry starts in the file (0 = unknown); not part of equality
  // `reminder_interval`: while an incident whose trigger went here is open, an alert.reminder is
  // posted every interval after it opened. Unset: no reminders. Only where supportsReminders().
  std::optional<Duration> reminderInterval;
  std::string_view type() const { return settings.type(); } // "pagerduty", "webhook", ...
  // Whether reminder_interval may be set (types without an acknowledgement model of their own).
  bool supportsReminders() const { return settings.supportsReminders(); }
  // Whether schema.drifted events go to this sink (PagerDuty: only with change_events).
  bool receivesSchemaDrift() const { return settings.receivesSchemaDrift(); }
  friend bool operator==(const SinkConfig& a, const SinkConfig& b) {
    return a.name == b.name && a.settings == b.settings && a.reminderInterval == b.reminderInterval;
  }
};

struct FixedWindow {
  TimePoint start;
  TimePoint end; // exclusive
  friend bool operator==(const FixedWindow&, const FixedWindow&) = default;
};

struct RecurringWindow {
  common::CronExpression cron;
  Duration duration{};
  std::string timezone = "UTC";
  std::shared_ptr<const common::TimeZone> zone; // loaded from `timezone`, never null
  friend bool operator==(const RecurringWindow& a, const RecurringWindow& b) {
    return a.cron.text() == b.cron.text() && a.duration == b.duration && a.timezone == b.timezone;
  }
};

struct MaintenanceWindow {
  std::string name;
  std::vector<std::string> servers; // slugs
  std::vector<std::string> tags;    // any of them
  std::variant<FixedWindow, RecurringWindow> schedule;
  std::string comment; // shown on the status page and in the feed (public text)

  // When it is active, and for which servers, is the detector's (detector/maintenance.hpp).
  friend bool operator==(const MaintenanceWindow&, const MaintenanceWindow&) = default;
};

struct MaintenanceConfig {
  std::vector<MaintenanceWindow> windows;
  std::optional<std::string> flagFile; // resolved against the config file's directory
  friend bool operator==(const MaintenanceConfig&, const MaintenanceConfig&) = default;
};

struct WebConfig {
  std::string listen = "127.0.0.1:8080";
  std::string listenHost = "127.0.0.1";            // IPv6 literals without brackets
  std::uint16_t listenPort = 8080;                 // 0 = pick a free port
  std::string publicUrl = "http://127.0.0.1:8080"; // no trailing slash
  std::string title = "Status"; // the status page's heading and browser tab (read at start)
  // web.logo: an image file (PNG, SVG, JPEG or WebP, at most 256 KiB) shown beside the title and
  // served at /static/logo; resolved against the config file's directory, read at start.
  std::optional<std::string> logoPath;
  std::optional<common::Secret> adminToken;
  // Abuse limits of the web server (read at start; a reload does not change them).
  Duration headerTimeout = std::chrono::seconds(5); // connect to complete request header
  int maxConnections = 256;         // the last eighth only for clients holding no connection
  int maxConnectionsPerClient = 32; // per IPv4 address / IPv6 /64
  // web.metrics.per_server_histograms: probe duration histograms per server and phase on
  // /metrics (14 series per phase per server). Off: one fleet-wide histogram per phase.
  bool metricsPerServerHistograms = false;
  friend bool operator==(const WebConfig&, const WebConfig&) = default;
};

// How long each kind of history is kept (README "What is kept how long").
struct RetentionConfig {
  Duration raw = std::chrono::hours(24);            // successful raw checks
  Duration rollups = std::chrono::hours(24 * 400);  // daily rollups, schema changes, incidents
  Duration failures = std::chrono::hours(24 * 400); // failed raw checks
  friend bool operator==(const RetentionConfig&, const RetentionConfig&) = default;
};

struct StorageConfig {
  std::string path = "./mcpwatch.db"; // resolved against the config file's directory
  RetentionConfig retention;
  // The line of a deprecated scalar `retention: 90d` (it set rollups and failures); 0 otherwise.
  int legacyRetentionLine = 0;
  friend bool operator==(const StorageConfig&, const StorageConfig&) = default;
};

struct HeartbeatConfig {
  common::Secret url;     // ping URLs embed the check's token
  common::Secret failUrl; // default: url + "/fail"
  Duration interval = std::chrono::minutes(5);
  friend bool operator==(const HeartbeatConfig&, const HeartbeatConfig&) = default;
};

struct AlertingConfig {
  // Waits between delivery attempts; the last one repeats until give_up_after.
  std::vector<Duration> retrySchedule = {std::chrono::minutes(1), std::chrono::minutes(5),
                                         std::chrono::minutes(15), std::chrono::hours(1)};
  Duration giveUpAfter = std::chrono::hours(24);
  friend bool operator==(const AlertingConfig&, const AlertingConfig&) = default;
};

struct SchedulerConfig {
  int concurrency = 64; // probes in flight, 1..10000
  int probeThreads = 0; // threads of their own that run probes, 0..64; 0: the scheduler's
  Duration jitter = std::chrono::seconds(5);
  friend bool operator==(const SchedulerConfig&, const SchedulerConfig&) = default;
};

struct LogConfig {
  LogLevel level = LogLevel::Info;
  LogFormat format = LogFormat::Text;
  friend bool operator==(const LogConfig&, const LogConfig&) = default;
};

struct Config {
  Defaults defaults;
  StorageConfig storage;
  std::vector<ServerConfig> servers;
  std::vector<RouteConfig> routes;
  std::map<std::string, SinkConfig> sinks; // ordered by name
  MaintenanceConfig maintenance;
  WebConfig web;
  std::optional<HeartbeatConfig> heartbeat;
  AlertingConfig alerting;
  SchedulerConfig scheduler;
  LogConfig log;
  std::string source; // the file (or source name) it was loaded from

  const ServerConfig* findServer(std::string_view slug) const;
  const SinkConfig* findSink(std::string_view name) const;
};

} // namespace mcpwatch::config
