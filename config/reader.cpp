// The value readers of the config loader, shared with the sink types' own parsers.
#include "config/reader.hpp"

#include "common/duration.hpp"
#include "common/strings.hpp"
#include "common/url.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <filesystem>
#include <limits>
#include <set>

namespace mcpwatch::config {

std::string ConfigError::toString() const {
  std::string out = path.empty() ? message : path + ": " + message;
  if (line > 0)
    out += " (line " + std::to_string(line) + ")";
  return out;
}

namespace {

using common::Secret;
using Node = yaml::Node;

constexpr std::size_t kMaxQuoted = 60;

// The problem with an http(s) URL, or nullopt when it is usable. Never contains the URL itself.
std::optional<std::string> urlProblem(std::string_view url) {
  auto parsed = common::Url::check(url);
  if (parsed)
    return std::nullopt;
  return std::move(parsed.error());
}

// What an error may show of a URL: its scheme and host, never user info, path or query (a token
// may be in any of them: some services put the key in the path).
std::string urlOrigin(std::string_view url) {
  std::size_t sep = url.find("://");
  std::string_view scheme = sep == std::string_view::npos ? "" : url.substr(0, sep + 3);
  std::string_view rest = url.substr(scheme.size());
  std::size_t end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, end);
  if (std::size_t at = authority.rfind('@'); at != std::string_view::npos)
    authority.remove_prefix(at + 1);
  std::string out = std::string(scheme) + std::string(authority);
  if (end != std::string_view::npos)
    out += "/…";
  return out;
}

} // namespace

// Non-secret user text quoted back in a message: cut short, control bytes made visible.
std::string quote(std::string_view value) {
  std::string cut = common::truncateCodePoints(value, kMaxQuoted);
  std::string out = "\"";
  for (unsigned char c : cut) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c == 0x7f) {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

int lineOf(const yaml::Node& node) {
  return node.line();
}

std::string child(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}

std::string index(const std::string& path, std::size_t i) {
  return path + "[" + std::to_string(i) + "]";
}

bool isHeaderName(std::string_view s) {
  static constexpr std::string_view kTokenSpecials = "!#$%&'*+-.^_`|~";
  if (s.empty())
    return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           kTokenSpecials.find(c) != std::string_view::npos;
  });
}

bool isBase64(std::string_view s) {
  if (s.empty() || s.size() % 4 != 0)
    return false;
  std::size_t pad = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '=') {
      ++pad;
      continue;
    }
    if (pad > 0)
      return false;
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '+' || c == '/';
    if (!ok)
      return false;
  }
  return pad <= 2;
}

void Reader::error(const std::string& path, int line, std::string message) {
  errors_.push_back({path, std::move(message), line});
}

void Reader::error(const std::string& path, const Node& node, std::string message) {
  error(path, lineOf(node), std::move(message));
}

std::vector<ConfigError> Reader::takeErrors() {
  std::stable_sort(errors_.begin(), errors_.end(), [](const ConfigError& a, const ConfigError& b) {
    constexpr int kLast = std::numeric_limits<int>::max();
    int la = a.line == 0 ? kLast : a.line;
    int lb = b.line == 0 ? kLast : b.line;
    return la < lb;
  });
  return std::move(errors_);
}

// Checks that `node` is a mapping whose keys are all in one of `allowed`; reports unknown and
// duplicate keys. nullopt (after reporting) when it is not a mapping.
std::optional<Fields>
Reader::fields(const Node& node, const std::string& path,
               std::initializer_list<const std::vector<std::string_view>*> allowed,
               bool allowAnyKey) {
  if (!node.isMap()) {
    error(path.empty() ? "" : path, node,
          path.empty() ? "the top level must be a mapping of settings (key: value)"
                       : "must be a mapping (key: value)");
    return std::nullopt;
  }
  Fields out(node, path);
  std::set<std::string> seen;
  for (const auto& [key, value] : node.entries()) {
    if (!key.isScalar()) {
      error(path, key, "keys must be plain strings");
      continue;
    }
    const std::string& name = key.scalar();
    if (!seen.insert(name).second) {
      error(child(path, name), key, "duplicate key");
      continue;
    }
    bool known = allowAnyKey;
    for (const auto* list : allowed)
      known = known || std::find(list->begin(), list->end(), name) != list->end();
    if (!known) {
      error(child(path, name), key, "unknown key");
      continue;
    }
    out.add(name, value);
  }
  return out;
}

std::optional<std::vector<Node>> Reader::sequence(const Node& node, const std::string& path) {
  if (!node.isSequence()) {
    error(path, node, "must be a list");
    return std::nullopt;
  }
  std::vector<Node> out;
  return std::vector<Node>(node.items().begin(), node.items().end());
}

// The scalar's text after ${VAR} substitution. Never quotes the text in errors (it may be a
// secret); callers that know the value is not secret quote it themselves.
std::optional<std::string> Reader::text(const Node& node, const std::string& path) {
  if (node.isNull()) {
    error(path, node, "must not be empty");
    return std::nullopt;
  }
  if (!node.isScalar()) {
    error(path, node,
          node.isSequence() ? "must be a single value, not a list"
                            : "must be a single value, not a mapping");
    return std::nullopt;
  }
  auto value = interpolateEnv(node.scalar(), env_);
  if (!value) {
    error(path, node, value.error());
    return std::nullopt;
  }
  return std::move(value.value());
}

std::optional<std::string> Reader::nonEmpty(const Node& node, const std::string& path) {
  auto value = text(node, path);
  if (value && value->empty()) {
    error(path, node, "must not be empty");
    return std::nullopt;
  }
  return value;
}

std::optional<Secret> Reader::secret(const Node& node, const std::string& path) {
  auto value = nonEmpty(node, path);
  if (!value)
    return std::nullopt;
  return Secret(std::move(*value));
}

// A duration within `range`. Zero gets its own message when the range excludes it; a value
// too large to parse at all (see common::kMaxDuration) is reported as out of range.
std::optional<Duration> Reader::duration(const Node& node, const std::string& path,
                                         DurationRange range) {
  auto value = text(node, path);
  if (!value)
    return std::nullopt;
  const std::string_view written = common::trim(*value);
  common::DurationProblem problem = common::DurationProblem::Invalid;
  auto parsed = common::parseDuration(written, &problem);
  const std::string rule = "must be between " + common::formatDuration(range.min) + " and " +
                           common::formatDuration(range.max);
  if (!parsed && problem == common::DurationProblem::TooLarge) {
    error(path, node, rule + ", got " + std::string(common::truncateUtf8(written, kMaxQuoted)));
    return std::nullopt;
  }
  if (!parsed) {
    error(path, node, "invalid duration " + quote(*value));
    return std::nullopt;
  }
  if (parsed->count() == 0 && range.min > Duration::zero()) {
    error(path, node, "must be greater than 0");
    return std::nullopt;
  }
  if (*parsed < range.min || *parsed > range.max) {
    error(path, node, rule + ", got " + common::formatDuration(*parsed));
    return std::nullopt;
  }
  return parsed;
}

std::optional<int> Reader::integer(const Node& node, const std::string& path, int min, int max) {
  auto value = text(node, path);
  if (!value)
    return std::nullopt;
  std::string_view s = common::trim(*value);
  long long n = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size()) {
    error(path, node, "must be a whole number, got " + quote(*value));
    return std::nullopt;
  }
  if (n < min || n > max) {
    error(path, node,
          "must be between " + std::to_string(min) + " and " + std::to_string(max) + ", got " +
              std::to_string(n));
    return std::nullopt;
  }
  return static_cast<int>(n);
}

std::optional<bool> Reader::boolean(const Node& node, const std::string& path) {
  auto value = text(node, path);
  if (!value)
    return std::nullopt;
  if (*value == "true" || *value == "True" || *value == "TRUE")
    return true;
  if (*value == "false" || *value == "False" || *value == "FALSE")
    return false;
  error(path, node, "must be true or false, got " + quote(*value));
  return std::nullopt;
}

std::optional<std::vector<std::pair<std::string, Node>>>
Reader::stringList(const Node& node, const std::string& path) {
  auto items = sequence(node, path);
  if (!items)
    return std::nullopt;
  std::vector<std::pair<std::string, Node>> out;
  for (std::size_t i = 0; i < items->size(); ++i)
    if (auto value = text((*items)[i], index(path, i)))
      out.emplace_back(std::move(*value), (*items)[i]);
  return out;
}

std::optional<std::string> Reader::url(const Node& node, const std::string& path) {
  auto value = nonEmpty(node, path);
  if (!value)
    return std::nullopt;
  if (auto problem = urlProblem(*value)) {
    error(path, node, "invalid URL " + quote(urlOrigin(*value)) + ": " + *problem);
    return std::nullopt;
  }
  return value;
}

std::optional<Secret> Reader::secretUrl(const Node& node, const std::string& path) {
  auto value = nonEmpty(node, path);
  if (!value)
    return std::nullopt;
  if (auto problem = urlProblem(*value)) {
    error(path, node, "invalid URL: " + *problem);
    return std::nullopt;
  }
  return Secret(std::move(*value));
}

// Header names must be tokens and unique ignoring case; values are secrets and must not be
// able to inject further header lines.
std::map<std::string, Secret> Reader::headers(const Node& node, const std::string& path) {
  std::map<std::string, Secret> out;
  auto f = fields(node, path, {}, true);
  if (!f)
    return out;
  static const std::vector<std::string_view> kReserved = {
      "host", "content-length", "transfer-encoding", "connection", "upgrade", "te"};
  std::set<std::string> lowerNames;
  for (const auto& [name, value] : f->entries()) {
    std::string keyPath = child(path, name);
    std::string lower = common::toLower(name);
    if (!isHeaderName(name)) {
      error(keyPath, value, "invalid header name");
      continue;
    }
    if (std::find(kReserved.begin(), kReserved.end(), lower) != kReserved.end()) {
      error(keyPath, value, "is set by mcpwatch itself and cannot be configured");
      continue;
    }
    if (!lowerNames.insert(lower).second) {
      error(keyPath, value, "duplicate header (names are case-insensitive)");
      continue;
    }
    if (value.isNull()) {
      error(keyPath, value, "must not be empty");
      continue;
    }
    auto v = text(value, keyPath);
    if (!v)
      continue;
    if (v->find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos) {
      error(keyPath, value, "header value must not contain line breaks or NUL bytes");
      continue;
    }
    out.emplace(name, Secret(std::move(*v)));
  }
  return out;
}

std::string Reader::resolvePath(const std::string& path) const {
  std::filesystem::path p(path);
  if (baseDir_.empty() || p.is_absolute())
    return p.lexically_normal().string();
  return (std::filesystem::path(baseDir_) / p).lexically_normal().string();
}

// The prefix of PagerDuty dedup keys and OpsGenie aliases: "{prefix}-{slug}" (slug at most 63)
// must stay within PagerDuty's 255 (OpsGenie allows 512, with "-schema" for drift).
std::optional<std::string> Reader::dedupPrefix(const Node& node, const std::string& path) {
  auto v = nonEmpty(node, path);
  if (!v)
    return std::nullopt;
  bool ok = std::all_of(v->begin(), v->end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
  });
  if (!ok) {
    error(path, node, "invalid prefix " + quote(*v) + " (use letters, digits, ., _ and -)");
    return std::nullopt;
  }
  if (v->size() > 191) {
    error(path, node, "must be at most 191 characters");
    return std::nullopt;
  }
  return v;
}

// A webhook URL that is itself the credential (Slack, Discord): https only, kept as a secret.
std::optional<Secret> Reader::webhookUrl(const Node& node, const std::string& path,
                                         std::string_view service) {
  auto v = secretUrl(node, path);
  if (!v)
    return std::nullopt;
  // http:// is allowed for loopback receivers (tests, local relays) only: the URL is a token.
  const auto& u = v->reveal();
  if (!common::iequals(u.substr(0, 8), "https://") &&
      !common::iequals(u.substr(0, 17), "http://127.0.0.1:") &&
      !common::iequals(u.substr(0, 17), "http://localhost:")) {
    error(path, node,
          "must be an https:// URL (the " + std::string(service) + " webhook URL is a secret)");
    return std::nullopt;
  }
  return v;
}

std::optional<Severity> Reader::severity(const Node& node, const std::string& path) {
  return choice<Severity>(node, path,
                          {{"critical", Severity::Critical},
                           {"error", Severity::Error},
                           {"warning", Severity::Warning},
                           {"info", Severity::Info}});
}

} // namespace mcpwatch::config
