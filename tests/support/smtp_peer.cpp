// The SMTP test peer: certificate generation, start-up, failure scripting and message parsing.
#include "tests/support/smtp_peer.hpp"

#include "common/json.hpp"
#include "common/strings.hpp"

#include <fstream>
#include <unistd.h>

namespace mcpwatch::testsupport {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

std::string stringOr(const common::Json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::vector<std::string> stringsOf(const common::Json& j, const char* key) {
  std::vector<std::string> out;
  auto it = j.find(key);
  if (it == j.end())
    return out;
  if (it->is_string())
    out.push_back(it->get<std::string>());
  else if (it->is_array())
    for (const auto& v : *it)
      if (v.is_string())
        out.push_back(v.get<std::string>());
  return out;
}

SmtpMessage parseMessage(const common::Json& j) {
  SmtpMessage m;
  if (auto env = j.find("envelope"); env != j.end() && env->is_object()) {
    m.mailFrom = stringOr(*env, "mailFrom");
    m.rcptTo = stringsOf(*env, "rcptTo");
  }
  m.secure = j.value("secure", false);
  m.user = stringOr(j, "user");
  m.authMethod = stringOr(j, "authMethod");
  m.raw = stringOr(j, "raw");
  if (auto headers = j.find("headers"); headers != j.end() && headers->is_object())
    for (const auto& [name, values] : headers->items())
      m.headers[common::toLower(name)] = stringsOf(*headers, name.c_str());
  m.subject = stringOr(j, "subject");
  m.messageId = stringOr(j, "messageId");
  m.inReplyTo = stringOr(j, "inReplyTo");
  m.references = stringsOf(j, "references");
  m.from = stringOr(j, "from");
  m.to = stringsOf(j, "to");
  m.text = stringOr(j, "text");
  m.html = stringOr(j, "html");
  return m;
}

const char* tlsFlag(SmtpPeerTls tls) {
  switch (tls) {
  case SmtpPeerTls::StartTls:
    return "starttls";
  case SmtpPeerTls::Implicit:
    return "tls";
  case SmtpPeerTls::None:
    return "none";
  }
  return "none";
}

} // namespace

std::string SmtpMessage::header(std::string_view name) const {
  auto it = headers.find(common::toLower(name));
  return it == headers.end() || it->second.empty() ? std::string() : it->second.front();
}

std::optional<std::string> smtpPeerUnavailable() {
  if (auto problem = peersUnavailable())
    return problem;
  const fs::path modules = fs::path(peersDir()) / "node_modules";
  for (const char* package : {"smtp-server", "mailparser"}) {
    std::error_code ec;
    if (!fs::is_directory(modules / package, ec))
      return "tests/peers/node_modules is missing " + (modules / package).string() +
             ": run scripts/install-deps --with-tests (it runs npm ci in tests/peers)";
  }
  if (auto openssl = findExecutable("openssl"); !openssl)
    return "openssl is needed to make the SMTP peer's certificate: " + openssl.error();
  return std::nullopt;
}

Result<std::unique_ptr<SmtpPeer>> SmtpPeer::start(SmtpPeerOptions options) {
  if (auto problem = smtpPeerUnavailable())
    return common::unexpected(*problem);
  static int counter = 0;
  std::unique_ptr<SmtpPeer> self(new SmtpPeer());
  self->dir_ = fs::temp_directory_path() /
               ("mcpwatch-smtp-" + std::to_string(::getpid()) + "-" + std::to_string(++counter));
  std::error_code ec;
  fs::remove_all(self->dir_, ec);
  fs::create_directories(self->dir_, ec);
  if (ec)
    return common::unexpected("creating " + self->dir_.string() + ": " + ec.message());

  std::vector<std::string> args = {"--tls", tlsFlag(options.tls), "--control", self->dir_.string()};
  if (options.tls != SmtpPeerTls::None) {
    const auto key = (self->dir_ / "key.pem").string(), cert = (self->dir_ / "cert.pem").string();
    auto made = runCommand({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                            "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-out", cert,
                            "-days", "2", "-subj", "/CN=localhost", "-addext",
                            "subjectAltName=IP:127.0.0.1,DNS:localhost"},
                           20s);
    if (!made)
      return common::unexpected("openssl: " + made.error());
    if (made->exitCode() != 0)
      return common::unexpected("openssl req failed: " + made->err);
    args.insert(args.end(), {"--cert", cert, "--key", key});
  }
  if (!options.authMethods.empty()) {
    std::string methods;
    for (const auto& m : options.authMethods)
      methods += (methods.empty() ? "" : ",") + m;
    args.insert(args.end(),
                {"--auth", methods, "--user", options.user, "--pass", options.password});
  }
  if (options.greetingDelay.count() > 0)
    args.insert(args.end(), {"--greeting-delay", std::to_string(options.greetingDelay.count())});

  PeerOptions peer;
  peer.script = "smtp-server.mjs";
  peer.args = std::move(args);
  auto started = startPeer(std::move(peer));
  if (!started)
    return common::unexpected(started.error());
  self->peer_ = std::move(*started);
  return self;
}

SmtpPeer::~SmtpPeer() {
  peer_.reset();
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

std::string SmtpPeer::caFile() const {
  return (dir_ / "cert.pem").string();
}

std::optional<std::string> SmtpPeer::failNext(int count, int code, std::string text,
                                              std::string stage) {
  const common::Json script = {
      {"count", count}, {"code", code}, {"message", text}, {"stage", stage}};
  // Written aside and renamed, so the peer never reads half a file.
  const auto tmp = dir_ / "fail.json.writing";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << script.dump();
    if (!out)
      return "writing " + tmp.string() + " failed";
  }
  std::error_code ec;
  fs::rename(tmp, dir_ / "fail.json", ec);
  if (ec)
    return "renaming the failure script failed: " + ec.message();
  return std::nullopt;
}

std::vector<SmtpMessage> SmtpPeer::messages() const {
  std::vector<SmtpMessage> out;
  const auto text = peer_->process().stdoutText();
  for (auto line : common::split(text, '\n')) {
    if (!line.starts_with("MESSAGE "))
      continue;
    auto json = common::parseJson(line.substr(8));
    if (json && json->is_object())
      out.push_back(parseMessage(*json));
  }
  return out;
}

std::size_t SmtpPeer::countLines(std::string_view prefix) const {
  std::size_t n = 0;
  const auto text = peer_->process().stdoutText(); // split() returns views into it
  for (auto line : common::split(text, '\n'))
    if (line.starts_with(prefix))
      ++n;
  return n;
}

std::size_t SmtpPeer::rejectedCount() const {
  return countLines("REJECTED ");
}

std::size_t SmtpPeer::authFailureCount() const {
  return countLines("AUTHFAIL ");
}

bool SmtpPeer::waitForLines(std::string_view prefix, std::size_t count,
                            std::chrono::milliseconds timeout) const {
  return peer_->process().waitForOutput(
      [&](const std::string& out, const std::string&) {
        // Only complete lines count: the peer prints each record as one line.
        const auto end = out.rfind('\n');
        if (end == std::string::npos)
          return count == 0;
        std::size_t n = 0;
        for (auto line : common::split(std::string_view(out).substr(0, end), '\n'))
          if (line.starts_with(prefix))
            ++n;
        return n >= count;
      },
      timeout);
}

bool SmtpPeer::waitForMessages(std::size_t count, std::chrono::milliseconds timeout) {
  return waitForLines("MESSAGE ", count, timeout);
}

bool SmtpPeer::waitForRejections(std::size_t count, std::chrono::milliseconds timeout) {
  return waitForLines("REJECTED ", count, timeout);
}

bool SmtpPeer::waitForAuthFailures(std::size_t count, std::chrono::milliseconds timeout) {
  return waitForLines("AUTHFAIL ", count, timeout);
}

std::string SmtpPeer::stderrText() const {
  return peer_->process().stderrText();
}

} // namespace mcpwatch::testsupport
