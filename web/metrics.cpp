// Prometheus registry and text rendering; the families and series are guarded by one mutex.
#include "web/metrics.hpp"

#include "web/html.hpp"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <limits>
#include <stdexcept>

namespace mcpwatch::web {
namespace {

enum Type { kCounter = 0, kGauge = 1, kHistogram = 2 };

std::string escapeHelp(std::string_view text) {
  std::string out;
  for (char c : sanitizeUtf8(text)) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

} // namespace

const std::vector<double> kProbeDurationBuckets = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                                   0.5,   1,    2.5,   5,    10,  30};

struct MetricsRegistry::Family {
  struct Series {
    double value = 0;
    std::vector<std::uint64_t> buckets; // per bucket, not cumulative
    double sum = 0;
    std::uint64_t count = 0;
  };
  std::string name;
  std::string help;
  int type = kGauge;
  std::vector<std::string> labelNames;
  std::vector<double> bounds;
  std::map<LabelValues, Series> series;

  Series& at(const LabelValues& labels) {
    if (labels.size() != labelNames.size())
      throw std::invalid_argument(fmt::format("metric {}: expected {} label values, got {}", name,
                                              labelNames.size(), labels.size()));
    auto it = series.find(labels);
    if (it == series.end()) {
      it = series.emplace(labels, Series{}).first;
      it->second.buckets.assign(bounds.size(), 0);
    }
    return it->second;
  }
};

bool validMetricName(std::string_view name) {
  if (name.empty())
    return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
    if (!alpha && !(i > 0 && c >= '0' && c <= '9'))
      return false;
  }
  return true;
}

bool validLabelName(std::string_view name) {
  if (name.empty() || name.starts_with("__"))
    return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    if (!alpha && !(i > 0 && c >= '0' && c <= '9'))
      return false;
  }
  return true;
}

std::string escapeLabelValue(std::string_view value) {
  std::string out;
  for (char c : sanitizeUtf8(value)) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

std::string formatSampleValue(double value) {
  if (std::isnan(value))
    return "NaN";
  if (std::isinf(value))
    return value > 0 ? "+Inf" : "-Inf";
  if (value == std::floor(value) && std::fabs(value) < 1e15)
    return fmt::format("{}", static_cast<long long>(value));
  return fmt::format("{}", value);
}

MetricsRegistry::MetricsRegistry() = default;
MetricsRegistry::~MetricsRegistry() = default;

MetricsRegistry::Family& MetricsRegistry::add(std::string name, std::string help, int type,
                                              std::vector<std::string> labelNames,
                                              std::vector<double> buckets) {
  if (!validMetricName(name))
    throw std::invalid_argument("invalid metric name: " + name);
  if (type == kCounter && !name.ends_with("_total"))
    throw std::invalid_argument("counter name must end in _total: " + name);
  for (const auto& l : labelNames)
    if (!validLabelName(l) || (type == kHistogram && l == "le"))
      throw std::invalid_argument("invalid label name for " + name + ": " + l);
  for (std::size_t i = 0; i < buckets.size(); ++i)
    if (!std::isfinite(buckets[i]) || (i > 0 && buckets[i] <= buckets[i - 1]))
      throw std::invalid_argument("histogram buckets must be finite and increasing: " + name);
  std::lock_guard lock(mutex_);
  for (const auto& f : families_) {
    // The same declaration again (e.g. a component rebuilt on reload) shares the family.
    if (f->name == name && f->type == type && f->labelNames == labelNames && f->bounds == buckets)
      return *f;
    // A histogram's _bucket/_sum/_count names count as taken too.
    for (std::string_view suffix : {"", "_bucket", "_sum", "_count"})
      if (f->name + std::string(suffix) == name ||
          (type == kHistogram && f->name == name + std::string(suffix)))
        throw std::invalid_argument("metric registered twice: " + name);
  }
  auto family = std::make_unique<Family>();
  family->name = std::move(name);
  family->help = std::move(help);
  family->type = type;
  family->labelNames = std::move(labelNames);
  family->bounds = std::move(buckets);
  families_.push_back(std::move(family));
  return *families_.back();
}

MetricsRegistry::Counter MetricsRegistry::counter(std::string name, std::string help,
                                                  std::vector<std::string> labelNames) {
  return Counter(this, &add(std::move(name), std::move(help), kCounter, std::move(labelNames), {}));
}

MetricsRegistry::Gauge MetricsRegistry::gauge(std::string name, std::string help,
                                              std::vector<std::string> labelNames) {
  return Gauge(this, &add(std::move(name), std::move(help), kGauge, std::move(labelNames), {}));
}

MetricsRegistry::Histogram MetricsRegistry::histogram(std::string name, std::string help,
                                                      std::vector<std::string> labelNames,
                                                      std::vector<double> buckets) {
  return Histogram(this, &add(std::move(name), std::move(help), kHistogram, std::move(labelNames),
                              std::move(buckets)));
}

void MetricsRegistry::Counter::inc(const LabelValues& labels, double by) const {
  if (!(by >= 0))
    return;
  std::lock_guard lock(registry_->mutex_);
  family_->at(labels).value += by;
}

void MetricsRegistry::Gauge::set(const LabelValues& labels, double value) const {
  std::lock_guard lock(registry_->mutex_);
  family_->at(labels).value = value;
}

void MetricsRegistry::Gauge::add(const LabelValues& labels, double by) const {
  std::lock_guard lock(registry_->mutex_);
  family_->at(labels).value += by;
}

void MetricsRegistry::Histogram::observe(const LabelValues& labels, double value) const {
  if (std::isnan(value))
    return;
  std::lock_guard lock(registry_->mutex_);
  auto& s = family_->at(labels);
  auto it = std::lower_bound(family_->bounds.begin(), family_->bounds.end(), value);
  if (it != family_->bounds.end())
    ++s.buckets[static_cast<std::size_t>(it - family_->bounds.begin())];
  s.sum += value;
  ++s.count;
}

void MetricsRegistry::removeSeries(std::string_view label, std::string_view value) {
  std::lock_guard lock(mutex_);
  for (auto& f : families_) {
    auto pos = std::find(f->labelNames.begin(), f->labelNames.end(), label);
    if (pos == f->labelNames.end())
      continue;
    auto index = static_cast<std::size_t>(pos - f->labelNames.begin());
    std::erase_if(f->series, [&](const auto& entry) { return entry.first[index] == value; });
  }
}

void MetricsRegistry::removeFamilySeries(std::string_view name) {
  std::lock_guard lock(mutex_);
  for (auto& f : families_)
    if (f->name == name)
      f->series.clear();
}

std::optional<double> MetricsRegistry::value(std::string_view name,
                                             const LabelValues& labels) const {
  std::lock_guard lock(mutex_);
  for (const auto& f : families_) {
    if (f->name != name || f->type == kHistogram)
      continue;
    auto it = f->series.find(labels);
    if (it == f->series.end())
      return std::nullopt;
    return it->second.value;
  }
  return std::nullopt;
}

void appendLabelValue(std::string& out, std::string_view value) {
  // Slugs, phases and reasons are plain ASCII: append them as they are, escape the rest.
  bool plain = std::all_of(value.begin(), value.end(),
                           [](char c) { return c >= 0x20 && c < 0x7f && c != '\\' && c != '"'; });
  if (plain)
    out += value;
  else
    out += escapeLabelValue(value);
}

std::string MetricsRegistry::render(const SeriesFilter& filter) const {
  std::string out;
  // Appends {a="x",b="y"} (plus one extra label such as le) straight into `out`.
  auto appendLabels = [&out](const Family& f, const LabelValues& values,
                             std::string_view extraName = {}, std::string_view extraValue = {}) {
    bool open = false;
    for (std::size_t i = 0; i < values.size(); ++i) {
      out += open ? "," : "{";
      open = true;
      out += f.labelNames[i];
      out += "=\"";
      appendLabelValue(out, values[i]);
      out += '"';
    }
    if (!extraName.empty()) {
      out += open ? "," : "{";
      open = true;
      out += extraName;
      out += "=\"";
      out += extraValue;
      out += '"';
    }
    if (open)
      out += '}';
  };
  auto appendSample = [&out](std::string_view value) {
    out += ' ';
    out += value;
    out += '\n';
  };
  std::lock_guard lock(mutex_);
  std::size_t lines = 0;
  for (const auto& f : families_)
    lines += 2 + f->series.size() * (f->type == kHistogram ? f->bounds.size() + 3 : 1);
  out.reserve(lines * 64);
  for (const auto& fp : families_) {
    const Family& f = *fp;
    static constexpr std::string_view kTypeNames[] = {"counter", "gauge", "histogram"};
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", f.name, escapeHelp(f.help), f.name,
                       kTypeNames[f.type]);
    std::vector<std::string> bounds;
    for (double b : f.bounds)
      bounds.push_back(formatSampleValue(b));
    for (const auto& [values, s] : f.series) {
      if (filter) {
        bool keep = true;
        for (std::size_t i = 0; i < values.size() && keep; ++i)
          keep = filter(f.labelNames[i], values[i]);
        if (!keep)
          continue;
      }
      if (f.type != kHistogram) {
        out += f.name;
        appendLabels(f, values);
        appendSample(formatSampleValue(s.value));
        continue;
      }
      std::uint64_t cumulative = 0;
      for (std::size_t b = 0; b < f.bounds.size(); ++b) {
        cumulative += s.buckets[b];
        out += f.name;
        out += "_bucket";
        appendLabels(f, values, "le", bounds[b]);
        appendSample(std::to_string(cumulative));
      }
      out += f.name;
      out += "_bucket";
      appendLabels(f, values, "le", "+Inf");
      appendSample(std::to_string(s.count));
      out += f.name;
      out += "_sum";
      appendLabels(f, values);
      appendSample(formatSampleValue(s.sum));
      out += f.name;
      out += "_count";
      appendLabels(f, values);
      appendSample(std::to_string(s.count));
    }
  }
  return out;
}

MonitorMetrics::MonitorMetrics(MetricsRegistry& registry, bool perServerHistograms)
    : registry_(registry),
      up_(registry.gauge("mcpwatch_up", "1 if the latest probe of the server succeeded, else 0",
                         {"server"})),
      probes_(registry.counter("mcpwatch_probes_total", "Probes run, by result (ok or failure)",
                               {"server", "result"})),
      failures_(registry.counter("mcpwatch_probe_failures_total", "Failed probes by reason",
                                 {"server", "reason"})),
      duration_(registry.histogram("mcpwatch_probe_duration_seconds",
                                   "Probe duration per phase (dns, connect, tls, handshake, "
                                   "tools_list, total), all servers together",
                                   {"phase"}, kProbeDurationBuckets)),
      inFlight_(registry.gauge("mcpwatch_probes_in_flight", "Probes running now")),
      lag_(registry.gauge("mcpwatch_schedule_lag_seconds",
                          "How late the scheduler started the most recent due probe")),
      commitFailures_(registry.counter(
          "mcpwatch_store_commit_failures_total",
          "Durable database commits (incident changes, alerts) that failed and are retried")),
      commitBacklog_(registry.gauge("mcpwatch_store_commit_backlog",
                                    "Incident changes and alerts waiting in memory to be "
                                    "committed (a few while a commit is under way; grows while "
                                    "the database does not take writes)")) {
  setPerServerHistograms(perServerHistograms);
  inFlight_.set({}, 0);
  lag_.set({}, 0);
  commitFailures_.inc({}, 0);
  commitBacklog_.set({}, 0);
}

void MonitorMetrics::setStoreCommits(std::uint64_t failedTotal, std::size_t waiting) {
  if (failedTotal > commitFailuresSeen_) {
    commitFailures_.inc({}, static_cast<double>(failedTotal - commitFailuresSeen_));
    commitFailuresSeen_ = failedTotal;
  }
  commitBacklog_.set({}, static_cast<double>(waiting));
}

void MonitorMetrics::setPerServerHistograms(bool on) {
  std::lock_guard lock(serverDurationMutex_);
  if (on && !serverDuration_) {
    serverDuration_ = registry_.histogram("mcpwatch_server_probe_duration_seconds",
                                          "Probe duration per server and phase (only with "
                                          "web.metrics.per_server_histograms)",
                                          {"server", "phase"}, kProbeDurationBuckets);
  } else if (!on && serverDuration_) {
    serverDuration_.reset();
    registry_.removeFamilySeries("mcpwatch_server_probe_duration_seconds");
  }
}

bool MonitorMetrics::perServerHistograms() const {
  std::lock_guard lock(serverDurationMutex_);
  return serverDuration_.has_value();
}

void MonitorMetrics::observeCheck(const store::CheckRecord& check) {
  up_.set({check.slug}, check.ok ? 1 : 0);
  probes_.inc({check.slug, check.ok ? "ok" : "failure"});
  if (!check.ok)
    failures_.inc({check.slug, check.reason.empty() ? "unknown" : check.reason});
  std::optional<MetricsRegistry::Histogram> perServer;
  {
    std::lock_guard lock(serverDurationMutex_);
    perServer = serverDuration_;
  }
  auto phase = [&](const std::optional<double>& ms, const char* name) {
    if (!ms || !std::isfinite(*ms) || *ms < 0)
      return;
    duration_.observe({name}, *ms / 1000.0);
    if (perServer)
      perServer->observe({check.slug, name}, *ms / 1000.0);
  };
  phase(check.dnsMs, "dns");
  phase(check.connectMs, "connect");
  phase(check.tlsMs, "tls");
  phase(check.handshakeMs, "handshake");
  phase(check.toolsListMs, "tools_list");
  phase(check.totalMs, "total");
}

void MonitorMetrics::setProbesInFlight(std::size_t n) {
  inFlight_.set({}, static_cast<double>(n));
}

void MonitorMetrics::setScheduleLag(std::chrono::duration<double> lag) {
  lag_.set({}, std::max(0.0, lag.count()));
}

double MonitorMetrics::scheduleLagSeconds() const {
  return registry_.value("mcpwatch_schedule_lag_seconds", {}).value_or(0);
}

void MonitorMetrics::forgetServer(std::string_view slug) {
  registry_.removeSeries("server", slug);
}

} // namespace mcpwatch::web
