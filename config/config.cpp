// Small behaviour of the config model: enum spellings and route matching.
#include "config/config.hpp"

#include "common/time.hpp"

#include <algorithm>

namespace mcpwatch::config {

std::string_view toString(SchemaDriftPolicy v) {
  switch (v) {
  case SchemaDriftPolicy::Warn:
    return "warn";
  case SchemaDriftPolicy::Fail:
    return "fail";
  case SchemaDriftPolicy::Ignore:
    return "ignore";
  }
  return "warn";
}

std::string_view toString(Severity v) {
  switch (v) {
  case Severity::Critical:
    return "critical";
  case Severity::Error:
    return "error";
  case Severity::Warning:
    return "warning";
  case Severity::Info:
    return "info";
  }
  return "critical";
}

std::string_view toString(LogLevel v) {
  switch (v) {
  case LogLevel::Debug:
    return "debug";
  case LogLevel::Info:
    return "info";
  case LogLevel::Warn:
    return "warn";
  case LogLevel::Error:
    return "error";
  }
  return "info";
}

std::string_view toString(LogFormat v) {
  return v == LogFormat::Json ? "json" : "text";
}

bool ServerConfig::hasTag(std::string_view tag) const {
  return std::find(tags.begin(), tags.end(), tag) != tags.end();
}

namespace {

bool selects(const std::vector<std::string>& slugs, const std::vector<std::string>& tags,
             const ServerConfig& server) {
  if (slugs.empty() && tags.empty())
    return true;
  if (std::find(slugs.begin(), slugs.end(), server.slug) != slugs.end())
    return true;
  return std::any_of(tags.begin(), tags.end(),
                     [&](const std::string& t) { return server.hasTag(t); });
}

} // namespace

bool RouteMatch::matches(const ServerConfig& server) const {
  return selects(servers, tags, server);
}

std::vector<RouteTarget> routeTargets(const std::vector<RouteConfig>& routes,
                                      const ServerConfig& server) {
  std::vector<RouteTarget> out;
  for (const auto& route : routes) {
    if (!route.match.matches(server))
      continue;
    for (const auto& sink : route.sinks) {
      bool seen =
          std::any_of(out.begin(), out.end(), [&](const RouteTarget& t) { return t.sink == sink; });
      if (!seen)
        out.push_back({sink, route.severity});
    }
    if (!route.continueMatching)
      break;
  }
  return out;
}

const ServerConfig* Config::findServer(std::string_view slug) const {
  for (const auto& s : servers)
    if (s.slug == slug)
      return &s;
  return nullptr;
}

const SinkConfig* Config::findSink(std::string_view name) const {
  auto it = sinks.find(std::string(name));
  return it == sinks.end() ? nullptr : &it->second;
}

} // namespace mcpwatch::config
