// text/event-stream parsing per the WHATWG HTML "interpreting an event stream" rules.
#include "net/sse.hpp"

#include <charconv>

namespace mcpwatch::net {

namespace {
constexpr std::string_view kBom = "\xEF\xBB\xBF";
} // namespace

std::vector<SseEvent> SseParser::feed(std::string_view chunk) {
  std::vector<SseEvent> out;
  if (overflowed_)
    return out;

  if (!bomChecked_) {
    // The BOM may arrive split across chunks: hold bytes in line_ until they can be told apart.
    std::size_t take = std::min(chunk.size(), kBom.size() - line_.size());
    line_.append(chunk.substr(0, take));
    chunk.remove_prefix(take);
    if (line_.size() < kBom.size() && kBom.substr(0, line_.size()) == line_)
      return out;
    bomChecked_ = true;
    std::string pending;
    pending.swap(line_);
    if (pending != kBom)
      out = feed(pending);
  }

  while (!chunk.empty() && !overflowed_) {
    if (lastWasCr_ && chunk.front() == '\n') {
      // Second half of a CRLF whose CR ended the previous line (possibly in an earlier chunk).
      chunk.remove_prefix(1);
      lastWasCr_ = false;
      continue;
    }
    lastWasCr_ = false;
    auto end = chunk.find_first_of("\r\n");
    std::string_view piece = chunk.substr(0, end);
    if (line_.size() + piece.size() > maxLineBytes_) {
      overflowed_ = true;
      line_.clear();
      line_.shrink_to_fit();
      break;
    }
    if (end == std::string_view::npos) {
      line_.append(piece);
      break;
    }
    lastWasCr_ = chunk[end] == '\r';
    chunk.remove_prefix(end + 1);
    if (line_.empty()) {
      processLine(piece, out);
    } else {
      line_.append(piece);
      processLine(line_, out);
      line_.clear();
    }
  }
  return out;
}

void SseParser::processLine(std::string_view line, std::vector<SseEvent>& out) {
  if (line.empty()) {
    if (hasData_) {
      SseEvent event = current_;
      if (event.event.empty())
        event.event = "message";
      out.push_back(std::move(event));
    }
    // id and retry describe the stream (last event id, reconnection time), so they carry over;
    // event type and data belong to one event.
    current_.event.clear();
    current_.data.clear();
    hasData_ = false;
    hasFields_ = false;
    return;
  }
  if (line.front() == ':') {
    ++comments_;
    return;
  }
  std::string_view field = line;
  std::string_view value;
  if (auto colon = line.find(':'); colon != std::string_view::npos) {
    field = line.substr(0, colon);
    value = line.substr(colon + 1);
    if (!value.empty() && value.front() == ' ')
      value.remove_prefix(1);
  }
  if (field == "data") {
    if (hasData_)
      current_.data += '\n';
    current_.data.append(value);
    hasData_ = true;
    hasFields_ = true;
  } else if (field == "event") {
    current_.event = std::string(value);
    hasFields_ = true;
  } else if (field == "id") {
    if (value.find('\0') == std::string_view::npos) {
      current_.id = value.empty() ? std::nullopt : std::optional<std::string>(value);
      hasFields_ = true;
    }
  } else if (field == "retry") {
    long ms = 0;
    auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), ms);
    bool digitsOnly = !value.empty() && value.find_first_not_of("0123456789") == value.npos;
    if (digitsOnly && ec == std::errc{} && ptr == value.data() + value.size()) {
      current_.retryMs = ms;
      hasFields_ = true;
    }
  }
  // Any other field name is ignored, as the standard requires.
}

} // namespace mcpwatch::net
