// Text helpers the chat, on-call and mail sinks share: counting, one-line and plain-text cleaning
// of server-provided strings, secret redaction and the summary of a receiver's error answer.
#pragma once

#include "common/json.hpp"

#include <cstddef>
#include <string>
#include <string_view>

namespace mcpwatch::channels {

inline constexpr std::string_view kEllipsis = "\xE2\x80\xA6"; // …

// Code points in valid UTF-8 (continuation bytes are not counted).
std::size_t codePoints(std::string_view s);
// C0 controls and DEL (C1 controls are multi-byte in UTF-8 and not matched here).
bool isControl(unsigned char c);
// Single-line text: every run of control characters, line breaks and spaces becomes one space,
// with none at either end.
std::string oneLine(std::string_view s);
// Single-line text that keeps the layout: each control character becomes one space and runs are
// not collapsed (email header and table values, where the original spacing is shown as given).
std::string controlsToSpaces(std::string_view s);
// Multi-line plain text: keeps LF and tab, drops CR and the other control characters (terminal
// escapes, NUL, bell).
std::string plainText(std::string_view s);
// Replaces every occurrence of `secret` in `text` with "[redacted]"; a secret shorter than
// `minLength` is left alone (a one-letter path would redact half a message for nothing).
void redactInPlace(std::string& text, std::string_view secret, std::size_t minLength = 1);
// A receiver's non-JSON answer for an error message: one line of at most 300 characters, or
// "empty response body".
std::string plainAnswer(std::string_view body);
// A JSON answer no known field describes, as one line.
std::string compactJson(const common::Json& json);

} // namespace mcpwatch::channels
