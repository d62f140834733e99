// HTML escaping, UTF-8 repair and display formatting for the status pages.
#include "web/html.hpp"

#include "common/time.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <fmt/format.h>

namespace mcpwatch::web {

std::string sanitizeUtf8(std::string_view text) {
  static constexpr std::string_view kReplacement = "\xEF\xBF\xBD";
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      // Other C0 controls (and DEL) are dropped: they have no business on a status page.
      if ((c >= 0x20 && c != 0x7F) || c == '\t' || c == '\n' || c == '\r')
        out += static_cast<char>(c);
      ++i;
      continue;
    }
    std::size_t len = 0;
    std::uint32_t cp = 0;
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
    bool valid = len > 0 && i + len <= text.size();
    for (std::size_t k = 1; valid && k < len; ++k) {
      auto cc = static_cast<unsigned char>(text[i + k]);
      if ((cc & 0xC0) != 0x80)
        valid = false;
      else
        cp = (cp << 6) | (cc & 0x3F);
    }
    // Overlong forms, surrogates and code points past U+10FFFF are invalid too.
    if (valid && ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
                  (cp >= 0xD800 && cp <= 0xDFFF)))
      valid = false;
    if (valid) {
      out.append(text.substr(i, len));
      i += len;
    } else {
      out += kReplacement;
      ++i;
    }
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

std::string formatPercent(std::optional<double> ratio) {
  if (!ratio || !std::isfinite(*ratio))
    return "–";
  double pct = std::floor(std::clamp(*ratio, 0.0, 1.0) * 10000.0) / 100.0;
  return fmt::format("{:.2f}%", pct);
}

std::string formatLatency(std::optional<double> ms) {
  if (!ms || !std::isfinite(*ms) || *ms < 0)
    return "–";
  if (*ms < 1000)
    return fmt::format("{:.0f} ms", *ms);
  return fmt::format("{:.2f} s", *ms / 1000.0);
}

std::string formatHumanDuration(std::chrono::seconds d) {
  long long s = std::max<long long>(0, d.count());
  long long days = s / 86400, hours = (s % 86400) / 3600, minutes = (s % 3600) / 60;
  if (days > 0)
    return fmt::format("{}d {}h", days, hours);
  if (hours > 0)
    return fmt::format("{}h {}m", hours, minutes);
  if (minutes > 0)
    return fmt::format("{}m {}s", minutes, s % 60);
  return fmt::format("{}s", s);
}

std::string formatShortTime(common::WallTime t) {
  std::string text = common::formatRfc3339(t); // 2026-11-24T02:03:04Z
  return text.substr(0, 10) + " " + text.substr(11, 5) + " UTC";
}

std::string formatDay(common::WallTime t) {
  return common::formatRfc3339(t).substr(0, 10);
}

} // namespace mcpwatch::web
