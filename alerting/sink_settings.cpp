// The stored sink settings: each kind's own snapshot under the sink's name and type.
#include "alerting/sink.hpp"

namespace mcpwatch::alerting {

std::optional<config::Severity> parseSeverity(std::string_view text) {
  return enumFromName(text, {config::Severity::Critical, config::Severity::Error,
                             config::Severity::Warning, config::Severity::Info});
}

common::Json saveSinkSettings(const SinkFactory& kinds, const config::SinkConfig& sink) {
  const auto type = std::string(sink.type());
  common::Json out = common::Json::object();
  if (auto it = kinds.find(type); it != kinds.end())
    out = it->second.save(sink.settings);
  out["name"] = sink.name;
  out["type"] = type;
  return out;
}

std::optional<config::SinkConfig> loadSinkSettings(const SinkFactory& kinds,
                                                   const common::Json& json) {
  if (!json.is_object())
    return std::nullopt;
  auto name = json.find("name");
  auto type = json.find("type");
  if (name == json.end() || !name->is_string() || type == json.end() || !type->is_string())
    return std::nullopt;
  auto kind = kinds.find(type->get<std::string>());
  if (kind == kinds.end())
    return std::nullopt;
  auto settings = kind->second.load(json);
  if (!settings)
    return std::nullopt;
  config::SinkConfig sink;
  sink.name = name->get<std::string>();
  sink.settings = std::move(*settings);
  return sink;
}

} // namespace mcpwatch::alerting
