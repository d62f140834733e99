// The OpsGenie sink (Alert API v2): create on trigger and drift, close by alias on resolve
// (README "OpsGenie"; reference: alerting-contracts.md section 4.3).
#pragma once

#include "alerting/sink.hpp"
#include "channels/event_text.hpp"
#include "channels/opsgenie_config.hpp"
#include "common/json.hpp"
#include "config/config.hpp"

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace mcpwatch::channels {

// OpsGenie's documented field limits (characters, i.e. code points).
inline constexpr std::size_t kOpsGenieMaxMessage = 130;
inline constexpr std::size_t kOpsGenieMaxAlias = 512;
inline constexpr std::size_t kOpsGenieMaxDescription = 15000;
inline constexpr std::size_t kOpsGenieMaxTags = 20;
inline constexpr std::size_t kOpsGenieMaxTag = 50;
inline constexpr std::size_t kOpsGenieMaxDetails = 8000; // keys plus values, all together
inline constexpr std::size_t kOpsGenieMaxEntity = 512;
inline constexpr std::size_t kOpsGenieMaxSource = 100;
inline constexpr std::size_t kOpsGenieMaxUser = 100;
inline constexpr std::size_t kOpsGenieMaxNote = 25000;

// "{dedup_prefix}-{slug}": the same stable key PagerDuty uses, so one outage is one alert.
std::string opsGenieAlias(const channels::OpsGenieSinkConfig& config, std::string_view slug);
// "{dedup_prefix}-{slug}-schema": drift alerts never dedup onto (or get closed with) a down alert.
// A protocol change uses the suffix "-protocol": its own alert, apart from the tools' one.
std::string opsGenieDriftAlias(const channels::OpsGenieSinkConfig& config, std::string_view slug,
                               std::string_view suffix = "-schema");
// The alias an event creates or closes: the two above, or for a test alert the run's own
// "{dedup_prefix}-{slug}.test-{id}" (alerting::testDedupKey), so `mcpwatch test-alert --server X`
// can never count onto or close a real open alert (X's, or that of a server named "X-test").
std::string opsGenieAliasFor(const channels::OpsGenieSinkConfig& config, const Event& event);

// Percent-encodes every byte outside RFC 3986 unreserved characters (A-Z a-z 0-9 - . _ ~), so the
// result is one path segment whatever the alias holds ('/', '?', '#', spaces, non-ASCII).
std::string opsGenieEncodePathSegment(std::string_view text);

// The create request (POST /v2/alerts) for a trigger or a schema drift. `severity` is the route's
// override and maps onto the priority of triggers (critical P1, error P2, warning P3, info P5);
// drift always uses drift_priority. Every limit is met by truncation, never by failing.
common::Json createBody(const channels::OpsGenieSinkConfig& config, const Event& event,
                        std::optional<config::Severity> severity, std::string_view publicUrl);
// The close request body for a resolve: {"source", "user": "mcpwatch", "note": "Recovered after
// 4m 10s"}.
common::Json closeBody(const channels::OpsGenieSinkConfig& config, const Event& event);

// The advice appended to a 401: names the host in use and its region, and the key type needed.
std::string opsGenieAuthHint(std::string_view apiUrl);

// OpsGenie's error body as one log-friendly line: "message (field: problem; ...) [requestId X]".
std::string describeOpsGenieError(std::string_view body);

class OpsGenieSink final : public alerting::Sink {
public:
  OpsGenieSink(channels::OpsGenieSinkConfig config, alerting::SinkContext context);
  Awaitable<alerting::AttemptResult> deliver(alerting::Delivery delivery) override;
  bool receiverDedupes() const override { return true; } // alias

private:
  channels::OpsGenieSinkConfig config_;
  alerting::SinkContext context_;
};

std::unique_ptr<alerting::Sink> makeOpsGenieSink(const config::SinkConfig& sink,
                                                 const alerting::SinkContext& context);
// The OpsGenie sink type: its builder and its settings snapshot.
common::Json saveOpsGenieSettings(const channels::OpsGenieSinkConfig& settings);
std::optional<channels::OpsGenieSinkConfig> loadOpsGenieSettings(const common::Json& json);
alerting::SinkKind opsGenieSinkKind();

} // namespace mcpwatch::channels
