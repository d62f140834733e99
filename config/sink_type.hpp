// What the config loader knows of one sink type, from the sink's own folder: its name, its parser
// and whether `reminder_interval` is allowed. The loader reads `sinks:` through the list of these
// it is given (the app's registry, app/sinks.cpp), so adding a sink type changes nothing here.
#pragma once

#include "config/reader.hpp"
#include "config/sink_settings.hpp"
#include "config/yaml.hpp"

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mcpwatch::config {

struct SinkType {
  std::string name; // the `type:` value
  // Reads one entry of this type (the mapping at `path`), reporting every problem to the reader;
  // nullopt when there was any. It accepts kSinkCommonKeys besides its own keys.
  std::function<std::optional<SinkSettings>(Reader&, const yaml::Node&, const std::string& path)>
      parse;
  // Why `reminder_interval` is refused on this type ("PagerDuty re-notifies through ..."); empty
  // when the type takes reminders.
  std::string noReminders;
};
using SinkTypes = std::vector<SinkType>;

// Keys every sink type accepts besides its own (the loader reads them).
inline const std::vector<std::string_view> kSinkCommonKeys = {"reminder_interval"};
// The range of every sink's `timeout`.
inline constexpr DurationRange kSinkTimeoutRange{std::chrono::seconds(1), std::chrono::minutes(5)};

} // namespace mcpwatch::config
