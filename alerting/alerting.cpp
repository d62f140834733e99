// The outbox dispatcher: one loop that sleeps until the earliest due row (or a publish), and
// per-(sink, server) FIFO delivery with bounded concurrency.
#include "alerting/alerting.hpp"

#include "alerting/reminders.hpp"
#include "alerting/router.hpp"
#include "common/crypto.hpp"
#include "common/log.hpp"
#include "common/time.hpp"
#include "store/awaitable.hpp"

#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <fmt/format.h>
#include <mutex>
#include <set>
#include <spdlog/spdlog.h>

namespace mcpwatch::alerting {

namespace {

// Attempts in flight at once: per sink (a slow sink cannot take every slot) and overall.
constexpr int kPerSinkConcurrency = 4;
constexpr int kMaxConcurrency = 32;
// The loop re-reads the outbox at least this often, so a wall-clock jump is noticed.
constexpr auto kMaxSleep = std::chrono::seconds(30);
// How long run() waits for in-flight attempts after stop().
constexpr auto kStopGrace = std::chrono::seconds(5);
// While some sink has a reminder_interval the reminder planner runs at its next due time and at
// least this often, so an incident opened since its last run is seen before its first reminder
// is due (the shortest interval is a minute). Without intervals it never runs.
constexpr auto kReminderCheckEvery = std::chrono::minutes(1);
// After a failed planner run (the store refused a read or a write).
constexpr auto kReminderRetry = std::chrono::seconds(10);

// What every log line about one outbox row names (its event, sink and server), plus `more`.
common::Json rowFields(const OutboxRow& row, common::Json more = common::Json::object()) {
  more["type"] = row.eventType;
  more["event"] = row.eventId;
  more["sink"] = row.sink;
  more["server"] = row.slug;
  return more;
}

RetryPolicy policyOf(const config::Config& c) {
  return {c.alerting.retrySchedule, c.alerting.giveUpAfter};
}

std::optional<std::string> severityText(const std::optional<config::Severity>& s) {
  if (!s)
    return std::nullopt;
  return std::string(config::toString(*s));
}

// One run of the reminder planner: read the open incidents and the sinks their triggers went to,
// plan (reminders.hpp), write the due reminders to the outbox. Blocking: runs on the blocking
// pool, never on the dispatcher's strand.
struct ReminderRun {
  std::vector<OutboxRow> queued;
  std::optional<common::WallTime> nextDue;
  std::string error;
};

ReminderRun runReminders(store::Store& store, const SinkFactory& kinds,
                         const ReminderIntervals& intervals, common::WallTime now) {
  ReminderRun out;
  std::vector<std::string> names;
  for (const auto& [name, interval] : intervals)
    names.push_back(name);
  auto candidates = outbox::reminderCandidates(store, names);
  if (!candidates) {
    out.error = "reading the open incidents: " + candidates.error();
    return out;
  }
  std::vector<ReminderIncident> incidents;
  std::map<std::pair<std::string, std::string>, const ReminderCandidate*> byIncidentSink;
  for (const auto& c : candidates.value()) { // ordered by incident
    if (incidents.empty() || incidents.back().incidentId != c.incidentId) {
      ReminderIncident incident;
      incident.incidentId = c.incidentId;
      incident.openedAt = c.openedAt;
      incident.triggerSent = c.triggerSent;
      incident.test = c.incidentId.starts_with("inc_test_");
      incidents.push_back(std::move(incident));
    }
    if (!c.triggerBody)
      continue; // no trigger row to that sink: nothing to remind of
    const auto told = c.lastReminderAt ? std::max(c.triggerAt, *c.lastReminderAt) : c.triggerAt;
    incidents.back().sinks.push_back({c.sink, told});
    byIncidentSink[{c.incidentId, c.sink}] = &c;
  }
  auto plan = planReminders(incidents, intervals, now);
  out.nextDue = plan.nextDue;
  std::vector<OutboxRow> rows;
  for (const auto& due : plan.due) {
    const auto& c = *byIncidentSink.at({due.incidentId, due.sink});
    // The reminder goes where its trigger went, with the settings the trigger had (as the
    // resolve does); a sink that was another type then gets none.
    auto settings = common::parseJson(c.sinkSettings);
    auto stored = settings ? loadSinkSettings(kinds, *settings) : std::nullopt;
    if (!stored || !stored->supportsReminders())
      continue;
    const auto id = reminderEventId(due.incidentId, due.offset);
    auto trigger = parseEvent(*c.triggerBody);
    if (!trigger) {
      common::logRecord(spdlog::level::err,
                        "reminder not queued: the trigger's stored body is unreadable",
                        {{"event", id},
                         {"incident", due.incidentId},
                         {"sink", due.sink},
                         {"error", trigger.error()}});
      continue;
    }
    if (trigger->test)
      continue; // never a reminder of a test alert
    OutboxRow row;
    row.eventId = id;
    row.eventType = std::string(toString(EventType::Reminder));
    row.incidentId = due.incidentId;
    row.slug = c.slug;
    row.sink = due.sink;
    row.sinkSettings = c.sinkSettings;
    row.severity = c.severity;
    row.body = toJson(reminderEvent(std::move(*trigger), id, c.openedAt, now)).dump();
    row.createdAt = now;
    row.nextAttemptAt = now;
    rows.push_back(std::move(row));
  }
  if (rows.empty())
    return out;
  if (auto committed = store.commitNow({outbox::insertReminderRows(rows)}); !committed) {
    out.error = "writing reminders to the outbox: " + committed.error();
    return out;
  }
  out.queued = std::move(rows);
  return out;
}

Awaitable<ReminderRun> runRemindersOn(store::Store* store, const SinkFactory* kinds,
                                      ReminderIntervals intervals, common::WallTime now) {
  co_return runReminders(*store, *kinds, intervals, now);
}

// Why a reminder to `sink` must not go out under the current config; empty when it may.
std::string remindersOff(const config::Config& config, const std::string& sink) {
  const auto* current = config.findSink(sink);
  if (!current)
    return "not sent: sink " + sink + " is no longer in the config";
  if (!current->reminderInterval)
    return "not sent: sinks." + sink + ".reminder_interval was removed";
  return {};
}

} // namespace

bool TestAlertResult::ok() const {
  return trigger.outcome == AttemptOutcome::Delivered && resolve &&
         resolve->outcome == AttemptOutcome::Delivered;
}

struct Alerting::State : std::enable_shared_from_this<Alerting::State> {
  State(asio::any_io_executor executor, std::shared_ptr<const config::Config> cfg, store::Store& st,
        common::Clock& clk, SinkFactory f)
      : strand(asio::make_strand(executor)), wake(strand), store(st), clock(clk),
        factory(std::move(f)), gates(clk), config(std::move(cfg)) {}

  asio::strand<asio::any_io_executor> strand;
  asio::steady_timer wake;
  store::Store& store;
  common::Clock& clock;
  const SinkFactory factory;
  DestinationGates gates; // on `clock`: a test's FakeClock paces the chat sinks too
  // Blocking sink libraries (SMTP) run here so a slow mail server never stalls the strand.
  asio::thread_pool blocking{2};

  mutable std::mutex mu; // guards config and counters (public methods run on any thread)
  // Shared and immutable: an event's routing reads it without copying a fleet's config (a mass
  // outage prepares thousands of events); a reload swaps in a new one.
  std::shared_ptr<const config::Config> config;
  std::map<std::string, std::map<std::string, std::uint64_t>> counters;

  // Strand only.
  bool stopping = false;
  bool dirty = false;
  std::set<std::pair<std::string, std::string>> inFlight; // (sink, slug)
  std::map<std::string, int> perSink;
  int total = 0;
  // Reminders: when the planner runs next (unset: at the next pass, if some sink has an
  // interval), whether it is running, and reload()'s count (a run that began before a reload
  // does not set the next time: the new intervals are planned at once).
  std::optional<common::WallTime> nextReminderCheck;
  bool reminderRunning = false;
  std::uint64_t reminderGeneration = 0;

  std::shared_ptr<const config::Config> configCopy() const { // cheap: shares, never copies
    std::lock_guard lock(mu);
    return config;
  }
  void count(const std::string& sink, std::string_view outcome) {
    std::lock_guard lock(mu);
    ++counters[sink][std::string(outcome)];
  }
  void poke() {
    asio::post(strand, [self = shared_from_this()] {
      self->dirty = true;
      self->wake.cancel();
    });
  }

  std::unique_ptr<Sink> buildSink(const config::SinkConfig& sink, std::string& error) {
    auto it = factory.find(sink.type());
    if (it == factory.end()) {
      error = fmt::format("sink type '{}' is not available in this build", sink.type());
      return nullptr;
    }
    SinkContext context{strand, &clock, configCopy()->web.publicUrl, &gates,
                        blocking.get_executor()};
    auto built = it->second.build(sink, context);
    if (!built)
      error = fmt::format("sink type '{}' could not be built", sink.type());
    return built;
  }

  Awaitable<void> loop();
  Awaitable<void> attempt(OutboxRow row);
  void startRemindersIfDue(common::WallTime now);
  Awaitable<void> reminders(ReminderIntervals intervals, std::uint64_t generation);
};

void Alerting::State::startRemindersIfDue(common::WallTime now) {
  if (reminderRunning || stopping || (nextReminderCheck && now < *nextReminderCheck))
    return;
  auto intervals = reminderIntervals(*configCopy());
  if (intervals.empty()) {
    nextReminderCheck.reset();
    return;
  }
  reminderRunning = true;
  asio::co_spawn(strand, reminders(std::move(intervals), reminderGeneration), asio::detached);
}

Awaitable<void> Alerting::State::reminders(ReminderIntervals intervals, std::uint64_t generation) {
  auto self = shared_from_this();
  const auto now = clock.now();
  ReminderRun run;
  try {
    // On the blocking pool (store reads, and an fsync when something is due); resumes here.
    run = co_await asio::co_spawn(blocking.get_executor(),
                                  runRemindersOn(&store, &factory, std::move(intervals), now),
                                  use_awaitable);
  } catch (const std::exception& error) {
    run.error = error.what();
  }
  reminderRunning = false;
  if (!run.error.empty())
    common::logRecord(spdlog::level::err, "reminders failed", {{"error", run.error}});
  for (const auto& row : run.queued)
    common::logRecord(spdlog::level::info, "reminder queued",
                      rowFields(row, {{"incident", row.incidentId}}));
  if (generation == reminderGeneration) {
    common::WallTime next = now + kReminderCheckEvery;
    if (!run.error.empty())
      next = now + kReminderRetry;
    if (run.nextDue)
      next = std::min(next, *run.nextDue);
    nextReminderCheck = next;
  }
  dirty = true;
  wake.cancel();
}

void markPossibleRepeat(Event& event) {
  event.note = std::string(kPossibleRepeatNote) + (event.note.empty() ? "" : " " + event.note);
}

Awaitable<void> Alerting::State::loop() {
  auto self = shared_from_this();
  while (!stopping) {
    dirty = false;
    std::optional<common::WallTime> earliest;
    startRemindersIfDue(clock.now());
    auto heads = outbox::pendingHeads(store);
    if (!heads) {
      common::logRecord(spdlog::level::err, "reading the outbox failed",
                        {{"error", heads.error()}});
      earliest = clock.now() + std::chrono::seconds(1);
    } else {
      const auto now = clock.now();
      const auto config = configCopy();
      std::vector<store::WriteOp> notSent;
      for (auto& row : heads.value()) {
        const auto key = std::make_pair(row.sink, row.slug);
        if (inFlight.count(key))
          continue;
        // A reminder that must not go out any more is ended at once, even while it waits for a
        // retry: whatever is queued behind it (its resolve) does not wait for it.
        if (row.eventType == toString(EventType::Reminder)) {
          auto reason = row.staleReason.empty() ? remindersOff(*config, row.sink) : row.staleReason;
          if (!reason.empty()) {
            common::logRecord(spdlog::level::info, "reminder not sent",
                              rowFields(row, {{"reason", reason}}));
            notSent.push_back(outbox::markNotSent(row.id, std::move(reason), now));
            continue;
          }
        }
        if (row.nextAttemptAt > now) {
          earliest = earliest ? std::min(*earliest, row.nextAttemptAt) : row.nextAttemptAt;
          continue;
        }
        // A due row without a free slot waits for an attempt to finish (which wakes the loop).
        if (perSink[row.sink] >= kPerSinkConcurrency || total >= kMaxConcurrency)
          continue;
        inFlight.insert(key);
        ++perSink[row.sink];
        ++total;
        asio::co_spawn(strand, attempt(std::move(row)), asio::detached);
      }
      if (!notSent.empty()) {
        // Rare (a resolve, a sink that was down): committed off this loop like the attempts'
        // marks.
        auto committed = co_await store::commitAwaitable(store, std::move(notSent));
        if (!committed) {
          common::logRecord(spdlog::level::err, "ending stale reminders failed",
                            {{"error", committed.error()}});
          earliest = now + std::chrono::seconds(1);
        } else {
          dirty = true; // the rows behind them are heads now
        }
      }
    }
    if (!reminderRunning && nextReminderCheck)
      earliest = earliest ? std::min(*earliest, *nextReminderCheck) : *nextReminderCheck;
    if (dirty || stopping)
      continue;
    auto sleep = std::chrono::steady_clock::duration(kMaxSleep);
    if (earliest) {
      const auto wait = *earliest - clock.now();
      sleep = std::clamp<std::chrono::steady_clock::duration>(
          std::chrono::duration_cast<std::chrono::steady_clock::duration>(wait),
          std::chrono::steady_clock::duration::zero(), sleep);
    }
    wake.expires_after(sleep);
    boost::system::error_code ec;
    co_await wake.async_wait(redirect_error(use_awaitable, ec));
  }
  // Let in-flight attempts record their outcome so they are not repeated after a restart.
  const auto deadline = std::chrono::steady_clock::now() + kStopGrace;
  while ((total > 0 || reminderRunning) && std::chrono::steady_clock::now() < deadline) {
    wake.expires_after(std::chrono::milliseconds(10));
    boost::system::error_code ec;
    co_await wake.async_wait(redirect_error(use_awaitable, ec));
  }
}

Awaitable<void> Alerting::State::attempt(OutboxRow row) {
  auto self = shared_from_this();
  const auto started = clock.now();
  AttemptResult result;
  std::string buildError;
  auto settings = common::parseJson(row.sinkSettings);
  auto sinkConfig = settings ? loadSinkSettings(factory, *settings) : std::nullopt;
  auto event = parseEvent(row.body);
  std::unique_ptr<Sink> sink;
  if (!sinkConfig)
    buildError = "the stored sink settings are unreadable";
  else if (!event)
    buildError = "the stored event body is unreadable: " + event.error();
  else
    sink = buildSink(*sinkConfig, buildError);
  if (!sink) {
    // Retrying cannot help: fail the row so the next one for this (sink, server) can proceed.
    result = AttemptResult::permanent(buildError);
  } else {
    Delivery delivery{std::move(*event), row.body,
                      row.severity ? parseSeverity(*row.severity) : std::nullopt};
    // An attempt that was started but whose outcome was never recorded (mcpwatch died while
    // sending, or the database refused the outcome) may have reached the receiver: resend it
    // (at-least-once), marked for people where the receiver cannot drop the repeat itself.
    if (row.attemptStartedAt) {
      if (sink->receiverDedupes()) {
        common::logRecord(spdlog::level::info,
                          "resending: an earlier attempt's outcome was never recorded; the "
                          "receiver drops the repeat if that one arrived",
                          rowFields(row));
      } else {
        markPossibleRepeat(delivery.event);
        delivery.body = toJson(delivery.event).dump();
        common::logRecord(spdlog::level::warn,
                          "resending marked as a possible repeat: an earlier attempt's outcome "
                          "was never recorded and this receiver cannot drop repeats",
                          rowFields(row));
      }
    }
    // Durably marked before the request leaves, so a crash from here on is known as "in doubt".
    // The fsync runs on the store's writer thread: other deliveries go on meanwhile.
    std::vector<store::WriteOp> mark;
    mark.push_back(outbox::markAttemptStarted(row.id, started));
    auto marked = co_await store::commitAwaitable(store, std::move(mark));
    if (!marked)
      common::logRecord(spdlog::level::err, "marking the attempt as started failed",
                        {{"event", row.eventId}, {"sink", row.sink}, {"error", marked.error()}});
    result = co_await sink->deliver(std::move(delivery));
  }
  const auto now = clock.now();
  const auto outcome = result.outcome;
  const auto first = row.firstAttemptAt.value_or(started);
  const int attempts = row.attempts + 1;
  const auto step =
      nextStep(policyOf(*configCopy()), outcome, attempts, first, now, result.retryAfter);
  RowState state = RowState::Pending;
  common::WallTime next = row.nextAttemptAt;
  std::optional<common::WallTime> doneAt = now;
  switch (step.kind) {
  case NextKind::Delivered:
    state = RowState::Delivered;
    common::logRecord(spdlog::level::info, "event delivered",
                      rowFields(row, {{"attempt", attempts}, {"answer", describeAnswer(result)}}));
    break;
  case NextKind::RetryAt:
    next = step.at;
    doneAt.reset();
    common::logRecord(spdlog::level::warn, "event delivery failed; retrying",
                      rowFields(row, {{"attempt", attempts},
                                      {"error", result.error},
                                      {"retry_at", common::formatRfc3339Millis(step.at)}}));
    break;
  case NextKind::Permanent:
    state = RowState::Failed;
    common::logRecord(spdlog::level::err,
                      outcome == AttemptOutcome::Revoked
                          ? "event not delivered: the destination is revoked"
                          : "event refused permanently",
                      rowFields(row, {{"attempt", attempts}, {"error", result.error}}));
    break;
  case NextKind::DeadLetter:
    state = RowState::Dead;
    common::logRecord(spdlog::level::err, "event dead-lettered: gave up",
                      rowFields(row, {{"attempts", attempts},
                                      {"first_attempt", common::formatRfc3339(first)},
                                      {"error", result.error}}));
    break;
  }
  std::vector<store::WriteOp> record;
  record.push_back(outbox::updateAfterAttempt(row.id, state, attempts, first, next, result.status,
                                              result.error, doneAt));
  auto committed = co_await store::commitAwaitable(store, std::move(record));
  count(row.sink, toString(step.kind)); // once the outcome is recorded (or failed to be)
  if (!committed) {
    common::logRecord(spdlog::level::err, "recording the delivery outcome failed",
                      {{"event", row.eventId}, {"sink", row.sink}, {"error", committed.error()}});
    // Hold the pair back a little so a broken disk does not turn into a resend storm.
    asio::steady_timer pause(strand, std::chrono::seconds(1));
    boost::system::error_code ec;
    co_await pause.async_wait(redirect_error(use_awaitable, ec));
  }
  inFlight.erase({row.sink, row.slug});
  --perSink[row.sink];
  --total;
  dirty = true;
  wake.cancel();
}

Alerting::Alerting(asio::any_io_executor executor, const config::Config& config,
                   store::Store& store, common::Clock& clock, SinkFactory factory)
    : Alerting(std::move(executor), std::make_shared<const config::Config>(config), store, clock,
               std::move(factory)) {}

Alerting::Alerting(asio::any_io_executor executor, std::shared_ptr<const config::Config> config,
                   store::Store& store, common::Clock& clock, SinkFactory factory)
    : state_(std::make_shared<State>(std::move(executor), std::move(config), store, clock,
                                     std::move(factory))) {}

Alerting::~Alerting() {
  stop();
}

std::vector<std::string> Alerting::checkSinks(const config::Config& config,
                                              const SinkFactory& factory) {
  std::vector<std::string> errors;
  for (const auto& [name, sink] : config.sinks)
    if (!factory.count(sink.type()))
      errors.push_back(
          fmt::format("sinks.{}: type '{}' is not available in this build", name, sink.type()));
  return errors;
}

common::Expected<std::vector<store::WriteOp>, std::string> Alerting::prepare(const Event& event) {
  auto& s = *state_;
  const auto now = s.clock.now();
  const std::string body = toJson(event).dump();
  const std::string type(toString(event.type));
  auto makeRow = [&](std::string sink, std::string settings, std::optional<std::string> severity) {
    OutboxRow row;
    row.eventId = event.id;
    row.eventType = type;
    row.incidentId = event.incidentId;
    row.slug = event.slug;
    row.sink = std::move(sink);
    row.sinkSettings = std::move(settings);
    row.severity = std::move(severity);
    row.body = body;
    row.createdAt = now;
    row.nextAttemptAt = now;
    return row;
  };
  std::vector<OutboxRow> rows;
  std::vector<store::WriteOp> ops;
  if (event.type == EventType::Resolved) {
    auto sinks = outbox::incidentSinks(s.store, event.incidentId);
    if (!sinks)
      return common::unexpected("alerting: reading the sinks of incident " + event.incidentId +
                                ": " + sinks.error());
    if (sinks->empty())
      common::logRecord(spdlog::level::info, "nothing to resolve: the trigger went to no sink",
                        {{"type", type}, {"incident", event.incidentId}, {"server", event.slug}});
    for (auto& sink : sinks.value())
      rows.push_back(makeRow(sink.sink, sink.sinkSettings, sink.severity));
  } else {
    const auto shared = s.configCopy();
    const auto& config = *shared;
    std::vector<IncidentSink> told;
    for (const auto& target : routeEvent(config, event.type, event.slug, event.tags)) {
      const auto* sink = config.findSink(target.sink);
      auto settings = saveSinkSettings(s.factory, *sink).dump();
      told.push_back({target.sink, settings, severityText(target.severity)});
      rows.push_back(makeRow(target.sink, std::move(settings), severityText(target.severity)));
    }
    if (event.type == EventType::Triggered && !event.incidentId.empty())
      ops.push_back(outbox::recordIncidentSinks(event.incidentId, std::move(told), now));
    if (rows.empty())
      common::logRecord(spdlog::level::info, "event matched no route",
                        {{"type", type}, {"event", event.id}, {"server", event.slug}});
  }
  if (rows.empty() && ops.empty())
    return ops;
  ops.push_back(outbox::insertRows(std::move(rows)));
  return ops;
}

void Alerting::notifyCommitted() {
  state_->poke();
}

Awaitable<void> Alerting::run() {
  auto self = state_;
  co_await asio::co_spawn(self->strand, self->loop(), use_awaitable);
}

void Alerting::reload(const config::Config& config) {
  reload(std::make_shared<const config::Config>(config));
}

void Alerting::reload(std::shared_ptr<const config::Config> config) {
  {
    std::lock_guard lock(state_->mu);
    state_->config = std::move(config);
  }
  // New reminder intervals are planned at once, not at the time the old ones asked for.
  asio::post(state_->strand, [self = state_] {
    ++self->reminderGeneration;
    self->nextReminderCheck.reset();
    self->dirty = true;
    self->wake.cancel();
  });
}

void Alerting::stop() {
  asio::post(state_->strand, [self = state_] {
    self->stopping = true;
    self->wake.cancel();
  });
}

AlertingStats Alerting::stats() const {
  AlertingStats out;
  const auto shared = state_->configCopy();
  const auto& config = *shared;
  for (const auto& [name, sink] : config.sinks)
    out.sinks[name];
  if (auto counts = outbox::countsBySink(state_->store)) {
    for (const auto& [name, c] : counts.value()) {
      auto& s = out.sinks[name];
      s.pending = c.pending;
      s.dead = c.dead;
      s.failed = c.failed;
    }
  } else {
    common::logRecord(spdlog::level::err, "reading outbox counts failed",
                      {{"error", counts.error()}});
  }
  std::lock_guard lock(state_->mu);
  for (const auto& [name, byOutcome] : state_->counters)
    out.sinks[name].attempts = byOutcome;
  return out;
}

namespace {

Event testEvent(EventType type, const std::string& eventId, const std::string& incidentId,
                const config::ServerConfig& server, const std::string& publicUrl,
                common::WallTime now) {
  const bool resolved = type == EventType::Resolved;
  Event e;
  e.type = type;
  e.id = eventId;
  e.occurredAt = common::formatRfc3339(now);
  e.incidentId = incidentId;
  e.slug = server.slug;
  e.name = server.name;
  e.checkUrl = server.url;
  e.tags = server.tags;
  e.reason = "test";
  e.detail = "test alert sent by mcpwatch test-alert; no action needed";
  e.summary = "test alert";
  e.consecutiveFailures = resolved ? 0 : 1;
  e.downSince = e.occurredAt;
  if (resolved)
    e.durationSeconds = 0;
  e.statusUrl = publicUrl + "/status/" + server.slug;
  e.description = server.description;
  e.owner = server.owner;
  e.runbookUrl = server.runbookUrl;
  for (const auto& link : server.links)
    e.links.push_back({link.name, link.url});
  e.test = true;
  return e;
}

} // namespace

Awaitable<common::Expected<std::vector<TestAlertResult>, std::string>>
Alerting::testAlert(std::optional<std::string> serverSlug, std::optional<std::string> sinkName) {
  auto self = state_;
  co_await asio::post(self->strand, use_awaitable);
  const auto shared = self->configCopy();
  const auto& config = *shared;
  config::ServerConfig server;
  if (serverSlug) {
    const auto* found = config.findServer(*serverSlug);
    if (!found)
      co_return common::unexpected("no server '" + *serverSlug + "' in the config");
    server = *found;
  } else {
    server.slug = "mcpwatch-test";
    server.name = "mcpwatch test alert";
    server.url = config.web.publicUrl;
  }
  std::vector<config::RouteTarget> targets;
  if (serverSlug)
    targets = routeEvent(config, EventType::Triggered, server.slug, server.tags);
  else
    for (const auto& [name, sink] : config.sinks)
      targets.push_back({name, std::nullopt});
  if (sinkName) {
    if (!config.findSink(*sinkName))
      co_return common::unexpected("no sink '" + *sinkName + "' in the config");
    std::optional<config::Severity> severity;
    for (const auto& t : targets)
      if (t.sink == *sinkName)
        severity = t.severity;
    targets = {{*sinkName, severity}};
  }
  if (targets.empty())
    co_return common::unexpected(serverSlug ? "no route sends alerts for '" + *serverSlug + "'"
                                            : std::string("the config has no sinks"));
  const auto suffix = common::randomHex(8);
  const std::string incidentId = "inc_test_" + suffix;
  std::vector<TestAlertResult> results;
  for (const auto& target : targets) {
    TestAlertResult r;
    r.sink = target.sink;
    std::string error;
    auto sink = self->buildSink(*config.findSink(target.sink), error);
    if (!sink) {
      r.trigger.error = error;
      results.push_back(std::move(r));
      continue;
    }
    for (auto type : {EventType::Triggered, EventType::Resolved}) {
      const auto eventId =
          fmt::format("evt_test_{}_{}", suffix, type == EventType::Triggered ? "t" : "r");
      auto event =
          testEvent(type, eventId, incidentId, server, config.web.publicUrl, self->clock.now());
      auto body = toJson(event).dump();
      // A named argument: g++ 12 destroys a braced temporary coroutine argument twice.
      Delivery delivery{std::move(event), std::move(body), target.severity};
      auto result = co_await sink->deliver(std::move(delivery));
      if (type == EventType::Triggered) {
        r.trigger = std::move(result);
        if (r.trigger.outcome != AttemptOutcome::Delivered)
          break;
      } else {
        r.resolve = std::move(result);
      }
    }
    results.push_back(std::move(r));
  }
  co_return results;
}

} // namespace mcpwatch::alerting
