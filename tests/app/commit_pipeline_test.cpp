// CommitPipeline without a daemon: groups land in one batch on a real store, in order, with the
// server's current state, and are announced only after they landed.
#include "app/commit_pipeline.hpp"

#include <filesystem>
#include <gtest/gtest.h>
#include <unistd.h>

namespace mcpwatch::app {
namespace {

using namespace std::chrono_literals;

class Recorder final : public EventPublisher {
public:
  std::vector<store::WriteOp> prepare(const alerting::Event& event) override {
    prepared.push_back(event.id);
    return {};
  }
  void committed(const alerting::Event& event) override { announced.push_back(event.id); }
  std::vector<std::string> prepared;
  std::vector<std::string> announced;
};

PendingCommit group(const std::string& slug, const std::string& eventId, const std::string& state) {
  PendingCommit g;
  g.slug = slug;
  g.state = {slug, state, common::WallTime{} + 1000h};
  alerting::Event ev;
  ev.id = eventId;
  ev.slug = slug;
  g.events.push_back(std::move(ev));
  return g;
}

TEST(CommitPipeline, GroupsLandTogetherWithTheCurrentStateAndAreAnnouncedAfterwards) {
  std::string tmpl = (std::filesystem::temp_directory_path() / "mcpwatch-pipe-XXXXXX").string();
  const std::string dir = ::mkdtemp(tmpl.data());
  {
    auto opened = store::Store::open(dir + "/m.db");
    ASSERT_TRUE(opened) << opened.error();
    auto store = std::move(opened.value());
    asio::io_context io;
    common::FakeClock clock;
    Recorder publisher;
    int batches = 0;
    CommitPipeline::Hooks hooks;
    hooks.currentState = [&](const std::string& slug) -> std::optional<store::ServerStateRecord> {
      if (slug == "gone")
        return std::nullopt; // removed meanwhile: the group's own state is written
      return store::ServerStateRecord{slug, R"({"current":true})", clock.now()};
    };
    hooks.retryLater = [] { ADD_FAILURE() << "nothing failed"; };
    hooks.batchDone = [&] { ++batches; };
    CommitPipeline pipeline(io.get_executor(), *store, clock, publisher, {}, hooks);
    pipeline.submit(group("a", "evt_1", R"({"old":1})"));
    pipeline.submit(group("gone", "evt_2", R"({"old":2})"));
    pipeline.submit(group("b", "evt_3", R"({"old":3})"));
    EXPECT_TRUE(publisher.announced.empty()) << "nothing is announced before it landed";
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (publisher.announced.size() < 3 && std::chrono::steady_clock::now() < deadline) {
      io.restart(); // the commit runs on the store's thread: the loop may run out of work
      io.run_for(5ms);
    }
    EXPECT_EQ(publisher.announced, (std::vector<std::string>{"evt_1", "evt_2", "evt_3"}));
    EXPECT_EQ(publisher.prepared, publisher.announced);
    EXPECT_EQ(batches, 1) << "one transaction for the three groups";
    EXPECT_FALSE(pipeline.busy());
    EXPECT_FALSE(pipeline.health().failing);
    EXPECT_EQ(pipeline.drainNow(), 0u) << "nothing left behind";
    auto states = store->loadServerStates();
    ASSERT_TRUE(states) << states.error();
    std::map<std::string, std::string> bySlug;
    for (const auto& s : *states)
      bySlug[s.slug] = s.stateJson;
    EXPECT_EQ(bySlug["a"], R"({"current":true})");
    EXPECT_EQ(bySlug["gone"], R"({"old":2})");
    EXPECT_EQ(bySlug["b"], R"({"current":true})");
  }
  std::filesystem::remove_all(dir);
}

} // namespace
} // namespace mcpwatch::app
