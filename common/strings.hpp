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

} // namespace mcpwatch::common
