// Process metrics for dashboards: counters, gauges and histograms with labels, rendered in the
// Prometheus text exposition format (version 0.0.4). Thread-safe. Once a label combination
// exists, recording is a lock-free, allocation-free lookup plus a relaxed atomic add; only the
// first use of a new combination takes its family's mutex. No globals: a Registry is created by
// the server and handed to whoever records.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace sigil::metrics {

// The Content-Type of Registry::Render's output.
inline constexpr std::string_view kExpositionContentType =
    "text/plain; version=0.0.4; charset=utf-8";
// The label values a family's series get once it holds max_series combinations (see Family).
inline constexpr std::string_view kOverflowLabelValue = "_overflow";

// A count that only goes up.
class Counter {
 public:
  void Increment(uint64_t by = 1) { value_.fetch_add(by, std::memory_order_relaxed); }
  uint64_t Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

// A value that goes up and down.
class Gauge {
 public:
  void Set(double value) { value_.store(value, std::memory_order_relaxed); }
  void Add(double delta) { value_.fetch_add(delta, std::memory_order_relaxed); }
  double Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

// Observations counted into buckets by upper bound (inclusive, as Prometheus' `le`), plus their
// sum. The bounds belong to the family and outlive the histogram.
class Histogram {
 public:
  explicit Histogram(std::span<const double> bounds);

  void Observe(double value);
  // Observes the duration in seconds.
  void ObserveDuration(std::chrono::nanoseconds elapsed) {
    Observe(std::chrono::duration<double>(elapsed).count());
  }

  struct Snapshot {
    std::vector<uint64_t> cumulative;  // per bound, then +Inf (== count)
    uint64_t count = 0;
    double sum = 0;
  };
  // The counts so far. Each bucket is read atomically; count is the sum of the buckets read, so
  // the +Inf bucket always equals count.
  Snapshot Read() const;

 private:
  std::span<const double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> counts_;  // per bound, then the overflow bucket
  std::atomic<double> sum_{0};
};

enum class MetricType { kCounter, kGauge, kHistogram };

namespace internal {

// One label combination of a family: its values and the metric they name.
struct Series {
  virtual ~Series() = default;
  std::vector<std::string> labels;
  uint64_t hash = 0;
};

template <typename Metric>
struct SeriesOf final : Series {
  template <typename... Args>
  explicit SeriesOf(Args&&... args) : metric(std::forward<Args>(args)...) {}
  Metric metric;
};

uint64_t HashLabels(std::span<const std::string_view> values);

// The sample line(s) of one series: `labels` is its rendered label list without braces.
void RenderCounter(std::string_view name, std::string_view labels, const Counter& counter,
                   std::string* out);
void RenderGauge(std::string_view name, std::string_view labels, const Gauge& gauge,
                 std::string* out);
void RenderHistogram(std::string_view name, std::string_view labels, std::span<const double> bounds,
                     const Histogram& histogram, std::string* out);

}  // namespace internal

// What every family shares: name, help, label names, and the index of its series. Lookups read
// an open-addressing table of atomic pointers without a lock; insertions take the mutex and,
// when the table is half full, publish a twice larger copy (older tables stay alive until the
// family is destroyed, since a reader may still be probing one).
class FamilyBase {
 public:
  virtual ~FamilyBase();
  FamilyBase(const FamilyBase&) = delete;
  FamilyBase& operator=(const FamilyBase&) = delete;

  const std::string& name() const { return name_; }
  MetricType type() const { return type_; }
  const std::vector<std::string>& label_names() const { return label_names_; }

  // Appends the family in the text format: # HELP, # TYPE, then one sample line (a histogram:
  // its _bucket lines, _sum and _count) per series, series ordered by their label values.
  virtual void Render(std::string* out) const;

 protected:
  FamilyBase(std::string name, std::string help, MetricType type,
             std::vector<std::string> label_names, size_t max_series);

  // The series for `values`, if it exists. Lock-free; never allocates.
  internal::Series* Find(std::span<const std::string_view> values) const;
  // Find, else creates the series under the mutex. Beyond max_series combinations every new
  // combination shares one series whose values are all kOverflowLabelValue, so a caller that
  // labels by client input cannot exhaust memory. A wrong number of values is a programming
  // error: the process aborts with a message.
  internal::Series* FindOrAdd(std::span<const std::string_view> values);

  virtual std::unique_ptr<internal::Series> NewSeries() const = 0;
  // Appends the sample line(s) of one series; `labels` is its rendered label list without
  // braces ("a=\"x\",b=\"y\""), empty when the family has no labels.
  virtual void RenderSeries(const internal::Series& series, std::string_view labels,
                            std::string* out) const = 0;

 private:
  struct Table;
  internal::Series* Insert(std::span<const std::string_view> values, uint64_t hash);

  const std::string name_;
  const std::string help_;
  const MetricType type_;
  const std::vector<std::string> label_names_;
  const size_t max_series_;
  std::atomic<const Table*> table_;
  mutable std::mutex mu_;                                  // guards what follows
  std::vector<std::unique_ptr<Table>> tables_;             // every table published
  std::vector<std::unique_ptr<internal::Series>> series_;  // in creation order
};

// The series of one metric, by label values (given in the order of the family's label names).
template <typename Metric>
class Family final : public FamilyBase {
 public:
  // The metric for these label values, created (at zero) on first use. The reference stays
  // valid for the family's lifetime, so hot paths may look a series up once and keep it.
  Metric& WithLabels(std::span<const std::string_view> values) {
    internal::Series* s = Find(values);
    if (s == nullptr) s = FindOrAdd(values);
    return static_cast<internal::SeriesOf<Metric>*>(s)->metric;
  }
  Metric& WithLabels(std::initializer_list<std::string_view> values) {
    return WithLabels(std::span<const std::string_view>(values.begin(), values.size()));
  }
  // The one series of a family without labels.
  Metric& Get() { return WithLabels(std::span<const std::string_view>()); }

 private:
  friend class Registry;
  Family(std::string name, std::string help, std::vector<std::string> label_names,
         size_t max_series, std::vector<double> bounds = {})
      : FamilyBase(std::move(name), std::move(help), TypeOf(), std::move(label_names), max_series),
        bounds_(std::move(bounds)) {}

  static constexpr MetricType TypeOf() {
    if constexpr (std::is_same_v<Metric, Counter>) return MetricType::kCounter;
    if constexpr (std::is_same_v<Metric, Gauge>) return MetricType::kGauge;
    return MetricType::kHistogram;
  }
  std::unique_ptr<internal::Series> NewSeries() const override {
    if constexpr (std::is_same_v<Metric, Histogram>) {
      return std::make_unique<internal::SeriesOf<Histogram>>(bounds_);
    } else {
      return std::make_unique<internal::SeriesOf<Metric>>();
    }
  }
  void RenderSeries(const internal::Series& series, std::string_view labels,
                    std::string* out) const override {
    const Metric& m = static_cast<const internal::SeriesOf<Metric>&>(series).metric;
    if constexpr (std::is_same_v<Metric, Counter>) {
      internal::RenderCounter(name(), labels, m, out);
    } else if constexpr (std::is_same_v<Metric, Gauge>) {
      internal::RenderGauge(name(), labels, m, out);
    } else {
      internal::RenderHistogram(name(), labels, bounds_, m, out);
    }
  }

  const std::vector<double> bounds_;  // histograms only
};

// Owns the families and renders them all. Families are registered once, usually at start-up;
// registering is not on any hot path. Names follow Prometheus' rules: metric names
// [a-zA-Z_:][a-zA-Z0-9_:]*, label names [a-zA-Z_][a-zA-Z0-9_]* not starting with "__" (and not
// "le" for histograms). An invalid or duplicate name, or histogram bounds that are not strictly
// increasing and finite, is a programming error: the process aborts with a message.
class Registry {
 public:
  // Series per family before new label combinations share the overflow series.
  static constexpr size_t kDefaultMaxSeries = 2000;

  Registry() = default;
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  Family<Counter>& AddCounter(std::string name, std::string help,
                              std::vector<std::string> label_names = {},
                              size_t max_series = kDefaultMaxSeries);
  Family<Gauge>& AddGauge(std::string name, std::string help,
                          std::vector<std::string> label_names = {},
                          size_t max_series = kDefaultMaxSeries);
  Family<Histogram>& AddHistogram(std::string name, std::string help,
                                  std::vector<std::string> label_names, std::vector<double> bounds,
                                  size_t max_series = kDefaultMaxSeries);
  // A gauge without labels whose value `read` computes at each Render (e.g. open connections,
  // a queue's depth). `read` must be thread-safe and must not call back into the registry.
  void AddCallbackGauge(std::string name, std::string help, std::function<double()> read);

  // Every family in registration order, in the text exposition format 0.0.4. Families without
  // labels always have their one sample; labelled ones list the combinations used so far.
  std::string Render() const;

 private:
  void Add(std::unique_ptr<FamilyBase> family);

  mutable std::mutex mu_;
  std::vector<std::unique_ptr<FamilyBase>> families_;
};

// Bounds for latency histograms, in seconds: 0.5 ms to 10 s.
std::vector<double> LatencyBuckets();

// Text-format pieces, exposed for tests and for FamilyBase's subclasses.
// HELP text: backslash and newline escaped.
std::string EscapeHelp(std::string_view text);
// Label value: backslash, double quote and newline escaped.
std::string EscapeLabelValue(std::string_view value);
// A sample value: integers without a fraction ("3"), others in the shortest form that reads
// back exactly, fixed or scientific as printf's %g chooses ("0.25", "0.0001", "1e-05"), and
// "+Inf", "-Inf", "NaN". Also the histograms' le labels.
std::string FormatValue(double value);

}  // namespace sigil::metrics
