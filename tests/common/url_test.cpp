// Url parsing, printing and RFC 3986 reference resolution, as tables.
#include "common/url.hpp"

#include <gtest/gtest.h>

namespace mcpwatch::common {
namespace {

struct ParseCase {
  const char* text;
  const char* scheme;
  const char* host;
  int port;
  const char* target;
};

TEST(UrlTest, ParsesAbsoluteHttpUrls) {
  const ParseCase cases[] = {
      {"http://example.com", "http", "example.com", 80, "/"},
      {"https://example.com", "https", "example.com", 443, "/"},
      {"HTTPS://Example.COM:8443/MCP?x=1", "https", "example.com", 8443, "/MCP?x=1"},
      {"http://127.0.0.1:3902/sse", "http", "127.0.0.1", 3902, "/sse"},
      {"http://[::1]:8080/mcp", "http", "::1", 8080, "/mcp"},
      {"http://[2001:DB8::1]/", "http", "2001:db8::1", 80, "/"},
      {"http://h/a%20b?q=%2F#frag", "http", "h", 80, "/a%20b?q=%2F"},
      {"http://h?x", "http", "h", 80, "/?x"},
      {"http://h:/p", "http", "h", 80, "/p"},
      {"http://h#only-fragment", "http", "h", 80, "/"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    auto url = Url::parse(c.text);
    ASSERT_TRUE(url.has_value());
    EXPECT_EQ(url->scheme, c.scheme);
    EXPECT_EQ(url->host, c.host);
    EXPECT_EQ(url->port, c.port);
    EXPECT_EQ(url->target, c.target);
  }
}

TEST(UrlTest, RejectsEverythingElse) {
  const char* cases[] = {
      "",
      "example.com/mcp",
      "/mcp",
      "ftp://example.com/",
      "http:/example.com",
      "http://",
      "http:///path",
      "http://user:pw@example.com/",
      "http://exa mple.com/",
      "http://example.com/a b",
      "http://example.com/\x01",
      "http://example.com/\r\nX: y",
      "http://example.com:0/",
      "http://example.com:65536/",
      "http://example.com:80a/",
      "http://example.com:123456/",
      "http://[::1/",
      "http://[::1]x/",
      "http://[fe80::1%25eth0]/",
      "http://[zz::1]/",
      "http://example.com/%zz",
      "http://example.com/%4",
      "http://ex%ample.com/",
      "http://exämple.com/",
  };
  for (const char* c : cases) {
    SCOPED_TRACE(c);
    EXPECT_FALSE(Url::parse(c).has_value());
  }
}

TEST(UrlTest, PrintsHostHeaderOriginAndString) {
  auto a = Url::parse("http://example.com:80/x?y").value();
  EXPECT_EQ(a.hostHeader(), "example.com");
  EXPECT_EQ(a.origin(), "http://example.com");
  EXPECT_EQ(a.toString(), "http://example.com/x?y");
  EXPECT_TRUE(a.defaultPort());

  auto b = Url::parse("https://[::1]:8443/mcp").value();
  EXPECT_EQ(b.hostHeader(), "[::1]:8443");
  EXPECT_EQ(b.origin(), "https://[::1]:8443");
  EXPECT_EQ(b.toString(), "https://[::1]:8443/mcp");
  EXPECT_FALSE(b.defaultPort());

  auto c = Url::parse("https://h:80/").value();
  EXPECT_EQ(c.hostHeader(), "h:80");
  EXPECT_EQ(Url::parse(c.toString()), c);
}

TEST(UrlTest, ResolvesReferences) {
  struct Case {
    const char* base;
    const char* reference;
    const char* expected; // nullptr: no valid result
  };
  const Case cases[] = {
      {"http://127.0.0.1:3902/sse", "/message?sessionId=abc",
       "http://127.0.0.1:3902/message?sessionId=abc"},
      {"http://127.0.0.1:3902/sse", " /message?sessionId=abc\n",
       "http://127.0.0.1:3902/message?sessionId=abc"},
      {"http://a/b/c/d;p?q", "g", "http://a/b/c/g"},
      {"http://a/b/c/d;p?q", "./g", "http://a/b/c/g"},
      {"http://a/b/c/d;p?q", "g/", "http://a/b/c/g/"},
      {"http://a/b/c/d;p?q", "/g", "http://a/g"},
      {"http://a/b/c/d;p?q", "//g", "http://g/"},
      {"http://a/b/c/d;p?q", "?y", "http://a/b/c/d;p?y"},
      {"http://a/b/c/d;p?q", "g?y", "http://a/b/c/g?y"},
      {"http://a/b/c/d;p?q", "#s", "http://a/b/c/d;p?q"},
      {"http://a/b/c/d;p?q", "", "http://a/b/c/d;p?q"},
      {"http://a/b/c/d;p?q", ".", "http://a/b/c/"},
      {"http://a/b/c/d;p?q", "..", "http://a/b/"},
      {"http://a/b/c/d;p?q", "../g", "http://a/b/g"},
      {"http://a/b/c/d;p?q", "../../g", "http://a/g"},
      {"http://a/b/c/d;p?q", "../../../../g", "http://a/g"},
      {"http://a/b/c/d;p?q", "/./g", "http://a/g"},
      {"http://a/b/c/d;p?q", "g/../h", "http://a/b/c/h"},
      {"http://a/b/c/d;p?q", "https://other:444/x/../y", "https://other:444/y"},
      {"https://[::1]:8443/mcp/sse", "messages?id=1", "https://[::1]:8443/mcp/messages?id=1"},
      {"https://h/sse", "//[::1]:9000/m", "https://[::1]:9000/m"},
      {"http://a/", "mailto:x@y", nullptr},
      {"http://a/", "http://", nullptr},
      {"http://a/", "/has space", nullptr},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(std::string(c.base) + " + " + c.reference);
    auto base = Url::parse(c.base);
    ASSERT_TRUE(base.has_value());
    auto result = base->resolve(c.reference);
    if (c.expected == nullptr) {
      EXPECT_FALSE(result.has_value());
    } else {
      ASSERT_TRUE(result.has_value());
      EXPECT_EQ(result->toString(), c.expected);
    }
  }
}

} // namespace
} // namespace mcpwatch::common
