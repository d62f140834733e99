// The value readers of the config loader: every problem is collected with its key path and line,
// never a secret's value. The loader and every sink type's own parser (config::SinkType) read
// through one Reader, so all errors come back together.
#pragma once

#include "common/expected.hpp"
#include "common/secret.hpp"
#include "config/config.hpp"
#include "config/interpolate.hpp"
#include "config/yaml.hpp"

#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mcpwatch::config {

struct ConfigError {
  std::string path; // "servers[2].interval", "sinks.pd.routing_key"; empty for the whole file
  std::string message;
  int line = 0; // 1-based; 0 when unknown

  // "path: message (line N)"
  std::string toString() const;
  friend bool operator==(const ConfigError&, const ConfigError&) = default;
};

// The accepted range of a duration key (the README's config reference lists them).
struct DurationRange {
  Duration min;
  Duration max;
};

// Non-secret user text quoted back in a message: cut short, control bytes made visible.
std::string quote(std::string_view value);
int lineOf(const yaml::Node& node);
std::string child(const std::string& path, std::string_view key); // "a.b"
std::string index(const std::string& path, std::size_t i);        // "a[3]"
bool isHeaderName(std::string_view s);                            // an HTTP token
bool isBase64(std::string_view s);                                // standard, padded

// A mapping's entries after checking keys: unknown and duplicate keys are reported once here.
class Fields {
public:
  Fields() = default;
  Fields(yaml::Node self, std::string path) : self_(std::move(self)), path_(std::move(path)) {}

  void add(std::string key, yaml::Node value) {
    entries_.emplace_back(std::move(key), std::move(value));
  }

  // The value, or nullopt when the key is absent or explicitly empty (`key:` / `key: null`).
  std::optional<yaml::Node> get(std::string_view key) const {
    for (const auto& [k, v] : entries_)
      if (k == key)
        return v.isNull() ? std::nullopt : std::optional<yaml::Node>(v);
    return std::nullopt;
  }
  bool has(std::string_view key) const { return get(key).has_value(); }
  const std::string& path() const { return path_; }
  std::string path(std::string_view key) const { return child(path_, key); }
  int line() const { return lineOf(self_); }
  const std::vector<std::pair<std::string, yaml::Node>>& entries() const { return entries_; }

private:
  yaml::Node self_;
  std::string path_;
  std::vector<std::pair<std::string, yaml::Node>> entries_;
};

class Reader {
public:
  using Node = yaml::Node;
  using Secret = common::Secret;

  Reader(const EnvLookup& env, std::string baseDir) : env_(env), baseDir_(std::move(baseDir)) {}

  void error(const std::string& path, int line, std::string message);
  void error(const std::string& path, const Node& node, std::string message);
  std::size_t errorCount() const { return errors_.size(); }
  // Every problem so far, in file order (those without a line last).
  std::vector<ConfigError> takeErrors();

  // Checks that `node` is a mapping whose keys are all in one of `allowed`; reports unknown and
  // duplicate keys. nullopt (after reporting) when it is not a mapping.
  std::optional<Fields> fields(const Node& node, const std::string& path,
                               std::initializer_list<const std::vector<std::string_view>*> allowed,
                               bool allowAnyKey = false);
  std::optional<std::vector<Node>> sequence(const Node& node, const std::string& path);

  // The scalar's text after ${VAR} substitution. Never quotes the text in errors (it may be a
  // secret); callers that know the value is not secret quote it themselves.
  std::optional<std::string> text(const Node& node, const std::string& path);
  std::optional<std::string> nonEmpty(const Node& node, const std::string& path);
  std::optional<Secret> secret(const Node& node, const std::string& path);
  // A duration within `range`. Zero gets its own message when the range excludes it; a value
  // too large to parse at all (see common::kMaxDuration) is reported as out of range.
  std::optional<Duration> duration(const Node& node, const std::string& path, DurationRange range);
  std::optional<int> integer(const Node& node, const std::string& path, int min, int max);
  std::optional<bool> boolean(const Node& node, const std::string& path);
  template <class E>
  std::optional<E> choice(const Node& node, const std::string& path,
                          const std::vector<std::pair<std::string_view, E>>& options) {
    auto value = text(node, path);
    if (!value)
      return std::nullopt;
    for (const auto& [name, v] : options)
      if (*value == name)
        return v;
    std::string names;
    for (const auto& [name, v] : options)
      names += (names.empty() ? "" : ", ") + std::string(name);
    error(path, node, "must be one of " + names + ", got " + quote(*value));
    return std::nullopt;
  }

  std::optional<std::vector<std::pair<std::string, Node>>> stringList(const Node& node,
                                                                      const std::string& path);
  // An http(s) URL; errors show only its scheme and host.
  std::optional<std::string> url(const Node& node, const std::string& path);
  // A URL that is itself a credential: errors never show any of it.
  std::optional<Secret> secretUrl(const Node& node, const std::string& path);
  // A webhook URL that is the credential (Slack, Discord): https only (http only to loopback).
  std::optional<Secret> webhookUrl(const Node& node, const std::string& path,
                                   std::string_view service);
  // Header names must be tokens and unique ignoring case; values are secrets and must not be
  // able to inject further header lines.
  std::map<std::string, Secret> headers(const Node& node, const std::string& path);
  // Relative paths resolve against the config file's directory.
  std::string resolvePath(const std::string& path) const;
  // The prefix of PagerDuty dedup keys and OpsGenie aliases: "{prefix}-{slug}" (slug at most 63)
  // must stay within PagerDuty's 255 (OpsGenie allows 512, with "-schema" for drift).
  std::optional<std::string> dedupPrefix(const Node& node, const std::string& path);
  std::optional<Severity> severity(const Node& node, const std::string& path);

protected:
  const EnvLookup& env_;
  std::string baseDir_;
  std::vector<ConfigError> errors_;
};

} // namespace mcpwatch::config
