// Loading valid configs: defaults, per-server overlay, interpolation, JSON input, files.
#include "common/time.hpp"
#include "tests/config/test_support.hpp"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <unistd.h>

namespace mcpwatch::config {
namespace {

using namespace std::chrono_literals;
using test::envOf;
using test::errorsOf;
using test::load;

TEST(ConfigLoader, MinimalConfigGetsEveryDefault) {
  auto result = load("servers:\n  - slug: a\n    url: http://127.0.0.1:1/mcp\n");
  ASSERT_TRUE(result) << ::testing::PrintToString(errorsOf(result));
  const Config& c = result.value();
  EXPECT_EQ(c.source, "test.yaml");
  const CheckSettings& d = c.defaults;
  EXPECT_EQ(d.interval, 60s);
  EXPECT_EQ(d.timeout, 10s);
  EXPECT_EQ(d.retryInterval, 20s);
  EXPECT_EQ(d.failureThreshold, 2);
  EXPECT_EQ(d.successThreshold, 1);
  EXPECT_EQ(d.acceptedProtocolVersions,
            (std::vector<std::string>{"2026-07-28", "2025-11-25", "2025-06-18", "2025-03-26",
                                      "2024-11-05"}));
  EXPECT_EQ(d.schemaDrift, SchemaDriftPolicy::Warn);
  EXPECT_EQ(d.transport, Transport::Auto);
  EXPECT_FALSE(d.insecure);
  EXPECT_TRUE(d.flapping.enabled);
  EXPECT_EQ(d.flapping.window, 21);
  EXPECT_EQ(d.flapping.highThreshold, 50);
  EXPECT_EQ(d.flapping.lowThreshold, 25);

  ASSERT_EQ(c.servers.size(), 1u);
  const ServerConfig& s = c.servers[0];
  EXPECT_EQ(s.slug, "a");
  EXPECT_EQ(s.name, "a");
  EXPECT_EQ(s.url, "http://127.0.0.1:1/mcp");
  EXPECT_TRUE(s.tags.empty());
  EXPECT_TRUE(s.headers.empty());
  EXPECT_TRUE(s.isPublic);
  EXPECT_TRUE(s.enabled);
  EXPECT_FALSE(s.call);
  EXPECT_EQ(s.check, d);
  EXPECT_EQ(s.line, 2);

  EXPECT_EQ(c.storage.path, "mcpwatch.db");
  // Defaults: two days of raw checks, 400 days of rollups and failures.
  EXPECT_EQ(c.storage.retention.raw, std::chrono::hours(24));
  EXPECT_EQ(c.storage.retention.rollups, std::chrono::hours(24 * 400));
  EXPECT_EQ(c.storage.retention.failures, std::chrono::hours(24 * 400));
  EXPECT_EQ(c.storage.legacyRetentionLine, 0);
  EXPECT_TRUE(c.routes.empty());
  EXPECT_TRUE(c.sinks.empty());
  EXPECT_TRUE(c.maintenance.windows.empty());
  EXPECT_FALSE(c.maintenance.flagFile);
  EXPECT_EQ(c.web.listen, "127.0.0.1:8080");
  EXPECT_EQ(c.web.listenHost, "127.0.0.1");
  EXPECT_EQ(c.web.listenPort, 8080);
  EXPECT_EQ(c.web.publicUrl, "http://127.0.0.1:8080");
  EXPECT_FALSE(c.web.adminToken);
  EXPECT_EQ(c.web.headerTimeout, std::chrono::seconds(5));
  EXPECT_EQ(c.web.maxConnections, 256);
  EXPECT_EQ(c.web.maxConnectionsPerClient, 32);
  EXPECT_FALSE(c.web.metricsPerServerHistograms) << "web.metrics.per_server_histograms: false";
  EXPECT_FALSE(c.heartbeat);
  EXPECT_EQ(c.alerting.retrySchedule, (std::vector<Duration>{1min, 5min, 15min, 1h}));
  EXPECT_EQ(c.alerting.giveUpAfter, 24h);
  EXPECT_EQ(c.scheduler.concurrency, 64);
  EXPECT_EQ(c.scheduler.probeThreads, 0);
  EXPECT_EQ(c.scheduler.jitter, 5s);
  EXPECT_EQ(c.log.level, LogLevel::Info);
  EXPECT_EQ(c.log.format, LogFormat::Text);
}

TEST(ConfigLoader, ServerKeysOverlayTheDefaults) {
  auto result = load(R"(defaults:
  interval: 30s
  failure_threshold: 3
  schema_drift: fail
  flapping: {window: 10, high_threshold: 60}
servers:
  - slug: plain
    url: http://a.example/mcp
  - slug: tuned
    url: https://b.example:8443/mcp
    interval: 5m
    timeout: 2s
    retry_interval: 500ms
    success_threshold: 2
    accepted_protocol_versions: ["2025-06-18"]
    schema_drift: ignore
    transport: sse
    insecure: true
    flapping: {enabled: false, low_threshold: 10}
)");
  ASSERT_TRUE(result) << ::testing::PrintToString(errorsOf(result));
  const auto& c = result.value();
  const auto& plain = c.servers[0].check;
  EXPECT_EQ(plain.interval, 30s);
  EXPECT_EQ(plain.failureThreshold, 3);
  EXPECT_EQ(plain.schemaDrift, SchemaDriftPolicy::Fail);
  EXPECT_EQ(plain.flapping.window, 10);
  EXPECT_EQ(plain.flapping.highThreshold, 60);
  EXPECT_EQ(plain.timeout, 10s);
  EXPECT_EQ(plain, c.defaults);

  const auto& tuned = c.servers[1].check;
  EXPECT_EQ(tuned.interval, 5min);
  EXPECT_EQ(tuned.timeout, 2s);
  EXPECT_EQ(tuned.retryInterval, 500ms);
  EXPECT_EQ(tuned.failureThreshold, 3); // from defaults
  EXPECT_EQ(tuned.successThreshold, 2);
  EXPECT_EQ(tuned.acceptedProtocolVersions, (std::vector<std::string>{"2025-06-18"}));
  EXPECT_EQ(tuned.schemaDrift, SchemaDriftPolicy::Ignore);
  EXPECT_EQ(tuned.transport, Transport::Sse);
  EXPECT_TRUE(tuned.insecure);
  EXPECT_FALSE(tuned.flapping.enabled);
  EXPECT_EQ(tuned.flapping.window, 10);        // defaults
  EXPECT_EQ(tuned.flapping.highThreshold, 60); // defaults
  EXPECT_EQ(tuned.flapping.lowThreshold, 10);  // own
}

TEST(ConfigLoader, ServerFieldsAreRead) {
  auto result = load(R"(servers:
  - slug: gh
    name: GitHub MCP
    url: https://api.example.com/mcp
    tags: [thirdparty, team_a, team_a]
    headers: {Authorization: "Bearer ${TOKEN}", X-Extra: plain}
    public: false
    enabled: false
    call: {tool: search, args: {q: "x", limit: 2, ratio: 0.5, exact: true, none: null, n: "7"}}
  - slug: second
    url: http://127.0.0.1:9/mcp
    call: {tool: echo, args: '{"text": "hi"}'}
)",
                     envOf({{"TOKEN", "tok123"}}));
  ASSERT_TRUE(result) << ::testing::PrintToString(errorsOf(result));
  const auto& s = result.value().servers[0];
  EXPECT_EQ(s.name, "GitHub MCP");
  EXPECT_EQ(s.tags, (std::vector<std::string>{"thirdparty", "team_a"}));
  ASSERT_EQ(s.headers.size(), 2u);
  EXPECT_EQ(s.headers.at("Authorization").reveal(), "Bearer tok123");
  EXPECT_EQ(s.headers.at("X-Extra").reveal(), "plain");
  EXPECT_FALSE(s.isPublic);
  EXPECT_FALSE(s.enabled);
  ASSERT_TRUE(s.call);
  EXPECT_EQ(s.call->tool, "search");
  EXPECT_EQ(
      s.call->args,
      common::Json::parse(R"({"q":"x","limit":2,"ratio":0.5,"exact":true,"none":null,"n":"7"})"));
  const auto& second = result.value().servers[1];
  ASSERT_TRUE(second.call);
  EXPECT_EQ(second.call->args, common::Json::parse(R"({"text":"hi"})"));
}

TEST(ConfigLoader, UnquotedProtocolDatesKeepTheirText) {
  auto result = load(R"(defaults:
  accepted_protocol_versions: [2025-06-18, "2025-03-26"]
)");
  ASSERT_TRUE(result) << ::testing::PrintToString(errorsOf(result));
  EXPECT_EQ(result.value().defaults.acceptedProtocolVersions,
            (std::vector<std::string>{"2025-06-18", "2025-03-26"}));
}

TEST(ConfigLoader, SinksRoutesAndSectionsAreRead) {
  std::string key(32, 'k');
  auto result = load(R"(servers:
  - {slug: a, url: "http://a.example/mcp", tags: [internal]}
  - {slug: b, url: "http://b.example/mcp"}
sinks:
  pd:
    type: pagerduty
    routing_key: ${PD_KEY}
  pd-eu:
    type: pagerduty
    routing_key: ${PD_KEY}
    severity: warning
    source: mon-1
    dedup_prefix: acme.mon
    events_url: https://events.eu.pagerduty.com/v2/enqueue
    change_events: true
    timeout: 5s
  hook:
    type: webhook
    url: https://hooks.example.com/in
    secret: whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw
    signature_header: X-Hub-Signature-256
    headers: {X-Team: ops}
    timeout: 3s
routes:
  - match: {tags: [internal], servers: [b]}
    sinks: [pd-eu, hook]
    continue: false
    severity: error
  - sinks: [pd]
web: {listen: "[::1]:0", public_url: "https://status.example.com/", admin_token: 0123456789abcdef,
      header_timeout: 1500ms, max_connections: 64, max_connections_per_client: 8,
      metrics: {per_server_histograms: true}}
heartbeat: {url: "https://hc-ping.com/${HC}/", interval: 1m}
alerting: {retry_schedule: [1s, 2s], give_up_after: 10s}
scheduler: {concurrency: 10000, jitter: 0s}
log: {level: debug, format: json}
storage: {path: /var/lib/mcpwatch/db.sqlite, retention: 7d}
)",
                     envOf({{"PD_KEY", key}, {"HC", "uuid-1"}}));
  ASSERT_TRUE(result) << ::testing::PrintToString(errorsOf(result));
  const auto& c = result.value();
  ASSERT_EQ(c.sinks.size(), 3u);
  const auto& pd = c.sinks.at("pd").settings.as<PagerDutySinkConfig>();
  EXPECT_EQ(pd.routingKey.reveal(), key);
  EXPECT_EQ(pd.severity, Severity::Critical);
  EXPECT_EQ(pd.source, "mcpwatch");
  EXPECT_EQ(pd.dedupPrefix, "mcpwatch");
  EXPECT_EQ(pd.eventsUrl, "https://events.pagerduty.com/v2/enqueue");
  EXPECT_FALSE(pd.changeEvents);
  EXPECT_EQ(pd.timeout, 15s);
  const auto& eu = c.sinks.at("pd-eu").settings.as<PagerDutySinkConfig>();
  EXPECT_EQ(eu.severity, Severity::Warning);
  EXPECT_EQ(eu.source, "mon-1");
  EXPECT_EQ(eu.dedupPrefix, "acme.mon");
  EXPECT_EQ(eu.eventsUrl, "https://events.eu.pagerduty.com/v2/enqueue");
  EXPECT_TRUE(eu.changeEvents);
  EXPECT_EQ(eu.timeout, 5s);
  EXPECT_EQ(c.sinks.at("hook").type(), "webhook");
  EXPECT_EQ(c.sinks.at("pd").type(), "pagerduty");
  const auto& hook = c.sinks.at("hook").settings.as<WebhookSinkConfig>();
  EXPECT_EQ(hook.url, "https://hooks.example.com/in");
  ASSERT_TRUE(hook.secret);
  EXPECT_EQ(hook.secret->reveal(), "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
  EXPECT_EQ(hook.signatureHeader, "X-Hub-Signature-256");
  EXPECT_EQ(hook.headers.at("X-Team").reveal(), "ops");
  EXPECT_EQ(hook.timeout, 3s);

  ASSERT_EQ(c.routes.size(), 2u);
  EXPECT_EQ(c.routes[0].match.tags, (std::vector<std::string>{"internal"}));
  EXPECT_EQ(c.routes[0].match.servers, (std::vector<std::string>{"b"}));
  EXPECT_EQ(c.routes[0].sinks, (std::vector<std::string>{"pd-eu", "hook"}));
  EXPECT_FALSE(c.routes[0].continueMatching);
  EXPECT_EQ(c.routes[0].severity, Severity::Error);
  EXPECT_TRUE(c.routes[1].continueMatching);
  EXPECT_FALSE(c.routes[1].severity);
  EXPECT_TRUE(c.routes[1].match.tags.empty() && c.routes[1].match.servers.empty());

  EXPECT_EQ(c.web.listenHost, "::1");
  EXPECT_EQ(c.web.listenPort, 0);
  EXPECT_EQ(c.web.publicUrl, "https://status.example.com");
  ASSERT_TRUE(c.web.adminToken);
  EXPECT_EQ(c.web.adminToken->reveal(), "0123456789abcdef");
  EXPECT_EQ(c.web.headerTimeout, std::chrono::milliseconds(1500));
  EXPECT_EQ(c.web.maxConnections, 64);
  EXPECT_EQ(c.web.maxConnectionsPerClient, 8);
  EXPECT_TRUE(c.web.metricsPerServerHistograms);
  ASSERT_TRUE(c.heartbeat);
  EXPECT_EQ(c.heartbeat->url.reveal(), "https://hc-ping.com/uuid-1/");
  EXPECT_EQ(c.heartbeat->failUrl.reveal(), "https://hc-ping.com/uuid-1/fail");
  EXPECT_EQ(c.heartbeat->interval, 1min);
  EXPECT_EQ(c.alerting.retrySchedule, (std::vector<Duration>{1s, 2s}));
  EXPECT_EQ(c.alerting.giveUpAfter, 10s);
  EXPECT_EQ(c.scheduler.concurrency, 10000);
  EXPECT_EQ(c.scheduler.jitter, 0s);
  EXPECT_EQ(c.log.level, LogLevel::Debug);
  EXPECT_EQ(c.log.format, LogFormat::Json);
  EXPECT_EQ(c.storage.path, "/var/lib/mcpwatch/db.sqlite");
  // The deprecated scalar sets rollups and failures; raw keeps its default.
  EXPECT_EQ(c.storage.retention.rollups, std::chrono::hours(24 * 7));
  EXPECT_EQ(c.storage.retention.failures, std::chrono::hours(24 * 7));
  EXPECT_EQ(c.storage.retention.raw, RetentionConfig{}.raw);
  EXPECT_GT(c.storage.legacyRetentionLine, 0);
}

TEST(ConfigLoader, ChannelSinksAreRead) {
  auto result = load(R"(
sinks:
  chat:
    type: slack
    url: ${SLACK_URL}
  chat-min:
    type: slack
    url: https://hooks.slack.com/services/T0/B0/x
    schema_drift: false
    timeout: 5s
  disc:
    type: discord
    url: https://discord.com/api/webhooks/1/tok
    username: mcpwatch
  og:
    type: opsgenie
    api_key: ${OG_KEY}
  og-eu:
    type: opsgenie
    api_key: k2
    region: eu
    priority: P2
    drift_priority: P5
    source: mon-1
    dedup_prefix: acme
    tags: [mcp, prod]
    responders: [{type: team, name: sre}, {type: user, name: ana@example.com}]
  og-url:
    type: opsgenie
    api_key: k3
    api_url: https://og.example.com/
  mail:
    type: email
    host: smtp.example.com
    username: mcpwatch
    password: ${SMTP_PW}
    from: "mcpwatch <mcpwatch@example.com>"
    to: [oncall@example.com, sre@example.com]
  mail-tls:
    type: email
    host: 127.0.0.1
    tls: tls
    auth: login
    insecure: true
    from: a@example.com
    to: b@example.com
  mail-plain:
    type: email
    host: relay.internal
    tls: none
    from: a@example.com
    to: b@example.com
    reminder_interval: 7d
)",
                     envOf({{"SLACK_URL", "https://hooks.slack.com/services/T1/B1/secret"},
                            {"OG_KEY", "og-key-1"},
                            {"SMTP_PW", "pw"}}));
  ASSERT_TRUE(result) << ::testing::PrintToString(errorsOf(result));
  const auto& c = result.value();
  ASSERT_EQ(c.sinks.size(), 9u);
  const auto& slack = c.sinks.at("chat").settings.as<SlackSinkConfig>();
  EXPECT_EQ(slack.url.reveal(), "https://hooks.slack.com/services/T1/B1/secret");
  EXPECT_TRUE(slack.schemaDrift);
  EXPECT_EQ(slack.timeout, 15s);
  const auto& slackMin = c.sinks.at("chat-min").settings.as<SlackSinkConfig>();
  EXPECT_FALSE(slackMin.schemaDrift);
  EXPECT_FALSE(c.sinks.at("chat-min").receivesSchemaDrift());
  EXPECT_EQ(slackMin.timeout, 5s);
  EXPECT_EQ(c.sinks.at("disc").type(), "discord");
  EXPECT_EQ(c.sinks.at("disc").settings.as<DiscordSinkConfig>().username, "mcpwatch");
  const auto& og = c.sinks.at("og").settings.as<OpsGenieSinkConfig>();
  EXPECT_EQ(og.apiKey.reveal(), "og-key-1");
  EXPECT_EQ(og.apiUrl, "https://api.opsgenie.com");
  EXPECT_EQ(og.priority, OpsGeniePriority::P1);
  EXPECT_EQ(og.driftPriority, OpsGeniePriority::P4);
  EXPECT_EQ(og.dedupPrefix, "mcpwatch");
  const auto& eu = c.sinks.at("og-eu").settings.as<OpsGenieSinkConfig>();
  EXPECT_EQ(eu.apiUrl, "https://api.eu.opsgenie.com");
  EXPECT_EQ(eu.priority, OpsGeniePriority::P2);
  EXPECT_EQ(eu.driftPriority, OpsGeniePriority::P5);
  EXPECT_EQ(eu.source, "mon-1");
  EXPECT_EQ(eu.dedupPrefix, "acme");
  EXPECT_EQ(eu.tags, (std::vector<std::string>{"mcp", "prod"}));
  EXPECT_EQ(eu.responders,
            (std::vector<OpsGenieResponder>{{"team", "sre"}, {"user", "ana@example.com"}}));
  EXPECT_EQ(c.sinks.at("og-url").settings.as<OpsGenieSinkConfig>().apiUrl,
            "https://og.example.com");
  const auto& mail = c.sinks.at("mail").settings.as<EmailSinkConfig>();
  EXPECT_EQ(mail.host, "smtp.example.com");
  EXPECT_EQ(mail.port, 587);
  EXPECT_EQ(mail.tls, SmtpTls::StartTls);
  EXPECT_EQ(mail.username, "mcpwatch");
  EXPECT_EQ(mail.password.reveal(), "pw");
  EXPECT_EQ(mail.auth, SmtpAuth::Auto);
  EXPECT_EQ(mail.from, "mcpwatch <mcpwatch@example.com>");
  EXPECT_EQ(mail.to, (std::vector<std::string>{"oncall@example.com", "sre@example.com"}));
  EXPECT_EQ(mail.timeout, 30s);
  const auto& tls = c.sinks.at("mail-tls").settings.as<EmailSinkConfig>();
  EXPECT_EQ(tls.port, 465);
  EXPECT_EQ(tls.tls, SmtpTls::Implicit);
  EXPECT_EQ(tls.auth, SmtpAuth::Login);
  EXPECT_TRUE(tls.insecure);
  EXPECT_EQ(tls.to, (std::vector<std::string>{"b@example.com"}));
  EXPECT_EQ(c.sinks.at("mail-plain").settings.as<EmailSinkConfig>().port, 25);
  // reminder_interval: off unless set.
  EXPECT_EQ(c.sinks.at("mail-plain").reminderInterval, std::chrono::hours(24 * 7));
  for (const auto& [name, sink] : c.sinks) {
    if (name != "mail-plain") {
      EXPECT_FALSE(sink.reminderInterval) << name;
    }
  }
}

TEST(ConfigLoader, ReminderIntervalIsReadForChatMailAndWebhookSinks) {
  auto result = load(R"(
sinks:
  chat: {type: slack, url: "https://hooks.slack.com/services/T0/B0/x", reminder_interval: 1m}
  disc: {type: discord, url: "https://discord.com/api/webhooks/1/t", reminder_interval: 1h30m}
  mail: {type: email, host: smtp.example.com, from: a@example.com, to: b@example.com,
         reminder_interval: 2h}
  hook: {type: webhook, url: "https://hooks.example.com/mcp", reminder_interval: 7d}
  quiet: {type: webhook, url: "https://hooks.example.com/mcp"}
)");
  ASSERT_TRUE(result) << ::testing::PrintToString(errorsOf(result));
  const auto& c = result.value();
  EXPECT_EQ(c.sinks.at("chat").reminderInterval, 1min);
  EXPECT_EQ(c.sinks.at("disc").reminderInterval, 90min);
  EXPECT_EQ(c.sinks.at("mail").reminderInterval, 2h);
  EXPECT_EQ(c.sinks.at("hook").reminderInterval, std::chrono::hours(24 * 7));
  EXPECT_FALSE(c.sinks.at("quiet").reminderInterval);
  EXPECT_TRUE(c.sinks.at("quiet").supportsReminders());
}

TEST(ConfigLoader, MaintenanceWindowsAreRead) {
  auto result = load(R"(servers:
  - {slug: a, url: "http://a.example/mcp"}
maintenance:
  windows:
    - {name: deploy, servers: [a], cron: "0 3 * * 2", duration: 30m, timezone: Europe/Berlin}
    - {name: migration, tags: [internal], start: 2026-12-01T02:00:00Z, end: 2026-12-01T04:00:00Z}
    - {name: nightly, cron: "0 1 * * *", duration: 1h}
  flag_file: /run/mcpwatch/maintenance
)");
  ASSERT_TRUE(result) << ::testing::PrintToString(errorsOf(result));
  const auto& m = result.value().maintenance;
  ASSERT_EQ(m.windows.size(), 3u);
  const auto& deploy = std::get<RecurringWindow>(m.windows[0].schedule);
  EXPECT_EQ(m.windows[0].servers, (std::vector<std::string>{"a"}));
  EXPECT_EQ(deploy.cron.text(), "0 3 * * 2");
  EXPECT_EQ(deploy.duration, 30min);
  EXPECT_EQ(deploy.timezone, "Europe/Berlin");
  ASSERT_TRUE(deploy.zone);
  EXPECT_EQ(deploy.zone->name(), "Europe/Berlin");
  const auto& migration = std::get<FixedWindow>(m.windows[1].schedule);
  EXPECT_EQ(m.windows[1].tags, (std::vector<std::string>{"internal"}));
  EXPECT_EQ(migration.start, *common::parseRfc3339("2026-12-01T02:00:00Z"));
  EXPECT_EQ(migration.end, *common::parseRfc3339("2026-12-01T04:00:00Z"));
  const auto& nightly = std::get<RecurringWindow>(m.windows[2].schedule);
  EXPECT_EQ(nightly.timezone, "UTC");
  ASSERT_TRUE(nightly.zone);
  EXPECT_EQ(m.flagFile, "/run/mcpwatch/maintenance");
}

TEST(ConfigLoader, EnvironmentVariablesAreInterpolatedAndEscaped) {
  auto result = load(
      R"(servers:
  - slug: ${SLUG}
    name: "literal $${NOT_A_VAR} and $$ and cost $5"
    url: "http://${HOST}:${PORT}/mcp"
    interval: ${INTERVAL}
)",
      envOf({{"SLUG", "from-env"}, {"HOST", "127.0.0.1"}, {"PORT", "8931"}, {"INTERVAL", "45s"}}));
  ASSERT_TRUE(result) << ::testing::PrintToString(errorsOf(result));
  const auto& s = result.value().servers[0];
  EXPECT_EQ(s.slug, "from-env");
  EXPECT_EQ(s.name, "literal ${NOT_A_VAR} and $$ and cost $5");
  EXPECT_EQ(s.url, "http://127.0.0.1:8931/mcp");
  EXPECT_EQ(s.check.interval, 45s);
}

TEST(ConfigLoader, MissingEnvironmentVariableNamesTheVariable) {
  auto errors = errorsOf(load(R"(sinks:
  pd:
    type: pagerduty
    routing_key: "${PD_ROUTING_KEY}"
)"));
  EXPECT_EQ(errors, (std::vector<std::string>{
                        "sinks.pd.routing_key: environment variable PD_ROUTING_KEY is not set "
                        "(line 4)"}));
}

TEST(ConfigLoader, JsonInputIsAccepted) {
  auto result = load(R"({
	"defaults": {"interval": "15s", "accepted_protocol_versions": ["2025-11-25"]},
	"servers": [
		{"slug": "j", "url": "http://127.0.0.1:8931/mcp", "tags": ["x"], "public": false,
		 "call": {"tool": "echo", "args": {"n": 1, "s": "1"}}}
	],
	"sinks": {"hook": {"type": "webhook", "url": "http://127.0.0.1:9/h"}},
	"routes": [{"sinks": ["hook"]}]
})");
  ASSERT_TRUE(result) << ::testing::PrintToString(errorsOf(result));
  const auto& c = result.value();
  EXPECT_EQ(c.defaults.interval, 15s);
  ASSERT_EQ(c.servers.size(), 1u);
  EXPECT_EQ(c.servers[0].check.interval, 15s);
  EXPECT_FALSE(c.servers[0].isPublic);
  EXPECT_EQ(c.servers[0].call->args, common::Json::parse(R"({"n":1,"s":"1"})"));
  EXPECT_EQ(c.routes.size(), 1u);
}

TEST(ConfigLoader, JsonInputErrorsCarryLines) {
  auto errors = errorsOf(load("{\n\"servers\": [\n{\"slug\": \"j\", \"url\": \"nope\"}\n]\n}"));
  EXPECT_EQ(errors,
            (std::vector<std::string>{"servers[0].url: invalid URL \"nope\": must be an absolute "
                                      "URL starting with http:// or https:// (line 3)"}));
}

class ConfigFileTest : public ::testing::Test {
protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("mcpwatch-config-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string write(const std::string& name, const std::string& text) {
    auto path = dir_ / name;
    std::ofstream(path, std::ios::binary) << text;
    return path.string();
  }
  std::filesystem::path dir_;
};

TEST_F(ConfigFileTest, RelativePathsResolveAgainstTheFilesDirectory) {
  std::string path = write("mcpwatch.yaml", "storage: {path: data/m.db}\n"
                                            "maintenance: {flag_file: ./flag}\n");
  auto result = loadConfigFile(path, envOf({}), app::sinkTypes());
  ASSERT_TRUE(result) << ::testing::PrintToString(errorsOf(result));
  EXPECT_EQ(result.value().storage.path, (dir_ / "data/m.db").string());
  EXPECT_EQ(result.value().maintenance.flagFile, (dir_ / "flag").string());
  EXPECT_EQ(result.value().source, path);

  std::string defaulted = write("other.yaml", "log: {level: warn}\n");
  auto second = loadConfigFile(defaulted, envOf({}), app::sinkTypes());
  ASSERT_TRUE(second);
  EXPECT_EQ(second.value().storage.path, (dir_ / "mcpwatch.db").string());
}

TEST_F(ConfigFileTest, CheckCaFileResolvesAgainstTheFilesDirectoryAndResumptionIsABoolean) {
  write("ca.pem", "-----BEGIN CERTIFICATE-----\n");
  std::string path = write("tls.yaml", "defaults: {ca_file: ca.pem}\n"
                                       "servers:\n"
                                       "  - {slug: a, url: \"https://a.example/mcp\"}\n"
                                       "  - {slug: b, url: \"https://b.example/mcp\", "
                                       "tls_resumption: false}\n");
  auto result = loadConfigFile(path, envOf({}), app::sinkTypes());
  ASSERT_TRUE(result) << ::testing::PrintToString(errorsOf(result));
  EXPECT_EQ(result.value().servers[0].check.caFile, (dir_ / "ca.pem").string());
  EXPECT_TRUE(result.value().servers[0].check.tlsResumption);
  EXPECT_EQ(result.value().servers[1].check.caFile, (dir_ / "ca.pem").string());
  EXPECT_FALSE(result.value().servers[1].check.tlsResumption);

  std::string bad = write("bad.yaml", "servers:\n"
                                      "  - {slug: a, url: \"https://a.example/mcp\", "
                                      "ca_file: missing.pem, tls_resumption: sometimes}\n");
  auto refused = loadConfigFile(bad, envOf({}), app::sinkTypes());
  ASSERT_FALSE(refused);
  auto messages = ::testing::PrintToString(errorsOf(refused));
  EXPECT_NE(messages.find("servers[0].ca_file: file not found: \\\"missing.pem\\\""),
            std::string::npos)
      << messages;
  EXPECT_NE(messages.find("servers[0].tls_resumption"), std::string::npos) << messages;
}

TEST_F(ConfigFileTest, MissingOrUnreadableFilesAreErrors) {
  auto missing = loadConfigFile((dir_ / "absent.yaml").string(), envOf({}), app::sinkTypes());
  EXPECT_EQ(errorsOf(missing), (std::vector<std::string>{"cannot open the file"}));
  auto directory = loadConfigFile(dir_.string(), envOf({}), app::sinkTypes());
  EXPECT_EQ(errorsOf(directory), (std::vector<std::string>{"is a directory, not a file"}));
}

TEST_F(ConfigFileTest, AFleetSizedFileIsAccepted) {
  // 9 MB: larger than a 100,000-server config written one line per server.
  std::string text = "servers:\n  - {slug: a, url: \"http://127.0.0.1:9/mcp\"}\n";
  text += "# " + std::string(9 * 1024 * 1024, 'x') + "\n";
  auto result = loadConfigFile(write("fleet.yaml", text), envOf({}), app::sinkTypes());
  ASSERT_TRUE(result) << ::testing::PrintToString(errorsOf(result));
  EXPECT_EQ(result->servers.size(), 1u);
}

TEST_F(ConfigFileTest, OversizedFilesAreRefused) {
  std::string path = write("big.yaml", "# " + std::string(kMaxConfigBytes, 'x') + "\n");
  auto result = loadConfigFile(path, envOf({}), app::sinkTypes());
  ASSERT_FALSE(result);
  EXPECT_NE(result.error()[0].message.find("larger than"), std::string::npos);
}

TEST(ConfigLoader, ServerContextForAlertsIsRead) {
  auto result = load("servers:\n"
                     "  - slug: a\n"
                     "    url: http://127.0.0.1:1/mcp\n"
                     "    description: Code search for the platform\n"
                     "    owner: \"Team Search (#search-oncall)\"\n"
                     "    runbook_url: https://wiki.example.com/runbooks/a\n"
                     "    links:\n"
                     "      - {name: Grafana, url: \"https://grafana.example.com/d/a\"}\n"
                     "  - slug: b\n"
                     "    url: http://127.0.0.1:1/mcp\n");
  ASSERT_TRUE(result) << ::testing::PrintToString(errorsOf(result));
  const auto& a = result.value().servers[0];
  EXPECT_EQ(a.description, "Code search for the platform");
  EXPECT_EQ(a.owner, "Team Search (#search-oncall)");
  EXPECT_EQ(a.runbookUrl, "https://wiki.example.com/runbooks/a");
  ASSERT_EQ(a.links.size(), 1u);
  EXPECT_EQ(a.links[0], (ServerLink{"Grafana", "https://grafana.example.com/d/a"}));
  const auto& b = result.value().servers[1];
  EXPECT_TRUE(b.description.empty() && b.owner.empty() && b.runbookUrl.empty() && b.links.empty());
}

TEST(ConfigLoader, WebTitleIsReadAndChecked) {
  auto ok = load(
      "servers: [{slug: a, url: \"http://127.0.0.1:1/mcp\"}]\nweb: {title: ACME MCP status}\n");
  ASSERT_TRUE(ok) << ::testing::PrintToString(errorsOf(ok));
  EXPECT_EQ(ok.value().web.title, "ACME MCP status");
  auto plain = load("servers: [{slug: a, url: \"http://127.0.0.1:1/mcp\"}]\n");
  EXPECT_EQ(plain.value().web.title, "Status");
  auto errors =
      errorsOf(load("servers: [{slug: a, url: \"http://127.0.0.1:1/mcp\"}]\nweb: {title: \"" +
                    std::string(101, 't') + "\"}\n"));
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].find("web.title: at most 100 bytes"), std::string::npos) << errors[0];
}

TEST(ConfigLoader, WebLogoMustBeASmallImageFile) {
  char tmpl[] = "/tmp/mcpwatch-logo-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  const std::filesystem::path dir(tmpl);
  std::ofstream(dir / "logo.png") << "\x89PNG";
  std::ofstream(dir / "big.svg") << std::string(256 * 1024 + 1, ' ');
  std::ofstream(dir / "logo.gif") << "GIF89a";
  auto withLogo = [](const std::filesystem::path& p) {
    return load("servers: [{slug: a, url: \"http://127.0.0.1:1/mcp\"}]\nweb: {logo: \"" +
                p.string() + "\"}\n");
  };
  auto ok = withLogo(dir / "logo.png");
  ASSERT_TRUE(ok) << ::testing::PrintToString(errorsOf(ok));
  EXPECT_EQ(ok.value().web.logoPath, (dir / "logo.png").string());
  auto error = [&](const std::filesystem::path& p) {
    auto errors = errorsOf(withLogo(p));
    return errors.size() == 1 ? errors[0] : ::testing::PrintToString(errors);
  };
  EXPECT_NE(error(dir / "big.svg").find("web.logo: at most 256 KiB (the file has 262145 bytes)"),
            std::string::npos);
  EXPECT_NE(error(dir / "logo.gif").find("web.logo: expected a .png, .svg, .jpg, .jpeg or .webp"),
            std::string::npos);
  EXPECT_NE(error(dir / "missing.png").find("web.logo: cannot read"), std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST(ConfigLoader, MaintenanceWindowsCarryACheckedComment) {
  const std::string base = "servers: [{slug: a, url: \"http://127.0.0.1:1/mcp\"}]\n"
                           "maintenance:\n  windows:\n    - name: deploy\n"
                           "      cron: \"0 3 * * 2\"\n      duration: 30m\n";
  auto ok = load(base + "      comment: Weekly deploy of the gateway\n");
  ASSERT_TRUE(ok) << ::testing::PrintToString(errorsOf(ok));
  EXPECT_EQ(ok.value().maintenance.windows[0].comment, "Weekly deploy of the gateway");
  EXPECT_EQ(load(base).value().maintenance.windows[0].comment, "");
  auto errors = errorsOf(load(base + "      comment: \"" + std::string(1001, 'c') + "\"\n"));
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].find("maintenance.windows[0].comment: at most 1000 bytes"), std::string::npos)
      << errors[0];
}

TEST(ConfigLoader, DependsOnIsRead) {
  auto ok =
      load("servers:\n"
           "  - {slug: app, url: \"http://127.0.0.1:1/mcp\", depends_on: [gateway, gateway]}\n"
           "  - {slug: gateway, url: \"http://127.0.0.1:2/mcp\"}\n");
  ASSERT_TRUE(ok) << ::testing::PrintToString(errorsOf(ok));
  EXPECT_EQ(ok.value().servers[0].dependsOn, std::vector<std::string>{"gateway"});
  EXPECT_TRUE(ok.value().servers[1].dependsOn.empty());
}

} // namespace
} // namespace mcpwatch::config
