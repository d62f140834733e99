// A strict parser for the Prometheus text format 0.0.4, used to check /metrics in tests: every
// line must be HELP, TYPE or a valid sample of a declared family, and histograms must be whole.
#pragma once

#include <cmath>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace mcpwatch::web::testing {

struct PromSample {
  std::string name;
  std::map<std::string, std::string> labels;
  double value = 0;
};

struct PromParse {
  std::vector<std::string> errors;
  std::vector<PromSample> samples;
  std::map<std::string, std::string> types; // family -> type

  // The value of the sample with exactly these labels, if present.
  std::optional<double> find(std::string_view name,
                             const std::map<std::string, std::string>& labels = {}) const {
    for (const auto& s : samples)
      if (s.name == name && s.labels == labels)
        return s.value;
    return std::nullopt;
  }
  bool hasLabelValue(std::string_view label, std::string_view value) const {
    for (const auto& s : samples) {
      auto it = s.labels.find(std::string(label));
      if (it != s.labels.end() && it->second == value)
        return true;
    }
    return false;
  }
};

namespace detail {

inline bool nameChar(char c, bool first, bool colon) {
  bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (colon && c == ':');
  return alpha || (!first && c >= '0' && c <= '9');
}

inline std::optional<double> parseValue(std::string_view v) {
  if (v == "+Inf" || v == "Inf")
    return INFINITY;
  if (v == "-Inf")
    return -INFINITY;
  if (v == "NaN")
    return NAN;
  if (v.empty())
    return std::nullopt;
  std::string s(v);
  char* end = nullptr;
  double d = std::strtod(s.c_str(), &end);
  if (end != s.c_str() + s.size() || s.find_first_of("xXpP") != std::string::npos || s == "inf" ||
      s == "nan")
    return std::nullopt;
  return d;
}

} // namespace detail

inline PromParse parsePrometheus(std::string_view text) {
  PromParse out;
  std::set<std::string> helped;
  std::set<std::string> seenSeries;
  std::string currentFamily;
  auto err = [&](std::size_t line, const std::string& msg) {
    out.errors.push_back("line " + std::to_string(line) + ": " + msg);
  };
  if (!text.empty() && text.back() != '\n')
    out.errors.push_back("output does not end with a newline");
  std::size_t lineNo = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto nl = text.find('\n', pos);
    std::string_view line =
        text.substr(pos, nl == std::string_view::npos ? text.size() - pos : nl - pos);
    pos = nl == std::string_view::npos ? text.size() : nl + 1;
    ++lineNo;
    if (line.empty()) {
      err(lineNo, "empty line");
      continue;
    }
    if (line.starts_with("# HELP ") || line.starts_with("# TYPE ")) {
      std::string_view rest = line.substr(7);
      auto sp = rest.find(' ');
      std::string name(rest.substr(0, sp));
      if (name.empty() || !detail::nameChar(name[0], true, true))
        err(lineNo, "bad metric name in comment");
      for (char c : name)
        if (!detail::nameChar(c, false, true))
          err(lineNo, "bad metric name in comment: " + name);
      if (line[2] == 'H') {
        if (!helped.insert(name).second)
          err(lineNo, "second HELP for " + name);
        std::string_view help = sp == std::string_view::npos ? "" : rest.substr(sp + 1);
        for (std::size_t i = 0; i < help.size(); ++i)
          if (help[i] == '\\' &&
              (i + 1 >= help.size() || (help[i + 1] != '\\' && help[i + 1] != 'n')))
            err(lineNo, "bad escape in HELP");
          else if (help[i] == '\\')
            ++i;
      } else {
        std::string type(sp == std::string_view::npos ? "" : rest.substr(sp + 1));
        if (type != "counter" && type != "gauge" && type != "histogram" && type != "summary" &&
            type != "untyped")
          err(lineNo, "bad TYPE " + type);
        if (out.types.count(name))
          err(lineNo, "second TYPE for " + name);
        out.types[name] = type;
        currentFamily = name;
      }
      continue;
    }
    if (line[0] == '#') {
      err(lineNo, "unexpected comment");
      continue;
    }
    PromSample s;
    std::size_t i = 0;
    while (i < line.size() && detail::nameChar(line[i], i == 0, true))
      ++i;
    s.name = std::string(line.substr(0, i));
    if (s.name.empty()) {
      err(lineNo, "sample without a name");
      continue;
    }
    bool bad = false;
    if (i < line.size() && line[i] == '{') {
      ++i;
      while (!bad && i < line.size() && line[i] != '}') {
        std::size_t start = i;
        while (i < line.size() && detail::nameChar(line[i], i == start, false))
          ++i;
        std::string label(line.substr(start, i - start));
        if (label.empty() || i + 1 >= line.size() || line[i] != '=' || line[i + 1] != '"') {
          bad = true;
          break;
        }
        i += 2;
        std::string value;
        while (i < line.size() && line[i] != '"') {
          if (line[i] == '\\') {
            if (i + 1 >= line.size()) {
              bad = true;
              break;
            }
            char e = line[i + 1];
            if (e == '\\')
              value += '\\';
            else if (e == '"')
              value += '"';
            else if (e == 'n')
              value += '\n';
            else
              bad = true;
            i += 2;
          } else if (line[i] == '\n') {
            bad = true;
            break;
          } else {
            value += line[i++];
          }
        }
        if (bad || i >= line.size()) {
          bad = true;
          break;
        }
        ++i; // closing quote
        if (s.labels.count(label))
          bad = true;
        s.labels[label] = value;
        if (i < line.size() && line[i] == ',')
          ++i;
        else if (i < line.size() && line[i] != '}')
          bad = true;
      }
      if (i >= line.size() || line[i] != '}')
        bad = true;
      else
        ++i;
    }
    if (bad || i >= line.size() || line[i] != ' ') {
      err(lineNo, "malformed sample: " + std::string(line));
      continue;
    }
    std::string_view rest = line.substr(i + 1);
    auto sp = rest.find(' ');
    auto value = detail::parseValue(rest.substr(0, sp));
    if (!value) {
      err(lineNo, "bad value: " + std::string(line));
      continue;
    }
    if (sp != std::string_view::npos) {
      auto ts = rest.substr(sp + 1);
      if (ts.empty() || ts.find_first_not_of("-0123456789") != std::string_view::npos)
        err(lineNo, "bad timestamp");
    }
    s.value = *value;
    // The sample must belong to the family declared last.
    std::string family = s.name;
    auto typeIt = out.types.find(currentFamily);
    if (typeIt == out.types.end()) {
      err(lineNo, "sample before any TYPE: " + s.name);
      continue;
    }
    if (typeIt->second == "histogram") {
      if (s.name != currentFamily + "_bucket" && s.name != currentFamily + "_sum" &&
          s.name != currentFamily + "_count")
        err(lineNo, "sample " + s.name + " does not belong to histogram " + currentFamily);
      if (s.name.ends_with("_bucket") && !s.labels.count("le"))
        err(lineNo, "bucket without le");
    } else if (s.name != currentFamily) {
      err(lineNo, "sample " + s.name + " does not belong to " + currentFamily);
    }
    if (typeIt->second == "counter" && !(s.value >= 0))
      err(lineNo, "negative counter");
    std::string key = s.name;
    for (const auto& [k, v] : s.labels)
      key += "|" + k + "=" + v;
    if (!seenSeries.insert(key).second)
      err(lineNo, "duplicate series " + key);
    out.samples.push_back(std::move(s));
  }

  // Histograms: per series, buckets increasing in le, cumulative, ending in +Inf == _count.
  for (const auto& [family, type] : out.types) {
    if (type != "histogram")
      continue;
    std::map<std::map<std::string, std::string>, std::vector<std::pair<double, double>>> buckets;
    std::map<std::map<std::string, std::string>, double> counts, sums;
    for (const auto& s : out.samples) {
      auto labels = s.labels;
      if (s.name == family + "_bucket") {
        auto le = detail::parseValue(labels["le"]);
        labels.erase("le");
        if (!le)
          out.errors.push_back(family + ": bad le");
        else
          buckets[labels].push_back({*le, s.value});
      } else if (s.name == family + "_count") {
        counts[labels] = s.value;
      } else if (s.name == family + "_sum") {
        sums[labels] = s.value;
      }
    }
    for (const auto& [labels, list] : buckets) {
      for (std::size_t k = 1; k < list.size(); ++k)
        if (!(list[k].first > list[k - 1].first) || list[k].second < list[k - 1].second)
          out.errors.push_back(family + ": buckets not increasing/cumulative");
      if (list.empty() || !std::isinf(list.back().first))
        out.errors.push_back(family + ": no +Inf bucket");
      else if (!counts.count(labels) || counts[labels] != list.back().second)
        out.errors.push_back(family + ": _count differs from the +Inf bucket");
      if (!sums.count(labels))
        out.errors.push_back(family + ": no _sum");
    }
  }
  return out;
}

} // namespace mcpwatch::web::testing
