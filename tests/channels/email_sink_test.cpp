// Tests of the email sink: the pure message builder (subjects, encoded-words, header injection,
// HTML escaping, MIME structure, stable threading ids) and delivery through the real outbox to a
// real SMTP server (nodemailer's smtp-server on loopback): STARTTLS/implicit TLS, AUTH, retries,
// permanent refusals, secrets kept out of logs, and a slow server not blocking the loop.
#include "alerting/webhook_sink.hpp"
#include "channels/email_sink.hpp"
#include "common/crypto.hpp"
#include "common/strings.hpp"
#include "tests/channels/sink_test_support.hpp"
#include "tests/fakes/fake_pagerduty.hpp"
#include "tests/fakes/outbox_harness.hpp"
#include "tests/support/smtp_peer.hpp"
#include "alerting/webhook_config.hpp"
#include "channels/email_config.hpp"

#include <curl/curl.h>
#include <gtest/gtest.h>
#include <sstream>

namespace mcpwatch::channels {
namespace {

using namespace std::chrono_literals;
using fakes::OutboxHarness;
using testsupport::SmtpPeer;
using testsupport::SmtpPeerOptions;
using testsupport::SmtpPeerTls;

// 2026-11-24T02:03:04Z, a Tuesday.
const common::WallTime kNow = common::WallTime{} + std::chrono::seconds(1795485784);

Event eventView(const std::string& type, const std::string& id = "evt_1",
                const std::string& incident = "inc_1") {
  return view(alerting::toJson(OutboxHarness::event(type, id, incident)));
}

channels::EmailSinkConfig mailConfig() {
  channels::EmailSinkConfig c;
  c.host = "127.0.0.1";
  c.tls = channels::SmtpTls::None;
  c.port = 25;
  c.from = "mcpwatch <alerts@example.com>";
  c.to = {"oncall@example.com", "Ops Team <ops@example.org>"};
  c.timeout = 5s;
  return c;
}

// The header section (up to the first empty line), its lines without CRLF.
std::vector<std::string> headerLines(const std::string& rfc822) {
  std::vector<std::string> lines;
  const auto end = rfc822.find("\r\n\r\n");
  for (auto line : common::split(std::string_view(rfc822).substr(0, end + 2), '\n')) {
    if (line.empty())
      continue;
    EXPECT_EQ(line.back(), '\r') << "bare LF in the header section";
    lines.emplace_back(line.substr(0, line.size() - 1));
  }
  return lines;
}

// The unfolded value of the first header `name`.
std::string headerValue(const std::string& rfc822, std::string_view name) {
  const auto lines = headerLines(rfc822);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (!common::iequals(std::string_view(lines[i]).substr(0, name.size()), name) ||
        lines[i].size() <= name.size() || lines[i][name.size()] != ':')
      continue;
    std::string value = lines[i].substr(name.size() + 1);
    for (std::size_t j = i + 1; j < lines.size() && (lines[j][0] == ' ' || lines[j][0] == '\t');
         ++j)
      value += lines[j];
    return std::string(common::trim(value));
  }
  return {};
}

// RFC 2047 B words (as this sink writes them) back to text.
std::string decodeWords(const std::string& value) {
  std::string out;
  std::size_t pos = 0;
  while ((pos = value.find("=?UTF-8?B?", pos)) != std::string::npos) {
    const auto end = value.find("?=", pos + 10);
    auto bytes = common::base64Decode(value.substr(pos + 10, end - pos - 10));
    EXPECT_TRUE(bytes);
    out += bytes.value_or("");
    pos = end + 2;
  }
  return out;
}

std::string qpDecode(std::string_view qp) {
  std::string out;
  for (std::size_t i = 0; i < qp.size(); ++i) {
    if (qp[i] == '=' && i + 2 < qp.size() && qp[i + 1] == '\r' && qp[i + 2] == '\n') {
      i += 2;
    } else if (qp[i] == '=' && i + 2 < qp.size()) {
      out += static_cast<char>(std::stoi(std::string(qp.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else if (qp[i] == '\r' && i + 1 < qp.size() && qp[i + 1] == '\n') {
      out += '\n';
      ++i;
    } else {
      out += qp[i];
    }
  }
  return out;
}

struct Part {
  std::string headers;
  std::string body; // decoded
};

// Splits the multipart body at `boundary` (from the Content-Type header).
std::vector<Part> parts(const std::string& rfc822) {
  const auto type = headerValue(rfc822, "Content-Type");
  const auto b = type.find("boundary=\"");
  EXPECT_NE(b, std::string::npos) << type;
  const auto boundary = type.substr(b + 10, type.find('"', b + 10) - b - 10);
  std::vector<Part> out;
  const std::string delimiter = "\r\n--" + boundary;
  auto pos = rfc822.find(delimiter);
  while (pos != std::string::npos) {
    const auto start = pos + delimiter.size();
    if (rfc822.compare(start, 2, "--") == 0)
      break;
    const auto next = rfc822.find(delimiter, start);
    const auto chunk = rfc822.substr(start + 2, next - start - 2);
    const auto split = chunk.find("\r\n\r\n");
    out.push_back({chunk.substr(0, split), qpDecode(chunk.substr(split + 4))});
    pos = next;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The pure builder.

TEST(EmailBuilder, SubjectsSayWhatHappened) {
  const auto config = mailConfig();
  EXPECT_EQ(buildEmail(eventView("alert.triggered"), config, "", kNow).subject,
            "[DOWN] GitHub MCP: connect_timeout");
  EXPECT_EQ(buildEmail(eventView("alert.resolved", "evt_2"), config, "", kNow).subject,
            "[RESOLVED] GitHub MCP (down 4m 10s)");
  auto driftBody = alerting::toJson(OutboxHarness::event("schema.drifted", "evt_3", ""));
  driftBody["schema"]["changed"] = {"search_code", "get_issue"};
  EXPECT_EQ(buildEmail(view(driftBody), config, "", kNow).subject,
            "[SCHEMA DRIFT] GitHub MCP: 1 added, 2 changed");
  auto test = eventView("alert.triggered");
  test.test = true;
  const auto message = buildEmail(test, config, "", kNow);
  EXPECT_EQ(message.subject, "[TEST] [DOWN] GitHub MCP: connect_timeout");
  EXPECT_EQ(headerValue(message.rfc822, "Subject"), message.subject);
  EXPECT_EQ(headerValue(message.rfc822, "Date"), "Tue, 24 Nov 2026 02:03:04 +0000");
}

TEST(EmailBuilder, NonAsciiSubjectIsEncodedAndFolded) {
  auto event = eventView("alert.triggered");
  event.name = "Сервер поиска GitHub ✓ — очень длинное имя сервера, которое не помещается";
  const auto message = buildEmail(event, mailConfig(), "", kNow);
  EXPECT_EQ(message.subject, "[DOWN] " + event.name + ": connect_timeout");
  const auto lines = headerLines(message.rfc822);
  std::size_t subjectLines = 0;
  bool inSubject = false;
  for (const auto& line : lines) {
    EXPECT_LE(line.size(), 78u) << line;
    for (unsigned char c : line)
      EXPECT_LT(c, 0x80) << "8-bit byte in a header: " << line;
    if (line.starts_with("Subject:"))
      inSubject = true;
    else if (line[0] != ' ')
      inSubject = false;
    subjectLines += inSubject;
  }
  EXPECT_GT(subjectLines, 2u) << "a long subject is folded";
  const auto subject = headerValue(message.rfc822, "Subject");
  EXPECT_TRUE(subject.starts_with("=?UTF-8?B?")) << subject;
  EXPECT_EQ(decodeWords(subject), message.subject);
}

TEST(EmailBuilder, AsciiLookingLikeAnEncodedWordIsEncodedToo) {
  auto event = eventView("alert.triggered");
  event.name = "=?UTF-8?B?SGFja2Vk?=";
  const auto message = buildEmail(event, mailConfig(), "", kNow);
  EXPECT_EQ(decodeWords(headerValue(message.rfc822, "Subject")), message.subject);
}

TEST(EmailBuilder, HeaderInjectionIsImpossible) {
  auto event = eventView("alert.triggered");
  event.name = "Evil\r\nBcc: victim@example.com\r\nX-Injected: yes";
  event.reason = "x\nContent-Type: text/html";
  event.incidentId = "inc_1>\r\nX-Injected: id";
  const auto message = buildEmail(event, mailConfig(), "", kNow);
  const std::vector<std::string> allowed = {"Date:",
                                            "From:",
                                            "To:",
                                            "Subject:",
                                            "Message-ID:",
                                            "MIME-Version:",
                                            "Content-Type:",
                                            "Auto-Submitted:",
                                            "X-Auto-Response-Suppress:",
                                            "X-Mcpwatch-Event:"};
  for (const auto& line : headerLines(message.rfc822)) {
    if (line[0] == ' ')
      continue;
    bool known = false;
    for (const auto& name : allowed)
      known = known || line.starts_with(name);
    EXPECT_TRUE(known) << "unexpected header line: " << line;
  }
  EXPECT_EQ(message.messageId, "<inc_1___X-Injected__id@example.com>");
  EXPECT_EQ(message.subject.find('\n'), std::string::npos);
}

TEST(EmailBuilder, HtmlEscapesServerText) {
  auto event = eventView("alert.triggered");
  event.name = "<b>Bold</b> & co";
  event.detail = "<script>alert('x')</script>\nsecond line";
  event.checkUrl = "javascript:alert(1)";
  const auto message = buildEmail(event, mailConfig(), "https://status.example.com", kNow);
  const auto body = parts(message.rfc822);
  ASSERT_EQ(body.size(), 2u);
  const auto& html = body[1].body;
  EXPECT_EQ(html.find("<script>"), std::string::npos);
  EXPECT_EQ(html.find("<b>Bold"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;<br>"), std::string::npos);
  EXPECT_NE(html.find("&lt;b&gt;Bold&lt;/b&gt; &amp; co"), std::string::npos);
  EXPECT_EQ(html.find("href=\"javascript:"), std::string::npos) << "a javascript: URL is no link";
  // The text part carries the same facts unescaped.
  EXPECT_NE(body[0].body.find("<script>alert('x')</script>"), std::string::npos);
}

TEST(EmailBuilder, MultipartAlternativeWithTextAndHtml) {
  const auto message =
      buildEmail(eventView("alert.triggered"), mailConfig(), "https://status.example.com", kNow);
  const auto& m = message.rfc822;
  EXPECT_EQ(headerValue(m, "MIME-Version"), "1.0");
  EXPECT_TRUE(headerValue(m, "Content-Type").starts_with("multipart/alternative; boundary=\"=_"));
  EXPECT_EQ(headerValue(m, "Auto-Submitted"), "auto-generated");
  EXPECT_EQ(headerValue(m, "X-Mcpwatch-Event"), "alert.triggered");
  EXPECT_EQ(headerValue(m, "From"), "\"mcpwatch\" <alerts@example.com>");
  EXPECT_EQ(headerValue(m, "To"), "<oncall@example.com>, \"Ops Team\" <ops@example.org>");
  EXPECT_EQ(headerValue(m, "In-Reply-To"), "");
  const auto body = parts(m);
  ASSERT_EQ(body.size(), 2u);
  EXPECT_NE(body[0].headers.find("Content-Type: text/plain; charset=utf-8"), std::string::npos);
  EXPECT_NE(body[1].headers.find("Content-Type: text/html; charset=utf-8"), std::string::npos);
  for (const auto& part : body)
    EXPECT_NE(part.headers.find("Content-Transfer-Encoding: quoted-printable"), std::string::npos);
  const auto& text = body[0].body;
  for (const char* fact :
       {"MCP server down: GitHub MCP (connect_timeout)", "Reason: connect_timeout",
        "Detail: no answer in 10s", "Endpoint: https://api.example.com/mcp",
        "Status page: https://status.example.com/status/github-mcp", "Incident: inc_1",
        "Recent failures:"})
    EXPECT_NE(text.find(fact), std::string::npos) << fact << "\n" << text;
  const auto& html = body[1].body;
  EXPECT_NE(html.find("#d93025"), std::string::npos) << "red for down";
  EXPECT_NE(html.find("<a href=\"https://status.example.com/status/github-mcp\">"),
            std::string::npos);
  EXPECT_NE(html.find("<a href=\"https://api.example.com/mcp\">"), std::string::npos);
  EXPECT_NE(html.find("<th"), std::string::npos);
  const auto resolved =
      parts(buildEmail(eventView("alert.resolved", "evt_2"), mailConfig(), "", kNow).rfc822);
  ASSERT_EQ(resolved.size(), 2u);
  EXPECT_NE(resolved[1].body.find("#188038"), std::string::npos) << "green for resolved";
  EXPECT_NE(resolved[0].body.find("Down for: 4m 10s"), std::string::npos);
}

TEST(EmailBuilder, HugeInputsAreBoundedAndLinesStayShort) {
  auto event = eventView("alert.triggered");
  event.detail = std::string(1 << 20, 'x') + "é";
  event.name = std::string(5000, 'N');
  for (int i = 0; i < 5000; ++i)
    event.recentFailures.push_back({"2026-11-24T02:02:04Z", "timeout", std::string(3000, 'd')});
  const auto message = buildEmail(event, mailConfig(), "", kNow);
  EXPECT_LT(message.rfc822.size(), 400u * 1024);
  for (auto line : common::split(message.rfc822, '\n')) {
    EXPECT_LE(line.size(), 998u);
    for (unsigned char c : line)
      ASSERT_LT(c, 0x80) << "the message is 7-bit";
  }
  const auto body = parts(message.rfc822);
  ASSERT_EQ(body.size(), 2u);
  EXPECT_NE(body[0].body.find("… and "), std::string::npos) << "long lists say what was cut";
}

TEST(EmailBuilder, MessageIdsAreStableAndThreadTheResolve) {
  const auto config = mailConfig();
  const auto trigger = buildEmail(eventView("alert.triggered", "evt_1"), config, "", kNow);
  const auto again = buildEmail(eventView("alert.triggered", "evt_1"), config, "", kNow + 90s);
  EXPECT_EQ(trigger.messageId, "<inc_1@example.com>");
  EXPECT_EQ(again.messageId, trigger.messageId) << "a retry sends the same message";
  const auto resolve = buildEmail(eventView("alert.resolved", "evt_2"), config, "", kNow);
  EXPECT_EQ(resolve.messageId, "<evt_2@example.com>");
  EXPECT_EQ(resolve.inReplyTo, trigger.messageId);
  EXPECT_EQ(headerValue(resolve.rfc822, "In-Reply-To"), trigger.messageId);
  EXPECT_EQ(headerValue(resolve.rfc822, "References"), trigger.messageId);
  EXPECT_EQ(headerValue(resolve.rfc822, "Message-ID"), resolve.messageId);
  const auto drift =
      buildEmail(view(alerting::toJson(OutboxHarness::event("schema.drifted", "evt_3", ""))),
                 config, "", kNow);
  EXPECT_EQ(drift.messageId, "<evt_3@example.com>");
  EXPECT_EQ(drift.inReplyTo, "");
  auto protocolBody = alerting::toJson(OutboxHarness::event("protocol.changed", "evt_4", ""));
  protocolBody["protocol"] = {
      {"from", {{"transport", "streamable-http"}, {"protocol_version", "2025-11-25"}}},
      {"to", {{"transport", "modern"}, {"protocol_version", "2026-07-28"}}}};
  const auto protocol = buildEmail(view(protocolBody), config, "", kNow);
  EXPECT_EQ(protocol.messageId, "<evt_4@example.com>");
  EXPECT_EQ(protocol.subject,
            "[PROTOCOL CHANGED] GitHub MCP: streamable-http 2025-11-25 \xE2\x86\x92 "
            "modern 2026-07-28");
  EXPECT_NE(protocol.rfc822.find("Protocol change: streamable-http 2025-11-25 "),
            std::string::npos); // the arrow is quoted-printable in the body
}

TEST(EmailBuilder, AReminderIsAReplyInTheTriggersThread) {
  const auto config = mailConfig();
  auto triggerBody = alerting::toJson(OutboxHarness::event("alert.triggered", "evt_1", "inc_1"));
  triggerBody["failure_reason"] = "http_error";
  triggerBody["failure_summary"] = "HTTP 503";
  const auto trigger = buildEmail(view(triggerBody), config, "", kNow);
  const auto reminder = buildEmail(view(reminderOf(triggerBody)), config, "", kNow + 80min);
  EXPECT_EQ(trigger.subject, "[DOWN] GitHub MCP: HTTP 503");
  // The trigger's subject as a reply: clients that thread by subject keep it in the thread too.
  EXPECT_EQ(reminder.subject, "Re: [DOWN] GitHub MCP: HTTP 503");
  EXPECT_EQ(headerValue(reminder.rfc822, "Subject"), reminder.subject);
  EXPECT_EQ(reminder.messageId, "<evt_rem_1_4800@example.com>");
  EXPECT_EQ(reminder.inReplyTo, trigger.messageId);
  EXPECT_EQ(headerValue(reminder.rfc822, "In-Reply-To"), "<inc_1@example.com>");
  EXPECT_EQ(headerValue(reminder.rfc822, "References"), "<inc_1@example.com>");
  EXPECT_EQ(headerValue(reminder.rfc822, "X-Mcpwatch-Event"), "alert.reminder");
  EXPECT_EQ(buildEmail(view(reminderOf(triggerBody)), config, "", kNow + 90min).messageId,
            reminder.messageId)
      << "a retry sends the same message";
  const auto p = parts(reminder.rfc822);
  ASSERT_EQ(p.size(), 2u);
  const auto& text = p[0].body;
  EXPECT_EQ(text.rfind("Still down for 1h 20m: GitHub MCP \xE2\x80\x94 HTTP 503\n\nReminder: this "
                       "MCP server is still failing its checks; the incident is still open.\n",
                       0),
            0u)
      << text;
  for (const char* line :
       {"Status: STILL DOWN\n", "Reason: http_error\n", "Down for: 1h 20m\n",
        "Down since: 2026-11-24T02:02:04Z\n", "Incident: inc_1\n", "Event: evt_rem_1_4800\n"})
    EXPECT_NE(text.find(line), std::string::npos) << line << " in\n" << text;
  // The trigger's detail and failure counts are in the thread already.
  EXPECT_EQ(text.find("Detail:"), std::string::npos) << text;
  EXPECT_EQ(text.find("Consecutive failures:"), std::string::npos) << text;
  EXPECT_NE(p[1].body.find("#d93025"), std::string::npos);
  EXPECT_NE(p[1].body.find("Still down for 1h 20m: GitHub MCP \xE2\x80\x94 HTTP 503"),
            std::string::npos);
}

TEST(EmailBuilder, AddressesAndDomains) {
  EXPECT_EQ(mailAddress("mcpwatch <alerts@example.com>"), "alerts@example.com");
  EXPECT_EQ(mailAddress("  ops@example.org "), "ops@example.org");
  EXPECT_EQ(mailAddress("\"Ops, Team\" <ops@example.org>"), "ops@example.org");
  EXPECT_EQ(messageIdDomain("Ops <ops@Mail.Example.org>"), "Mail.Example.org");
  EXPECT_EQ(messageIdDomain("alerts"), "mcpwatch.local");
  EXPECT_EQ(messageIdDomain("x@"), "mcpwatch.local");
  EXPECT_EQ(messageIdDomain("x@evil>\r\nBcc: a@b"), "b");
}

TEST(EmailBuilder, QuotedPrintableRoundTripsAndKeepsLinesShort) {
  const std::string text =
      "a=b end with space \ntab\there\n.leading dot\nünïcödé " + std::string(300, 'z') + "\n\nlast";
  const auto qp = quotedPrintable(text);
  for (auto line : common::split(qp, '\n'))
    EXPECT_LE(line.size(), 77u) << line; // 76 + CR
  EXPECT_EQ(qp.find(" \r\n"), std::string::npos) << "no trailing space on an encoded line";
  EXPECT_NE(qp.find("=2Eleading"), std::string::npos);
  EXPECT_EQ(qpDecode(qp), text + "\n");
}

TEST(EmailBuilder, SmtpRepliesMapToOutboxOutcomes) {
  using alerting::AttemptOutcome;
  auto outcome = [](int curlCode, long smtpCode, const char* reply = "") {
    return smtpAttemptResult(curlCode, smtpCode, reply, "curl says").outcome;
  };
  EXPECT_EQ(outcome(CURLE_OK, 250), AttemptOutcome::Delivered);
  EXPECT_EQ(outcome(CURLE_SEND_ERROR, 451, "451 4.3.0 try later"), AttemptOutcome::Retry);
  EXPECT_EQ(outcome(CURLE_WEIRD_SERVER_REPLY, 421), AttemptOutcome::Retry);
  EXPECT_EQ(outcome(CURLE_LOGIN_DENIED, 454), AttemptOutcome::Retry);
  EXPECT_EQ(outcome(CURLE_SEND_ERROR, 550, "550 5.1.1 no such user"), AttemptOutcome::Permanent);
  EXPECT_EQ(outcome(CURLE_LOGIN_DENIED, 535), AttemptOutcome::Permanent);
  EXPECT_EQ(outcome(CURLE_USE_SSL_FAILED, 0), AttemptOutcome::Permanent);
  EXPECT_EQ(outcome(CURLE_OPERATION_TIMEDOUT, 0), AttemptOutcome::Retry);
  EXPECT_EQ(outcome(CURLE_COULDNT_CONNECT, 0), AttemptOutcome::Retry);
  EXPECT_EQ(outcome(CURLE_SSL_CONNECT_ERROR, 0), AttemptOutcome::Retry);
  EXPECT_EQ(outcome(CURLE_PEER_FAILED_VERIFICATION, 0), AttemptOutcome::Retry);
  EXPECT_EQ(outcome(CURLE_GOT_NOTHING, 250), AttemptOutcome::Retry);
  const auto refused = smtpAttemptResult(CURLE_SEND_ERROR, 550, "550 5.1.1 no such user", "x");
  EXPECT_NE(refused.error.find("550 5.1.1 no such user"), std::string::npos) << refused.error;
  EXPECT_FALSE(refused.status) << "an SMTP reply is no HTTP status";
  EXPECT_EQ(refused.answer, "SMTP 550");
  EXPECT_EQ(smtpAttemptResult(CURLE_OK, 250, "", "").error, "");
}

// ---------------------------------------------------------------------------------------------
// Through the outbox, against the real SMTP server.

class EmailSinkE2E : public ::testing::Test {
protected:
  void SetUp() override {
    if (auto problem = testsupport::smtpPeerUnavailable())
      FAIL() << *problem;
  }

  std::unique_ptr<SmtpPeer> startPeer(SmtpPeerOptions options) {
    auto peer = SmtpPeer::start(std::move(options));
    EXPECT_TRUE(peer) << (peer ? "" : peer.error());
    return peer ? std::move(*peer) : nullptr;
  }

  channels::EmailSinkConfig configFor(const SmtpPeer& peer, channels::SmtpTls tls) {
    auto c = mailConfig();
    c.port = peer.port();
    c.tls = tls;
    if (tls != channels::SmtpTls::None)
      c.caFile = peer.caFile();
    return c;
  }

  alerting::SinkStats stats(const std::string& sink = "mail") { return harness_.sinkStats(sink); }

  void start() {
    harness_.start({{"email", emailSinkKind()}, {"webhook", alerting::webhookSinkKind()}});
  }

  // Captures spdlog output until stopCapture().
  void captureLog() { log_.emplace(); }
  void stopCapture() {
    if (log_)
      log_->stop();
  }
  void TearDown() override {
    harness_.stop();
    stopCapture();
  }

  OutboxHarness harness_;
  std::optional<fakes::LogCapture> log_;
};

TEST_F(EmailSinkE2E, StartTlsAuthPlainToTwoRecipients) {
  auto peer = startPeer({SmtpPeerTls::StartTls, {"plain", "login"}, "mcpwatch", "pa55word", 0ms});
  ASSERT_TRUE(peer);
  auto c = configFor(*peer, channels::SmtpTls::StartTls);
  c.username = "mcpwatch";
  c.password = common::Secret("pa55word");
  c.auth = channels::SmtpAuth::Plain;
  harness_.addSink("mail", c);
  start();
  harness_.publish(OutboxHarness::event("alert.triggered", "evt_1", "inc_1"));
  ASSERT_TRUE(harness_.pump([&] { return stats().attempts["delivered"] == 1; }))
      << peer->stderrText();
  ASSERT_TRUE(peer->waitForMessages(1, 10s));
  const auto m = peer->messages().at(0);
  EXPECT_TRUE(m.secure) << "STARTTLS was used";
  EXPECT_EQ(m.user, "mcpwatch");
  EXPECT_EQ(m.authMethod, "PLAIN");
  EXPECT_EQ(m.mailFrom, "alerts@example.com");
  EXPECT_EQ(m.rcptTo, (std::vector<std::string>{"oncall@example.com", "ops@example.org"}));
  EXPECT_EQ(m.header("to"), "<oncall@example.com>, \"Ops Team\" <ops@example.org>");
  EXPECT_EQ(m.subject, "[DOWN] GitHub MCP: connect_timeout");
  EXPECT_EQ(m.messageId, "<inc_1@example.com>");
  EXPECT_EQ(m.header("x-mcpwatch-event"), "alert.triggered");
  EXPECT_EQ(m.header("auto-submitted"), "auto-generated");
  EXPECT_NE(m.text.find("Reason: connect_timeout"), std::string::npos) << m.text;
  EXPECT_NE(m.html.find("#d93025"), std::string::npos);
  EXPECT_NE(m.html.find("https://status.example.com/status/github-mcp"), std::string::npos);
}

TEST_F(EmailSinkE2E, ImplicitTlsAuthLoginWithUtf8Subject) {
  auto peer = startPeer({SmtpPeerTls::Implicit, {"login"}, "bot", "s3cret", 0ms});
  ASSERT_TRUE(peer);
  auto c = configFor(*peer, channels::SmtpTls::Implicit);
  c.username = "bot";
  c.password = common::Secret("s3cret");
  c.auth = channels::SmtpAuth::Login;
  harness_.addSink("mail", c);
  start();
  auto event = OutboxHarness::event("alert.triggered", "evt_1", "inc_1");
  event.name = "Поиск ✓";
  harness_.publish(event);
  ASSERT_TRUE(harness_.pump([&] { return stats().attempts["delivered"] == 1; }))
      << peer->stderrText();
  ASSERT_TRUE(peer->waitForMessages(1, 10s));
  const auto m = peer->messages().at(0);
  EXPECT_TRUE(m.secure);
  EXPECT_EQ(m.authMethod, "LOGIN");
  EXPECT_EQ(m.subject, "[DOWN] Поиск ✓: connect_timeout") << "decoded by mailparser";
  EXPECT_NE(m.text.find("Server: Поиск ✓ (github-mcp)"), std::string::npos) << m.text;
}

TEST_F(EmailSinkE2E, TriggerThenResolveAreThreaded) {
  auto peer = startPeer({});
  ASSERT_TRUE(peer);
  harness_.addSink("mail", configFor(*peer, channels::SmtpTls::None));
  start();
  harness_.publish(OutboxHarness::event("alert.triggered", "evt_1", "inc_7"));
  harness_.publish(OutboxHarness::event("alert.resolved", "evt_2", "inc_7"));
  ASSERT_TRUE(harness_.pump([&] { return stats().attempts["delivered"] == 2; }));
  ASSERT_TRUE(peer->waitForMessages(2, 10s));
  const auto messages = peer->messages();
  EXPECT_EQ(messages[0].subject, "[DOWN] GitHub MCP: connect_timeout");
  EXPECT_EQ(messages[1].subject, "[RESOLVED] GitHub MCP (down 4m 10s)");
  EXPECT_EQ(messages[0].messageId, "<inc_7@example.com>");
  EXPECT_EQ(messages[1].messageId, "<evt_2@example.com>");
  EXPECT_EQ(messages[1].inReplyTo, messages[0].messageId);
  EXPECT_EQ(messages[1].references, (std::vector<std::string>{messages[0].messageId}));
  EXPECT_EQ(messages[1].header("x-mcpwatch-event"), "alert.resolved");
  EXPECT_NE(messages[1].html.find("#188038"), std::string::npos);
  EXPECT_FALSE(messages[0].secure);
}

TEST_F(EmailSinkE2E, TriggerReminderAndResolveAreOneThread) {
  auto peer = startPeer({});
  ASSERT_TRUE(peer);
  harness_.addSink("mail", configFor(*peer, channels::SmtpTls::None));
  harness_.config().sinks["mail"].reminderInterval = 1h;
  start();
  // A reminder goes out only while its incident is open (and its sink has an interval).
  ASSERT_TRUE(harness_.store().commitNow({store::IncidentRecord{
      "inc_7", "github-mcp", kNow, std::nullopt, "http_error", "HTTP 503", true, ""}}));
  auto trigger = OutboxHarness::event("alert.triggered", "evt_1", "inc_7");
  trigger.reason = "http_error";
  trigger.summary = "HTTP 503";
  harness_.publish(trigger);
  harness_.publish(view(reminderOf(alerting::toJson(trigger))));
  harness_.publish(OutboxHarness::event("alert.resolved", "evt_2", "inc_7"));
  ASSERT_TRUE(harness_.pump([&] { return stats().attempts["delivered"] == 3; }));
  ASSERT_TRUE(peer->waitForMessages(3, 10s));
  const auto messages = peer->messages();
  EXPECT_EQ(messages[0].subject, "[DOWN] GitHub MCP: HTTP 503");
  EXPECT_EQ(messages[1].subject, "Re: [DOWN] GitHub MCP: HTTP 503");
  EXPECT_EQ(messages[1].messageId, "<evt_rem_1_4800@example.com>");
  EXPECT_EQ(messages[1].inReplyTo, "<inc_7@example.com>");
  EXPECT_EQ(messages[1].references, (std::vector<std::string>{"<inc_7@example.com>"}));
  EXPECT_EQ(messages[1].header("x-mcpwatch-event"), "alert.reminder");
  EXPECT_NE(messages[1].text.find("Still down for 1h 20m: GitHub MCP \xE2\x80\x94 HTTP 503"),
            std::string::npos)
      << messages[1].text;
  EXPECT_EQ(messages[2].inReplyTo, "<inc_7@example.com>");
}

TEST_F(EmailSinkE2E, TransientRefusalIsRetriedAndSendsOneMail) {
  auto peer = startPeer({});
  ASSERT_TRUE(peer);
  ASSERT_EQ(peer->failNext(1, 451, "4.3.0 try again later"), std::nullopt);
  harness_.addSink("mail", configFor(*peer, channels::SmtpTls::None));
  start();
  harness_.publish(OutboxHarness::event("alert.triggered", "evt_1", "inc_1"));
  ASSERT_TRUE(harness_.pump([&] { return stats().attempts["delivered"] == 1; }));
  EXPECT_EQ(stats().attempts["retry"], 1u);
  ASSERT_TRUE(peer->waitForMessages(1, 10s));
  EXPECT_EQ(peer->rejectedCount(), 1u); // printed before the message
  EXPECT_EQ(peer->messages().size(), 1u);
}

TEST_F(EmailSinkE2E, PermanentRefusalIsNotRetried) {
  auto peer = startPeer({});
  ASSERT_TRUE(peer);
  ASSERT_EQ(peer->failNext(5, 550, "5.1.1 mailbox unavailable", "mail"), std::nullopt);
  harness_.addSink("mail", configFor(*peer, channels::SmtpTls::None));
  captureLog();
  start();
  harness_.publish(OutboxHarness::event("alert.triggered", "evt_1", "inc_1"));
  ASSERT_TRUE(harness_.pump([&] { return stats().failed == 1; }));
  harness_.stop();
  stopCapture();
  EXPECT_EQ(stats().attempts["failed"], 1u);
  EXPECT_EQ(stats().attempts.count("retry"), 0u);
  EXPECT_TRUE(peer->waitForRejections(1, 5s));
  EXPECT_EQ(peer->rejectedCount(), 1u);
  EXPECT_TRUE(peer->messages().empty());
  EXPECT_NE(log_->text().find("550"), std::string::npos) << log_->text();
  EXPECT_NE(log_->text().find("mailbox unavailable"), std::string::npos) << log_->text();
}

TEST_F(EmailSinkE2E, WrongPasswordIsPermanentAndNeverLogged) {
  const std::string password = "Wr0ng-Pa55word-xyzzy";
  auto peer = startPeer({SmtpPeerTls::StartTls, {"plain"}, "mcpwatch", "right", 0ms});
  ASSERT_TRUE(peer);
  auto c = configFor(*peer, channels::SmtpTls::StartTls);
  c.username = "mcpwatch";
  c.password = common::Secret(password);
  harness_.addSink("mail", c);
  captureLog();
  start();
  harness_.publish(OutboxHarness::event("alert.triggered", "evt_1", "inc_1"));
  ASSERT_TRUE(harness_.pump([&] { return stats().failed == 1; }));

  // test-alert reports the same refusal, also without the password.
  const auto result = harness_.testAlert(std::nullopt, std::string("mail"));
  harness_.stop();
  stopCapture();
  ASSERT_TRUE(result) << result.error();
  ASSERT_EQ(result->size(), 1u);
  const auto& attempt = result->front().trigger;
  EXPECT_EQ(attempt.outcome, alerting::AttemptOutcome::Permanent);
  EXPECT_NE(attempt.error.find("535"), std::string::npos) << attempt.error;

  EXPECT_TRUE(peer->waitForAuthFailures(2, 5s)) << peer->authFailureCount();
  EXPECT_TRUE(peer->messages().empty());
  EXPECT_EQ(stats().attempts.count("retry"), 0u);
  const auto log = log_->text();
  EXPECT_NE(log.find("535"), std::string::npos) << log;
  for (const auto& form :
       {password, common::base64Encode(password),
        common::base64Encode(std::string(1, '\0') + "mcpwatch" + '\0' + password)}) {
    EXPECT_EQ(log.find(form), std::string::npos) << "secret in the log: " << log;
    EXPECT_EQ(attempt.error.find(form), std::string::npos);
  }
}

TEST_F(EmailSinkE2E, TestAlertSendsATestTriggerAndItsThreadedResolve) {
  auto peer = startPeer({});
  ASSERT_TRUE(peer);
  harness_.addSink("mail", configFor(*peer, channels::SmtpTls::None));
  start();
  const auto result = harness_.testAlert(std::nullopt, std::string("mail"));
  ASSERT_TRUE(result) << result.error();
  ASSERT_EQ(result->size(), 1u);
  EXPECT_TRUE(result->front().ok()) << result->front().trigger.error;
  ASSERT_TRUE(peer->waitForMessages(2, 10s));
  const auto messages = peer->messages();
  EXPECT_TRUE(messages[0].subject.starts_with("[TEST] [DOWN] mcpwatch test alert"))
      << messages[0].subject;
  EXPECT_TRUE(messages[1].subject.starts_with("[TEST] [RESOLVED] mcpwatch test alert"))
      << messages[1].subject;
  EXPECT_EQ(messages[1].inReplyTo, messages[0].messageId);
  EXPECT_NE(messages[0].text.find("This is a test alert"), std::string::npos);
}

TEST_F(EmailSinkE2E, SlowGreetingPastTheTimeoutIsRetried) {
  auto peer = startPeer({SmtpPeerTls::None, {}, "", "", 3000ms});
  ASSERT_TRUE(peer);
  auto c = configFor(*peer, channels::SmtpTls::None);
  c.timeout = 300ms;
  harness_.addSink("mail", c);
  start();
  const auto started = std::chrono::steady_clock::now();
  harness_.publish(OutboxHarness::event("alert.triggered", "evt_1", "inc_1"));
  ASSERT_TRUE(harness_.pump([&] { return stats().attempts["retry"] >= 1; }));
  EXPECT_LT(std::chrono::steady_clock::now() - started, 2s) << "the timeout ended the attempt";
  EXPECT_EQ(stats().attempts.count("failed"), 0u);
}

TEST_F(EmailSinkE2E, SlowServerDoesNotBlockOtherDeliveries) {
  auto peer = startPeer({SmtpPeerTls::None, {}, "", "", 1500ms});
  ASSERT_TRUE(peer);
  fakes::FakeWebhookReceiver hook(harness_.executor(), "hook-secret");
  harness_.addSink("mail", configFor(*peer, channels::SmtpTls::None));
  alerting::WebhookSinkConfig webhook;
  webhook.url = hook.url();
  webhook.secret = common::Secret("hook-secret");
  harness_.addSink("hook", webhook);
  start();
  harness_.publish(OutboxHarness::event("alert.triggered", "evt_1", "inc_1"));
  ASSERT_TRUE(harness_.pump([&] { return hook.deliveries().size() == 1; }));
  // The webhook went out while the SMTP transfer was still waiting for the greeting.
  EXPECT_TRUE(stats().attempts.empty()) << "the email attempt finished before the webhook";
  EXPECT_TRUE(peer->messages().empty());
  ASSERT_TRUE(harness_.pump([&] { return stats().attempts["delivered"] == 1; }));
  ASSERT_TRUE(peer->waitForMessages(1, 10s));
}

TEST(EmailBuilder, ShowsTheServerContextWithRunbookAndLinks) {
  auto event = eventView("alert.triggered");
  event.description = "Code search <b>";
  event.owner = "Team Search";
  event.runbookUrl = "https://wiki.example.com/runbooks/github-mcp";
  event.links = {{"Grafana", "https://grafana.example.com/d/mcp"}};
  const auto message = buildEmail(event, mailConfig(), "https://status.example.com", kNow);
  const auto body = parts(message.rfc822);
  ASSERT_EQ(body.size(), 2u);
  const auto& text = body[0].body;
  EXPECT_NE(text.find("Owner"), std::string::npos) << text;
  EXPECT_NE(text.find("Team Search"), std::string::npos);
  EXPECT_NE(text.find("https://wiki.example.com/runbooks/github-mcp"), std::string::npos);
  EXPECT_NE(text.find("Grafana"), std::string::npos);
  const auto& html = body[1].body;
  EXPECT_NE(html.find("<a href=\"https://wiki.example.com/runbooks/github-mcp\">Runbook</a>"),
            std::string::npos)
      << html;
  EXPECT_NE(html.find("<a href=\"https://grafana.example.com/d/mcp\">"), std::string::npos);
  EXPECT_NE(html.find("Code search &lt;b&gt;"), std::string::npos);
}

} // namespace
} // namespace mcpwatch::channels
