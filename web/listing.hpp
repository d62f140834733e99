// Server lists at fleet size: the filter and paging parameters of `/api/v1/servers` and the
// overview page, and the pure selection of one page out of the published server list. One pass
// over the list per request (O(N) filtering plus a partial selection), never a full sort.
#pragma once

#include "net/http_server.hpp"
#include "web/backend.hpp"

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mcpwatch::web {

inline constexpr std::size_t kDefaultListLimit = 100;
inline constexpr std::size_t kMaxListLimit = 1000;
inline constexpr std::size_t kMaxFilterText = 200;

// The display states a server can be filtered by (the values of the API's "state").
inline constexpr std::string_view kDisplayStates[] = {
    "up", "down", "failing", "flapping", "maintenance", "paused", "unknown"};

// "paused", "maintenance", else the detector state ("up", "down", ...). No allocation.
std::string_view displayStateOf(const ServerView& view);

// ?q= (case-insensitive substring of slug or name), ?tag= (exact) and ?state= (display state).
struct ServerFilter {
  std::string q;
  std::string tag;
  std::string state;
  bool empty() const { return q.empty() && tag.empty() && state.empty(); }
  bool matches(const ServerView& view) const;
};

// The parameters of one list request. `after` comes from the API's opaque cursor; `page` is the
// overview page's 1-based page number.
struct ListQuery {
  ServerFilter filter;
  std::size_t limit = kDefaultListLimit;
  std::optional<std::string> after; // slug: the list continues after it
  std::size_t page = 1;
};

// Reads q, tag, state, limit (1..maxLimit, default `defaultLimit`) and, with `withCursor`, cursor;
// with `withPage`, page. The error names the parameter and its rule ("limit: expected 1..1000").
Result<ListQuery> parseListQuery(const net::ServerRequest& request, std::size_t defaultLimit,
                                 std::size_t maxLimit, bool withCursor, bool withPage);

// The opaque cursor of the API: the last slug of a page, encoded (base64url of "v1:<slug>").
std::string encodeCursor(std::string_view slug);
std::optional<std::string> decodeCursor(std::string_view cursor);

// One page of the API's list: visible servers the filter matches, ordered by slug, after the
// cursor. `total` counts every match (cursor ignored); `nextAfter` is set when more follow.
struct SlugPage {
  std::vector<const ServerView*> servers;
  std::size_t total = 0;
  std::optional<std::string> nextAfter;
};
SlugPage selectBySlug(const ServerViews& all, const ListQuery& query, bool includePrivate);

// One page of the overview: public servers the filter matches, worst state first, then by name
// (then slug). `page` is clamped to 1..pages. Also counts every public server by display state.
struct OverviewSelection {
  std::vector<const ServerView*> servers;
  std::size_t fleet = 0;    // public servers
  std::size_t matching = 0; // public servers the filter matches
  std::size_t page = 1;
  std::size_t pages = 1;
  std::map<std::string, int> counts; // every public server by display state
};
// `includePrivate`: private servers too (an admin's view).
OverviewSelection selectOverviewPage(const ServerViews& all, const ListQuery& query,
                                     bool includePrivate = false);

} // namespace mcpwatch::web
