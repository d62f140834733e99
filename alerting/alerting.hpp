// The alerting facade the daemon uses: route events, write them to the durable outbox, and
// deliver them with retries (DESIGN.md section 7).
#pragma once

#include "alerting/outbox.hpp"
#include "alerting/sink.hpp"
#include "common/asio.hpp"
#include "common/clock.hpp"
#include "common/expected.hpp"
#include "config/config.hpp"
#include "store/store.hpp"

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace mcpwatch::alerting {

// The note a resend to a chat or mail sink carries when an earlier attempt was started but its
// outcome never recorded (mcpwatch died while sending, or the database refused the outcome):
// that attempt may have arrived.
inline constexpr std::string_view kPossibleRepeatNote =
    "Possible repeat: mcpwatch could not record whether an earlier attempt of this alert "
    "arrived (it stopped, or its database failed, while sending).";
// Puts kPossibleRepeatNote first in the event's `note`.
void markPossibleRepeat(Event& event);

struct SinkStats {
  std::int64_t pending = 0; // rows waiting for (another) attempt
  std::int64_t dead = 0;    // rows that gave up after give_up_after
  std::int64_t failed = 0;  // rows refused permanently (4xx)
  // Attempts since start by outcome: "delivered", "retry", "failed", "dead".
  std::map<std::string, std::uint64_t> attempts;
};
struct AlertingStats {
  std::map<std::string, SinkStats> sinks; // by sink name
};

// One sink's answer to a test alert (one attempt each for the trigger and its resolve).
struct TestAlertResult {
  std::string sink;
  AttemptResult trigger;
  std::optional<AttemptResult> resolve; // unset when the trigger already failed
  bool ok() const;
};

// Delivery semantics (the README should say this): every (event, sink) is committed to the outbox
// before any network call, so a crash or kill -9 loses nothing and pending rows resume at their
// stored next-attempt time. The one duplicate that cannot be avoided: a crash after a sink
// accepted an event but before its row was marked delivered resends it after the restart (same
// event id / webhook-id and PagerDuty dedup_key, so receivers can drop it).
class Alerting {
public:
  // Thread-safe: prepare(), reload(), stop() and stats() may be called from any thread; the
  // dispatcher and the deliveries run on a strand of `executor`. `store` and `clock` must outlive
  // run()'s completion.
  Alerting(asio::any_io_executor executor, const config::Config& config, store::Store& store,
           common::Clock& clock, SinkFactory factory);
  // The same, sharing `config` (the daemon holds the same one: a fleet's config exists once).
  Alerting(asio::any_io_executor executor, std::shared_ptr<const config::Config> config,
           store::Store& store, common::Clock& clock, SinkFactory factory);
  ~Alerting(); // stop()
  Alerting(const Alerting&) = delete;
  Alerting& operator=(const Alerting&) = delete;

  // Sinks whose type has no builder in `factory`, as "sinks.NAME: ..." lines (refuse to start).
  static std::vector<std::string> checkSinks(const config::Config& config,
                                             const SinkFactory& factory);

  // Routes the event and returns the writes of one outbox row per (event, sink). A trigger
  // records the sinks it went to (with their settings); a resolve goes to exactly those; an
  // event id already in the outbox gives no write. The caller commits them in the same
  // transaction as its own state (the daemon commits the incident change and its events
  // atomically, so a crash can neither lose a trigger nor send one for an incident it forgot),
  // then calls notifyCommitted() so the dispatcher looks at the new rows.
  common::Expected<std::vector<store::WriteOp>, std::string> prepare(const Event& event);
  void notifyCommitted();

  // The dispatcher: returns after stop(), once in-flight attempts finished (bounded wait).
  Awaitable<void> run();
  // New routes, sinks and retry schedule for events published from now on (rows already in the
  // outbox keep the sink settings they were written with).
  void reload(const config::Config& config);
  void reload(std::shared_ptr<const config::Config> config);
  void stop();
  AlertingStats stats() const;

  // Sends a test trigger and then its resolve ("test": true, "[TEST]" summaries) straight to the
  // sinks, one attempt each, bypassing the outbox. Without `serverSlug` a placeholder server is
  // used and every sink is tried; with it, the sinks its routes pick. `sinkName` narrows to one
  // sink. Errors: unknown server or sink, no sink to try. Each call draws a fresh incident id
  // ("inc_test_<random>"); sinks that deduplicate derive their own test key from it
  // (alerting/dedup_key.hpp), so a test never touches a real incident.
  Awaitable<common::Expected<std::vector<TestAlertResult>, std::string>>
  testAlert(std::optional<std::string> serverSlug, std::optional<std::string> sinkName);

  struct State;

private:
  std::shared_ptr<State> state_;
};

} // namespace mcpwatch::alerting
