// Shared text cleaning for the channel sinks (see text.hpp).
#include "channels/text.hpp"

#include "common/strings.hpp"

#include <algorithm>

namespace mcpwatch::channels {

std::size_t codePoints(std::string_view s) {
  return static_cast<std::size_t>(std::count_if(
      s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

bool isControl(unsigned char c) {
  return c < 0x20 || c == 0x7F;
}

std::string oneLine(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  bool space = false;
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (isControl(c) || c == ' ') {
      space = !out.empty();
      continue;
    }
    if (space)
      out += ' ';
    space = false;
    out += ch;
  }
  return out;
}

std::string controlsToSpaces(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    if (isControl(static_cast<unsigned char>(c)))
      c = ' ';
  return out;
}

std::string plainText(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '\n' || c == '\t')
      out += ch;
    else if (c == '\r')
      continue;
    else if (!isControl(c))
      out += ch;
  }
  return out;
}

void redactInPlace(std::string& text, std::string_view secret, std::size_t minLength) {
  if (secret.empty() || secret.size() < minLength)
    return;
  for (auto at = text.find(secret); at != std::string::npos; at = text.find(secret, at))
    text.replace(at, secret.size(), "[redacted]");
}

std::string plainAnswer(std::string_view body) {
  std::string text = oneLine(body);
  return text.empty() ? "empty response body" : common::truncateCodePoints(text, 300);
}

std::string compactJson(const common::Json& json) {
  return oneLine(json.dump(-1, ' ', false, common::Json::error_handler_t::replace));
}

} // namespace mcpwatch::channels
