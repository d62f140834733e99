// The email sink: a multipart text + HTML message per event, sent over SMTP with libcurl
// (STARTTLS or implicit TLS, AUTH PLAIN/LOGIN), threaded so a resolve answers its trigger.
#pragma once

#include "alerting/sink.hpp"
#include "channels/email_config.hpp"
#include "channels/event_text.hpp"
#include "common/clock.hpp"

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace mcpwatch::channels {

// One rendered message. `rfc822` is the complete message (CRLF line ends, 7-bit, lines of at most
// 998 octets) exactly as it goes to DATA.
struct EmailMessage {
  std::string subject;   // unencoded UTF-8, as a mail client shows it
  std::string messageId; // "<id@domain>"
  std::string inReplyTo; // "<id@domain>" of the trigger on reminders and resolves; else empty
  std::string rfc822;
};

// Renders `event`. The Message-ID depends only on the event (a trigger's on its incident id, so
// its reminders and resolve can name it in In-Reply-To/References; theirs and a drift's on the
// event id; a reminder's subject is "Re: " and its trigger's subject):
// a retry after a timeout sends the same message, and mail servers and clients can drop the
// duplicate. `now` only sets the Date header.
EmailMessage buildEmail(const Event& event, const channels::EmailSinkConfig& config,
                        std::string_view publicUrl, common::WallTime now);

// "Name <a@example.com>" or "a@example.com" -> "a@example.com" (trimmed, CR/LF removed).
std::string mailAddress(std::string_view mailbox);
// The domain of the from address for Message-IDs; "mcpwatch.local" when there is none.
std::string messageIdDomain(std::string_view from);
// A header field "Name: value" folded at 78 columns; non-ASCII values become RFC 2047 UTF-8
// encoded-words. CR, LF and other control characters in `value` are replaced by spaces, so a
// value can never start another header. Ends with CRLF.
std::string foldedHeader(std::string_view name, std::string_view value);
// Quoted-printable (RFC 2045) of UTF-8 text: CRLF line ends, encoded lines of at most 76 octets.
std::string quotedPrintable(std::string_view text);

// How one SMTP transfer ended, as a delivery outcome (the SMTP reply code is its `answer`):
// - accepted: delivered;
// - SMTP 4xx reply (421, 450, 451, 452, 454 ...): retry;
// - SMTP 5xx reply (550 mailbox unavailable, 554, 535 authentication failed, 530 ...): permanent;
// - a local configuration the server can never satisfy (malformed host, no STARTTLS offered,
//   unreadable ca_file): permanent as well;
// - connect failures, timeouts, TLS handshake and certificate errors, a dropped connection: retry.
// `curlCode` is the CURLcode, `smtpCode` the last SMTP reply code (0 if none), `reply` the server's
// last reply text and `curlError` curl's error text; the error names both, never a credential.
alerting::AttemptResult smtpAttemptResult(int curlCode, long smtpCode, std::string_view reply,
                                          std::string_view curlError);

std::unique_ptr<alerting::Sink> makeEmailSink(const config::SinkConfig& sink,
                                              const alerting::SinkContext& context);
// The email sink type: its builder and its settings snapshot.
common::Json saveEmailSettings(const channels::EmailSinkConfig& settings);
std::optional<channels::EmailSinkConfig> loadEmailSettings(const common::Json& json);
alerting::SinkKind emailSinkKind();

} // namespace mcpwatch::channels
