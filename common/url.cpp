// Strict absolute http(s) URL parsing and RFC 3986 reference resolution.
#include "common/url.hpp"

#include "common/strings.hpp"

#include <charconv>
#include <string>

namespace mcpwatch::common {

namespace {

bool isAlpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool isDigit(char c) {
  return c >= '0' && c <= '9';
}
bool isHex(char c) {
  return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
bool isUnreserved(char c) {
  return isAlpha(c) || isDigit(c) || c == '-' || c == '.' || c == '_' || c == '~';
}
bool isSubDelim(char c) {
  switch (c) {
  case '!':
  case '$':
  case '&':
  case '\'':
  case '(':
  case ')':
  case '*':
  case '+':
  case ',':
  case ';':
  case '=':
    return true;
  default:
    return false;
  }
}

// Every '%' must start a two-hex-digit escape; the escapes themselves are kept as written.
bool validPercentEncoding(std::string_view s) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%')
      continue;
    if (i + 2 >= s.size())
      return false;
    if (!isHex(s[i + 1]) || !isHex(s[i + 2]))
      return false;
    i += 2;
  }
  return true;
}

// Spaces, control bytes and non-ASCII are never valid inside a URI; rejecting them also keeps
// request lines and Host headers free of anything that could split or smuggle a request.
bool hasForbiddenBytes(std::string_view s) {
  for (unsigned char c : s) {
    if (c <= 0x20 || c >= 0x7f)
      return true;
  }
  return false;
}

bool validPathOrQuery(std::string_view s) {
  for (char c : s) {
    if (isUnreserved(c) || isSubDelim(c) || c == '%' || c == ':' || c == '@' || c == '/' ||
        c == '?')
      continue;
    // Characters outside RFC 3986 that real servers still put in query strings.
    if (c == '[' || c == ']' || c == '|' || c == '{' || c == '}' || c == '^' || c == '`' ||
        c == '"' || c == '<' || c == '>' || c == '\\')
      continue;
    return false;
  }
  return validPercentEncoding(s);
}

bool validRegName(std::string_view host) {
  if (host.empty())
    return false;
  for (char c : host) {
    if (!(isUnreserved(c) || isSubDelim(c) || c == '%'))
      return false;
  }
  return validPercentEncoding(host);
}

bool validIpv6(std::string_view host) {
  if (host.size() < 2)
    return false;
  int colons = 0;
  for (char c : host) {
    if (c == ':') {
      ++colons;
    } else if (!(isHex(c) || c == '.')) {
      return false; // zone identifiers and IPvFuture are not accepted
    }
  }
  return colons >= 2 && colons <= 7;
}

struct Parts {
  std::optional<std::string_view> scheme;
  std::optional<std::string_view> authority;
  std::string_view path;
  std::optional<std::string_view> query;
};

// RFC 3986 appendix B split; the fragment is dropped.
Parts splitReference(std::string_view ref) {
  Parts p;
  if (auto hash = ref.find('#'); hash != std::string_view::npos)
    ref = ref.substr(0, hash);
  std::size_t i = 0;
  while (i < ref.size() && (isAlpha(ref[i]) || (i > 0 && (isDigit(ref[i]) || ref[i] == '+' ||
                                                          ref[i] == '-' || ref[i] == '.'))))
    ++i;
  if (i > 0 && i < ref.size() && ref[i] == ':') {
    p.scheme = ref.substr(0, i);
    ref.remove_prefix(i + 1);
  }
  if (ref.substr(0, 2) == "//") {
    ref.remove_prefix(2);
    auto end = ref.find_first_of("/?");
    p.authority = ref.substr(0, end);
    ref = end == std::string_view::npos ? std::string_view{} : ref.substr(end);
  }
  auto q = ref.find('?');
  p.path = ref.substr(0, q);
  if (q != std::string_view::npos)
    p.query = ref.substr(q + 1);
  return p;
}

// RFC 3986 section 5.2.4.
std::string removeDotSegments(std::string_view in) {
  std::string out;
  while (!in.empty()) {
    if (in.substr(0, 3) == "../") {
      in.remove_prefix(3);
    } else if (in.substr(0, 2) == "./") {
      in.remove_prefix(2);
    } else if (in.substr(0, 3) == "/./") {
      in.remove_prefix(2);
    } else if (in == "/.") {
      in = "/";
    } else if (in.substr(0, 4) == "/../" || in == "/..") {
      in = in.size() == 3 ? std::string_view("/") : in.substr(3);
      auto slash = out.rfind('/');
      out.erase(slash == std::string::npos ? 0 : slash);
    } else if (in == "." || in == "..") {
      in = {};
    } else {
      auto next = in.find('/', in.front() == '/' ? 1 : 0);
      out.append(in.substr(0, next));
      in = next == std::string_view::npos ? std::string_view{} : in.substr(next);
    }
  }
  return out;
}

} // namespace

std::optional<Url> Url::parse(std::string_view text) {
  auto url = check(text);
  if (!url)
    return std::nullopt;
  return std::move(url.value());
}

Expected<Url, std::string> Url::check(std::string_view text) {
  if (text.empty())
    return unexpected(std::string("is empty"));
  if (hasForbiddenBytes(text))
    return unexpected(std::string(
        "must not contain spaces, control characters or non-ASCII bytes (percent-encode them)"));
  const std::string notAbsolute = "must be an absolute URL starting with http:// or https://";
  Parts parts = splitReference(text);
  if (!parts.scheme || !parts.authority)
    return unexpected(notAbsolute);
  Url url;
  url.scheme = toLower(*parts.scheme);
  if (url.scheme != "http" && url.scheme != "https")
    return unexpected(notAbsolute);

  std::string_view authority = *parts.authority;
  if (authority.find('@') != std::string_view::npos)
    return unexpected(
        std::string("must not contain credentials (user@host); send them in headers"));
  std::string_view host;
  std::optional<std::string_view> portText;
  if (!authority.empty() && authority.front() == '[') {
    auto close = authority.find(']');
    if (close == std::string_view::npos)
      return unexpected(std::string("has an unterminated IPv6 address"));
    host = authority.substr(1, close - 1);
    if (!validIpv6(host))
      return unexpected(std::string("has an invalid IPv6 address"));
    std::string_view rest = authority.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':')
        return unexpected(std::string("has an invalid host"));
      portText = rest.substr(1);
    }
  } else {
    auto colon = authority.find(':');
    host = authority.substr(0, colon);
    if (colon != std::string_view::npos)
      portText = authority.substr(colon + 1);
    if (host.empty())
      return unexpected(std::string("has no host"));
    if (!validRegName(host))
      return unexpected(std::string("has an invalid host"));
  }
  url.host = toLower(host);

  url.port = url.https() ? 443 : 80;
  if (portText && !portText->empty()) { // "host:" is the default port (RFC 3986 section 3.2.3)
    unsigned value = 0;
    auto [ptr, ec] = std::from_chars(portText->data(), portText->data() + portText->size(), value);
    if (portText->size() > 5 || ec != std::errc{} || ptr != portText->data() + portText->size() ||
        value == 0 || value > 65535)
      return unexpected(std::string("has an invalid port"));
    url.port = static_cast<std::uint16_t>(value);
  }

  if (!validPathOrQuery(parts.path) || (parts.query && !validPathOrQuery(*parts.query)))
    return unexpected(
        std::string("has characters not allowed in a path or query (percent-encode them)"));
  url.target = parts.path.empty() ? std::string("/") : std::string(parts.path);
  if (parts.query) {
    url.target += '?';
    url.target.append(*parts.query);
  }
  return url;
}

std::string Url::hostHeader() const {
  std::string out = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  if (!defaultPort())
    out += ":" + std::to_string(port);
  return out;
}

bool Url::secureOrLoopback() const {
  return https() || host == "localhost" || host == "::1" || host.starts_with("127.");
}

std::string Url::origin() const {
  return scheme + "://" + hostHeader();
}

std::string Url::toString() const {
  return origin() + target;
}

std::optional<Url> Url::resolve(std::string_view reference) const {
  // Servers sometimes pad the SSE endpoint line; surrounding whitespace is never meaningful.
  reference = trim(reference);
  if (hasForbiddenBytes(reference))
    return std::nullopt;
  Parts ref = splitReference(reference);
  if (ref.scheme) {
    std::string out = std::string(*ref.scheme) + ":";
    if (!ref.authority)
      return std::nullopt;
    out += "//" + std::string(*ref.authority) + removeDotSegments(ref.path);
    if (ref.query)
      out += "?" + std::string(*ref.query);
    return parse(out);
  }

  std::string out = scheme + ":";
  if (ref.authority) {
    out += "//" + std::string(*ref.authority) + removeDotSegments(ref.path);
    if (ref.query)
      out += "?" + std::string(*ref.query);
    return parse(out);
  }

  std::string_view basePath = std::string_view(target).substr(0, target.find('?'));
  std::string_view baseQuery;
  bool baseHasQuery = false;
  if (auto q = target.find('?'); q != std::string::npos) {
    baseQuery = std::string_view(target).substr(q + 1);
    baseHasQuery = true;
  }
  std::string path;
  std::optional<std::string> query;
  if (ref.path.empty()) {
    path = std::string(basePath);
    if (ref.query) {
      query = std::string(*ref.query);
    } else if (baseHasQuery) {
      query = std::string(baseQuery);
    }
  } else {
    if (ref.path.front() == '/') {
      path = removeDotSegments(ref.path);
    } else {
      // Merge (5.2.3): the base always has an authority, so an empty base path acts as "/".
      auto slash = basePath.rfind('/');
      std::string merged = slash == std::string_view::npos
                               ? "/" + std::string(ref.path)
                               : std::string(basePath.substr(0, slash + 1)) + std::string(ref.path);
      path = removeDotSegments(merged);
    }
    if (ref.query)
      query = std::string(*ref.query);
  }
  out += "//" + hostHeader() + path;
  if (query)
    out += "?" + *query;
  return parse(out);
}

} // namespace mcpwatch::common
