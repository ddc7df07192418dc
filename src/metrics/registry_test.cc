#include "metrics/registry.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <thread>
#include <vector>

namespace sigil::metrics {
namespace {

TEST(FormatTest, ValuesAreIntegersOrShortestDecimals) {
  EXPECT_EQ(FormatValue(0), "0");
  EXPECT_EQ(FormatValue(3), "3");
  EXPECT_EQ(FormatValue(-2), "-2");
  EXPECT_EQ(FormatValue(1700000000), "1700000000");
  EXPECT_EQ(FormatValue(0.25), "0.25");
  EXPECT_EQ(FormatValue(0.005), "0.005");
  EXPECT_EQ(FormatValue(2.5), "2.5");
  EXPECT_EQ(FormatValue(0.0001), "0.0001");  // as Prometheus' Go client writes le labels
  EXPECT_EQ(FormatValue(0.00001), "1e-05");
  EXPECT_EQ(FormatValue(123456.5), "123456.5");
  EXPECT_EQ(FormatValue(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(FormatValue(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(FormatValue(std::nan("")), "NaN");
}

TEST(FormatTest, EscapesHelpAndLabelValues) {
  EXPECT_EQ(EscapeHelp("a\\b\nc \"q\""), "a\\\\b\\nc \"q\"");
  EXPECT_EQ(EscapeLabelValue("a\\b\nc \"q\""), "a\\\\b\\nc \\\"q\\\"");
}

TEST(RegistryTest, RendersTheTextExpositionFormatExactly) {
  Registry registry;
  auto& requests =
      registry.AddCounter("sigil_requests_total", "Requests.\nBy \\ code.", {"service", "code"});
  requests.WithLabels({"sts", "200"}).Increment(2);
  requests.WithLabels({"iam", "403"}).Increment();
  requests.WithLabels({"a\"b\\c\nd", "500"});  // used, never incremented: still listed, at 0
  registry.AddGauge("sigil_temperature", "A gauge.").Get().Set(-1.5);
  auto& latency = registry.AddHistogram("sigil_latency_seconds", "Latency.", {"op"}, {0.1, 1});
  latency.WithLabels({"read"}).Observe(0.05);
  latency.WithLabels({"read"}).Observe(0.1);  // bounds are inclusive
  latency.WithLabels({"read"}).Observe(3);
  registry.AddHistogram("sigil_plain_seconds", "No labels.", {}, {0.5});
  registry.AddCallbackGauge("sigil_open_things", "Computed at scrape.", [] { return 7.0; });
  registry.AddCounter("sigil_unused_total", "Labelled, never used.", {"reason"});

  EXPECT_EQ(registry.Render(),
            "# HELP sigil_requests_total Requests.\\nBy \\\\ code.\n"
            "# TYPE sigil_requests_total counter\n"
            "sigil_requests_total{service=\"a\\\"b\\\\c\\nd\",code=\"500\"} 0\n"
            "sigil_requests_total{service=\"iam\",code=\"403\"} 1\n"
            "sigil_requests_total{service=\"sts\",code=\"200\"} 2\n"
            "# HELP sigil_temperature A gauge.\n"
            "# TYPE sigil_temperature gauge\n"
            "sigil_temperature -1.5\n"
            "# HELP sigil_latency_seconds Latency.\n"
            "# TYPE sigil_latency_seconds histogram\n"
            "sigil_latency_seconds_bucket{op=\"read\",le=\"0.1\"} 2\n"
            "sigil_latency_seconds_bucket{op=\"read\",le=\"1\"} 2\n"
            "sigil_latency_seconds_bucket{op=\"read\",le=\"+Inf\"} 3\n"
            "sigil_latency_seconds_sum{op=\"read\"} 3.15\n"
            "sigil_latency_seconds_count{op=\"read\"} 3\n"
            "# HELP sigil_plain_seconds No labels.\n"
            "# TYPE sigil_plain_seconds histogram\n"
            "sigil_plain_seconds_bucket{le=\"0.5\"} 0\n"
            "sigil_plain_seconds_bucket{le=\"+Inf\"} 0\n"
            "sigil_plain_seconds_sum 0\n"
            "sigil_plain_seconds_count 0\n"
            "# HELP sigil_open_things Computed at scrape.\n"
            "# TYPE sigil_open_things gauge\n"
            "sigil_open_things 7\n"
            "# HELP sigil_unused_total Labelled, never used.\n"
            "# TYPE sigil_unused_total counter\n");
}

TEST(RegistryTest, ASeriesIsCreatedOnceAndKeepsItsAddress) {
  Registry registry;
  auto& family = registry.AddCounter("sigil_x_total", "X.", {"a"});
  Counter& first = family.WithLabels({"one"});
  // Enough further series to grow the index several times.
  for (int i = 0; i < 100; ++i) family.WithLabels({std::to_string(i)}).Increment();
  first.Increment(5);
  EXPECT_EQ(&family.WithLabels({"one"}), &first);
  EXPECT_EQ(family.WithLabels({"one"}).Value(), 5u);
  EXPECT_EQ(family.WithLabels({"42"}).Value(), 1u);
}

TEST(RegistryTest, LabelValuesAreComparedWholeNotConcatenated) {
  Registry registry;
  auto& family = registry.AddCounter("sigil_pair_total", "Pairs.", {"a", "b"});
  family.WithLabels({"ab", "c"}).Increment();
  family.WithLabels({"a", "bc"}).Increment(2);
  EXPECT_EQ(family.WithLabels({"ab", "c"}).Value(), 1u);
  EXPECT_EQ(family.WithLabels({"a", "bc"}).Value(), 2u);
}

TEST(RegistryTest, CombinationsBeyondTheLimitShareTheOverflowSeries) {
  Registry registry;
  auto& family = registry.AddCounter("sigil_capped_total", "Capped.", {"action"}, 2);
  family.WithLabels({"A"}).Increment();
  family.WithLabels({"B"}).Increment();
  family.WithLabels({"C"}).Increment();
  family.WithLabels({"D"}).Increment();
  family.WithLabels({"A"}).Increment();
  EXPECT_EQ(registry.Render(),
            "# HELP sigil_capped_total Capped.\n"
            "# TYPE sigil_capped_total counter\n"
            "sigil_capped_total{action=\"A\"} 2\n"
            "sigil_capped_total{action=\"B\"} 1\n"
            "sigil_capped_total{action=\"_overflow\"} 2\n");
}

TEST(RegistryTest, HistogramCountAlwaysEqualsTheInfBucket) {
  Registry registry;
  auto& h = registry.AddHistogram("sigil_h_seconds", "H.", {}, LatencyBuckets());
  h.Get().ObserveDuration(std::chrono::milliseconds(3));
  h.Get().ObserveDuration(std::chrono::seconds(20));
  const Histogram::Snapshot s = h.Get().Read();
  ASSERT_EQ(s.cumulative.size(), LatencyBuckets().size() + 1);
  EXPECT_EQ(s.cumulative[2], 0u);  // le 0.0025
  EXPECT_EQ(s.cumulative[3], 1u);  // le 0.005
  EXPECT_EQ(s.cumulative.back(), 2u);
  EXPECT_EQ(s.count, 2u);
  EXPECT_DOUBLE_EQ(s.sum, 20.003);
}

TEST(RegistryTest, ConcurrentRecordingLosesNothing) {
  Registry registry;
  auto& counters = registry.AddCounter("sigil_c_total", "C.", {"k"});
  auto& histograms = registry.AddHistogram("sigil_h_seconds", "H.", {"k"}, {1, 2});
  auto& gauge = registry.AddGauge("sigil_g", "G.");
  constexpr int kThreads = 8;
  constexpr int kPerThread = 20000;
  constexpr int kKeys = 50;  // created concurrently, growing the index while others read it
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::vector<std::string> keys;
      for (int k = 0; k < kKeys; ++k) keys.push_back("key" + std::to_string((k + t) % kKeys));
      for (int i = 0; i < kPerThread; ++i) {
        const std::string& key = keys[i % kKeys];
        counters.WithLabels({key}).Increment();
        histograms.WithLabels({key}).Observe(i % 3);  // 0, 1, 2
        gauge.Get().Add(1);
        if (i % 1000 == 0) (void)registry.Render();  // scrapes race with recording
      }
    });
  }
  for (auto& th : threads) th.join();
  uint64_t total = 0;
  uint64_t observed = 0;
  for (int k = 0; k < kKeys; ++k) {
    const std::string key = "key" + std::to_string(k);
    EXPECT_EQ(counters.WithLabels({key}).Value(), uint64_t{kThreads} * kPerThread / kKeys) << key;
    total += counters.WithLabels({key}).Value();
    observed += histograms.WithLabels({key}).Read().count;
  }
  EXPECT_EQ(total, uint64_t{kThreads} * kPerThread);
  EXPECT_EQ(observed, uint64_t{kThreads} * kPerThread);
  EXPECT_EQ(gauge.Get().Value(), double{kThreads} * kPerThread);
}

TEST(RegistryDeathTest, InvalidDefinitionsAbort) {
  EXPECT_DEATH(Registry().AddCounter("1bad", "x"), "invalid metric name '1bad'");
  EXPECT_DEATH(Registry().AddCounter("sigil_x", "x", {"__reserved"}),
               "sigil_x: invalid label name '__reserved'");
  EXPECT_DEATH(Registry().AddCounter("sigil_x", "x", {"a", "a"}), "sigil_x: label 'a' twice");
  EXPECT_DEATH(Registry().AddHistogram("sigil_h", "x", {"le"}, {1}),
               "sigil_h: a histogram cannot have a label named le");
  EXPECT_DEATH(Registry().AddHistogram("sigil_h", "x", {}, {2, 1}),
               "sigil_h: histogram bounds must be finite and strictly increasing");
  EXPECT_DEATH(
      {
        Registry r;
        r.AddGauge("sigil_twice", "x");
        r.AddCounter("sigil_twice", "y");
      },
      "metric 'sigil_twice' registered twice");
  EXPECT_DEATH(
      {
        Registry r;
        r.AddCounter("sigil_two", "x", {"a", "b"}).WithLabels({"only one"});
      },
      "sigil_two: 1 label values for 2 labels");
}

}  // namespace
}  // namespace sigil::metrics
