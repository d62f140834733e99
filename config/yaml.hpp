// A YAML document as the config loader reads it: libyaml's event parser builds a compact,
// read-only node tree (one arena per document; aliases share their anchor's node).
#pragma once

#include "common/expected.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace mcpwatch::config::yaml {

struct DocumentData;
struct Entry;

// A handle on one node of a Document; valid while the Document lives. A default-constructed
// Node is undefined (the key was absent).
class Node {
public:
  Node() = default;

  bool isDefined() const { return doc_ != nullptr; }
  // An empty value, `~` or `null` written plainly (a quoted "null" is a string).
  bool isNull() const;
  bool isScalar() const;
  bool isSequence() const;
  bool isMap() const;
  // The scalar's text (empty for anything else).
  const std::string& scalar() const;
  // Written quoted, as a block scalar or tagged as a string: always a string, never typed.
  bool quoted() const;
  // 1-based line where the node starts, 0 for an undefined node.
  int line() const;
  std::size_t size() const;               // a collection's items or entries, 0 for anything else
  std::span<const Node> items() const;    // a sequence's items (empty for anything else)
  std::span<const Entry> entries() const; // a mapping's entries in document order

private:
  friend class Builder;
  friend class Document;
  Node(const DocumentData* doc, std::uint32_t index) : doc_(doc), index_(index) {}

  const DocumentData* doc_ = nullptr;
  std::uint32_t index_ = 0;
};

struct Entry {
  Node key;
  Node value;
};

struct ParseError {
  std::string message;
  int line = 0; // 1-based, 0 when unknown
};

// The parsed stream's single document.
class Document {
public:
  // Nesting deeper than this is refused: the loader never needs it. (An alias repeats its
  // anchor's subtree, so a walk through aliases can go deeper: keep walks bounded themselves.)
  static constexpr int kMaxDepth = 256;

  // The first and only document of `text` (a second one with content is an error; an empty one,
  // a stray trailing `---`, is not); an empty stream's root is undefined.
  static common::Expected<Document, ParseError> parse(std::string_view text);

  Node root() const;

private:
  std::shared_ptr<const DocumentData> data_;
};

} // namespace mcpwatch::config::yaml
