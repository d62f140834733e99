// IANA time zones from the system's TZif files (libstdc++ 12 has no std::chrono::tzdb).
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace mcpwatch::common {

class TimeZone {
public:
  virtual ~TimeZone() = default;
  virtual const std::string& name() const = 0;
  // Offset from UTC in seconds at the given instant (e.g. +3600 for CET in winter).
  virtual std::chrono::seconds offsetAt(std::chrono::system_clock::time_point t) const = 0;

  // Loads "UTC", "Europe/Berlin", ... from `zoneinfoDir` (TZif v1/v2/v3, including the POSIX
  // TZ footer for instants after the last transition). nullopt for unknown or malformed names;
  // names containing ".." or starting with "/" are rejected.
  static std::shared_ptr<const TimeZone> load(std::string_view name,
                                              std::string_view zoneinfoDir = "/usr/share/zoneinfo");
  static std::shared_ptr<const TimeZone> utc();
  // The zone described by TZif bytes (what load() reads from a file), named `name`; nullptr when
  // the data is malformed. Not cached. For tests and fuzzing: the daemon uses load().
  static std::shared_ptr<const TimeZone> fromTzif(std::string_view name, std::string_view data);
};

} // namespace mcpwatch::common
