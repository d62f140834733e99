// The email sink's config: its settings and how `sinks:` entries of type email are read.
#pragma once

#include "common/secret.hpp"
#include "config/config.hpp"
#include "config/sink_type.hpp"

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mcpwatch::channels {

enum class SmtpTls { StartTls, Implicit, None };
enum class SmtpAuth { Auto, Plain, Login };
std::string_view toString(SmtpTls tls);
std::string_view toString(SmtpAuth auth);

// Email over SMTP.
struct EmailSinkConfig {
  static constexpr std::string_view kType = "email";
  static constexpr bool kReminders = true;
  std::string host;
  int port = 587; // default by tls: starttls 587, tls 465, none 25
  SmtpTls tls = SmtpTls::StartTls;
  std::string username; // empty: no AUTH
  common::Secret password;
  SmtpAuth auth = SmtpAuth::Auto;
  std::string from;            // "Name <addr@example.com>" or "addr@example.com"
  std::vector<std::string> to; // at least one address
  std::string caFile;          // extra trust anchors (PEM); empty: the system store
  bool insecure = false;       // skip certificate verification (tests, lab setups)
  bool schemaDrift = true;
  config::Duration timeout = std::chrono::seconds(30);
  bool receivesSchemaDrift() const { return schemaDrift; }
  friend bool operator==(const EmailSinkConfig&, const EmailSinkConfig&) = default;
};

config::SinkType emailSinkType();

} // namespace mcpwatch::channels
