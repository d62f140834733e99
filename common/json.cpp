// Bounded JSON parsing.
#include "common/json.hpp"

namespace mcpwatch::common {

int jsonNestingDepth(std::string_view text) {
  int depth = 0;
  int maxDepth = 0;
  bool inString = false;
  bool escaped = false;
  for (char c : text) {
    if (inString) {
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        inString = false;
      continue;
    }
    switch (c) {
    case '"':
      inString = true;
      break;
    case '[':
    case '{':
      ++depth;
      if (depth > maxDepth)
        maxDepth = depth;
      break;
    case ']':
    case '}':
      --depth;
      break;
    default:
      break;
    }
  }
  return maxDepth;
}

std::optional<Json> parseJson(std::string_view text, JsonParseError* error, int maxDepth) {
  if (jsonNestingDepth(text) > maxDepth) {
    if (error) {
      error->message = "JSON nesting deeper than " + std::to_string(maxDepth) + " levels";
      error->tooDeep = true;
    }
    return std::nullopt;
  }
  Json value = Json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded()) {
    if (error)
      error->message = "malformed JSON";
    return std::nullopt;
  }
  return value;
}

} // namespace mcpwatch::common
