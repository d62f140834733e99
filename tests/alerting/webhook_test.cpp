// Webhook signing against the published Standard Webhooks test vector, and the request headers.
#include "alerting/webhook_sink.hpp"
#include "alerting/webhook_config.hpp"

#include <gtest/gtest.h>

namespace mcpwatch::alerting {
namespace {

TEST(WebhookSigning, StandardWebhooksTestVector) {
  // libraries/go/webhook_test.go TestWebhookSign (standard-webhooks repository).
  const common::Secret secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
  EXPECT_EQ(standardWebhookSignature(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330,
                                     R"({"test": 2432232314})"),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
}

TEST(WebhookSigning, HexSignatureGithubVector) {
  // GitHub's documented X-Hub-Signature-256 example: the same HMAC-SHA256 over the raw body.
  EXPECT_EQ(webhookHexSignature(common::Secret("It's a Secret to Everybody"), "Hello, World!"),
            "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17");
}

TEST(WebhookSigning, PlainSecretIsUsedAsBytes) {
  const common::Secret plain("not-a-whsec");
  const auto a = standardWebhookSignature(plain, "evt_1", 10, "{}");
  EXPECT_EQ(a.substr(0, 3), "v1,");
  EXPECT_NE(a, standardWebhookSignature(common::Secret("other"), "evt_1", 10, "{}"));
  EXPECT_NE(a, standardWebhookSignature(plain, "evt_1", 11, "{}"));
}

TEST(WebhookHeaders, ProtocolHeadersWinOverStaticOnes) {
  alerting::WebhookSinkConfig c;
  c.url = "http://127.0.0.1:1/";
  c.secret = common::Secret("s3cret");
  c.signatureHeader = "X-Hub-Sig";
  c.headers["X-Team"] = common::Secret("sre");
  c.headers["webhook-id"] = common::Secret("spoofed");
  const auto h = webhookHeaders(c, "evt_9", 1700000000, R"({"a":1})");
  EXPECT_EQ(h.get("webhook-id"), "evt_9");
  EXPECT_EQ(h.get("webhook-timestamp"), "1700000000");
  EXPECT_EQ(h.get("content-type"), "application/json");
  EXPECT_EQ(h.get("User-Agent"), "mcpwatch/" MCPWATCH_VERSION);
  EXPECT_EQ(h.get("X-Team"), "sre");
  EXPECT_EQ(h.get("X-Hub-Sig"), webhookHexSignature(*c.secret, R"({"a":1})"));
  EXPECT_EQ(h.get("webhook-signature"),
            standardWebhookSignature(*c.secret, "evt_9", 1700000000, R"({"a":1})"));
  EXPECT_EQ(h.getAll("webhook-id").size(), 1u);
}

} // namespace
} // namespace mcpwatch::alerting
