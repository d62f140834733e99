// The note a resend to a chat or mail sink carries when an earlier attempt may have arrived.
#include "alerting/alerting.hpp"
#include "alerting/webhook_sink.hpp"
#include "alerting/webhook_config.hpp"

#include <gtest/gtest.h>

namespace mcpwatch::alerting {
namespace {

TEST(PossibleRepeat, PutsTheNoteFirstAndKeepsTheEventsOwnNote) {
  Event marked;
  marked.id = "evt_1";
  marked.note = "trigger delayed by maintenance";
  markPossibleRepeat(marked);
  EXPECT_EQ(marked.id, "evt_1");
  EXPECT_EQ(marked.note, std::string(kPossibleRepeatNote) + " trigger delayed by maintenance");
  Event plain;
  markPossibleRepeat(plain);
  EXPECT_EQ(plain.note, kPossibleRepeatNote);
  EXPECT_EQ(toJson(plain)["note"], kPossibleRepeatNote) << "the body carries it";
}

TEST(PossibleRepeat, OnlyReceiversThatDropRepeatsSayTheyDo) {
  alerting::WebhookSinkConfig cfg;
  cfg.url = "http://127.0.0.1:9/hook";
  asio::io_context io;
  SinkContext ctx;
  ctx.executor = io.get_executor();
  WebhookSink webhook(cfg, ctx);
  EXPECT_TRUE(webhook.receiverDedupes()) << "Standard Webhooks receivers dedupe by webhook-id";
}

} // namespace
} // namespace mcpwatch::alerting
