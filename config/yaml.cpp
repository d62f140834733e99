#include "config/yaml.hpp"

#include <algorithm>
#include <optional>
#include <unordered_map>
#include <vector>
#include <yaml.h>

namespace mcpwatch::config::yaml {

namespace {
enum class Kind : std::uint8_t { Null, Scalar, Sequence, Map };

constexpr std::string_view kStrTag = "tag:yaml.org,2002:str";
constexpr std::string_view kNullTag = "tag:yaml.org,2002:null";
} // namespace

struct DocumentData {
  struct Data {
    Kind kind = Kind::Null;
    bool quoted = false;
    int line = 0;
    std::uint32_t first = 0; // into items or entries
    std::uint32_t count = 0;
    std::string text;
  };
  std::vector<Data> nodes;
  std::vector<Node> items;
  std::vector<Entry> entries;
  bool hasRoot = false;
};

bool Node::isNull() const {
  return doc_ != nullptr && doc_->nodes[index_].kind == Kind::Null;
}
bool Node::isScalar() const {
  return doc_ != nullptr && doc_->nodes[index_].kind == Kind::Scalar;
}
bool Node::isSequence() const {
  return doc_ != nullptr && doc_->nodes[index_].kind == Kind::Sequence;
}
bool Node::isMap() const {
  return doc_ != nullptr && doc_->nodes[index_].kind == Kind::Map;
}

const std::string& Node::scalar() const {
  static const std::string kEmpty;
  if (doc_ == nullptr || doc_->nodes[index_].kind != Kind::Scalar)
    return kEmpty;
  return doc_->nodes[index_].text;
}

bool Node::quoted() const {
  return doc_ != nullptr && doc_->nodes[index_].quoted;
}
int Node::line() const {
  return doc_ == nullptr ? 0 : doc_->nodes[index_].line;
}

std::size_t Node::size() const {
  return isSequence() || isMap() ? doc_->nodes[index_].count : 0;
}

std::span<const Node> Node::items() const {
  if (!isSequence())
    return {};
  const auto& d = doc_->nodes[index_];
  return {doc_->items.data() + d.first, d.count};
}

std::span<const Entry> Node::entries() const {
  if (!isMap())
    return {};
  const auto& d = doc_->nodes[index_];
  return {doc_->entries.data() + d.first, d.count};
}

// Turns libyaml's events into the node arena. Collections under construction keep their
// children on a stack of reused vectors; a finished collection's children are appended to the
// arena in one piece, so every collection's children are contiguous.
class Builder {
public:
  explicit Builder(DocumentData& doc, std::size_t textSize) : doc_(doc) {
    doc_.nodes.reserve(textSize / 16 + 16); // about one node per 9 bytes in a fleet's list
  }

  // nullopt when the event was taken; a problem otherwise.
  std::optional<ParseError> add(const yaml_event_t& event) {
    const int line = static_cast<int>(event.start_mark.line) + 1;
    // A later document is refused unless it is empty (a stray trailing `---`).
    if (documents_ > 1 && !emptyScalar(event) &&
        (event.type == YAML_SCALAR_EVENT || event.type == YAML_ALIAS_EVENT ||
         event.type == YAML_SEQUENCE_START_EVENT || event.type == YAML_MAPPING_START_EVENT))
      return ParseError{"more than one document in the file", extraDocumentLine_};
    if (documents_ > 1)
      return std::nullopt;
    switch (event.type) {
    case YAML_DOCUMENT_START_EVENT:
      if (documents_++ > 0)
        extraDocumentLine_ = line;
      return std::nullopt;
    case YAML_SCALAR_EVENT: {
      const auto& s = event.data.scalar;
      std::string_view tag = s.tag ? reinterpret_cast<const char*>(s.tag) : "";
      std::string_view value(reinterpret_cast<const char*>(s.value), s.length);
      DocumentData::Data d;
      d.line = line;
      const bool plain = s.style == YAML_PLAIN_SCALAR_STYLE;
      d.quoted = !plain || tag == "!" || tag == kStrTag;
      const bool nullWord =
          value.empty() || value == "~" || value == "null" || value == "Null" || value == "NULL";
      d.kind = tag == kNullTag || (plain && tag.empty() && nullWord) ? Kind::Null : Kind::Scalar;
      d.text.assign(value);
      return place(std::move(d), s.anchor);
    }
    case YAML_ALIAS_EVENT: {
      auto it = anchors_.find(reinterpret_cast<const char*>(event.data.alias.anchor));
      if (it == anchors_.end())
        return ParseError{"unknown alias (no anchor of that name before it)", line};
      child(it->second);
      return std::nullopt;
    }
    case YAML_SEQUENCE_START_EVENT:
    case YAML_MAPPING_START_EVENT: {
      if (depth_ >= static_cast<std::size_t>(Document::kMaxDepth))
        return ParseError{
            "nested more than " + std::to_string(Document::kMaxDepth) + " levels deep", line};
      const bool map = event.type == YAML_MAPPING_START_EVENT;
      const yaml_char_t* anchor =
          map ? event.data.mapping_start.anchor : event.data.sequence_start.anchor;
      DocumentData::Data d;
      d.kind = map ? Kind::Map : Kind::Sequence;
      d.line = line;
      auto index = static_cast<std::uint32_t>(doc_.nodes.size());
      doc_.nodes.push_back(std::move(d));
      if (depth_ == stack_.size())
        stack_.emplace_back();
      Frame& frame = stack_[depth_++];
      frame.node = index;
      frame.children.clear();
      frame.anchor = anchor ? reinterpret_cast<const char*>(anchor) : "";
      return std::nullopt;
    }
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT: {
      Frame& frame = stack_[--depth_];
      auto& d = doc_.nodes[frame.node];
      if (d.kind == Kind::Sequence) {
        d.first = static_cast<std::uint32_t>(doc_.items.size());
        d.count = static_cast<std::uint32_t>(frame.children.size());
        for (auto c : frame.children)
          doc_.items.push_back(Node(&doc_, c));
      } else {
        d.first = static_cast<std::uint32_t>(doc_.entries.size());
        d.count = static_cast<std::uint32_t>(frame.children.size() / 2);
        for (std::size_t i = 0; i + 1 < frame.children.size(); i += 2)
          doc_.entries.push_back(
              Entry{Node(&doc_, frame.children[i]), Node(&doc_, frame.children[i + 1])});
      }
      // The anchor names the node once it is complete: an alias inside its own node is unknown.
      if (!frame.anchor.empty())
        anchors_[frame.anchor] = frame.node;
      child(frame.node);
      return std::nullopt;
    }
    default:
      return std::nullopt;
    }
  }

private:
  static bool emptyScalar(const yaml_event_t& event) {
    return event.type == YAML_SCALAR_EVENT && event.data.scalar.length == 0 &&
           event.data.scalar.style == YAML_PLAIN_SCALAR_STYLE && !event.data.scalar.tag &&
           !event.data.scalar.anchor;
  }

  struct Frame {
    std::uint32_t node = 0;
    std::vector<std::uint32_t> children;
    std::string anchor;
  };

  std::optional<ParseError> place(DocumentData::Data d, const yaml_char_t* anchor) {
    auto index = static_cast<std::uint32_t>(doc_.nodes.size());
    doc_.nodes.push_back(std::move(d));
    if (anchor)
      anchors_[reinterpret_cast<const char*>(anchor)] = index;
    child(index);
    return std::nullopt;
  }

  void child(std::uint32_t index) {
    if (depth_ > 0)
      stack_[depth_ - 1].children.push_back(index);
    else
      doc_.hasRoot = true; // the document's root is the first node, index 0 or an alias of it
  }

  DocumentData& doc_;
  std::vector<Frame> stack_;
  std::size_t depth_ = 0;
  int documents_ = 0;
  int extraDocumentLine_ = 0;
  std::unordered_map<std::string, std::uint32_t> anchors_;
};

namespace {

// libyaml's reader reports a byte offset, the scanner and parser a mark.
ParseError parserError(const yaml_parser_t& parser, std::string_view text) {
  std::string message = parser.problem ? parser.problem : "cannot parse the file";
  if (parser.context)
    message = std::string(parser.context) + ", " + message;
  int line = 0;
  if (parser.error == YAML_READER_ERROR) {
    std::size_t offset = std::min(parser.problem_offset, text.size());
    line = 1 + static_cast<int>(std::count(text.begin(), text.begin() + offset, '\n'));
  } else {
    line = static_cast<int>(parser.problem_mark.line) + 1;
  }
  return {std::move(message), line};
}

struct Parser {
  yaml_parser_t parser;
  Parser() { yaml_parser_initialize(&parser); }
  ~Parser() { yaml_parser_delete(&parser); }
  Parser(const Parser&) = delete;
  Parser& operator=(const Parser&) = delete;
};

struct Event {
  yaml_event_t event{};
  ~Event() { yaml_event_delete(&event); }
};

} // namespace

common::Expected<Document, ParseError> Document::parse(std::string_view text) {
  auto data = std::make_shared<DocumentData>();
  Parser p;
  yaml_parser_set_input_string(&p.parser, reinterpret_cast<const unsigned char*>(text.data()),
                               text.size());
  Builder builder(*data, text.size());
  for (;;) {
    Event e;
    if (!yaml_parser_parse(&p.parser, &e.event))
      return common::unexpected(parserError(p.parser, text));
    if (e.event.type == YAML_STREAM_END_EVENT)
      break;
    if (auto problem = builder.add(e.event))
      return common::unexpected(std::move(*problem));
  }
  Document doc;
  doc.data_ = std::move(data);
  return doc;
}

Node Document::root() const {
  if (!data_ || !data_->hasRoot)
    return {};
  // The root is the last node to be completed; collections are created before their children,
  // so it is the first node in the arena.
  return Node(data_.get(), 0);
}

} // namespace mcpwatch::config::yaml
