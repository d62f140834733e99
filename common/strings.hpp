// Small string helpers shared by every module.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace mcpwatch::common {

bool iequals(std::string_view a, std::string_view b);
std::string toLower(std::string_view s);
std::string_view trim(std::string_view s);
std::vector<std::string_view> split(std::string_view s, char sep);
// Cuts to at most `maxBytes` bytes without splitting a UTF-8 sequence.
std::string truncateUtf8(std::string_view s, std::size_t maxBytes);
// Cuts to at most `maxChars` code points; when cut, the last kept code point is replaced by "…".
std::string truncateCodePoints(std::string_view s, std::size_t maxChars);
// Hex encoding, lowercase.
std::string toHex(std::string_view bytes);

// One decoded UTF-8 character: an invalid sequence (a stray or cut-short byte, an overlong form, a
// surrogate, a value past U+10FFFF) is U+FFFD with `valid` false and a length of one byte, so a
// decoder always advances.
struct Utf8Char {
  char32_t codePoint = 0;
  std::size_t length = 0;
  bool valid = false;
};
// Decodes the character starting at byte `pos` (which must be < s.size()).
Utf8Char decodeUtf8(std::string_view s, std::size_t pos);
// Replaces every invalid UTF-8 sequence with U+FFFD and drops NUL and other C0 controls (and DEL)
// except tab, LF and CR, so text from a probed server is always well-formed.
std::string sanitizeUtf8(std::string_view text);
// Escapes & < > " ' (after sanitizeUtf8): safe in HTML element content and quoted attributes.
std::string escapeHtml(std::string_view text);

} // namespace mcpwatch::common
