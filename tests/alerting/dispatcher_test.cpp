// The dispatcher against the strict fakes with a compressed schedule: ordering, retries,
// permanent failures, Retry-After, dead letters, sink independence, config changes, restarts,
// and reminders (trigger -> reminders -> resolve, none after it, no burst after a gap).
// Time is a FakeClock: retries happen when a test moves it, and retry times are asserted exactly
// on the stored rows, so a slow machine (a sanitizer build) cannot change the outcome.
#include "alerting/alerting.hpp"
#include "alerting/webhook_sink.hpp"
#include "common/time.hpp"
#include "pagerduty/pagerduty_sink.hpp"
#include "tests/fakes/fake_pagerduty.hpp"
#include "tests/fakes/publish.hpp"
#include "alerting/webhook_config.hpp"
#include "pagerduty/pagerduty_config.hpp"

#include <filesystem>
#include <gtest/gtest.h>
#include <set>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <sstream>

namespace mcpwatch::alerting {
namespace {

using namespace std::chrono_literals;

const std::string kKeyA = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const std::string kKeyB = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
const std::string kHookSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

SinkFactory factory() {
  return {{"webhook", webhookSinkKind()}, {"pagerduty", pagerduty::pagerDutySinkKind()}};
}

Event event(std::string type, std::string id, std::string incident,
            std::string slug = "github-mcp") {
  Event e;
  e.type = *parseEventType(type);
  e.id = id;
  e.occurredAt = "2026-11-24T02:03:04Z";
  e.incidentId = incident;
  e.slug = slug;
  e.name = "GitHub MCP";
  e.checkUrl = "https://api.example.com/mcp";
  e.tags = {"thirdparty"};
  e.reason = "connect_timeout";
  e.detail = "no answer in 10s";
  e.statusUrl = "https://status.example.com/status/" + slug;
  return e;
}

Awaitable<void> runAlerting(Alerting* alerting, bool* done) {
  co_await alerting->run();
  *done = true;
}

class Dispatcher : public ::testing::Test {
protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("mcpwatch-alerting-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    openStore();
    config_.alerting.retrySchedule = {100ms, 200ms};
    config_.alerting.giveUpAfter = 3s;
    config_.web.publicUrl = "https://status.example.com";
    setPagerDutyKey(kKeyA);
    alerting::WebhookSinkConfig hook;
    hook.url = hook_.url();
    hook.secret = common::Secret(kHookSecret);
    hook.timeout = 2s;
    config_.sinks["hook"] = {"hook", hook};
    config::RouteConfig all;
    all.sinks = {"pd", "hook"};
    config_.routes = {all};
  }
  void TearDown() override {
    stopAlerting();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  void openStore() {
    auto opened = store::Store::open((dir_ / "db.sqlite").string());
    ASSERT_TRUE(opened) << opened.error();
    store_ = std::move(opened.value());
  }
  void setPagerDutyKey(const std::string& key) {
    pagerduty::PagerDutySinkConfig pd;
    pd.routingKey = common::Secret(key);
    pd.eventsUrl = pd_.eventsUrl();
    pd.timeout = 2s;
    config_.sinks["pd"] = {"pd", pd};
  }
  void startAlerting() {
    runDone_ = false;
    alerting_ =
        std::make_unique<Alerting>(ioc_.get_executor(), config_, *store_, clock_, factory());
    asio::co_spawn(ioc_, runAlerting(alerting_.get(), &runDone_), asio::detached);
  }
  void stopAlerting() {
    if (!alerting_)
      return;
    alerting_->stop();
    ASSERT_TRUE(pump([&] { return runDone_; }, 10s));
    alerting_.reset();
  }
  // Runs the loop until `done` holds; false at the deadline (real time: it only bounds a
  // failing test, nothing waits for it).
  template <class F> bool pump(F done, std::chrono::milliseconds timeout = 20s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!done()) {
      if (std::chrono::steady_clock::now() > deadline)
        return false;
      ioc_.run_for(5ms);
    }
    return true;
  }
  // Moves the fake clock. The dispatcher sleeps on a real timer until the next row is due by its
  // clock, so it is nudged to look at the outbox again.
  void advance(std::chrono::milliseconds d) {
    clock_.advance(d);
    alerting_->notifyCommitted();
  }
  // Attempts of `sink` that ended with `outcome` ("retry", "delivered", ...). A test waits for
  // these, not for the receiver's request, before moving the clock: the retry time is computed
  // from the clock when the attempt ends.
  std::uint64_t attempts(const std::string& sink, const std::string& outcome) {
    return alerting_->stats().sinks[sink].attempts[outcome];
  }
  // When the row of (event, sink) is due next, as stored.
  common::WallTime nextAttemptAt(const std::string& eventId, const std::string& sink) {
    auto rows = outbox::allRows(*store_);
    EXPECT_TRUE(rows);
    if (rows)
      for (const auto& row : rows.value())
        if (row.eventId == eventId && row.sink == sink)
          return row.nextAttemptAt;
    ADD_FAILURE() << "no outbox row for " << eventId << " to " << sink;
    return {};
  }
  void publish(const Event& e) {
    auto r = test::publishEvent(*alerting_, *store_, e);
    ASSERT_TRUE(r) << r.error();
  }
  std::vector<std::string> pdActions() const {
    std::vector<std::string> out;
    for (const auto& e : pd_.acceptedEvents())
      out.push_back(e.value("event_action", ""));
    return out;
  }
  std::vector<std::string> hookTypes() const {
    std::vector<std::string> out;
    for (const auto& d : hook_.deliveries())
      out.push_back(common::parseJson(d.body)->value("type", ""));
    return out;
  }
  std::vector<std::string> hookIds() const {
    std::vector<std::string> out;
    for (const auto& d : hook_.deliveries())
      out.push_back(d.id);
    return out;
  }
  // An open incident of github-mcp whose trigger the detector released, as the daemon writes it.
  void openIncident(const std::string& id, common::WallTime openedAt) {
    auto r =
        store_->commitNow({store::IncidentRecord{id, "github-mcp", openedAt, std::nullopt,
                                                 "connect_timeout", "no answer in 10s", true, ""}});
    ASSERT_TRUE(r) << r.error();
  }
  // Closes the incident and writes its resolve in one transaction, as the daemon does.
  void resolveIncident(const std::string& incident, const std::string& eventId) {
    auto ops = alerting_->prepare(event("alert.resolved", eventId, incident));
    ASSERT_TRUE(ops) << ops.error();
    ops->insert(ops->begin(), store::CloseIncident{incident, clock_.now(), ""});
    auto r = store_->commitNow(std::move(ops.value()));
    ASSERT_TRUE(r) << r.error();
    alerting_->notifyCommitted();
  }
  std::optional<OutboxRow> row(const std::string& eventId, const std::string& sink) {
    auto rows = outbox::allRows(*store_);
    EXPECT_TRUE(rows);
    if (rows)
      for (const auto& r : rows.value())
        if (r.eventId == eventId && r.sink == sink)
          return r;
    return std::nullopt;
  }
  std::size_t rowsOfType(std::string_view type) {
    std::size_t n = 0;
    if (auto rows = outbox::allRows(*store_))
      for (const auto& r : rows.value())
        n += r.eventType == type;
    return n;
  }
  void setHookReminders(std::optional<std::chrono::milliseconds> interval) {
    config_.sinks["hook"].reminderInterval = interval;
  }

  // Reminders every 30 min on the webhook: opens inc_1 at the returned time and delivers its
  // trigger.
  common::WallTime deliverATriggerWithReminders() {
    setHookReminders(std::chrono::minutes(30));
    const auto t0 = clock_.now();
    openIncident("inc_1", t0);
    startAlerting();
    publish(event("alert.triggered", "evt_1", "inc_1"));
    EXPECT_TRUE(pump([&] { return attempts("hook", "delivered") == 1; }));
    return t0;
  }

  // The same with retries an hour apart, and the first reminder (evt_rem_1_1800) failing once
  // with a 503, so it waits for its retry at +90 min.
  common::WallTime triggerThenFailTheFirstReminder() {
    config_.alerting.retrySchedule = {std::chrono::hours(1)};
    config_.alerting.giveUpAfter = std::chrono::hours(24);
    const auto t0 = deliverATriggerWithReminders();
    hook_.failNext(1, 503);
    advance(std::chrono::minutes(30));
    EXPECT_TRUE(pump([&] { return attempts("hook", "retry") == 1; }));
    return t0;
  }

  std::filesystem::path dir_;
  asio::io_context ioc_;
  common::FakeClock clock_;
  std::unique_ptr<store::Store> store_;
  fakes::FakePagerDuty pd_{ioc_.get_executor()};
  fakes::FakeWebhookReceiver hook_{ioc_.get_executor(), kHookSecret};
  config::Config config_;
  std::unique_ptr<Alerting> alerting_;
  bool runDone_ = false;
};

using Strings = std::vector<std::string>;

TEST_F(Dispatcher, TriggerAndResolveInOrderThroughServerErrors) {
  pd_.failNext(2, 500);
  const auto t0 = clock_.now();
  startAlerting();
  publish(event("alert.triggered", "evt_1", "inc_1"));
  publish(event("alert.resolved", "evt_2", "inc_1"));
  // The webhook is not held up by PagerDuty's errors; PagerDuty's trigger waits 100 ms, then
  // 200 ms (the schedule), and its resolve waits behind it.
  ASSERT_TRUE(pump([&] { return attempts("pd", "retry") == 1 && hook_.deliveries().size() == 2; }));
  EXPECT_EQ(nextAttemptAt("evt_1", "pd"), t0 + 100ms);
  advance(100ms);
  ASSERT_TRUE(pump([&] { return attempts("pd", "retry") == 2; }));
  EXPECT_EQ(nextAttemptAt("evt_1", "pd"), t0 + 300ms);
  advance(200ms);
  // Recorded as delivered (the fakes see a request before the dispatcher records its outcome).
  ASSERT_TRUE(
      pump([&] { return attempts("pd", "delivered") == 2 && attempts("hook", "delivered") == 2; }));
  EXPECT_EQ(pdActions(), (Strings{"trigger", "resolve"}));
  EXPECT_EQ(hookTypes(), (Strings{"alert.triggered", "alert.resolved"}));
  // The resolve waited behind the trigger: PD saw 500, 500, trigger, resolve.
  auto requests = pd_.requests();
  ASSERT_EQ(requests.size(), 4u);
  EXPECT_EQ(requests[0].answered, 500);
  EXPECT_EQ(common::parseJson(requests[1].body)->value("event_action", ""), "trigger");
  EXPECT_EQ(pd_.acceptedEvents()[0].value("dedup_key", ""), "mcpwatch-github-mcp");
  EXPECT_EQ(pd_.acceptedEvents()[1].value("dedup_key", ""), "mcpwatch-github-mcp");
  // The webhook got the exact body, with the event id as webhook-id.
  EXPECT_EQ(hook_.deliveries()[0].id, "evt_1");
  EXPECT_EQ(hook_.deliveries()[0].body, toJson(event("alert.triggered", "evt_1", "inc_1")).dump());
  EXPECT_EQ(hook_.badSignatures(), 0u);
  auto stats = alerting_->stats();
  EXPECT_EQ(stats.sinks["pd"].pending, 0);
  EXPECT_EQ(stats.sinks["pd"].attempts["retry"], 2u);
  EXPECT_EQ(stats.sinks["pd"].attempts["delivered"], 2u);
  // Publishing the same event again delivers nothing new.
  publish(event("alert.triggered", "evt_1", "inc_1"));
  EXPECT_FALSE(pump([&] { return pd_.requests().size() > 4; }, 300ms));
}

TEST_F(Dispatcher, PermanentFailureIsNotRetriedAndUnblocksTheNextRow) {
  hook_.failNext(1, 400);
  startAlerting();
  publish(event("alert.triggered", "evt_1", "inc_1"));
  publish(event("alert.resolved", "evt_2", "inc_1"));
  ASSERT_TRUE(
      pump([&] { return hook_.deliveries().size() == 1 && pd_.acceptedEvents().size() == 2; }));
  // Past every retry time and the give-up deadline: the refused trigger is never sent again.
  advance(5s);
  EXPECT_FALSE(pump([&] { return hook_.requestCount() > 2; }, 400ms));
  EXPECT_EQ(hookTypes(), (Strings{"alert.resolved"}));
  auto stats = alerting_->stats();
  EXPECT_EQ(stats.sinks["hook"].failed, 1);
  EXPECT_EQ(stats.sinks["hook"].attempts["failed"], 1u);
}

TEST_F(Dispatcher, AnUnreadableStoredBodyFailsWithoutASendAndUnblocksTheNextRow) {
  startAlerting();
  const auto settings = saveSinkSettings(factory(), *config_.findSink("hook")).dump();
  std::vector<OutboxRow> rows;
  for (const auto& [id, body] :
       {std::pair<std::string, std::string>{"evt_1", "{not json"},
        {"evt_2",
         R"({"id":"evt_2","type":"alert.triggered","server_slug":"github-mcp","server_tags":[1]})"},
        {"evt_3", toJson(event("alert.triggered", "evt_3", "inc_1")).dump()}}) {
    OutboxRow r;
    r.eventId = id;
    r.eventType = "alert.triggered";
    r.incidentId = "inc_1";
    r.slug = "github-mcp";
    r.sink = "hook";
    r.sinkSettings = settings;
    r.body = body;
    r.createdAt = r.nextAttemptAt = clock_.now();
    rows.push_back(std::move(r));
  }
  ASSERT_TRUE(store_->commitNow({outbox::insertRows(std::move(rows))}));
  alerting_->notifyCommitted();
  ASSERT_TRUE(pump([&] { return hook_.deliveries().size() == 1; }));
  EXPECT_EQ(hookIds(), (Strings{"evt_3"})) << "only the readable event is sent";
  EXPECT_EQ(hook_.requestCount(), 1u);
  auto failed = outbox::rowsInState(*store_, RowState::Failed, 10);
  ASSERT_TRUE(failed);
  ASSERT_EQ(failed->size(), 2u);
  std::set<std::string> errors;
  for (const auto& row : *failed)
    errors.insert(row.lastError);
  EXPECT_EQ(errors, (std::set<std::string>{
                        "the stored event body is unreadable: event body is not a JSON object",
                        "the stored event body is unreadable: event body: server_tags must hold "
                        "strings"}));
}

TEST_F(Dispatcher, PagerDutyBadRequestIsPermanentAndLoggedWithoutTheKey) {
  // A 31-character key: the fake answers PagerDuty's real 400.
  setPagerDutyKey(std::string(31, 'z'));
  std::ostringstream log;
  auto logSink = std::make_shared<spdlog::sinks::ostream_sink_mt>(log);
  auto previous = spdlog::default_logger();
  spdlog::set_default_logger(std::make_shared<spdlog::logger>("capture", logSink));
  startAlerting();
  publish(event("alert.triggered", "evt_1", "inc_1"));
  const bool done =
      pump([&] { return pd_.requests().size() == 1 && hook_.deliveries().size() == 1; });
  stopAlerting();
  spdlog::set_default_logger(previous);
  ASSERT_TRUE(done);
  EXPECT_EQ(pd_.requests()[0].answered, 400);
  const auto text = log.str();
  EXPECT_NE(text.find("Length of 'routing_key' is incorrect"), std::string::npos) << text;
  EXPECT_EQ(text.find(std::string(31, 'z')), std::string::npos) << text;
  EXPECT_EQ(text.find(kHookSecret), std::string::npos) << text;
  EXPECT_EQ(pd_.requests().size(), 1u);
}

TEST_F(Dispatcher, RetryAfterIsHonoured) {
  pd_.failNext(1, 429, "1");
  const auto t0 = clock_.now();
  startAlerting();
  publish(event("alert.triggered", "evt_1", "inc_1"));
  ASSERT_TRUE(pump([&] { return attempts("pd", "retry") == 1; }));
  // The schedule alone would retry after 100 ms.
  EXPECT_EQ(nextAttemptAt("evt_1", "pd"), t0 + 1s);
  advance(999ms);
  EXPECT_FALSE(pump([&] { return pd_.requests().size() > 1; }, 200ms));
  advance(1ms);
  ASSERT_TRUE(pump([&] { return pd_.acceptedEvents().size() == 1; }));
  EXPECT_EQ(pd_.requests().size(), 2u);
}

TEST_F(Dispatcher, GivesUpIntoTheDeadLetterAndCountsIt) {
  config_.alerting.giveUpAfter = 500ms;
  pd_.failNext(1000, 503);
  startAlerting();
  publish(event("alert.triggered", "evt_1", "inc_1"));
  // Attempts at 0, 100, 300 and 500 ms; the next one (700 ms) would pass the deadline.
  ASSERT_TRUE(pump([&] { return attempts("pd", "retry") == 1; }));
  advance(100ms);
  ASSERT_TRUE(pump([&] { return attempts("pd", "retry") == 2; }));
  advance(200ms);
  ASSERT_TRUE(pump([&] { return attempts("pd", "retry") == 3; }));
  EXPECT_EQ(alerting_->stats().sinks["pd"].dead, 0);
  advance(200ms);
  // The row is dead once its outcome commits; the count follows when the attempt resumes.
  ASSERT_TRUE(pump(
      [&] { return alerting_->stats().sinks["pd"].dead == 1 && attempts("pd", "dead") == 1; }));
  auto stats = alerting_->stats();
  EXPECT_EQ(stats.sinks["pd"].pending, 0);
  EXPECT_EQ(stats.sinks["pd"].attempts["dead"], 1u);
  EXPECT_EQ(stats.sinks["pd"].attempts["retry"], 3u);
  EXPECT_EQ(pd_.requests().size(), 4u);
  EXPECT_TRUE(pd_.acceptedEvents().empty());
}

TEST_F(Dispatcher, OneSinkDownDoesNotDelayAnother) {
  hook_.failNext(1000, 500);
  startAlerting();
  publish(event("alert.triggered", "evt_1", "inc_1"));
  publish(event("alert.resolved", "evt_2", "inc_1"));
  // The clock never moves: PagerDuty gets both without waiting for any of the hook's retries.
  ASSERT_TRUE(
      pump([&] { return attempts("pd", "delivered") == 2 && attempts("hook", "retry") == 1; }));
  EXPECT_EQ(pdActions(), (Strings{"trigger", "resolve"}));
  EXPECT_TRUE(hook_.deliveries().empty());
  EXPECT_EQ(hook_.requestCount(), 1u);
  EXPECT_EQ(alerting_->stats().sinks["hook"].pending, 2);
}

TEST_F(Dispatcher, ResolveFollowsTheTriggerRoutingKeyAfterAConfigChange) {
  startAlerting();
  publish(event("alert.triggered", "evt_1", "inc_1"));
  ASSERT_TRUE(pump([&] { return pd_.acceptedEvents().size() == 1; }));
  // New key, and routes that no longer send this server anywhere.
  setPagerDutyKey(kKeyB);
  config_.routes.clear();
  alerting_->reload(config_);
  publish(event("alert.resolved", "evt_2", "inc_1"));
  ASSERT_TRUE(
      pump([&] { return pd_.acceptedEvents().size() == 2 && hook_.deliveries().size() == 2; }));
  EXPECT_EQ(pd_.acceptedEvents()[1].value("event_action", ""), "resolve");
  EXPECT_EQ(pd_.acceptedEvents()[1].value("routing_key", ""), kKeyA);
  // A new trigger matches no route now.
  publish(event("alert.triggered", "evt_3", "inc_2"));
  EXPECT_FALSE(pump([&] { return pd_.requests().size() > 2; }, 300ms));
}

TEST_F(Dispatcher, SchemaDriftGoesToChangeEventsOnlyWhenEnabled) {
  startAlerting();
  publish(event("schema.drifted", "evt_1", ""));
  ASSERT_TRUE(pump([&] { return hook_.deliveries().size() == 1; }));
  EXPECT_FALSE(pump([&] { return !pd_.requests().empty(); }, 200ms));
  auto pd = config_.sinks["pd"].settings.as<pagerduty::PagerDutySinkConfig>();
  pd.changeEvents = true;
  config_.sinks["pd"].settings = pd;
  alerting_->reload(config_);
  publish(event("schema.drifted", "evt_2", ""));
  ASSERT_TRUE(pump([&] { return pd_.acceptedChanges().size() == 1; }));
  EXPECT_TRUE(pd_.acceptedEvents().empty());
}

TEST_F(Dispatcher, RestartResumesPendingDeliveriesOnce) {
  pd_.failNext(1, 500);
  config_.alerting.retrySchedule = {700ms};
  startAlerting();
  publish(event("alert.triggered", "evt_1", "inc_1"));
  ASSERT_TRUE(pump([&] { return pd_.requests().size() == 1 && hook_.deliveries().size() == 1; }));
  stopAlerting();
  // A new process on the same database.
  store_.reset();
  openStore();
  startAlerting();
  publish(event("alert.resolved", "evt_2", "inc_1"));
  // The webhook's resolve goes at once; PagerDuty's trigger keeps its stored retry time.
  ASSERT_TRUE(pump([&] { return hook_.deliveries().size() == 2; }));
  EXPECT_EQ(pd_.requests().size(), 1u);
  advance(700ms);
  ASSERT_TRUE(
      pump([&] { return attempts("pd", "delivered") == 2 && attempts("hook", "delivered") == 1; }));
  EXPECT_EQ(pdActions(), (Strings{"trigger", "resolve"}));
  EXPECT_EQ(hookTypes(), (Strings{"alert.triggered", "alert.resolved"}));
  EXPECT_FALSE(pump([&] { return pd_.requests().size() > 3 || hook_.requestCount() > 2; }, 300ms));
  auto rows = outbox::allRows(*store_);
  ASSERT_TRUE(rows);
  for (const auto& row : rows.value())
    EXPECT_EQ(row.state, RowState::Delivered) << row.eventId << " " << row.sink;
}

TEST_F(Dispatcher, TestAlertSendsTriggerAndResolveOnce) {
  startAlerting();
  auto done = false;
  common::Expected<std::vector<TestAlertResult>, std::string> result =
      common::unexpected(std::string("not run"));
  asio::co_spawn(
      ioc_,
      [](Alerting* a, bool* d, decltype(result)* out) -> Awaitable<void> {
        *out = co_await a->testAlert(std::nullopt, std::nullopt);
        *d = true;
      }(alerting_.get(), &done, &result),
      asio::detached);
  ASSERT_TRUE(pump([&] { return done; }));
  ASSERT_TRUE(result) << result.error();
  ASSERT_EQ(result->size(), 2u);
  for (const auto& r : *result)
    EXPECT_TRUE(r.ok()) << r.sink << ": " << r.trigger.error;
  ASSERT_EQ(pd_.acceptedEvents().size(), 2u);
  EXPECT_EQ(pd_.acceptedEvents()[0]["payload"].value("summary", "").rfind("[TEST] ", 0), 0u);
  ASSERT_EQ(hook_.deliveries().size(), 2u);
  EXPECT_TRUE(common::parseJson(hook_.deliveries()[0].body)->value("test", false));
  // Nothing went through the outbox.
  EXPECT_TRUE(outbox::allRows(*store_)->empty());
}

TEST_F(Dispatcher, RemindersFollowTheTriggerUntilTheResolveAndNeverAfterIt) {
  setHookReminders(30min);
  const auto t0 = clock_.now();
  openIncident("inc_1", t0);
  startAlerting();
  publish(event("alert.triggered", "evt_1", "inc_1"));
  ASSERT_TRUE(
      pump([&] { return attempts("hook", "delivered") == 1 && attempts("pd", "delivered") == 1; }));
  advance(30min - 1ms);
  EXPECT_FALSE(pump([&] { return hook_.requestCount() > 1; }, 300ms));
  // Exactly one interval after the incident opened.
  advance(1ms);
  ASSERT_TRUE(pump([&] { return attempts("hook", "delivered") == 2; }));
  auto reminder = *common::parseJson(hook_.deliveries()[1].body);
  EXPECT_EQ(hook_.deliveries()[1].id, "evt_rem_1_1800"); // webhook-id: the event id
  EXPECT_EQ(reminder.value("type", ""), "alert.reminder");
  EXPECT_EQ(reminder.value("id", ""), "evt_rem_1_1800");
  EXPECT_EQ(reminder.value("incident_id", ""), "inc_1");
  EXPECT_EQ(reminder.value("occurred_at", ""), common::formatRfc3339(t0 + 30min));
  EXPECT_EQ(reminder.value("duration_seconds", 0), 1800);
  // Everything else is the trigger's.
  auto expected = toJson(event("alert.triggered", "evt_1", "inc_1"));
  for (const std::string key : {"id", "type", "occurred_at", "duration_seconds"}) {
    reminder.erase(key);
    expected.erase(key);
  }
  EXPECT_EQ(reminder, expected);
  EXPECT_EQ(hook_.badSignatures(), 0u);

  advance(30min);
  ASSERT_TRUE(pump([&] { return attempts("hook", "delivered") == 3; }));
  EXPECT_EQ(hookIds(), (Strings{"evt_1", "evt_rem_1_1800", "evt_rem_1_3600"}));
  EXPECT_EQ(common::parseJson(hook_.deliveries()[2].body)->value("duration_seconds", 0), 3600);

  resolveIncident("inc_1", "evt_2");
  ASSERT_TRUE(
      pump([&] { return attempts("hook", "delivered") == 4 && attempts("pd", "delivered") == 2; }));
  advance(2h);
  EXPECT_FALSE(pump([&] { return hook_.requestCount() > 4 || pd_.requests().size() > 2; }, 400ms));
  EXPECT_EQ(hookTypes(),
            (Strings{"alert.triggered", "alert.reminder", "alert.reminder", "alert.resolved"}));
  // PagerDuty has no reminder_interval (and could not have one): trigger and resolve only.
  EXPECT_EQ(pdActions(), (Strings{"trigger", "resolve"}));
  EXPECT_EQ(rowsOfType(toString(EventType::Reminder)), 2u);
}

TEST_F(Dispatcher, AReminderStillQueuedAtTheResolveIsNeverSent) {
  // The reminder failed and waits for its retry an hour later.
  const auto t0 = triggerThenFailTheFirstReminder();
  ASSERT_FALSE(HasFailure());
  ASSERT_EQ(nextAttemptAt("evt_rem_1_1800", "hook"), t0 + 90min);
  resolveIncident("inc_1", "evt_2");
  // The resolve goes now, without waiting for the reminder's retry time, and the reminder never.
  ASSERT_TRUE(pump([&] { return attempts("hook", "delivered") == 2; }));
  EXPECT_EQ(hookTypes(), (Strings{"alert.triggered", "alert.resolved"}));
  auto stale = row("evt_rem_1_1800", "hook");
  ASSERT_TRUE(stale);
  EXPECT_EQ(stale->state, RowState::Failed);
  EXPECT_EQ(stale->attempts, 1);
  EXPECT_EQ(stale->lastError, "not sent: the incident was resolved before this reminder went out");
  advance(2h);
  EXPECT_FALSE(pump([&] { return hook_.requestCount() > 3; }, 400ms));
}

TEST_F(Dispatcher, ASinkThatWasDownGetsOnlyTheNewestReminder) {
  triggerThenFailTheFirstReminder();
  ASSERT_FALSE(HasFailure());
  // The second reminder replaces the first, which still waits for its retry.
  advance(30min);
  ASSERT_TRUE(pump([&] { return attempts("hook", "delivered") == 2; }));
  EXPECT_EQ(hookIds(), (Strings{"evt_1", "evt_rem_1_3600"}));
  auto replaced = row("evt_rem_1_1800", "hook");
  ASSERT_TRUE(replaced);
  EXPECT_EQ(replaced->state, RowState::Failed);
  EXPECT_EQ(replaced->lastError, "not sent: a newer reminder of this incident replaced it");
  advance(2h);
  ASSERT_TRUE(pump([&] { return attempts("hook", "delivered") == 3; }));
  // Only the latest due point (3h after the incident opened), not the three missed ones.
  EXPECT_EQ(hookIds(), (Strings{"evt_1", "evt_rem_1_3600", "evt_rem_1_10800"}));
}

TEST_F(Dispatcher, AfterAStopOnlyTheLatestReminderIsSentAndARestartRepeatsNothing) {
  deliverATriggerWithReminders();
  ASSERT_FALSE(HasFailure());
  stopAlerting();
  clock_.advance(2h + 5min); // mcpwatch was stopped meanwhile
  startAlerting();
  ASSERT_TRUE(pump([&] { return attempts("hook", "delivered") == 1; }));
  EXPECT_EQ(hookIds(), (Strings{"evt_1", "evt_rem_1_7200"}));
  EXPECT_EQ(common::parseJson(hook_.deliveries()[1].body)->value("duration_seconds", 0),
            2 * 3600 + 5 * 60);
  // A new process on the same database, at the same time: nothing is due again.
  stopAlerting();
  store_.reset();
  openStore();
  startAlerting();
  advance(1min);
  EXPECT_FALSE(pump([&] { return hook_.requestCount() > 2; }, 400ms));
  EXPECT_EQ(rowsOfType(toString(EventType::Reminder)), 1u);
}

TEST_F(Dispatcher, NoRemindersAfterAReloadRemovesTheInterval) {
  deliverATriggerWithReminders();
  ASSERT_FALSE(HasFailure());
  advance(30min);
  ASSERT_TRUE(pump([&] { return attempts("hook", "delivered") == 2; }));
  EXPECT_EQ(hookIds(), (Strings{"evt_1", "evt_rem_1_1800"}));
  // A reload without the interval: no more reminders, and one already queued is not sent.
  hook_.failNext(1, 503);
  advance(30min);
  ASSERT_TRUE(pump([&] { return attempts("hook", "retry") == 1; }));
  setHookReminders(std::nullopt);
  alerting_->reload(config_);
  ASSERT_TRUE(pump([&] {
    auto r = row("evt_rem_1_3600", "hook");
    return r && r->state == RowState::Failed;
  }));
  EXPECT_EQ(row("evt_rem_1_3600", "hook")->lastError,
            "not sent: sinks.hook.reminder_interval was removed");
  advance(3h);
  EXPECT_FALSE(pump([&] { return hook_.requestCount() > 3; }, 400ms));
  EXPECT_EQ(hookIds(), (Strings{"evt_1", "evt_rem_1_1800"}));
  EXPECT_EQ(rowsOfType(toString(EventType::Reminder)), 2u);
}

} // namespace
} // namespace mcpwatch::alerting
