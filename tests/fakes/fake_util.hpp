// Small helpers the strict fakes share (scripted answers, header and content-type lookups) and
// that sink tests use to inspect text and recorded requests.
#pragma once

#include "net/http_server.hpp"

#include <chrono>
#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace mcpwatch::fakes {

// Code points in UTF-8 text (what the receivers' limits count), counted independently of the
// code under test. (std::string parameters: a JSON string converts implicitly.)
std::size_t codePointCount(const std::string& s);
bool contains(const std::string& haystack, const std::string& needle);
// Non-overlapping occurrences of `needle`.
std::size_t occurrences(const std::string& haystack, const std::string& needle);
// The first value of header `name` (case-insensitive) in a recorded request.
std::optional<std::string> headerValue(const net::HeaderList& headers, std::string_view name);
// "application/json" from "Application/JSON; charset=utf-8"; empty when absent.
std::string baseContentType(const std::optional<std::string>& value);
// Starts `server` on 127.0.0.1 with a free port; throws naming `fake` when it cannot.
void listenOnLoopback(net::HttpServer& server, std::string_view fake);
// Waits `delay` on the current coroutine's executor (a slow receiver); nothing when zero.
Awaitable<void> answerAfter(std::chrono::milliseconds delay);

// Takes the next scripted answer, if any, under the fake's lock.
template <class T> std::optional<T> takeScripted(std::mutex& mu, std::deque<T>& queue) {
  std::lock_guard lock(mu);
  if (queue.empty())
    return std::nullopt;
  T next = std::move(queue.front());
  queue.pop_front();
  return next;
}

// Queues `count` copies of a scripted answer under the fake's lock.
template <class T> void addScripted(std::mutex& mu, std::deque<T>& queue, int count, const T& a) {
  std::lock_guard lock(mu);
  for (int i = 0; i < count; ++i)
    queue.push_back(a);
}

} // namespace mcpwatch::fakes
