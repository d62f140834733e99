// A value that must never reach a log, a page or an error message: it has no formatter at all.
#pragma once

#include <string>
#include <utility>

namespace mcpwatch::common {

class Secret {
public:
  Secret() = default;
  explicit Secret(std::string value) : value_(std::move(value)) {}

  // The only way to the value: call it where the value goes on the wire, nowhere else.
  const std::string& reveal() const { return value_; }
  bool empty() const { return value_.empty(); }
  std::size_t size() const { return value_.size(); }

  friend bool operator==(const Secret& a, const Secret& b) = default;

private:
  std::string value_;
};

// Deliberately no operator<< and no fmt::formatter: formatting a Secret is a compile error.

} // namespace mcpwatch::common
