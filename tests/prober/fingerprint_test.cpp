// Tool fingerprints: canonical JSON is independent of key order and whitespace, and every
// schema field (and only those) changes the hash.
#include "common/crypto.hpp"
#include "prober/fingerprint.hpp"

#include <gtest/gtest.h>

namespace mcpwatch::prober {
namespace {

using common::Json;

Json parse(const char* text) {
  auto j = common::parseJson(text);
  EXPECT_TRUE(j.has_value()) << text;
  return j.value_or(Json());
}

TEST(CanonicalJson, SortsKeysAndDropsWhitespace) {
  EXPECT_EQ(canonicalJson(parse(R"({ "b" : 1, "a" : {"d": [1, 2], "c": null} })")),
            R"({"a":{"c":null,"d":[1,2]},"b":1})");
  EXPECT_EQ(canonicalJson(parse(R"({"a":{"c":null,"d":[1,2]},"b":1})")),
            canonicalJson(parse("{\n  \"b\": 1,\n  \"a\": {\"d\": [1,2], \"c\": null}\n}")));
}

TEST(CanonicalJson, SortsByBytesAndKeepsUnicode) {
  EXPECT_EQ(canonicalJson(parse(R"({"é":1,"z":2,"A":3})")), "{\"A\":3,\"z\":2,\"é\":1}");
}

TEST(CanonicalJson, InvalidUtf8DoesNotThrow) {
  Json j = std::string("bad \xff byte");
  EXPECT_NO_THROW(canonicalJson(j));
}

TEST(CanonicalTool, KeepsOnlySchemaFields) {
  auto tool =
      parse(R"({"name":"echo","title":"Echo","description":"d","inputSchema":{"type":"object"},
    "outputSchema":{"type":"object"},"annotations":{"readOnlyHint":true},
    "execution":{"taskSupport":"forbidden"},"icons":[{"src":"x.png"}],
    "_meta":{"volatile":1},"extra":"ignored"})");
  EXPECT_EQ(canonicalTool(tool),
            R"({"annotations":{"readOnlyHint":true},"description":"d",)"
            R"("icons":[{"src":"x.png"}],"inputSchema":{"type":"object"},"name":"echo",)"
            R"("outputSchema":{"type":"object"},"title":"Echo"})");
}

TEST(CanonicalTool, DefaultTaskSupportIsLeftOutSoErasAgree) {
  // 2025-11-25 lists execution.taskSupport; 2026-07-28 moved tasks to an extension. The default
  // ("forbidden") says nothing, so the same tool listed in either era hashes alike.
  auto legacy = parse(R"({"name":"add","inputSchema":{},"execution":{"taskSupport":"forbidden"}})");
  auto modern = parse(R"({"name":"add","inputSchema":{}})");
  EXPECT_EQ(canonicalTool(legacy), canonicalTool(modern));
  auto optional =
      parse(R"({"name":"add","inputSchema":{},"execution":{"taskSupport":"optional"}})");
  EXPECT_NE(canonicalTool(optional), canonicalTool(modern));
  auto more =
      parse(R"({"name":"add","inputSchema":{},"execution":{"taskSupport":"forbidden","x":1}})");
  EXPECT_EQ(canonicalTool(more), R"({"execution":{"x":1},"inputSchema":{},"name":"add"})");

  auto a = fingerprintTools({legacy});
  auto b = fingerprintTools({modern});
  EXPECT_EQ(a.fingerprint, b.fingerprint);
  // The fingerprint earlier versions stored for the legacy listing, to carry baselines over.
  ASSERT_TRUE(a.formerFingerprint);
  EXPECT_EQ(*a.formerFingerprint,
            "sha256:" + common::sha256Hex("[" + formerCanonicalTool(legacy) + "]"));
  EXPECT_NE(*a.formerFingerprint, a.fingerprint);
  EXPECT_FALSE(b.formerFingerprint);
  // An empty `execution` was part of the former form too; an "optional" one is the same in both.
  auto empty = parse(R"({"name":"add","inputSchema":{},"execution":{}})");
  auto c = fingerprintTools({empty});
  EXPECT_EQ(c.fingerprint, b.fingerprint);
  ASSERT_TRUE(c.formerFingerprint);
  EXPECT_EQ(*c.formerFingerprint,
            "sha256:" + common::sha256Hex("[" + formerCanonicalTool(empty) + "]"));
  EXPECT_FALSE(fingerprintTools({optional}).formerFingerprint);
  auto other = parse(R"({"name":"sub","inputSchema":{}})");
  EXPECT_EQ(*fingerprintTools({other, more}).formerFingerprint,
            "sha256:" + common::sha256Hex("[" + formerCanonicalTool(more) + "," +
                                          formerCanonicalTool(other) + "]"));
}

TEST(Fingerprint, IndependentOfToolOrderKeyOrderAndWhitespace) {
  auto a = fingerprintTools(
      {parse(R"({"name":"b","inputSchema":{"type":"object","properties":{}}})"),
       parse(R"({"name":"a","description":"x","inputSchema":{"type":"object"}})")});
  auto b = fingerprintTools(
      {parse(R"({ "inputSchema" : { "type" : "object" }, "description" : "x", "name" : "a" })"),
       parse(R"({"inputSchema":{"properties":{},"type":"object"},"name":"b"})")});
  EXPECT_EQ(a.fingerprint, b.fingerprint);
  ASSERT_EQ(a.tools.size(), 2u);
  EXPECT_EQ(a.tools[0].name, "a");
  EXPECT_EQ(a.tools[1].name, "b");
  EXPECT_EQ(a.tools[0].sha256, b.tools[0].sha256);
  EXPECT_EQ(a.count, 2u);
  EXPECT_EQ(a.fingerprint.rfind("sha256:", 0), 0u);
  EXPECT_EQ(a.fingerprint.size(), 7u + 64u);
}

TEST(Fingerprint, ChangedDescriptionChangesOnlyThatTool) {
  auto before = fingerprintTools({parse(R"({"name":"a","description":"one","inputSchema":{}})"),
                                  parse(R"({"name":"b","inputSchema":{}})")});
  auto after = fingerprintTools({parse(R"({"name":"a","description":"two","inputSchema":{}})"),
                                 parse(R"({"name":"b","inputSchema":{}})")});
  EXPECT_NE(before.fingerprint, after.fingerprint);
  EXPECT_NE(before.tools[0].sha256, after.tools[0].sha256);
  EXPECT_EQ(before.tools[1].sha256, after.tools[1].sha256);
}

TEST(Fingerprint, EverySchemaFieldCounts) {
  const Json base = parse(R"({"name":"t","inputSchema":{"type":"object"}})");
  const std::string baseHash = fingerprintTools({base}).fingerprint;
  for (const char* field : {"title", "description", "inputSchema", "outputSchema", "annotations",
                            "execution", "icons"}) {
    Json changed = base;
    changed[field] = "changed";
    EXPECT_NE(fingerprintTools({changed}).fingerprint, baseHash) << field;
  }
  Json meta = base;
  meta["_meta"] = {{"x", 1}};
  EXPECT_EQ(fingerprintTools({meta}).fingerprint, baseHash);
}

TEST(Fingerprint, SkipsToolsWithoutStringName) {
  auto summary = fingerprintTools({parse(R"({"name":"a"})"), parse(R"({"name":3})"), parse("[1]"),
                                   parse(R"({"title":"no name"})")});
  EXPECT_EQ(summary.count, 1u);
  EXPECT_EQ(summary.fingerprint, fingerprintTools({parse(R"({"name":"a"})")}).fingerprint);
}

TEST(Fingerprint, EmptyListIsStable) {
  EXPECT_EQ(fingerprintTools({}).fingerprint, fingerprintTools({}).fingerprint);
  EXPECT_EQ(fingerprintTools({}).count, 0u);
  EXPECT_NE(fingerprintTools({}).fingerprint,
            fingerprintTools({parse(R"({"name":"a"})")}).fingerprint);
}

} // namespace
} // namespace mcpwatch::prober
