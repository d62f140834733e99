// String helpers.
#include "common/strings.hpp"

namespace mcpwatch::common {
namespace {
char lower(char c) {
  return (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c;
}
bool isContinuation(unsigned char c) {
  return (c & 0xC0) == 0x80;
}
} // namespace

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size())
    return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower(b[i]))
      return false;
  return true;
}

std::string toLower(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    c = lower(c);
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() &&
         (s.front() == ' ' || s.front() == '\t' || s.front() == '\r' || s.front() == '\n'))
    s.remove_prefix(1);
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n'))
    s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (true) {
    auto pos = s.find(sep, start);
    if (pos == std::string_view::npos) {
      out.push_back(s.substr(start));
      return out;
    }
    out.push_back(s.substr(start, pos - start));
    start = pos + 1;
  }
}

std::string truncateUtf8(std::string_view s, std::size_t maxBytes) {
  if (s.size() <= maxBytes)
    return std::string(s);
  std::size_t cut = maxBytes;
  while (cut > 0 && isContinuation(static_cast<unsigned char>(s[cut])))
    --cut;
  return std::string(s.substr(0, cut));
}

std::string truncateCodePoints(std::string_view s, std::size_t maxChars) {
  std::size_t count = 0;
  std::size_t i = 0;
  std::size_t lastStart = 0;
  while (i < s.size()) {
    if (!isContinuation(static_cast<unsigned char>(s[i]))) {
      if (count == maxChars)
        break;
      ++count;
      lastStart = i;
    }
    ++i;
  }
  if (i >= s.size())
    return std::string(s);
  if (maxChars == 0)
    return std::string();
  // Replace the last kept code point with an ellipsis so the result has exactly maxChars.
  return std::string(s.substr(0, lastStart)) + "\xE2\x80\xA6";
}

std::string toHex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 0xF]);
  }
  return out;
}

} // namespace mcpwatch::common
