// Filtering and paging of the server list: one linear pass and a partial selection per request.
#include "web/listing.hpp"

#include "common/crypto.hpp"
#include "web/pages.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <fmt/format.h>

namespace mcpwatch::web {
namespace {

constexpr std::string_view kCursorPrefix = "v1:";

char lowerAscii(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

// ASCII case-insensitive substring test; `needle` is already lower case.
bool containsFolded(std::string_view hay, std::string_view needle) {
  if (needle.empty())
    return true;
  if (hay.size() < needle.size())
    return false;
  for (std::size_t i = 0; i + needle.size() <= hay.size(); ++i) {
    std::size_t k = 0;
    while (k < needle.size() && lowerAscii(hay[i + k]) == needle[k])
      ++k;
    if (k == needle.size())
      return true;
  }
  return false;
}

bool slugChars(std::string_view s) {
  return !s.empty() && s.size() <= 128 && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
  });
}

std::optional<std::size_t> parseCount(const std::string& text, std::size_t max) {
  std::size_t value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size() || value == 0 || value > max)
    return std::nullopt;
  return value;
}

} // namespace

std::string_view displayStateOf(const ServerView& view) {
  if (view.paused)
    return "paused";
  if (view.inMaintenance)
    return "maintenance";
  return detector::toString(view.state.status);
}

bool ServerFilter::matches(const ServerView& view) const {
  if (!state.empty() && displayStateOf(view) != state)
    return false;
  if (!tag.empty() && std::find(view.tags.begin(), view.tags.end(), tag) == view.tags.end())
    return false;
  return q.empty() || containsFolded(view.slug, q) || containsFolded(view.name, q);
}

Result<ListQuery> parseListQuery(const net::ServerRequest& request, std::size_t defaultLimit,
                                 std::size_t maxLimit, bool withCursor, bool withPage) {
  ListQuery query;
  query.limit = defaultLimit;
  if (auto text = request.query("limit")) {
    auto n = parseCount(*text, maxLimit);
    if (!n)
      return common::unexpected(
          fmt::format("limit: expected a whole number from 1 to {}", maxLimit));
    query.limit = *n;
  }
  for (auto [name, out] : {std::pair{"q", &query.filter.q}, {"tag", &query.filter.tag}}) {
    auto text = request.query(name);
    if (!text)
      continue;
    if (text->size() > kMaxFilterText)
      return common::unexpected(fmt::format("{}: at most {} bytes", name, kMaxFilterText));
    *out = *text;
  }
  for (auto& c : query.filter.q)
    c = lowerAscii(c);
  if (auto state = request.query("state"); state && !state->empty()) {
    if (std::find(std::begin(kDisplayStates), std::end(kDisplayStates), *state) ==
        std::end(kDisplayStates))
      return common::unexpected(std::string(
          "state: expected one of up, down, failing, flapping, maintenance, paused, unknown"));
    query.filter.state = *state;
  }
  if (withCursor) {
    if (auto cursor = request.query("cursor"); cursor && !cursor->empty()) {
      auto slug = decodeCursor(*cursor);
      if (!slug)
        return common::unexpected(
            std::string("cursor: not a cursor this API returned (use next_cursor as given)"));
      query.after = std::move(*slug);
    }
  }
  if (withPage) {
    if (auto page = request.query("page")) {
      auto n = parseCount(*page, 1'000'000);
      if (!n)
        return common::unexpected(std::string("page: expected a number from 1 to 1000000"));
      query.page = *n;
    }
  }
  return query;
}

std::string encodeCursor(std::string_view slug) {
  std::string text = common::base64Encode(std::string(kCursorPrefix) + std::string(slug));
  // base64url without padding: the cursor goes into a query string untouched.
  for (auto& c : text)
    c = c == '+' ? '-' : c == '/' ? '_' : c;
  while (!text.empty() && text.back() == '=')
    text.pop_back();
  return text;
}

std::optional<std::string> decodeCursor(std::string_view cursor) {
  if (cursor.size() > 256)
    return std::nullopt;
  std::string text(cursor);
  for (auto& c : text) {
    if (c == '-')
      c = '+';
    else if (c == '_')
      c = '/';
    else if (c == '+' || c == '/' || c == '=')
      return std::nullopt;
  }
  while (text.size() % 4 != 0)
    text += '=';
  auto bytes = common::base64Decode(text);
  if (!bytes || !bytes->starts_with(kCursorPrefix))
    return std::nullopt;
  std::string slug = bytes->substr(kCursorPrefix.size());
  if (!slugChars(slug))
    return std::nullopt;
  return slug;
}

SlugPage selectBySlug(const ServerViews& all, const ListQuery& query, bool includePrivate) {
  SlugPage page;
  std::vector<const ServerView*> candidates;
  candidates.reserve(std::min(all.size(), std::size_t{1} << 20));
  for (const auto& v : all) {
    if ((!includePrivate && !v.isPublic) || !query.filter.matches(v))
      continue;
    ++page.total;
    if (query.after && v.slug <= *query.after)
      continue;
    candidates.push_back(&v);
  }
  auto bySlug = [](const ServerView* a, const ServerView* b) { return a->slug < b->slug; };
  bool more = candidates.size() > query.limit;
  if (more) {
    auto cut = candidates.begin() + static_cast<std::ptrdiff_t>(query.limit);
    std::nth_element(candidates.begin(), cut, candidates.end(), bySlug);
    candidates.erase(cut, candidates.end());
  }
  std::sort(candidates.begin(), candidates.end(), bySlug);
  if (more && !candidates.empty())
    page.nextAfter = candidates.back()->slug;
  page.servers = std::move(candidates);
  return page;
}

OverviewSelection selectOverviewPage(const ServerViews& all, const ListQuery& query,
                                     bool includePrivate) {
  OverviewSelection out;
  struct Row {
    int rank;
    const ServerView* view;
  };
  std::array<int, 8> byRank{};
  std::array<std::string_view, 8> rankName{};
  std::vector<Row> rows;
  rows.reserve(std::min(all.size(), std::size_t{1} << 20));
  for (const auto& v : all) {
    if (!v.isPublic && !includePrivate)
      continue;
    ++out.fleet;
    auto state = displayStateOf(v);
    int rank = stateRank(state);
    ++byRank[static_cast<std::size_t>(rank)];
    rankName[static_cast<std::size_t>(rank)] = state;
    if (query.filter.matches(v))
      rows.push_back({rank, &v});
  }
  for (std::size_t r = 0; r < byRank.size(); ++r)
    if (byRank[r] > 0)
      out.counts[std::string(rankName[r])] = byRank[r];
  std::size_t perPage = std::max<std::size_t>(1, query.limit);
  out.matching = rows.size();
  out.pages = std::max<std::size_t>(1, (rows.size() + perPage - 1) / perPage);
  out.page = std::clamp<std::size_t>(query.page, 1, out.pages);
  auto less = [](const Row& a, const Row& b) {
    if (a.rank != b.rank)
      return a.rank < b.rank;
    if (a.view->name != b.view->name)
      return a.view->name < b.view->name;
    return a.view->slug < b.view->slug;
  };
  auto first = static_cast<std::ptrdiff_t>((out.page - 1) * perPage);
  auto last = static_cast<std::ptrdiff_t>(std::min(rows.size(), out.page * perPage));
  if (first > 0)
    std::nth_element(rows.begin(), rows.begin() + first, rows.end(), less);
  if (last < static_cast<std::ptrdiff_t>(rows.size()))
    std::nth_element(rows.begin() + first, rows.begin() + last, rows.end(), less);
  std::sort(rows.begin() + first, rows.begin() + last, less);
  out.servers.reserve(static_cast<std::size_t>(last - first));
  for (auto it = rows.begin() + first; it != rows.begin() + last; ++it)
    out.servers.push_back(it->view);
  return out;
}

} // namespace mcpwatch::web
