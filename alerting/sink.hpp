// The Sink interface every delivery channel implements and what an attempt hands it.
#pragma once

#include "alerting/event.hpp"
#include "alerting/pacing.hpp"
#include "alerting/retry.hpp"
#include "common/asio.hpp"
#include "common/clock.hpp"
#include "common/json.hpp"
#include "config/config.hpp"

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace mcpwatch::alerting {

// The wire names, for the outbox's event_type column and the router.
inline constexpr std::string_view kTriggered = "alert.triggered";
inline constexpr std::string_view kResolved = "alert.resolved";
inline constexpr std::string_view kReminder = "alert.reminder";

// One attempt to deliver one event to one sink.
struct Delivery {
  Event event;                              // the stored body, parsed once by the dispatcher
  std::string body;                         // the exact bytes webhook sinks send
  std::optional<config::Severity> severity; // the route's override, if any
};

class Sink {
public:
  virtual ~Sink() = default;
  // One attempt; never throws. Network failures come back as a result without status.
  virtual Awaitable<AttemptResult> deliver(Delivery delivery) = 0;
  // True when the receiver drops a repeated delivery of the same event by itself (PagerDuty's
  // dedup_key, OpsGenie's alias, the Standard Webhooks webhook-id): an attempt that may already
  // have arrived (mcpwatch died while sending it) is then resent as is. Chat and mail receivers
  // cannot: the resend says in its note that it may be a repeat.
  virtual bool receiverDedupes() const { return false; }
};

// What a sink may need besides its own config.
struct SinkContext {
  asio::any_io_executor executor;
  const common::Clock* clock = nullptr;
  std::string publicUrl; // web.public_url, for links back to mcpwatch
  // Shared by every attempt of the process (sinks are built per attempt): pacing per webhook
  // URL, 429 holds and revoked destinations. Never null when built by the dispatcher.
  DestinationGates* gates = nullptr;
  // For blocking client libraries (libcurl SMTP): run the transfer there, never on `executor`.
  asio::any_io_executor blockingExecutor;
};

using SinkBuilder =
    std::function<std::unique_ptr<Sink>(const config::SinkConfig&, const SinkContext&)>;
// Sink type ("pagerduty", "webhook", ...) -> builder; the app fills it (DESIGN.md section 2).
using SinkFactory = std::map<std::string, SinkBuilder, std::less<>>;

// The sink's settings as JSON (secrets included: it is persisted in the outbox so a resolve or a
// retry uses exactly the settings of the trigger), and back.
common::Json sinkSettingsToJson(const config::SinkConfig& sink);
std::optional<config::SinkConfig> sinkSettingsFromJson(const common::Json& json);

std::optional<config::Severity> parseSeverity(std::string_view text);

} // namespace mcpwatch::alerting
