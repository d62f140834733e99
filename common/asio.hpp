// The single place that includes Boost.Asio: Boost 1.74's awaitable.hpp needs <utility> first.
#pragma once

// clang-format off
#include <utility> // must precede Boost 1.74's awaitable.hpp
// clang-format on

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
namespace mcpwatch {
namespace asio = boost::asio;
template <class T> using Awaitable = boost::asio::awaitable<T>;
// Boost 1.74 has no as_tuple: expected failures are captured with redirect_error into this.
using boost::asio::redirect_error;
using boost::asio::use_awaitable;
} // namespace mcpwatch
