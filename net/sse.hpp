// Incremental parser for text/event-stream (WHATWG "server-sent events" interpretation rules).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mcpwatch::net {

struct SseEvent {
  std::string event = "message"; // "message" when the stream gave no event field
  std::string data;              // data lines joined with '\n'
  std::optional<std::string> id;
  std::optional<long> retryMs;
};

// Feed bytes as they arrive, in chunks of any size (a CRLF, a UTF-8 sequence or a line may be
// split across chunks). Complete events are returned in order. Comments (":" lines) are skipped.
// An event whose data is empty (for example a priming event "id: x\ndata: \n\n") is still
// returned; callers decide what to skip.
class SseParser {
public:
  explicit SseParser(std::size_t maxLineBytes = 8 * 1024 * 1024) : maxLineBytes_(maxLineBytes) {}

  std::vector<SseEvent> feed(std::string_view chunk);
  // True when a single line grew beyond maxLineBytes; the parser stops accepting input.
  bool overflowed() const { return overflowed_; }
  // Number of comment lines seen (keep-alives); lets callers tell "alive but silent" apart.
  std::size_t commentCount() const { return comments_; }

private:
  void processLine(std::string_view line, std::vector<SseEvent>& out);

  std::size_t maxLineBytes_;
  std::string line_;
  bool lastWasCr_ = false;
  bool bomChecked_ = false;
  bool overflowed_ = false;
  std::size_t comments_ = 0;
  SseEvent current_;
  bool hasData_ = false;
  bool hasFields_ = false;
};

} // namespace mcpwatch::net
