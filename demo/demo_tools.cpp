// The demo tools: small, deterministic (random_number is, given a seed) and safe on any input.
#include "demo/demo_tools.hpp"

#include "common/time.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>

namespace mcpwatch::demo {

using common::Json;

bool isLegacyVersion(std::string_view version) {
  return std::find(kLegacyVersions.begin(), kLegacyVersions.end(), version) !=
         kLegacyVersions.end();
}

namespace {

// Version strings are dates, so they order lexicographically.
bool atLeast(std::string_view version, std::string_view since) {
  return version >= since;
}

constexpr std::int64_t kMaxRandomBound = std::int64_t{1} << 53; // exact in every JSON reader
constexpr std::size_t kMaxReverseBytes = 64 * 1024;

Json annotations(bool readOnly, bool idempotent) {
  return {{"readOnlyHint", readOnly},
          {"destructiveHint", false},
          {"idempotentHint", idempotent},
          {"openWorldHint", false}};
}

struct ToolSpec {
  const char* name;
  const char* title;
  const char* description;
  Json inputSchema;
  Json outputSchema; // null when the tool has none
  Json annotations;
};

std::vector<ToolSpec> specs(bool drift) {
  std::vector<ToolSpec> out;
  out.push_back(
      {"echo",
       "Echo",
       "Echoes back the message it is given.",
       {{"type", "object"},
        {"properties", {{"message", {{"type", "string"}, {"description", "Text to echo back"}}}}},
        {"required", {"message"}}},
       nullptr,
       annotations(true, true)});
  out.push_back(
      {"add",
       "Add",
       "Adds two numbers and returns the sum.",
       {{"type", "object"},
        {"properties",
         {{"a", {{"type", "number"}, {"description", "First addend"}}},
          {"b", {{"type", "number"}, {"description", "Second addend"}}}}},
        {"required", {"a", "b"}}},
       {{"type", "object"}, {"properties", {{"sum", {{"type", "number"}}}}}, {"required", {"sum"}}},
       annotations(true, true)});
  out.push_back({"get_time",
                 "Get Time",
                 "Returns the server's current time in UTC (RFC 3339).",
                 {{"type", "object"}, {"properties", Json::object()}},
                 {{"type", "object"},
                  {"properties", {{"utc", {{"type", "string"}, {"format", "date-time"}}}}},
                  {"required", {"utc"}}},
                 annotations(true, false)});
  out.push_back(
      {"random_number",
       "Random Number",
       "Returns a uniformly distributed integer between min and max (inclusive). The same seed "
       "always gives the same number.",
       {{"type", "object"},
        {"properties",
         {{"min", {{"type", "integer"}, {"description", "Lower bound (inclusive)"}}},
          {"max", {{"type", "integer"}, {"description", "Upper bound (inclusive)"}}},
          {"seed",
           {{"type", "integer"}, {"description", "Optional seed for a repeatable result"}}}}},
        {"required", {"min", "max"}}},
       {{"type", "object"},
        {"properties", {{"value", {{"type", "integer"}}}}},
        {"required", {"value"}}},
       annotations(true, false)});
  out.push_back(
      {"reverse_text",
       "Reverse Text",
       "Reverses a string, code point by code point.",
       {{"type", "object"},
        {"properties", {{"text", {{"type", "string"}, {"description", "Text to reverse"}}}}},
        {"required", {"text"}}},
       nullptr,
       annotations(true, true)});
  if (drift) {
    out.push_back({kDriftToolName.data(),
                   "Drift Demo",
                   "Only listed while schema drift is switched on (POST /demo/drift).",
                   {{"type", "object"},
                    {"properties", {{"note", {{"type", "string"}, {"description", "Any text"}}}}}},
                   nullptr,
                   annotations(true, true)});
  }
  return out;
}

Json textResult(std::string text) {
  return {{"content", Json::array({{{"type", "text"}, {"text", std::move(text)}}})}};
}

Json errorResult(std::string text) {
  Json r = textResult(std::move(text));
  r["isError"] = true;
  return r;
}

Json withStructured(Json result, Json structured, std::string_view version) {
  if (atLeast(version, "2025-06-18")) {
    result["structuredContent"] = std::move(structured);
  }
  return result;
}

// Splits valid UTF-8 into code points (the JSON parser already rejected invalid UTF-8) and
// reverses their order.
std::string reverseCodePoints(const std::string& text) {
  std::vector<std::string_view> points;
  std::string_view view(text);
  std::size_t i = 0;
  while (i < view.size()) {
    auto lead = static_cast<unsigned char>(view[i]);
    std::size_t len = lead < 0x80 ? 1 : (lead >> 5) == 0x6 ? 2 : (lead >> 4) == 0xE ? 3 : 4;
    len = std::min(len, view.size() - i);
    points.push_back(view.substr(i, len));
    i += len;
  }
  std::string out;
  out.reserve(text.size());
  for (auto it = points.rbegin(); it != points.rend(); ++it) {
    out.append(*it);
  }
  return out;
}

std::optional<std::int64_t> integerArg(const Json& args, const char* key) {
  auto it = args.find(key);
  if (it == args.end() || !it->is_number_integer()) {
    return std::nullopt;
  }
  if (it->is_number_unsigned()) {
    auto v = it->get<std::uint64_t>();
    if (v > static_cast<std::uint64_t>(kMaxRandomBound)) {
      return std::nullopt;
    }
    return static_cast<std::int64_t>(v);
  }
  return it->get<std::int64_t>();
}

} // namespace

std::vector<Json> toolDefinitions(bool drift, std::string_view version) {
  std::vector<Json> out;
  for (auto& spec : specs(drift)) {
    Json tool = {{"name", spec.name}};
    if (atLeast(version, "2025-06-18")) {
      tool["title"] = spec.title;
    }
    tool["description"] = spec.description;
    tool["inputSchema"] = std::move(spec.inputSchema);
    if (atLeast(version, "2025-06-18") && !spec.outputSchema.is_null()) {
      tool["outputSchema"] = std::move(spec.outputSchema);
    }
    if (atLeast(version, "2025-03-26")) {
      tool["annotations"] = std::move(spec.annotations);
    }
    // execution.taskSupport exists only in 2025-11-25 (2026-07-28 moved tasks to an extension).
    if (version == "2025-11-25") {
      tool["execution"] = {{"taskSupport", "forbidden"}};
    }
    out.push_back(std::move(tool));
  }
  return out;
}

common::Expected<Json, ToolCallError> callTool(std::string_view name, const Json& arguments,
                                               bool drift, std::string_view version,
                                               const common::Clock& clock) {
  const Json args = arguments.is_null() ? Json::object() : arguments;
  if (name == "echo" || name == "add" || name == "get_time" || name == "random_number" ||
      name == "reverse_text" || (drift && name == kDriftToolName)) {
    if (!args.is_object()) {
      return errorResult("Invalid arguments: arguments must be an object");
    }
  }
  if (name == "echo") {
    auto it = args.find("message");
    if (it == args.end() || !it->is_string()) {
      return errorResult("Invalid arguments: 'message' must be a string");
    }
    return textResult(it->get<std::string>());
  }
  if (name == "add") {
    auto a = args.find("a");
    auto b = args.find("b");
    if (a == args.end() || b == args.end() || !a->is_number() || !b->is_number()) {
      return errorResult("Invalid arguments: 'a' and 'b' must be numbers");
    }
    double sum = a->get<double>() + b->get<double>();
    if (!std::isfinite(sum)) {
      return errorResult("The sum is too large to represent");
    }
    Json sumJson = sum;
    if (a->is_number_integer() && b->is_number_integer() && std::fabs(sum) < 9.0e15) {
      sumJson = static_cast<std::int64_t>(sum); // integers stay integers ("5", not "5.0")
    }
    return withStructured(textResult(sumJson.dump()), {{"sum", sumJson}}, version);
  }
  if (name == "get_time") {
    std::string utc = common::formatRfc3339(clock.now());
    return withStructured(textResult(utc), {{"utc", utc}}, version);
  }
  if (name == "random_number") {
    auto lo = integerArg(args, "min");
    auto hi = integerArg(args, "max");
    auto inRange = [](std::int64_t v) { return v >= -kMaxRandomBound && v <= kMaxRandomBound; };
    if (!lo || !hi || !inRange(*lo) || !inRange(*hi)) {
      return errorResult("Invalid arguments: 'min' and 'max' must be integers within ±2^53");
    }
    if (*lo > *hi) {
      return errorResult("Invalid arguments: 'min' must not be greater than 'max'");
    }
    std::uint64_t seed = 0;
    if (args.contains("seed")) {
      if (!args["seed"].is_number_integer()) {
        return errorResult("Invalid arguments: 'seed' must be an integer");
      }
      seed = args["seed"].is_number_unsigned()
                 ? args["seed"].get<std::uint64_t>()
                 : static_cast<std::uint64_t>(args["seed"].get<std::int64_t>());
    } else {
      seed = std::random_device{}();
    }
    std::mt19937_64 engine(seed);
    std::uniform_int_distribution<std::int64_t> dist(*lo, *hi);
    std::int64_t value = dist(engine);
    return withStructured(textResult(std::to_string(value)), {{"value", value}}, version);
  }
  if (name == "reverse_text") {
    auto it = args.find("text");
    if (it == args.end() || !it->is_string()) {
      return errorResult("Invalid arguments: 'text' must be a string");
    }
    const auto& text = it->get_ref<const std::string&>();
    if (text.size() > kMaxReverseBytes) {
      return errorResult("Invalid arguments: 'text' is longer than 65536 bytes");
    }
    return textResult(reverseCodePoints(text));
  }
  if (drift && name == kDriftToolName) {
    return textResult("schema drift is switched on; this tool disappears when it is switched off");
  }
  return common::unexpected(ToolCallError{-32602, "Unknown tool: " + std::string(name)});
}

} // namespace mcpwatch::demo
