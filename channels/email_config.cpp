#include "channels/email_config.hpp"

#include <algorithm>
#include <filesystem>

namespace mcpwatch::channels {
namespace {

using Node = config::yaml::Node;
using config::kSinkCommonKeys;
using config::kSinkTimeoutRange;
using config::quote;

// "addr@example.com" or "Name <addr@example.com>"; the address part is checked loosely (one @,
// no spaces, no control characters or angle brackets: enough to keep SMTP commands intact).
std::optional<std::string> mailbox(config::Reader& in, const Node& node, const std::string& path) {
  auto v = in.nonEmpty(node, path);
  if (!v)
    return std::nullopt;
  std::string_view addr = *v;
  if (auto lt = addr.rfind('<'); lt != std::string_view::npos && addr.back() == '>')
    addr = addr.substr(lt + 1, addr.size() - lt - 2);
  const auto at = addr.find('@');
  const bool ok = at != std::string_view::npos && at > 0 && at + 1 < addr.size() &&
                  addr.find('@', at + 1) == std::string_view::npos &&
                  std::none_of(addr.begin(), addr.end(), [](unsigned char c) {
                    return c <= 0x20 || c == 0x7f || c == '<' || c == '>' || c == ',';
                  });
  if (!ok || v->find_first_of("\r\n") != std::string::npos) {
    in.error(path, node, "invalid email address " + quote(*v));
    return std::nullopt;
  }
  return v;
}

std::optional<config::SinkSettings> parse(config::Reader& in, const Node& node,
                                          const std::string& path) {
  static const std::vector<std::string_view> kKeys = {
      "type", "host", "port",    "tls",      "username",     "password", "auth",
      "from", "to",   "ca_file", "insecure", "schema_drift", "timeout"};
  auto f = in.fields(node, path, {&kKeys, &kSinkCommonKeys});
  if (!f)
    return std::nullopt;
  std::size_t before = in.errorCount();
  EmailSinkConfig mail;
  if (auto n = f->get("host")) {
    if (auto v = in.nonEmpty(*n, f->path("host"))) {
      if (v->find_first_of(" /\\@\r\n\t") != std::string::npos)
        in.error(f->path("host"), *n, "must be a host name or IP address");
      else
        mail.host = *v;
    }
  } else {
    in.error(f->path("host"), f->line(), "is required (the SMTP server)");
  }
  if (auto n = f->get("tls"))
    if (auto v = in.choice<SmtpTls>(
            *n, f->path("tls"),
            {{"starttls", SmtpTls::StartTls}, {"tls", SmtpTls::Implicit}, {"none", SmtpTls::None}}))
      mail.tls = *v;
  mail.port = mail.tls == SmtpTls::StartTls ? 587 : mail.tls == SmtpTls::Implicit ? 465 : 25;
  if (auto n = f->get("port"))
    if (auto v = in.integer(*n, f->path("port"), 1, 65535))
      mail.port = *v;
  if (auto n = f->get("username"))
    if (auto v = in.nonEmpty(*n, f->path("username")))
      mail.username = *v;
  if (auto n = f->get("password")) {
    if (auto v = in.secret(*n, f->path("password")))
      mail.password = std::move(*v);
    if (mail.username.empty())
      in.error(f->path("password"), *n, "needs username");
  } else if (!mail.username.empty()) {
    in.error(f->path("password"), f->line(), "is required with username");
  }
  if (!mail.username.empty() && mail.tls == SmtpTls::None)
    in.error(f->path("tls"), f->line(),
             "must be starttls or tls when username is set (the password would travel in clear)");
  if (auto n = f->get("auth"))
    if (auto v = in.choice<SmtpAuth>(
            *n, f->path("auth"),
            {{"auto", SmtpAuth::Auto}, {"plain", SmtpAuth::Plain}, {"login", SmtpAuth::Login}}))
      mail.auth = *v;
  if (auto n = f->get("from")) {
    if (auto v = mailbox(in, *n, f->path("from")))
      mail.from = *v;
  } else {
    in.error(f->path("from"), f->line(), "is required (the sender address)");
  }
  if (auto n = f->get("to")) {
    if (n->isScalar()) {
      if (auto v = mailbox(in, *n, f->path("to")))
        mail.to.push_back(*v);
    } else if (auto items = in.sequence(*n, f->path("to"))) {
      if (items->empty())
        in.error(f->path("to"), *n, "must list at least one recipient");
      for (std::size_t i = 0; i < items->size(); ++i)
        if (auto v = mailbox(in, (*items)[i], config::index(f->path("to"), i)))
          if (std::find(mail.to.begin(), mail.to.end(), *v) == mail.to.end())
            mail.to.push_back(*v);
      if (mail.to.size() > 50)
        in.error(f->path("to"), *n, "at most 50 recipients (use a mailing list)");
    }
  } else {
    in.error(f->path("to"), f->line(), "is required (one address or a list)");
  }
  if (auto n = f->get("ca_file")) {
    if (auto v = in.nonEmpty(*n, f->path("ca_file"))) {
      std::string resolved = in.resolvePath(*v);
      std::error_code ec;
      if (!std::filesystem::is_regular_file(resolved, ec))
        in.error(f->path("ca_file"), *n, "file not found: " + quote(*v));
      else
        mail.caFile = resolved;
    }
  }
  if (auto n = f->get("insecure"))
    if (auto v = in.boolean(*n, f->path("insecure")))
      mail.insecure = *v;
  if (auto n = f->get("schema_drift"))
    if (auto v = in.boolean(*n, f->path("schema_drift")))
      mail.schemaDrift = *v;
  if (auto n = f->get("timeout"))
    if (auto v = in.duration(*n, f->path("timeout"), kSinkTimeoutRange))
      mail.timeout = *v;
  if (in.errorCount() != before)
    return std::nullopt;
  return mail;
}

} // namespace

std::string_view toString(SmtpTls tls) {
  switch (tls) {
  case SmtpTls::StartTls:
    return "starttls";
  case SmtpTls::Implicit:
    return "tls";
  case SmtpTls::None:
    return "none";
  }
  return "starttls";
}

std::string_view toString(SmtpAuth auth) {
  switch (auth) {
  case SmtpAuth::Auto:
    return "auto";
  case SmtpAuth::Plain:
    return "plain";
  case SmtpAuth::Login:
    return "login";
  }
  return "auto";
}

config::SinkType emailSinkType() {
  return {"email", parse, ""};
}

} // namespace mcpwatch::channels
