// The YAML document the loader walks: node kinds, quoting, lines, aliases and the refusals.
#include "config/yaml.hpp"

#include <gtest/gtest.h>

namespace mcpwatch::config::yaml {
namespace {

Document parsed(std::string_view text) {
  auto doc = Document::parse(text);
  EXPECT_TRUE(doc) << (doc ? "" : doc.error().message);
  return doc ? std::move(doc.value()) : Document{};
}

ParseError refused(std::string_view text) {
  auto doc = Document::parse(text);
  EXPECT_FALSE(doc) << text;
  return doc ? ParseError{} : doc.error();
}

TEST(YamlDocument, KindsEntriesAndLines) {
  auto doc = parsed("a: 1\nlist:\n  - x\n  - {k: v}\nempty:\nnested: {b: [1, 2]}\n");
  Node root = doc.root();
  ASSERT_TRUE(root.isMap());
  EXPECT_EQ(root.line(), 1);
  ASSERT_EQ(root.size(), 4u);
  auto e = root.entries();
  EXPECT_EQ(e[0].key.scalar(), "a");
  EXPECT_EQ(e[0].value.scalar(), "1");
  EXPECT_EQ(e[1].key.scalar(), "list");
  ASSERT_TRUE(e[1].value.isSequence());
  ASSERT_EQ(e[1].value.items().size(), 2u);
  EXPECT_EQ(e[1].value.items()[0].scalar(), "x");
  EXPECT_EQ(e[1].value.items()[0].line(), 3);
  EXPECT_TRUE(e[1].value.items()[1].isMap());
  EXPECT_EQ(e[1].value.items()[1].line(), 4);
  EXPECT_EQ(e[1].value.items()[1].entries()[0].value.scalar(), "v");
  EXPECT_TRUE(e[2].value.isNull());
  EXPECT_FALSE(e[2].value.isScalar());
  EXPECT_EQ(e[2].value.line(), 5);
  auto inner = e[3].value.entries()[0].value;
  ASSERT_EQ(inner.size(), 2u);
  EXPECT_EQ(inner.items()[1].scalar(), "2");
  // Asking a node for what it is not gives nothing, never a crash.
  EXPECT_TRUE(root.items().empty());
  EXPECT_TRUE(inner.entries().empty());
  EXPECT_EQ(root.scalar(), "");
  EXPECT_EQ(inner.items()[0].size(), 0u);
}

TEST(YamlDocument, NullWordsOnlyWhenPlain) {
  auto doc = parsed("- ~\n- null\n- Null\n- NULL\n- ''\n- \"null\"\n- nil\n- !!null x\n"
                    "- !!str null\n- 'a'\n- |\n  b\n");
  auto items = doc.root().items();
  ASSERT_EQ(items.size(), 11u);
  for (int i = 0; i < 4; ++i)
    EXPECT_TRUE(items[i].isNull()) << i;
  EXPECT_TRUE(items[4].isScalar());
  EXPECT_TRUE(items[4].quoted());
  EXPECT_EQ(items[5].scalar(), "null");
  EXPECT_TRUE(items[5].quoted());
  EXPECT_TRUE(items[6].isScalar());
  EXPECT_FALSE(items[6].quoted());
  EXPECT_TRUE(items[7].isNull());
  EXPECT_TRUE(items[8].isScalar());
  EXPECT_TRUE(items[8].quoted()); // tagged as a string
  EXPECT_TRUE(items[9].quoted());
  EXPECT_EQ(items[10].scalar(), "b\n");
  EXPECT_TRUE(items[10].quoted()); // a block scalar is text
  // The non-specific tag `!` makes a plain scalar a string too.
  EXPECT_TRUE(parsed("a: ! 12\n").root().entries()[0].value.quoted());
}

TEST(YamlDocument, AliasesShareTheirAnchorsNode) {
  auto doc = parsed("base: &b {interval: 5s}\nuse: *b\nword: &w hello\nagain: *w\n");
  auto e = doc.root().entries();
  ASSERT_EQ(e.size(), 4u);
  ASSERT_TRUE(e[1].value.isMap());
  EXPECT_EQ(e[1].value.entries()[0].value.scalar(), "5s");
  EXPECT_EQ(e[1].value.line(), 1); // the anchored node itself
  EXPECT_EQ(e[3].value.scalar(), "hello");
}

TEST(YamlDocument, EmptyStreamHasNoRoot) {
  EXPECT_FALSE(parsed("").root().isDefined());
  EXPECT_FALSE(parsed("# only a comment\n").root().isDefined());
  EXPECT_TRUE(parsed("---\n...\n").root().isNull());
  EXPECT_FALSE(Node().isDefined());
  EXPECT_EQ(Node().line(), 0);
}

TEST(YamlDocument, RefusalsSayWhatAndWhere) {
  auto unclosed = refused("a: 1\nb: [x, y\nc: 2\n");
  EXPECT_NE(unclosed.message.find("flow sequence"), std::string::npos) << unclosed.message;
  EXPECT_GE(unclosed.line, 2);

  auto alias = refused("a: 1\nb: *missing\n");
  EXPECT_EQ(alias.line, 2);
  EXPECT_NE(alias.message.find("alias"), std::string::npos);
  // An anchor names its node only once the node is complete: no cycles.
  EXPECT_NE(refused("a: &x [1, *x]\n").message.find("alias"), std::string::npos);

  auto two = refused("a: 1\n---\nb: 2\n");
  EXPECT_EQ(two.message, "more than one document in the file");
  EXPECT_EQ(two.line, 2);
  EXPECT_EQ(refused("a: 1\n---\n- x\n").line, 2);
  // A stray trailing `---` (an empty second document) is no content to lose.
  EXPECT_EQ(parsed("a: 1\n---\n").root().entries()[0].value.scalar(), "1");

  auto utf8 = refused("a: 1\nb: 2\nc: \xc3\x28\n");
  EXPECT_EQ(utf8.line, 3);
  EXPECT_NE(utf8.message.find("UTF-8"), std::string::npos) << utf8.message;
}

TEST(YamlDocument, DepthIsCappedBeforeAnyWalk) {
  std::string ok(Document::kMaxDepth, '[');
  ok += std::string(Document::kMaxDepth, ']');
  EXPECT_TRUE(Document::parse(ok));
  auto deep = refused("a:\n  b: " + std::string(100'000, '['));
  EXPECT_EQ(deep.message, "nested more than 256 levels deep");
  EXPECT_EQ(deep.line, 2);
}

} // namespace
} // namespace mcpwatch::config::yaml
