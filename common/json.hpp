// JSON parsing with the limits a monitor needs against hostile peers (nesting depth).
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace mcpwatch::common {

using Json = nlohmann::json;

inline constexpr int kDefaultMaxJsonDepth = 64;

struct JsonParseError {
  std::string message;
  bool tooDeep = false;
};

// Parses `text` as one JSON value. Fails (never throws) on malformed input or when arrays/objects
// nest deeper than `maxDepth`; the depth is checked before nlohmann sees the text, so a hostile
// "[[[[..." cannot exhaust the stack.
std::optional<Json> parseJson(std::string_view text, JsonParseError* error = nullptr,
                              int maxDepth = kDefaultMaxJsonDepth);

// The nesting depth of the text's arrays/objects, ignoring brackets inside strings.
int jsonNestingDepth(std::string_view text);

} // namespace mcpwatch::common
