// YAML to Config: walks the document once, collecting every problem with its key path and line.
#include "config/loader.hpp"

#include "common/crypto.hpp"
#include "common/duration.hpp"
#include "common/strings.hpp"
#include "common/time.hpp"
#include "common/url.hpp"
#include "config/reader.hpp"
#include "config/sink_type.hpp"
#include "config/yaml.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <set>
#include <tuple>
#include <unordered_map>

namespace mcpwatch::config {

namespace {

using common::Secret;
using Node = yaml::Node;

constexpr int kMaxArgsDepth = 32;
constexpr std::size_t kMaxArgsNodes = 10'000;
// Server context for alerts: PagerDuty keeps custom_details small, chat messages short.
constexpr std::size_t kMaxDescriptionBytes = 1000;
constexpr std::size_t kMaxOwnerBytes = 200;
constexpr std::size_t kMaxServerLinks = 10;

const std::vector<std::string_view> kTopKeys = {"defaults",  "storage",     "servers", "routes",
                                                "sinks",     "maintenance", "web",     "alerting",
                                                "heartbeat", "scheduler",   "log"};
const std::vector<std::string_view> kCheckKeys = {
    "interval",          "timeout",           "retry_interval",
    "failure_threshold", "success_threshold", "accepted_protocol_versions",
    "schema_drift",      "transport",         "insecure",
    "ca_file",           "tls_resumption",    "flapping"};
const std::vector<std::string_view> kServerOwnKeys = {
    "slug",    "name",  "url",         "tags",        "headers", "public",     "call",
    "enabled", "owner", "description", "runbook_url", "links",   "depends_on", "auth"};

// The accepted range of every duration key (the README's config reference lists them). Upper
// bounds keep schedules meaningful and every deadline far from system_clock's limits.
using std::chrono::days;
using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;
constexpr DurationRange kIntervalRange{seconds(1), days(1)};
constexpr DurationRange kTimeoutRange{milliseconds(100), minutes(5)};    // and <= interval
constexpr DurationRange kRetryIntervalRange{milliseconds(100), days(1)}; // and <= interval
constexpr DurationRange kRetentionRange{days(1), days(3650)}; // the deprecated scalar form
constexpr DurationRange kRawRetentionRange{hours(1), days(90)};
constexpr DurationRange kRollupRetentionRange{days(1), days(3650)};
constexpr DurationRange kFailureRetentionRange{days(1), days(3650)};
// Under a minute is a flood in a chat channel; over a week nobody is waiting for it any more.
constexpr DurationRange kReminderIntervalRange{minutes(1), days(7)};
constexpr DurationRange kWindowDurationRange{minutes(1), days(366)};
constexpr DurationRange kHeartbeatIntervalRange{seconds(10), days(1)};
constexpr DurationRange kRetryWaitRange{milliseconds(100), days(1)};
constexpr DurationRange kGiveUpAfterRange{seconds(1), days(30)};
constexpr DurationRange kJitterRange{Duration::zero(), hours(1)};

bool isLowerWord(std::string_view s, bool allowUnderscore) {
  if (s.empty())
    return false;
  return std::all_of(s.begin(), s.end(), [&](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           (allowUnderscore && c == '_');
  });
}

bool isSlug(std::string_view s) {
  if (s.empty() || s.size() > 63 || s.front() == '-')
    return false;
  return isLowerWord(s, false);
}

bool isProtocolVersion(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-')
    return false;
  for (std::size_t i = 0; i < s.size(); ++i)
    if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
      return false;
  return true;
}

// The timing keys one level (defaults or a server) sets itself, when they are valid.
struct TimingKeys {
  std::optional<Node> interval;
  std::optional<Node> timeout;
  std::optional<Node> retryInterval;
  bool invalid = false; // one of them is present but was refused (already reported)
};

class Loader : public Reader {
public:
  Loader(const EnvLookup& env, std::string baseDir, const SinkTypes& sinkTypes)
      : Reader(env, std::move(baseDir)), sinkTypes_(sinkTypes) {}

  void load(const Node& root, Config& config) {
    if (!root.isDefined() || root.isNull()) {
      error("", 0,
            "the file is empty: expected a mapping of settings (see examples/mcpwatch.yaml)");
      return;
    }
    auto top = fields(root, "", {&kTopKeys});
    if (!top)
      return;
    if (auto n = top->get("defaults")) {
      if (auto f = fields(*n, "defaults", {&kCheckKeys})) {
        defaultTimings_ = applyCheckSettings(*f, config.defaults);
        checkTimings(*f, config.defaults, defaultTimings_, nullptr);
      }
    }
    if (auto n = top->get("storage"))
      readStorage(*n, config.storage);
    else
      config.storage.path = resolvePath(config.storage.path);
    if (auto n = top->get("servers")) {
      readServers(*n, config);
      checkDependencies(config);
    }
    if (auto n = top->get("sinks"))
      readSinks(*n, config);
    if (auto n = top->get("routes"))
      readRoutes(*n, config);
    if (auto n = top->get("maintenance"))
      readMaintenance(*n, config);
    if (auto n = top->get("web"))
      readWeb(*n, config.web);
    if (auto n = top->get("heartbeat"))
      readHeartbeat(*n, config);
    if (auto n = top->get("alerting"))
      readAlerting(*n, config.alerting);
    if (auto n = top->get("scheduler"))
      readScheduler(*n, config.scheduler);
    if (auto n = top->get("log"))
      readLog(*n, config.log);
  }

private:
  const SinkTypes& sinkTypes_;
  std::set<std::string> sinkNames_; // every declared sink, even one with errors
  TimingKeys defaultTimings_;       // what `defaults:` sets itself
  // depends_on entries by server, with their key paths and nodes, checked once all servers are
  // read (a server may depend on one listed after it).
  std::map<std::string, std::vector<std::tuple<std::string, std::string, Node>>> dependencyNodes_;

  // depends_on: every slug names another configured server, and no chain leads back to its
  // start (a cycle would hold both triggers forever).
  void checkDependencies(Config& config) {
    // One index for the whole fleet: a 100,000-server config stays linear.
    std::unordered_map<std::string, std::size_t> at;
    at.reserve(config.servers.size());
    for (std::size_t i = 0; i < config.servers.size(); ++i)
      at.emplace(config.servers[i].slug, i);
    for (auto& server : config.servers) {
      auto it = dependencyNodes_.find(server.slug);
      if (it == dependencyNodes_.end())
        continue;
      for (const auto& [slug, path, node] : it->second) {
        if (slug == server.slug)
          error(path, node, "a server cannot depend on itself");
        else if (!at.contains(slug))
          error(path, node, "unknown server " + quote(slug));
      }
      std::erase_if(server.dependsOn, [&](const std::string& slug) {
        return slug == server.slug || !at.contains(slug);
      });
    }
    // Cycles, without recursion (a chain may be as long as the fleet): walk each server's
    // dependencies depth-first on an explicit stack; meeting a server still on the path closes
    // a cycle, reported once at the entry that closes it.
    std::vector<int> mark(config.servers.size(), 0); // 0 new, 1 on the path, 2 done
    struct Frame {
      std::size_t server;
      std::size_t next = 0; // the next dependency to follow
    };
    for (std::size_t root = 0; root < config.servers.size(); ++root) {
      if (mark[root] != 0)
        continue;
      std::vector<Frame> stack{{root}};
      mark[root] = 1;
      while (!stack.empty()) {
        auto& frame = stack.back();
        const auto& deps = config.servers[frame.server].dependsOn;
        if (frame.next == deps.size()) {
          mark[frame.server] = 2;
          stack.pop_back();
          continue;
        }
        const std::string& dep = deps[frame.next++];
        const std::size_t next = at.at(dep);
        if (mark[next] == 0) {
          mark[next] = 1;
          stack.push_back({next});
        } else if (mark[next] == 1) {
          std::string chain;
          bool in = false;
          for (const auto& f : stack) {
            in = in || f.server == next;
            if (in)
              chain += config.servers[f.server].slug + " -> ";
          }
          chain += dep;
          const auto& from = config.servers[frame.server].slug;
          for (const auto& [slug, keyPath, node] : dependencyNodes_[from])
            if (slug == dep)
              error(keyPath, node, "dependency cycle: " + chain);
        }
      }
    }
  }

  // --- values ----------------------------------------------------------------------------------

  std::vector<std::string> tagList(const Node& node, const std::string& path) {
    std::vector<std::string> tags;
    auto items = stringList(node, path);
    if (!items)
      return tags;
    for (std::size_t i = 0; i < items->size(); ++i) {
      auto& [tag, item] = (*items)[i];
      if (!isLowerWord(tag, true))
        error(index(path, i), item, "invalid tag " + quote(tag) + " (use a-z, 0-9, _ and -)");
      else if (std::find(tags.begin(), tags.end(), tag) == tags.end())
        tags.push_back(tag);
    }
    return tags;
  }

  // Slugs that must name configured servers.
  std::vector<std::string> serverRefs(const Node& node, const std::string& path,
                                      const Config& config) {
    std::vector<std::string> slugs;
    auto items = stringList(node, path);
    if (!items)
      return slugs;
    for (std::size_t i = 0; i < items->size(); ++i) {
      auto& [slug, item] = (*items)[i];
      if (config.findServer(slug) == nullptr)
        error(index(path, i), item, "unknown server " + quote(slug));
      else
        slugs.push_back(slug);
    }
    return slugs;
  }

  // --- sections ------------------------------------------------------------------------------

  // Overlays the check keys present in `f` onto `out` (defaults first, then each server).
  TimingKeys applyCheckSettings(const Fields& f, CheckSettings& out) {
    TimingKeys keys;
    auto timing = [&](std::string_view key, DurationRange range, Duration& target,
                      std::optional<Node>& seen) {
      auto n = f.get(key);
      if (!n)
        return;
      if (auto v = duration(*n, f.path(key), range)) {
        target = *v;
        seen = *n;
      } else {
        keys.invalid = true;
      }
    };
    timing("interval", kIntervalRange, out.interval, keys.interval);
    timing("timeout", kTimeoutRange, out.timeout, keys.timeout);
    timing("retry_interval", kRetryIntervalRange, out.retryInterval, keys.retryInterval);
    if (auto n = f.get("failure_threshold"))
      if (auto v = integer(*n, f.path("failure_threshold"), 1, 1000))
        out.failureThreshold = *v;
    if (auto n = f.get("success_threshold"))
      if (auto v = integer(*n, f.path("success_threshold"), 1, 1000))
        out.successThreshold = *v;
    if (auto n = f.get("accepted_protocol_versions")) {
      std::string path = f.path("accepted_protocol_versions");
      if (auto items = stringList(*n, path)) {
        std::vector<std::string> versions;
        bool ok = true;
        for (std::size_t i = 0; i < items->size(); ++i) {
          auto& [version, item] = (*items)[i];
          if (!isProtocolVersion(version)) {
            error(index(path, i), item,
                  "invalid protocol version " + quote(version) + " (expected YYYY-MM-DD)");
            ok = false;
          } else if (std::find(versions.begin(), versions.end(), version) == versions.end()) {
            versions.push_back(version);
          }
        }
        if (ok && items->size() == n->size() && versions.empty())
          error(path, *n, "must list at least one version");
        else if (ok && items->size() == n->size())
          out.acceptedProtocolVersions = std::move(versions);
      }
    }
    if (auto n = f.get("schema_drift"))
      if (auto v = choice<SchemaDriftPolicy>(*n, f.path("schema_drift"),
                                             {{"warn", SchemaDriftPolicy::Warn},
                                              {"fail", SchemaDriftPolicy::Fail},
                                              {"ignore", SchemaDriftPolicy::Ignore}}))
        out.schemaDrift = *v;
    if (auto n = f.get("transport"))
      if (auto v = choice<Transport>(*n, f.path("transport"),
                                     {{"auto", Transport::Auto},
                                      {"modern", Transport::Modern},
                                      {"streamable-http", Transport::StreamableHttp},
                                      {"sse", Transport::Sse}}))
        out.transport = *v;
    if (auto n = f.get("insecure"))
      if (auto v = boolean(*n, f.path("insecure")))
        out.insecure = *v;
    if (auto n = f.get("tls_resumption"))
      if (auto v = boolean(*n, f.path("tls_resumption")))
        out.tlsResumption = *v;
    if (auto n = f.get("ca_file")) {
      if (auto v = nonEmpty(*n, f.path("ca_file"))) {
        auto resolved = resolvePath(*v);
        std::error_code ec;
        if (!std::filesystem::is_regular_file(resolved, ec))
          error(f.path("ca_file"), *n, "file not found: " + quote(*v));
        else
          out.caFile = resolved;
      }
    }
    if (auto n = f.get("flapping"))
      applyFlapping(*n, f.path("flapping"), out.flapping);
    return keys;
  }

  // timeout and retry_interval may not exceed the interval: a probe never overlaps the next one
  // of the same server, so a longer timeout silently stretches the interval, and a retry slower
  // than the interval would not confirm anything sooner. Unset, they default to their built-in
  // values (10s, 20s) capped at the interval. Only keys `own` sets can create a new conflict: the
  // defaults were checked on their own.
  void checkTimings(const Fields& f, CheckSettings& s, const TimingKeys& own,
                    const TimingKeys* inherited) {
    if (own.invalid || (inherited && inherited->invalid))
      return;
    const CheckSettings builtin;
    if (!own.timeout && !(inherited && inherited->timeout))
      s.timeout = std::min(builtin.timeout, s.interval);
    if (!own.retryInterval && !(inherited && inherited->retryInterval))
      s.retryInterval = std::min(builtin.retryInterval, s.interval);
    auto check = [&](std::string_view key, Duration value, const std::optional<Node>& ownKey) {
      if (value <= s.interval)
        return;
      if (ownKey)
        error(f.path(key), *ownKey,
              "must be at most the interval (" + common::formatDuration(s.interval) + "), got " +
                  common::formatDuration(value));
      else if (own.interval)
        error(f.path("interval"), *own.interval,
              "must be at least " + std::string(key) + " (" + common::formatDuration(value) +
                  ", set in defaults." + std::string(key) + "), got " +
                  common::formatDuration(s.interval));
    };
    check("timeout", s.timeout, own.timeout);
    check("retry_interval", s.retryInterval, own.retryInterval);
  }

  void applyFlapping(const Node& node, const std::string& path, FlappingSettings& out) {
    static const std::vector<std::string_view> kKeys = {"enabled", "window", "high_threshold",
                                                        "low_threshold"};
    auto f = fields(node, path, {&kKeys});
    if (!f)
      return;
    if (auto n = f->get("enabled"))
      if (auto v = boolean(*n, f->path("enabled")))
        out.enabled = *v;
    if (auto n = f->get("window"))
      if (auto v = integer(*n, f->path("window"), 5, 100))
        out.window = *v;
    bool thresholdsOk = true;
    if (auto n = f->get("high_threshold")) {
      auto v = integer(*n, f->path("high_threshold"), 1, 100);
      thresholdsOk = thresholdsOk && v.has_value();
      if (v)
        out.highThreshold = *v;
    }
    if (auto n = f->get("low_threshold")) {
      auto v = integer(*n, f->path("low_threshold"), 0, 99);
      thresholdsOk = thresholdsOk && v.has_value();
      if (v)
        out.lowThreshold = *v;
    }
    if (thresholdsOk && out.lowThreshold >= out.highThreshold)
      error(f->path("low_threshold"), f->line(),
            "must be lower than high_threshold (" + std::to_string(out.lowThreshold) +
                " >= " + std::to_string(out.highThreshold) + ")");
  }

  void readStorage(const Node& node, StorageConfig& out) {
    static const std::vector<std::string_view> kKeys = {"path", "retention"};
    out.path = resolvePath(out.path);
    auto f = fields(node, "storage", {&kKeys});
    if (!f)
      return;
    if (auto n = f->get("path"))
      if (auto v = nonEmpty(*n, f->path("path")))
        out.path = resolvePath(*v);
    if (auto n = f->get("retention"))
      readRetention(*n, f->path("retention"), out);
  }

  // `retention: {raw: 24h, rollups: 400d, failures: 400d}`; the old scalar `retention: 90d` still
  // works (it sets rollups and failures, raw keeps its default) and check-config warns about it.
  void readRetention(const Node& node, const std::string& path, StorageConfig& out) {
    if (node.isScalar()) {
      if (auto v = duration(node, path, kRetentionRange)) {
        out.retention.rollups = *v;
        out.retention.failures = *v;
        out.legacyRetentionLine = lineOf(node);
      }
      return;
    }
    static const std::vector<std::string_view> kKeys = {"raw", "rollups", "failures"};
    auto f = fields(node, path, {&kKeys});
    if (!f)
      return;
    bool rawOk = true;
    bool rollupsOk = true;
    if (auto n = f->get("raw")) {
      auto v = duration(*n, f->path("raw"), kRawRetentionRange);
      rawOk = v.has_value();
      if (v)
        out.retention.raw = *v;
    }
    if (auto n = f->get("rollups")) {
      auto v = duration(*n, f->path("rollups"), kRollupRetentionRange);
      rollupsOk = v.has_value();
      if (v)
        out.retention.rollups = *v;
    }
    if (auto n = f->get("failures"))
      if (auto v = duration(*n, f->path("failures"), kFailureRetentionRange))
        out.retention.failures = *v;
    // Windows longer than raw read rollups: they must exist for at least as long.
    if (rawOk && rollupsOk && out.retention.raw > out.retention.rollups)
      error(f->path("raw"), f->get("raw") ? lineOf(*f->get("raw")) : f->line(),
            "must be at most rollups (" + common::formatDuration(out.retention.raw) + " > " +
                common::formatDuration(out.retention.rollups) + ")");
  }

  void readServers(const Node& node, Config& config) {
    auto items = sequence(node, "servers");
    if (!items)
      return;
    std::map<std::string, std::string> firstPath; // slug -> where it was first declared
    config.servers.reserve(config.servers.size() + items->size()); // a fleet's list moves once
    for (std::size_t i = 0; i < items->size(); ++i) {
      std::string path = index("servers", i);
      const Node& item = (*items)[i];
      auto f = fields(item, path, {&kServerOwnKeys, &kCheckKeys});
      if (!f)
        continue;
      ServerConfig server;
      server.line = lineOf(item);
      server.check = config.defaults;
      bool ok = true;
      if (auto n = f->get("slug")) {
        auto slug = text(*n, f->path("slug"));
        if (!slug) {
          ok = false;
        } else if (!isSlug(*slug)) {
          error(f->path("slug"), *n,
                "invalid slug " + quote(*slug) +
                    " (1-63 characters of a-z, 0-9 and -, not starting with -)");
          ok = false;
        } else if (auto [it, fresh] = firstPath.emplace(*slug, path); !fresh) {
          error(f->path("slug"), *n,
                "duplicate slug " + quote(*slug) + " (first used at " + it->second + ")");
          ok = false;
        } else {
          server.slug = *slug;
        }
      } else {
        error(f->path("slug"), f->line(), "is required");
        ok = false;
      }
      server.name = server.slug;
      if (auto n = f->get("name"))
        if (auto v = nonEmpty(*n, f->path("name")))
          server.name = *v;
      if (auto n = f->get("url")) {
        if (auto v = url(*n, f->path("url")))
          server.url = *v;
      } else {
        error(f->path("url"), f->line(), "is required");
      }
      if (auto n = f->get("tags"))
        server.tags = tagList(*n, f->path("tags"));
      serverContext(*f, server);
      if (auto n = f->get("depends_on")) {
        if (auto items = stringList(*n, f->path("depends_on"))) {
          for (std::size_t i = 0; i < items->size(); ++i) {
            auto& [slug, item] = (*items)[i];
            if (std::find(server.dependsOn.begin(), server.dependsOn.end(), slug) ==
                server.dependsOn.end())
              server.dependsOn.push_back(slug);
            dependencyNodes_[server.slug].emplace_back(slug, index(f->path("depends_on"), i), item);
          }
        }
      }
      if (auto n = f->get("headers"))
        server.headers = headers(*n, f->path("headers"));
      if (auto n = f->get("auth"))
        readAuth(*n, f->path("auth"), server);
      if (auto n = f->get("public"))
        if (auto v = boolean(*n, f->path("public")))
          server.isPublic = *v;
      if (auto n = f->get("enabled"))
        if (auto v = boolean(*n, f->path("enabled")))
          server.enabled = *v;
      if (auto n = f->get("call"))
        server.call = toolCall(*n, f->path("call"));
      auto timings = applyCheckSettings(*f, server.check);
      checkTimings(*f, server.check, timings, &defaultTimings_);
      // A server without a usable slug cannot be referenced; keep it out of cross-checks.
      if (ok)
        config.servers.push_back(std::move(server));
    }
  }

  // A server's `auth:` (how mcpwatch deals with OAuth): its own client (`type:
  // client_credentials`), or `protected_is_up` for a server probed without credentials. Neither
  // goes with an Authorization header.
  void readAuth(const Node& node, const std::string& path, ServerConfig& server) {
    static const std::vector<std::string_view> kKeys = {
        "type",  "client_id", "client_secret", "private_key_file",
        "scope", "token_url", "issuer",        "protected_is_up"};
    auto f = fields(node, path, {&kKeys});
    if (!f)
      return;
    if (auto n = f->get("protected_is_up"))
      if (auto v = boolean(*n, f->path("protected_is_up")))
        server.protectedIsUp = *v;
    auto authorizationHeader = [&] {
      return std::any_of(server.headers.begin(), server.headers.end(),
                         [](const auto& h) { return common::iequals(h.first, "Authorization"); });
    };
    if (server.protectedIsUp && authorizationHeader()) {
      error(f->path("protected_is_up"), *f->get("protected_is_up"),
            "cannot be true with an Authorization header: it is for servers probed "
            "without credentials");
      server.protectedIsUp = false;
    }
    auto type = f->get("type");
    if (!type) {
      for (auto key :
           {"client_id", "client_secret", "private_key_file", "scope", "token_url", "issuer"})
        if (auto n = f->get(key))
          error(f->path(key), *n, "needs type: client_credentials");
      return;
    }
    auto kind = choice<int>(*type, f->path("type"), {{"client_credentials", 1}});
    if (!kind)
      return;
    if (server.protectedIsUp) {
      error(f->path("protected_is_up"), *f->get("protected_is_up"),
            "cannot be true with type: client_credentials: it is for servers probed without "
            "credentials");
      server.protectedIsUp = false;
    }
    if (authorizationHeader())
      error(f->path("type"), *type,
            "cannot go with an Authorization header: mcpwatch sends the token it gets");
    OAuthClientConfig c;
    bool ok = true;
    if (auto n = f->get("client_id")) {
      if (auto v = nonEmpty(*n, f->path("client_id")))
        c.clientId = *v;
      else
        ok = false;
    } else {
      error(f->path("client_id"), f->line(), "is required with type: client_credentials");
      ok = false;
    }
    auto secretNode = f->get("client_secret");
    auto keyNode = f->get("private_key_file");
    if (secretNode && keyNode) {
      error(f->path("private_key_file"), *keyNode,
            "give client_secret or private_key_file, not both");
      ok = false;
    } else if (!secretNode && !keyNode) {
      error(f->path("client_secret"), f->line(),
            "type: client_credentials needs client_secret or private_key_file");
      ok = false;
    } else if (secretNode) {
      auto v = secret(*secretNode, f->path("client_secret"));
      if (v && !v->empty())
        c.clientSecret = std::move(*v);
      else {
        if (v)
          error(f->path("client_secret"), *secretNode, "must not be empty");
        ok = false;
      }
    } else if (auto v = nonEmpty(*keyNode, f->path("private_key_file"))) {
      c.privateKeyFile = resolvePath(*v);
      if (auto pem = common::readPrivateKeyFile(c.privateKeyFile)) {
        c.privateKeyPem = Secret(std::move(*pem));
      } else {
        error(f->path("private_key_file"), *keyNode, quote(c.privateKeyFile) + ": " + pem.error());
        ok = false;
      }
    } else {
      ok = false;
    }
    if (auto n = f->get("scope")) {
      if (auto v = nonEmpty(*n, f->path("scope")))
        c.scope = *v;
      else
        ok = false;
    }
    for (auto [key, field] : {std::pair{"token_url", &c.tokenUrl}, std::pair{"issuer", &c.issuer}})
      if (auto n = f->get(key)) {
        auto v = url(*n, f->path(key));
        if (v && !common::Url::parse(*v)->secureOrLoopback())
          error(f->path(key), *n,
                "must be https (http only to a loopback host): credentials go there");
        if (v && common::Url::parse(*v)->secureOrLoopback())
          *field = *v;
        else
          ok = false;
      }
    if (ok)
      server.oauth = std::move(c);
  }

  // description, owner, runbook_url and links: context for the person who gets the alert.
  void serverContext(const Fields& f, ServerConfig& server) {
    auto boundedText = [&](std::string_view key, std::size_t max) -> std::string {
      auto n = f.get(key);
      if (!n)
        return {};
      auto v = nonEmpty(*n, f.path(key));
      if (!v)
        return {};
      if (v->size() > max) {
        error(f.path(key), *n, "at most " + std::to_string(max) + " bytes");
        return {};
      }
      return *v;
    };
    server.description = boundedText("description", kMaxDescriptionBytes);
    server.owner = boundedText("owner", kMaxOwnerBytes);
    if (auto n = f.get("runbook_url"))
      if (auto v = url(*n, f.path("runbook_url")))
        server.runbookUrl = *v;
    auto n = f.get("links");
    if (!n)
      return;
    std::string path = f.path("links");
    auto items = sequence(*n, path);
    if (!items)
      return;
    if (items->size() > kMaxServerLinks) {
      error(path, *n, "at most " + std::to_string(kMaxServerLinks) + " links");
      return;
    }
    static const std::vector<std::string_view> kLinkKeys = {"name", "url"};
    for (std::size_t i = 0; i < items->size(); ++i) {
      auto l = fields((*items)[i], index(path, i), {&kLinkKeys});
      if (!l)
        continue;
      ServerLink link;
      if (auto v = l->get("name")) {
        if (auto t = nonEmpty(*v, l->path("name")))
          link.name = *t;
      } else {
        error(l->path("name"), l->line(), "is required");
      }
      if (auto v = l->get("url")) {
        if (auto u = url(*v, l->path("url")))
          link.url = *u;
      } else {
        error(l->path("url"), l->line(), "is required");
      }
      if (link.name.size() > kMaxOwnerBytes) {
        error(l->path("name"), (*items)[i], "at most " + std::to_string(kMaxOwnerBytes) + " bytes");
        continue;
      }
      if (!link.name.empty() && !link.url.empty())
        server.links.push_back(std::move(link));
    }
  }

  std::optional<ToolCallConfig> toolCall(const Node& node, const std::string& path) {
    static const std::vector<std::string_view> kKeys = {"tool", "args"};
    auto f = fields(node, path, {&kKeys});
    if (!f)
      return std::nullopt;
    ToolCallConfig call;
    if (auto n = f->get("tool")) {
      if (auto v = nonEmpty(*n, f->path("tool")))
        call.tool = *v;
    } else {
      error(f->path("tool"), f->line(), "is required");
    }
    if (auto n = f->get("args")) {
      std::string argsPath = f->path("args");
      if (n->isScalar()) {
        // Also accept the JSON text itself, as `mcpwatch probe --args` does.
        if (auto v = text(*n, argsPath)) {
          common::JsonParseError parseError;
          auto json = common::parseJson(*v, &parseError);
          if (!json)
            error(argsPath, *n, "invalid JSON: " + parseError.message);
          else if (!json->is_object())
            error(argsPath, *n, "must be a JSON object");
          else
            call.args = std::move(*json);
        }
      } else if (!n->isMap()) {
        error(argsPath, *n, "must be a mapping (the tool's arguments)");
      } else {
        std::size_t budget = kMaxArgsNodes;
        if (auto json = toJson(*n, argsPath, 0, budget))
          call.args = std::move(*json);
      }
    }
    return call;
  }

  // YAML to JSON for tool arguments: plain scalars get YAML 1.2 core types, quoted ones stay
  // strings. Depth and node count are capped so alias tricks cannot blow up memory.
  std::optional<common::Json> toJson(const Node& node, const std::string& path, int depth,
                                     std::size_t& budget) {
    if (budget == 0 || depth > kMaxArgsDepth) {
      if (budget != 0)
        error(path, node, "nested too deeply");
      else
        error(path, node, "too large");
      budget = 0;
      return std::nullopt;
    }
    --budget;
    if (node.isNull())
      return common::Json(nullptr);
    if (node.isScalar()) {
      auto value = text(node, path);
      if (!value)
        return std::nullopt;
      if (node.quoted())
        return common::Json(*value);
      const std::string& raw = node.scalar();
      if (raw == "true" || raw == "True" || raw == "TRUE")
        return common::Json(true);
      if (raw == "false" || raw == "False" || raw == "FALSE")
        return common::Json(false);
      if (raw == "~" || raw == "null" || raw == "Null" || raw == "NULL")
        return common::Json(nullptr);
      long long i = 0;
      auto [iend, iec] = std::from_chars(raw.data(), raw.data() + raw.size(), i);
      if (!raw.empty() && iec == std::errc() && iend == raw.data() + raw.size())
        return common::Json(i);
      double d = 0;
      auto [dend, dec] = std::from_chars(raw.data(), raw.data() + raw.size(), d);
      if (!raw.empty() && dec == std::errc() && dend == raw.data() + raw.size() && std::isfinite(d))
        return common::Json(d);
      return common::Json(*value);
    }
    if (node.isSequence()) {
      common::Json out = common::Json::array();
      std::size_t i = 0;
      for (const auto& item : node.items()) {
        auto v = toJson(item, index(path, i++), depth + 1, budget);
        if (!v)
          return std::nullopt;
        out.push_back(std::move(*v));
      }
      return out;
    }
    auto f = fields(node, path, {}, true);
    if (!f)
      return std::nullopt;
    common::Json out = common::Json::object();
    for (const auto& [key, value] : f->entries()) {
      auto v = toJson(value, child(path, key), depth + 1, budget);
      if (!v)
        return std::nullopt;
      out[key] = std::move(*v);
    }
    return out;
  }

  void readSinks(const Node& node, Config& config) {
    auto f = fields(node, "sinks", {}, true);
    if (!f)
      return;
    for (const auto& [name, value] : f->entries()) {
      std::string path = child("sinks", name);
      sinkNames_.insert(name);
      if (!isLowerWord(name, true)) {
        error(path, value, "invalid sink name (use a-z, 0-9, _ and -)");
        continue;
      }
      if (!value.isMap()) {
        error(path, value, "must be a mapping with a type");
        continue;
      }
      std::optional<std::string> type;
      Node typeNode;
      std::optional<Node> reminderNode;
      for (const auto& entry : value.entries())
        if (entry.key.isScalar() && entry.key.scalar() == "type") {
          typeNode = entry.value;
          break;
        }
      for (const auto& entry : value.entries())
        if (entry.key.isScalar() && entry.key.scalar() == "reminder_interval") {
          reminderNode.emplace(entry.value);
          break;
        }
      if (!typeNode.isDefined() || typeNode.isNull()) {
        error(child(path, "type"), value, "is required (one of " + typeNames() + ")");
        continue;
      }
      type = text(typeNode, child(path, "type"));
      if (!type)
        continue;
      const auto kind = std::find_if(sinkTypes_.begin(), sinkTypes_.end(),
                                     [&](const SinkType& t) { return t.name == *type; });
      if (kind == sinkTypes_.end()) {
        error(child(path, "type"), typeNode,
              "must be one of " + typeNames() + ", got " + quote(*type));
        continue;
      }
      auto settings = kind->parse(*this, value, path);
      if (settings && (settings->type() != kind->name ||
                       settings->supportsReminders() != kind->noReminders.empty()))
        throw std::logic_error("sink type \"" + kind->name +
                               "\" is registered with settings that disagree on their type or "
                               "on reminders");
      auto reminder = reminderInterval(reminderNode, child(path, "reminder_interval"), *kind);
      if (settings) {
        SinkConfig sink{name, std::move(*settings), lineOf(value)};
        sink.reminderInterval = reminder;
        config.sinks.emplace(name, std::move(sink));
      }
    }
  }

  // `reminder_interval` of a sink of `type` (unset when the key is absent or wrong).
  std::optional<Duration> reminderInterval(const std::optional<Node>& present,
                                           const std::string& path, const SinkType& type) {
    if (!present)
      return std::nullopt;
    if (!type.noReminders.empty()) {
      std::vector<std::string> takers; // "slack, discord and email"
      for (const auto& t : sinkTypes_)
        if (t.noReminders.empty())
          takers.push_back(t.name);
      std::string list;
      for (std::size_t i = 0; i < takers.size(); ++i)
        list += (i == 0 ? "" : i + 1 == takers.size() ? " and " : ", ") + takers[i];
      error(path, *present,
            "is not supported on " + type.name + " sinks: " + type.noReminders +
                (list.empty() ? std::string() : " (reminders are for " + list + " sinks)"));
      return std::nullopt;
    }
    return duration(*present, path, kReminderIntervalRange);
  }

  // "pagerduty, webhook, ..." in the registry's order.
  std::string typeNames() const {
    std::string out;
    for (const auto& t : sinkTypes_)
      out += (out.empty() ? "" : ", ") + t.name;
    return out;
  }

  void readRoutes(const Node& node, Config& config) {
    static const std::vector<std::string_view> kKeys = {"match", "sinks", "continue", "severity"};
    static const std::vector<std::string_view> kMatchKeys = {"tags", "servers"};
    auto items = sequence(node, "routes");
    if (!items)
      return;
    for (std::size_t i = 0; i < items->size(); ++i) {
      std::string path = index("routes", i);
      auto f = fields((*items)[i], path, {&kKeys});
      if (!f)
        continue;
      RouteConfig route;
      if (auto n = f->get("match")) {
        if (auto m = fields(*n, f->path("match"), {&kMatchKeys})) {
          if (auto t = m->get("tags"))
            route.match.tags = tagList(*t, m->path("tags"));
          if (auto s = m->get("servers"))
            route.match.servers = serverRefs(*s, m->path("servers"), config);
        }
      }
      if (auto n = f->get("sinks")) {
        std::string sinksPath = f->path("sinks");
        if (auto names = stringList(*n, sinksPath)) {
          if (names->empty() && n->size() == 0)
            error(sinksPath, *n, "must name at least one sink");
          for (std::size_t j = 0; j < names->size(); ++j) {
            auto& [name, item] = (*names)[j];
            if (sinkNames_.count(name) == 0)
              error(index(sinksPath, j), item, "unknown sink " + quote(name));
            else if (std::find(route.sinks.begin(), route.sinks.end(), name) == route.sinks.end())
              route.sinks.push_back(name);
          }
        }
      } else {
        error(f->path("sinks"), f->line(), "is required");
      }
      if (auto n = f->get("continue"))
        if (auto v = boolean(*n, f->path("continue")))
          route.continueMatching = *v;
      if (auto n = f->get("severity"))
        route.severity = severity(*n, f->path("severity"));
      config.routes.push_back(std::move(route));
    }
  }

  void readMaintenance(const Node& node, Config& config) {
    static const std::vector<std::string_view> kKeys = {"windows", "flag_file"};
    static const std::vector<std::string_view> kWindowKeys = {
        "name", "servers", "tags", "start", "end", "cron", "duration", "timezone", "comment"};
    auto f = fields(node, "maintenance", {&kKeys});
    if (!f)
      return;
    if (auto n = f->get("flag_file"))
      if (auto v = nonEmpty(*n, f->path("flag_file")))
        config.maintenance.flagFile = resolvePath(*v);
    auto windowsNode = f->get("windows");
    if (!windowsNode)
      return;
    auto items = sequence(*windowsNode, f->path("windows"));
    if (!items)
      return;
    std::map<std::string, std::string> firstPath;
    for (std::size_t i = 0; i < items->size(); ++i) {
      std::string path = index(f->path("windows"), i);
      auto w = fields((*items)[i], path, {&kWindowKeys});
      if (!w)
        continue;
      std::size_t before = errors_.size();
      MaintenanceWindow window;
      if (auto n = w->get("name")) {
        if (auto v = nonEmpty(*n, w->path("name"))) {
          if (auto [it, fresh] = firstPath.emplace(*v, path); !fresh)
            error(w->path("name"), *n,
                  "duplicate window name " + quote(*v) + " (first used at " + it->second + ")");
          else
            window.name = *v;
        }
      } else {
        error(w->path("name"), w->line(), "is required");
      }
      if (auto n = w->get("comment")) {
        if (auto v = nonEmpty(*n, w->path("comment"))) {
          if (v->size() > 1000)
            error(w->path("comment"), *n, "at most 1000 bytes");
          else
            window.comment = *v;
        }
      }
      if (auto n = w->get("servers"))
        window.servers = serverRefs(*n, w->path("servers"), config);
      if (auto n = w->get("tags"))
        window.tags = tagList(*n, w->path("tags"));
      bool fixed = w->has("start") || w->has("end");
      bool recurring = w->has("cron") || w->has("duration") || w->has("timezone");
      if (fixed && recurring) {
        error(path, w->line(), "use either start/end or cron/duration/timezone, not both");
      } else if (fixed) {
        auto start = timestamp(*w, "start");
        auto end = timestamp(*w, "end");
        if (start && end && *end <= *start)
          error(w->path("end"), *w->get("end"), "must be after start");
        else if (start && end)
          window.schedule = FixedWindow{*start, *end};
      } else if (recurring) {
        RecurringWindow r;
        std::optional<common::CronExpression> cron;
        if (auto n = w->get("cron")) {
          if (auto v = nonEmpty(*n, w->path("cron"))) {
            std::string cronError;
            cron = common::CronExpression::parse(*v, &cronError);
            if (!cron)
              error(w->path("cron"), *n, "invalid cron expression " + quote(*v) + ": " + cronError);
          }
        } else {
          error(w->path("cron"), w->line(), "is required with duration");
        }
        if (auto n = w->get("duration")) {
          if (auto v = duration(*n, w->path("duration"), kWindowDurationRange))
            r.duration = *v;
        } else {
          error(w->path("duration"), w->line(), "is required with cron");
        }
        r.zone = common::TimeZone::utc();
        if (auto n = w->get("timezone")) {
          if (auto v = nonEmpty(*n, w->path("timezone"))) {
            auto zone = common::TimeZone::load(*v);
            if (!zone)
              error(w->path("timezone"), *n, "unknown time zone " + quote(*v));
            else {
              r.timezone = *v;
              r.zone = std::move(zone);
            }
          }
        }
        if (cron) {
          r.cron = std::move(*cron);
          window.schedule = std::move(r);
        }
      } else {
        error(path, w->line(), "needs either start and end, or cron and duration");
      }
      if (errors_.size() == before)
        config.maintenance.windows.push_back(std::move(window));
    }
  }

  std::optional<TimePoint> timestamp(const Fields& f, std::string_view key) {
    auto n = f.get(key);
    if (!n) {
      error(f.path(key), f.line(), "is required (RFC 3339, e.g. 2026-12-01T02:00:00Z)");
      return std::nullopt;
    }
    auto v = nonEmpty(*n, f.path(key));
    if (!v)
      return std::nullopt;
    std::string problem;
    auto t = common::parseRfc3339(common::trim(*v), &problem);
    if (!t && !problem.empty())
      error(f.path(key), *n, "invalid time " + quote(*v) + ": " + problem);
    else if (!t)
      error(f.path(key), *n,
            "invalid time " + quote(*v) + " (RFC 3339, e.g. 2026-12-01T02:00:00Z)");
    return t;
  }

  void readWeb(const Node& node, WebConfig& out) {
    static const std::vector<std::string_view> kKeys = {
        "listen",         "public_url",      "admin_token",
        "header_timeout", "max_connections", "max_connections_per_client",
        "metrics",        "title",           "logo"};
    auto f = fields(node, "web", {&kKeys});
    if (!f)
      return;
    if (auto n = f->get("logo")) {
      if (auto v = nonEmpty(*n, f->path("logo"))) {
        std::string path = resolvePath(*v);
        std::error_code ec;
        auto size = std::filesystem::file_size(path, ec);
        std::string ext = std::filesystem::path(path).extension().string();
        std::transform(ext.begin(), ext.end(), ext.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        if (ext != ".png" && ext != ".svg" && ext != ".jpg" && ext != ".jpeg" && ext != ".webp")
          error(f->path("logo"), *n, "expected a .png, .svg, .jpg, .jpeg or .webp file");
        else if (ec)
          error(f->path("logo"), *n, "cannot read " + quote(path) + ": " + ec.message());
        else if (size > 256 * 1024)
          error(f->path("logo"), *n,
                "at most 256 KiB (the file has " + std::to_string(size) + " bytes)");
        else
          out.logoPath = path;
      }
    }
    if (auto n = f->get("title")) {
      if (auto v = nonEmpty(*n, f->path("title"))) {
        if (v->size() > 100)
          error(f->path("title"), *n, "at most 100 bytes");
        else
          out.title = *v;
      }
    }
    if (auto n = f->get("listen")) {
      if (auto v = nonEmpty(*n, f->path("listen"))) {
        if (parseListen(*v, out)) {
          out.listen = *v;
        } else {
          error(f->path("listen"), *n,
                "invalid listen address " + quote(*v) +
                    " (expected host:port, e.g. 127.0.0.1:8080 or [::1]:8080)");
        }
      }
    }
    out.publicUrl = "http://" + out.listen;
    if (auto n = f->get("public_url"))
      if (auto v = url(*n, f->path("public_url")))
        out.publicUrl = *v;
    // Links are built as public_url + "/status/<slug>".
    while (!out.publicUrl.empty() && out.publicUrl.back() == '/')
      out.publicUrl.pop_back();
    if (auto n = f->get("admin_token")) {
      if (auto v = secret(*n, f->path("admin_token"))) {
        if (v->size() < 16)
          error(f->path("admin_token"), *n, "must be at least 16 characters");
        else
          out.adminToken = std::move(*v);
      }
    }
    if (auto n = f->get("header_timeout")) {
      if (auto v = duration(*n, f->path("header_timeout"),
                            DurationRange{std::chrono::milliseconds(100), std::chrono::minutes(1)}))
        out.headerTimeout = *v;
    }
    if (auto n = f->get("max_connections"))
      if (auto v = integer(*n, f->path("max_connections"), 8, 100'000))
        out.maxConnections = *v;
    if (auto n = f->get("max_connections_per_client")) {
      if (auto v = integer(*n, f->path("max_connections_per_client"), 1, 100'000)) {
        if (*v > out.maxConnections)
          error(f->path("max_connections_per_client"), *n,
                "must not exceed web.max_connections (" + std::to_string(out.maxConnections) + ")");
        else
          out.maxConnectionsPerClient = *v;
      }
    }
    if (auto n = f->get("metrics")) {
      static const std::vector<std::string_view> kMetricsKeys = {"per_server_histograms"};
      if (auto m = fields(*n, f->path("metrics"), {&kMetricsKeys}))
        if (auto h = m->get("per_server_histograms"))
          if (auto v = boolean(*h, m->path("per_server_histograms")))
            out.metricsPerServerHistograms = *v;
    }
  }

  static bool parseListen(std::string_view text, WebConfig& out) {
    std::string host;
    std::string_view portText;
    if (!text.empty() && text.front() == '[') {
      std::size_t close = text.find(']');
      if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':')
        return false;
      host = std::string(text.substr(1, close - 1));
      portText = text.substr(close + 2);
      if (host.empty() || !std::all_of(host.begin(), host.end(), [](char c) {
            return std::isxdigit(static_cast<unsigned char>(c)) || c == ':' || c == '.';
          }))
        return false;
    } else {
      std::size_t colon = text.rfind(':');
      if (colon == std::string_view::npos)
        return false;
      host = std::string(text.substr(0, colon));
      portText = text.substr(colon + 1);
      if (host.empty() || !std::all_of(host.begin(), host.end(), [](char c) {
            return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.';
          }))
        return false;
    }
    unsigned port = 0;
    auto [end, ec] = std::from_chars(portText.data(), portText.data() + portText.size(), port);
    if (portText.empty() || ec != std::errc() || end != portText.data() + portText.size() ||
        port > 65535)
      return false;
    out.listenHost = host;
    out.listenPort = static_cast<std::uint16_t>(port);
    return true;
  }

  void readHeartbeat(const Node& node, Config& config) {
    static const std::vector<std::string_view> kKeys = {"url", "interval", "fail_url"};
    auto f = fields(node, "heartbeat", {&kKeys});
    if (!f)
      return;
    std::size_t before = errors_.size();
    HeartbeatConfig hb;
    if (auto n = f->get("url")) {
      if (auto v = secretUrl(*n, f->path("url")))
        hb.url = std::move(*v);
    } else {
      error(f->path("url"), f->line(), "is required");
    }
    if (auto n = f->get("interval"))
      if (auto v = duration(*n, f->path("interval"), kHeartbeatIntervalRange))
        hb.interval = *v;
    if (auto n = f->get("fail_url")) {
      if (auto v = secretUrl(*n, f->path("fail_url")))
        hb.failUrl = std::move(*v);
    } else if (!hb.url.empty()) {
      std::string base = hb.url.reveal();
      while (!base.empty() && base.back() == '/')
        base.pop_back();
      hb.failUrl = Secret(base + "/fail");
    }
    if (errors_.size() == before)
      config.heartbeat = std::move(hb);
  }

  void readAlerting(const Node& node, AlertingConfig& out) {
    static const std::vector<std::string_view> kKeys = {"retry_schedule", "give_up_after"};
    auto f = fields(node, "alerting", {&kKeys});
    if (!f)
      return;
    if (auto n = f->get("retry_schedule")) {
      std::string path = f->path("retry_schedule");
      if (auto items = sequence(*n, path)) {
        std::vector<Duration> schedule;
        bool ok = true;
        for (std::size_t i = 0; i < items->size(); ++i) {
          auto v = duration((*items)[i], index(path, i), kRetryWaitRange);
          ok = ok && v.has_value();
          if (v)
            schedule.push_back(*v);
        }
        if (ok && schedule.empty())
          error(path, *n, "must list at least one wait (e.g. [1m, 5m, 15m, 1h])");
        else if (ok)
          out.retrySchedule = std::move(schedule);
      }
    }
    if (auto n = f->get("give_up_after"))
      if (auto v = duration(*n, f->path("give_up_after"), kGiveUpAfterRange))
        out.giveUpAfter = *v;
  }

  void readScheduler(const Node& node, SchedulerConfig& out) {
    static const std::vector<std::string_view> kKeys = {"concurrency", "probe_threads", "jitter"};
    auto f = fields(node, "scheduler", {&kKeys});
    if (!f)
      return;
    if (auto n = f->get("concurrency"))
      if (auto v = integer(*n, f->path("concurrency"), 1, 10000))
        out.concurrency = *v;
    if (auto n = f->get("probe_threads"))
      if (auto v = integer(*n, f->path("probe_threads"), 0, 64))
        out.probeThreads = *v;
    if (auto n = f->get("jitter"))
      if (auto v = duration(*n, f->path("jitter"), kJitterRange))
        out.jitter = *v;
  }

  void readLog(const Node& node, LogConfig& out) {
    static const std::vector<std::string_view> kKeys = {"level", "format"};
    auto f = fields(node, "log", {&kKeys});
    if (!f)
      return;
    if (auto n = f->get("level"))
      if (auto v = choice<LogLevel>(*n, f->path("level"),
                                    {{"debug", LogLevel::Debug},
                                     {"info", LogLevel::Info},
                                     {"warn", LogLevel::Warn},
                                     {"error", LogLevel::Error}}))
        out.level = *v;
    if (auto n = f->get("format"))
      if (auto v = choice<LogFormat>(*n, f->path("format"),
                                     {{"text", LogFormat::Text}, {"json", LogFormat::Json}}))
        out.format = *v;
  }
};

} // namespace

LoadResult loadConfigText(std::string_view text, std::string_view sourceName, const EnvLookup& env,
                          const SinkTypes& sinkTypes, const std::string& baseDir) {
  std::vector<ConfigError> errors;
  if (text.size() > kMaxConfigBytes) {
    errors.push_back({"", "the file is larger than " + std::to_string(kMaxConfigBytes) + " bytes"});
    return common::unexpected(std::move(errors));
  }
  auto document = yaml::Document::parse(text);
  if (!document) {
    errors.push_back({"", "invalid YAML: " + document.error().message, document.error().line});
    return common::unexpected(std::move(errors));
  }
  const Node root = document->root();
  Config config;
  config.source = std::string(sourceName);
  Loader loader(env, baseDir, sinkTypes);
  try {
    loader.load(root, config);
  } catch (const std::exception& e) {
    // Nothing here should throw but allocation; report instead of crashing all the same.
    loader.error("", 0, std::string("cannot read the configuration: ") + e.what());
  }
  errors = loader.takeErrors();
  if (!errors.empty())
    return common::unexpected(std::move(errors));
  return config;
}

LoadResult loadConfigFile(const std::string& path, const EnvLookup& env,
                          const SinkTypes& sinkTypes) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    return common::unexpected(std::vector<ConfigError>{{"", "is a directory, not a file"}});
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return common::unexpected(std::vector<ConfigError>{{"", "cannot open the file"}});
  std::string text;
  char buffer[64 * 1024];
  while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
    text.append(buffer, static_cast<std::size_t>(in.gcount()));
    if (text.size() > kMaxConfigBytes)
      return common::unexpected(std::vector<ConfigError>{
          {"", "the file is larger than " + std::to_string(kMaxConfigBytes) + " bytes"}});
  }
  if (in.bad())
    return common::unexpected(std::vector<ConfigError>{{"", "cannot read the file"}});
  std::filesystem::path dir = std::filesystem::absolute(path, ec).parent_path();
  return loadConfigText(text, path, env, sinkTypes, dir.string());
}

} // namespace mcpwatch::config
