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
#include <initializer_list>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace mcpwatch::alerting {

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

// What one sink type brings, from its own folder: how to build its sink, and its settings
// snapshot for the outbox (secrets included: a resolve, reminder or retry uses exactly the
// settings of its trigger) and back. `load` gives nullopt for a snapshot it cannot read.
struct SinkKind {
  SinkBuilder build;
  std::function<common::Json(const config::SinkSettings&)> save;
  std::function<std::optional<config::SinkSettings>(const common::Json&)> load;
};

// A SinkKind for the settings type `C` from its builder and its typed snapshot pair.
template <class C>
SinkKind sinkKind(SinkBuilder build, common::Json (*save)(const C&),
                  std::optional<C> (*load)(const common::Json&)) {
  return {std::move(build),
          [save](const config::SinkSettings& settings) {
            const auto* own = settings.get<C>();
            return own ? save(*own) : common::Json::object();
          },
          [load](const common::Json& json) -> std::optional<config::SinkSettings> {
            try {
              if (auto settings = load(json))
                return config::SinkSettings(std::move(*settings));
            } catch (const std::exception&) {
              // a field missing or of the wrong type: unreadable
            }
            return std::nullopt;
          }};
}

// Sink type ("pagerduty", "webhook", ...) -> its kind; the app's registry fills it
// (app/sinks.cpp: one line per sink type).
using SinkFactory = std::map<std::string, SinkKind, std::less<>>;

// The stored snapshot of `sink`: {"name", "type", ...the kind's settings}; and back (nullopt
// when its type is unknown to `kinds` or its kind cannot read it).
common::Json saveSinkSettings(const SinkFactory& kinds, const config::SinkConfig& sink);
std::optional<config::SinkConfig> loadSinkSettings(const SinkFactory& kinds,
                                                   const common::Json& json);

// The value of `values` whose toString is `text` (stored snapshots name enum values as
// the config does); nullopt for any other text.
template <class E>
std::optional<E> enumFromName(std::string_view text, std::initializer_list<E> values) {
  using config::toString; // and the enum's own, found by argument-dependent lookup
  for (auto value : values)
    if (toString(value) == text)
      return value;
  return std::nullopt;
}

std::optional<config::Severity> parseSeverity(std::string_view text);

} // namespace mcpwatch::alerting
