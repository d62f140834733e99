// A small Prometheus metrics registry (counters, gauges, fixed-bucket histograms) rendered in the
// text exposition format 0.0.4, plus the monitor's standard probe metrics.
#pragma once

#include "store/records.hpp"

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mcpwatch::web {

// Label values in the order of the family's label names.
using LabelValues = std::vector<std::string>;
// Decides per label whether a series may be shown; a series is dropped when any of its labels
// is refused (e.g. `server` = a private slug on an unauthenticated scrape).
using SeriesFilter = std::function<bool(std::string_view label, std::string_view value)>;

// Thread safe: one mutex guards every family, so the daemon's io thread can update while a
// scrape renders. Families live as long as the registry; handles are cheap to copy.
class MetricsRegistry {
  struct Family;

public:
  class Counter {
  public:
    void inc(const LabelValues& labels, double by = 1) const; // `by` < 0 is ignored
  private:
    friend class MetricsRegistry;
    Counter(MetricsRegistry* r, Family* f) : registry_(r), family_(f) {}
    MetricsRegistry* registry_;
    Family* family_;
  };
  class Gauge {
  public:
    void set(const LabelValues& labels, double value) const;
    void add(const LabelValues& labels, double by) const;

  private:
    friend class MetricsRegistry;
    Gauge(MetricsRegistry* r, Family* f) : registry_(r), family_(f) {}
    MetricsRegistry* registry_;
    Family* family_;
  };
  class Histogram {
  public:
    void observe(const LabelValues& labels, double value) const; // NaN is ignored
  private:
    friend class MetricsRegistry;
    Histogram(MetricsRegistry* r, Family* f) : registry_(r), family_(f) {}
    MetricsRegistry* registry_;
    Family* family_;
  };

  MetricsRegistry();
  ~MetricsRegistry();
  MetricsRegistry(const MetricsRegistry&) = delete;
  MetricsRegistry& operator=(const MetricsRegistry&) = delete;

  // Registering the same name with the same type, labels and buckets again returns the same
  // family. Registration is a programming step: an invalid or conflicting name, a counter not
  // ending in
  // `_total`, a reserved label (`le`, `__*`) or unsorted buckets throw std::invalid_argument.
  // Calls with a wrong number of label values throw std::invalid_argument too.
  Counter counter(std::string name, std::string help, std::vector<std::string> labelNames = {});
  Gauge gauge(std::string name, std::string help, std::vector<std::string> labelNames = {});
  Histogram histogram(std::string name, std::string help, std::vector<std::string> labelNames,
                      std::vector<double> buckets);

  // Drops every series that has `label` = `value` (a server removed from the config).
  void removeSeries(std::string_view label, std::string_view value);
  // Drops every series of one family (the family itself stays registered).
  void removeFamilySeries(std::string_view name);

  // The whole registry in the text format, families in registration order, series sorted.
  std::string render(const SeriesFilter& filter = {}) const;

  // Value of one counter or gauge series, for tests and the heartbeat; nullopt when absent.
  std::optional<double> value(std::string_view name, const LabelValues& labels) const;

private:
  Family& add(std::string name, std::string help, int type, std::vector<std::string> labelNames,
              std::vector<double> buckets);
  mutable std::mutex mutex_;
  std::vector<std::unique_ptr<Family>> families_;
};

// Default probe duration buckets in seconds (5 ms .. 30 s).
extern const std::vector<double> kProbeDurationBuckets;

// The monitor's own metrics, updated by the daemon on every probe result. Per server it keeps a
// few series (mcpwatch_up, mcpwatch_probes_total, mcpwatch_probe_failures_total by reason); probe
// durations go to one fleet-wide histogram per phase. Per-server duration histograms
// (mcpwatch_server_probe_duration_seconds, 14 series per phase per server) only when asked for:
// at fleet size they would make a scrape tens of megabytes.
class MonitorMetrics {
public:
  explicit MonitorMetrics(MetricsRegistry& registry, bool perServerHistograms = false);

  // mcpwatch_up, mcpwatch_probes_total, mcpwatch_probe_failures_total and
  // mcpwatch_probe_duration_seconds{phase} (per phase that happened; with per-server histograms
  // also mcpwatch_server_probe_duration_seconds{server,phase}).
  void observeCheck(const store::CheckRecord& check);
  // web.metrics.per_server_histograms (at start and on reload). Off drops the per-server series.
  void setPerServerHistograms(bool on);
  bool perServerHistograms() const;
  void setProbesInFlight(std::size_t n);
  void setScheduleLag(std::chrono::duration<double> lag);
  double scheduleLagSeconds() const;
  // mcpwatch_store_commit_failures_total (durable commits that failed, e.g. disk full) and
  // mcpwatch_store_commit_backlog (changes waiting in memory to be committed).
  void setStoreCommits(std::uint64_t failedTotal, std::size_t waiting);
  // A server left the config: its series disappear.
  void forgetServer(std::string_view slug);

private:
  MetricsRegistry& registry_;
  MetricsRegistry::Gauge up_;
  MetricsRegistry::Counter probes_;
  MetricsRegistry::Counter failures_;
  MetricsRegistry::Histogram duration_;
  std::optional<MetricsRegistry::Histogram> serverDuration_; // guarded by serverDurationMutex_
  mutable std::mutex serverDurationMutex_;
  MetricsRegistry::Gauge inFlight_;
  MetricsRegistry::Gauge lag_;
  MetricsRegistry::Counter commitFailures_;
  MetricsRegistry::Gauge commitBacklog_;
  std::uint64_t commitFailuresSeen_ = 0;
};

// Prometheus text-format helpers (exposed for the scrape-time collectors and tests).
std::string escapeLabelValue(std::string_view value); // backslash, double quote, newline
// Appends `value` escaped as escapeLabelValue does (without a copy for plain ASCII).
void appendLabelValue(std::string& out, std::string_view value);
std::string formatSampleValue(double value); // "1", "0.25", "+Inf", "NaN"
bool validMetricName(std::string_view name);
bool validLabelName(std::string_view name);

} // namespace mcpwatch::web
