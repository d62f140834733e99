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

Utf8Char decodeUtf8(std::string_view s, std::size_t pos) {
  const auto c = static_cast<unsigned char>(s[pos]);
  if (c < 0x80)
    return {c, 1, true};
  std::size_t len = 0;
  char32_t cp = 0;
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2;
    cp = c & 0x1F;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
    cp = c & 0x0F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
    cp = c & 0x07;
  }
  bool valid = len > 0 && pos + len <= s.size();
  for (std::size_t k = 1; valid && k < len; ++k) {
    const auto cc = static_cast<unsigned char>(s[pos + k]);
    if (!isContinuation(cc))
      valid = false;
    else
      cp = (cp << 6) | (cc & 0x3F);
  }
  // Overlong forms, surrogates and code points past U+10FFFF are invalid too.
  if (valid && ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
                (cp >= 0xD800 && cp <= 0xDFFF)))
    valid = false;
  if (!valid)
    return {0xFFFD, 1, false};
  return {cp, len, true};
}

std::string sanitizeUtf8(std::string_view text) {
  static constexpr std::string_view kReplacement = "\xEF\xBF\xBD";
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    const Utf8Char ch = decodeUtf8(text, i);
    if (!ch.valid)
      out += kReplacement;
    else if (ch.codePoint >= 0x80)
      out.append(text.substr(i, ch.length));
    // Other C0 controls (and DEL) are dropped: they have no business in displayed text.
    else if ((ch.codePoint >= 0x20 && ch.codePoint != 0x7F) || ch.codePoint == '\t' ||
             ch.codePoint == '\n' || ch.codePoint == '\r')
      out += static_cast<char>(ch.codePoint);
    i += ch.length;
  }
  return out;
}

std::string escapeHtml(std::string_view text) {
  std::string clean = sanitizeUtf8(text);
  std::string out;
  out.reserve(clean.size() + clean.size() / 8);
  for (char c : clean) {
    switch (c) {
    case '&':
      out += "&amp;";
      break;
    case '<':
      out += "&lt;";
      break;
    case '>':
      out += "&gt;";
      break;
    case '"':
      out += "&quot;";
      break;
    case '\'':
      out += "&#39;";
      break;
    default:
      out += c;
    }
  }
  return out;
}

} // namespace mcpwatch::common
