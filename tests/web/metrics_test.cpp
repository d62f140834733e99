// The metrics registry: text format details, strict parsing, promtool, and the probe metrics.
#include "tests/support/process.hpp"
#include "tests/web/prom_parser.hpp"
#include "tests/web/web_fixture.hpp"
#include "web/metrics.hpp"

#include <fstream>
#include <gtest/gtest.h>

namespace mcpwatch::web {
namespace {

using testing::parsePrometheus;

// Runs `promtool check metrics` on `text`; fails the test when promtool is missing.
void expectPromtoolAccepts(const std::string& text) {
  auto promtool = testsupport::findExecutable("promtool");
  ASSERT_TRUE(promtool.has_value())
      << "promtool not found: install it with scripts/install-deps --with-tests (Debian package "
         "prometheus)";
  testing::TempDir dir;
  auto file = dir.path() / "metrics.txt";
  std::ofstream(file) << text;
  auto result = testsupport::runCommand(
      {"/bin/sh", "-c", "\"$0\" check metrics < \"$1\"", promtool.value(), file.string()},
      std::chrono::seconds(20));
  ASSERT_TRUE(result.has_value()) << result.error();
  EXPECT_EQ(result->exitCode(), 0) << result->out << result->err;
  EXPECT_EQ(result->out + result->err, "") << "promtool lint findings";
}

TEST(MetricsRegistry, RendersCountersGaugesAndHistograms) {
  MetricsRegistry r;
  auto c = r.counter("demo_requests_total", "Requests.", {"code"});
  auto g = r.gauge("demo_temperature_celsius", "Temperature.");
  auto h = r.histogram("demo_latency_seconds", "Latency.", {"op"}, {0.1, 1});
  c.inc({"200"});
  c.inc({"200"}, 2);
  c.inc({"500"}, -5); // ignored: counters only go up
  g.set({}, 21.5);
  h.observe({"read"}, 0.1); // le is inclusive
  h.observe({"read"}, 0.5);
  h.observe({"read"}, 7);
  EXPECT_EQ(r.render(), "# HELP demo_requests_total Requests.\n"
                        "# TYPE demo_requests_total counter\n"
                        "demo_requests_total{code=\"200\"} 3\n"
                        "# HELP demo_temperature_celsius Temperature.\n"
                        "# TYPE demo_temperature_celsius gauge\n"
                        "demo_temperature_celsius 21.5\n"
                        "# HELP demo_latency_seconds Latency.\n"
                        "# TYPE demo_latency_seconds histogram\n"
                        "demo_latency_seconds_bucket{op=\"read\",le=\"0.1\"} 1\n"
                        "demo_latency_seconds_bucket{op=\"read\",le=\"1\"} 2\n"
                        "demo_latency_seconds_bucket{op=\"read\",le=\"+Inf\"} 3\n"
                        "demo_latency_seconds_sum{op=\"read\"} 7.6\n"
                        "demo_latency_seconds_count{op=\"read\"} 3\n");
}

TEST(MetricsRegistry, EscapesLabelValuesAndHelp) {
  MetricsRegistry r;
  auto g = r.gauge("demo_info", "Line one\nback\\slash", {"name"});
  g.set({"a\"b\\c\nd"}, 1);
  g.set({"bad\xff utf8"}, 2);
  std::string text = r.render();
  EXPECT_NE(text.find("# HELP demo_info Line one\\nback\\\\slash\n"), std::string::npos) << text;
  EXPECT_NE(text.find("demo_info{name=\"a\\\"b\\\\c\\nd\"} 1\n"), std::string::npos) << text;
  auto parsed = parsePrometheus(text);
  EXPECT_TRUE(parsed.errors.empty()) << ::testing::PrintToString(parsed.errors);
  EXPECT_EQ(parsed.find("demo_info", {{"name", "a\"b\\c\nd"}}), 1);
  EXPECT_EQ(parsed.find("demo_info", {{"name", "bad\xEF\xBF\xBD utf8"}}), 2);
}

TEST(MetricsRegistry, RefusesBadDeclarationsAndLabelCounts) {
  MetricsRegistry r;
  EXPECT_THROW(r.counter("requests", "no _total"), std::invalid_argument);
  EXPECT_THROW(r.gauge("1bad", "x"), std::invalid_argument);
  EXPECT_THROW(r.gauge("ok_name", "x", {"__reserved"}), std::invalid_argument);
  EXPECT_THROW(r.histogram("h_seconds", "x", {"le"}, {1}), std::invalid_argument);
  EXPECT_THROW(r.histogram("h_seconds", "x", {}, {1, 1}), std::invalid_argument);
  auto g = r.gauge("dup_value", "x", {"a"});
  EXPECT_NO_THROW(r.gauge("dup_value", "x", {"a"})); // same declaration: shared
  EXPECT_THROW(r.gauge("dup_value", "x", {"b"}), std::invalid_argument);
  EXPECT_THROW(g.set({}, 1), std::invalid_argument);
  r.histogram("lat_seconds", "x", {}, {1});
  EXPECT_THROW(r.gauge("lat_seconds_count", "x"), std::invalid_argument);
}

TEST(MetricsRegistry, FilterAndRemoveSeries) {
  MetricsRegistry r;
  auto g = r.gauge("srv_up", "x", {"server"});
  g.set({"public-a"}, 1);
  g.set({"private-b"}, 0);
  std::string filtered = r.render([](std::string_view label, std::string_view value) {
    return label != "server" || value != "private-b";
  });
  EXPECT_NE(filtered.find("public-a"), std::string::npos);
  EXPECT_EQ(filtered.find("private-b"), std::string::npos);
  r.removeSeries("server", "public-a");
  EXPECT_EQ(r.render().find("public-a"), std::string::npos);
  EXPECT_NE(r.render().find("private-b"), std::string::npos);
}

TEST(MonitorMetrics, ObserveCheckFillsEveryFamily) {
  MetricsRegistry r;
  MonitorMetrics m(r);
  auto ok = testing::check("alpha", testing::testNow(), true, 120);
  ok.dnsMs = 1;
  ok.connectMs = 2;
  ok.tlsMs = 30;
  ok.toolsListMs = 40;
  m.observeCheck(ok);
  m.observeCheck(testing::check("alpha", testing::testNow(), false, 0, "timeout"));
  m.observeCheck(testing::check("beta", testing::testNow(), false, 0, "tls_error"));
  m.setProbesInFlight(3);
  m.setScheduleLag(std::chrono::milliseconds(2500));
  auto p = parsePrometheus(r.render());
  ASSERT_TRUE(p.errors.empty()) << ::testing::PrintToString(p.errors);
  EXPECT_EQ(p.find("mcpwatch_up", {{"server", "alpha"}}), 0); // the latest probe failed
  EXPECT_EQ(p.find("mcpwatch_probes_total", {{"server", "alpha"}, {"result", "ok"}}), 1);
  EXPECT_EQ(p.find("mcpwatch_probes_total", {{"server", "alpha"}, {"result", "failure"}}), 1);
  EXPECT_EQ(p.find("mcpwatch_probe_failures_total", {{"server", "beta"}, {"reason", "tls_error"}}),
            1);
  // Durations are fleet-wide by default: one histogram per phase, no server label.
  EXPECT_EQ(p.find("mcpwatch_probe_duration_seconds_count", {{"phase", "total"}}), 1);
  EXPECT_EQ(p.find("mcpwatch_probe_duration_seconds_bucket", {{"phase", "total"}, {"le", "0.1"}}),
            0);
  EXPECT_EQ(p.find("mcpwatch_probe_duration_seconds_bucket", {{"phase", "total"}, {"le", "0.25"}}),
            1);
  EXPECT_EQ(p.find("mcpwatch_probe_duration_seconds_sum", {{"phase", "tls"}}), 0.03);
  EXPECT_EQ(p.find("mcpwatch_probes_in_flight"), 3);
  EXPECT_EQ(p.find("mcpwatch_schedule_lag_seconds"), 2.5);
  EXPECT_DOUBLE_EQ(m.scheduleLagSeconds(), 2.5);
  m.forgetServer("alpha");
  EXPECT_FALSE(parsePrometheus(r.render()).hasLabelValue("server", "alpha"));
  expectPromtoolAccepts(r.render());
}

TEST(PromParser, RejectsBrokenExpositions) {
  // The strict parser must catch what it is there to catch, or the tests above prove nothing.
  EXPECT_FALSE(parsePrometheus("x 1\n").errors.empty()); // no TYPE
  EXPECT_FALSE(parsePrometheus("# TYPE x gauge\nx{a=\"1} 1\n").errors.empty());
  EXPECT_FALSE(parsePrometheus("# TYPE x gauge\nx{a=\"\\q\"} 1\n").errors.empty());
  EXPECT_FALSE(parsePrometheus("# TYPE x gauge\nx one\n").errors.empty());
  EXPECT_FALSE(parsePrometheus("# TYPE x gauge\nx 1\nx 2\n").errors.empty());
  EXPECT_FALSE(parsePrometheus("# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\n"
                               "h_sum 1\nh_count 1\n")
                   .errors.empty());
  EXPECT_FALSE(parsePrometheus("# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_sum 1\nh_count 1\n")
                   .errors.empty());
  EXPECT_TRUE(parsePrometheus("# HELP x ok\n# TYPE x gauge\nx{a=\"b\"} 1.5e3\n").errors.empty());
}

TEST(MetricsFormat, SampleValues) {
  EXPECT_EQ(formatSampleValue(1), "1");
  EXPECT_EQ(formatSampleValue(0.25), "0.25");
  EXPECT_EQ(formatSampleValue(-3), "-3");
  EXPECT_EQ(formatSampleValue(INFINITY), "+Inf");
  EXPECT_EQ(formatSampleValue(-INFINITY), "-Inf");
  EXPECT_EQ(formatSampleValue(NAN), "NaN");
  EXPECT_EQ(formatSampleValue(1e20), "1e+20");
}

TEST(MonitorMetrics, PerServerHistogramsOnlyWhenEnabled) {
  MetricsRegistry r;
  MonitorMetrics m(r); // web.metrics.per_server_histograms: false (the default)
  EXPECT_FALSE(m.perServerHistograms());
  m.observeCheck(testing::check("alpha", testing::testNow(), true, 120));
  auto off = parsePrometheus(r.render());
  ASSERT_TRUE(off.errors.empty()) << ::testing::PrintToString(off.errors);
  for (const auto& s : off.samples) {
    if (s.name.starts_with("mcpwatch_probe_duration_seconds") ||
        s.name.starts_with("mcpwatch_server_probe_duration_seconds")) {
      EXPECT_FALSE(s.labels.contains("server")) << s.name;
    }
  }
  EXPECT_EQ(off.find("mcpwatch_probe_duration_seconds_count", {{"phase", "total"}}), 1);

  m.setPerServerHistograms(true);
  m.observeCheck(testing::check("alpha", testing::testNow(), true, 120));
  auto on = parsePrometheus(r.render());
  ASSERT_TRUE(on.errors.empty()) << ::testing::PrintToString(on.errors);
  EXPECT_EQ(on.find("mcpwatch_server_probe_duration_seconds_count",
                    {{"server", "alpha"}, {"phase", "total"}}),
            1);
  EXPECT_EQ(on.find("mcpwatch_server_probe_duration_seconds_bucket",
                    {{"server", "alpha"}, {"phase", "handshake"}, {"le", "0.1"}}),
            1);
  EXPECT_EQ(on.find("mcpwatch_probe_duration_seconds_count", {{"phase", "total"}}), 2)
      << "the fleet-wide histogram counts on";
  expectPromtoolAccepts(r.render());

  m.setPerServerHistograms(false); // a reload turns them off: the series go
  EXPECT_FALSE(parsePrometheus(r.render())
                   .find("mcpwatch_server_probe_duration_seconds_count",
                         {{"server", "alpha"}, {"phase", "total"}})
                   .has_value());
  MonitorMetrics enabled(r, true); // the same registry, as on a rebuild
  EXPECT_TRUE(enabled.perServerHistograms());
}

} // namespace
} // namespace mcpwatch::web
