// A real SMTP server for tests (tests/peers/smtp-server.mjs: nodemailer's smtp-server and
// mailparser on loopback) with a self-signed certificate made at start, scripted failures, and
// every received message parsed from the peer's output.
#pragma once

#include "tests/support/peers.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mcpwatch::testsupport {

enum class SmtpPeerTls { StartTls, Implicit, None };

struct SmtpPeerOptions {
  SmtpPeerTls tls = SmtpPeerTls::None;
  std::vector<std::string> authMethods; // "plain", "login"; empty: AUTH is not offered
  std::string user;
  std::string password;
  std::chrono::milliseconds greetingDelay{0}; // the 220 greeting comes this late
};

// One accepted message as the server received and parsed it.
struct SmtpMessage {
  std::string mailFrom;
  std::vector<std::string> rcptTo;
  bool secure = false;    // the session was TLS (implicit or after STARTTLS)
  std::string user;       // the authenticated user, empty without AUTH
  std::string authMethod; // "PLAIN" / "LOGIN"
  std::string raw;        // the DATA as received
  std::map<std::string, std::vector<std::string>>
      headers;         // lower-case name -> raw values, unfolded
  std::string subject; // decoded (RFC 2047)
  std::string messageId;
  std::string inReplyTo;
  std::vector<std::string> references;
  std::string from;
  std::vector<std::string> to;
  std::string text; // decoded text/plain part
  std::string html; // decoded text/html part

  // The first raw value of a header (case-insensitive name), empty when absent.
  std::string header(std::string_view name) const;
};

// A reason the SMTP peer cannot run (node, npm packages, openssl missing), else nothing.
std::optional<std::string> smtpPeerUnavailable();

class SmtpPeer {
public:
  static Result<std::unique_ptr<SmtpPeer>> start(SmtpPeerOptions options);
  ~SmtpPeer(); // stops the server and removes its directory

  std::uint16_t port() const { return peer_->port(); }
  // The PEM certificate the server presents (for 127.0.0.1 and localhost): pass it as ca_file.
  std::string caFile() const;

  // The next `count` transactions are answered with `code` (e.g. 451, 550) and `text` at
  // `stage` ("mail": MAIL FROM, "data": end of DATA). Returns an error message, or nothing.
  std::optional<std::string> failNext(int count, int code, std::string text = "scripted failure",
                                      std::string stage = "data");

  std::vector<SmtpMessage> messages() const;
  std::size_t rejectedCount() const;    // transactions answered with a scripted failure
  std::size_t authFailureCount() const; // AUTH attempts with wrong credentials
  // Waits until at least `count` messages arrived; false at the deadline.
  bool waitForMessages(std::size_t count, std::chrono::milliseconds timeout);
  // The peer reports on its stdout, read asynchronously: a client that got its SMTP answer may
  // look before the line arrived. These wait for at least `count` records; false at the deadline.
  bool waitForRejections(std::size_t count, std::chrono::milliseconds timeout);
  bool waitForAuthFailures(std::size_t count, std::chrono::milliseconds timeout);
  std::string stderrText() const;

private:
  SmtpPeer() = default;
  std::size_t countLines(std::string_view prefix) const;
  bool waitForLines(std::string_view prefix, std::size_t count,
                    std::chrono::milliseconds timeout) const;

  std::filesystem::path dir_;
  std::unique_ptr<Peer> peer_;
};

} // namespace mcpwatch::testsupport
