// The note a resend to a chat or mail sink carries when an earlier attempt may have arrived.
#include "alerting/alerting.hpp"
#include "alerting/webhook_sink.hpp"
#include "common/json.hpp"

#include <gtest/gtest.h>

namespace mcpwatch::alerting {
namespace {

TEST(PossibleRepeat, PutsTheNoteFirstAndKeepsTheEventsOwnNote) {
  auto marked = common::parseJson(
      markPossibleRepeat(R"({"id":"evt_1","note":"trigger delayed by maintenance"})"));
  ASSERT_TRUE(marked);
  EXPECT_EQ(marked->value("id", ""), "evt_1");
  EXPECT_EQ(marked->value("note", ""),
            std::string(kPossibleRepeatNote) + " trigger delayed by maintenance");
  auto plain = common::parseJson(markPossibleRepeat(R"({"id":"evt_2"})"));
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->value("note", ""), kPossibleRepeatNote);
}

TEST(PossibleRepeat, LeavesABodyThatIsNotAJsonObjectAlone) {
  EXPECT_EQ(markPossibleRepeat("not json"), "not json");
  EXPECT_EQ(markPossibleRepeat("[1,2]"), "[1,2]");
}

TEST(PossibleRepeat, OnlyReceiversThatDropRepeatsSayTheyDo) {
  config::WebhookSinkConfig cfg;
  cfg.url = "http://127.0.0.1:9/hook";
  asio::io_context io;
  SinkContext ctx;
  ctx.executor = io.get_executor();
  WebhookSink webhook(cfg, ctx);
  EXPECT_TRUE(webhook.receiverDedupes()) << "Standard Webhooks receivers dedupe by webhook-id";
}

} // namespace
} // namespace mcpwatch::alerting
