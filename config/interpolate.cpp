// `${VAR}` substitution for config string scalars.
#include "config/interpolate.hpp"

#include <cstdlib>

namespace mcpwatch::config {

EnvLookup processEnvironment() {
  return [](std::string_view name) -> std::optional<std::string> {
    const char* value = std::getenv(std::string(name).c_str());
    if (value == nullptr)
      return std::nullopt;
    return std::string(value);
  };
}

namespace {

bool nameStart(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

bool nameChar(char c) {
  return nameStart(c) || (c >= '0' && c <= '9');
}

} // namespace

common::Expected<std::string, std::string> interpolateEnv(std::string_view text,
                                                          const EnvLookup& env) {
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    char c = text[i];
    if (c != '$') {
      out += c;
      ++i;
      continue;
    }
    if (text.substr(i, 3) == "$${") {
      out += "${";
      i += 3;
      continue;
    }
    if (text.substr(i, 2) != "${") {
      out += c;
      ++i;
      continue;
    }
    std::size_t close = text.find('}', i + 2);
    if (close == std::string_view::npos)
      return common::unexpected(std::string("unterminated \"${\" (write \"$${\" for a literal)"));
    std::string_view name = text.substr(i + 2, close - i - 2);
    bool valid = !name.empty() && nameStart(name.front());
    for (char n : name)
      valid = valid && nameChar(n);
    if (!valid)
      return common::unexpected(
          std::string("invalid environment variable reference (expected ${NAME} with NAME made of "
                      "letters, digits and underscores)"));
    std::optional<std::string> value = env ? env(name) : std::nullopt;
    if (!value)
      return common::unexpected("environment variable " + std::string(name) + " is not set");
    out += *value;
    i = close + 1;
  }
  return out;
}

} // namespace mcpwatch::config
