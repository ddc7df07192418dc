#include "metrics/registry.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace sigil::metrics {
namespace {

// Definitions are fixed at compile time, so a bad one is a bug to fix, not an error to handle.
[[noreturn]] void Die(const std::string& message) {
  std::fprintf(stderr, "sigil: metrics: %s\n", message.c_str());
  std::abort();
}

bool IsMetricName(std::string_view name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
    if (!letter && !(i > 0 && c >= '0' && c <= '9')) return false;
  }
  return true;
}

bool IsLabelName(std::string_view name) {
  return IsMetricName(name) && name.find(':') == std::string_view::npos &&
         name.substr(0, 2) != "__";
}

constexpr std::string_view TypeName(MetricType type) {
  switch (type) {
    case MetricType::kCounter:
      return "counter";
    case MetricType::kGauge:
      return "gauge";
    case MetricType::kHistogram:
      return "histogram";
  }
  return "untyped";
}

void AppendSample(std::string_view name, std::string_view suffix, std::string_view labels,
                  std::string_view value, std::string* out) {
  out->append(name).append(suffix);
  if (!labels.empty()) out->append("{").append(labels).append("}");
  out->append(" ").append(value).append("\n");
}

// A gauge whose value a callback computes at render time.
class CallbackGauge final : public FamilyBase {
 public:
  CallbackGauge(std::string name, std::string help, std::function<double()> read)
      : FamilyBase(std::move(name), std::move(help), MetricType::kGauge, {}, 1),
        read_(std::move(read)) {}

  void Render(std::string* out) const override {
    FamilyBase::Render(out);  // HELP and TYPE: the family has no series of its own
    AppendSample(name(), "", "", FormatValue(read_()), out);
  }

 private:
  std::unique_ptr<internal::Series> NewSeries() const override {
    return std::make_unique<internal::SeriesOf<Gauge>>();
  }
  void RenderSeries(const internal::Series&, std::string_view, std::string*) const override {}

  std::function<double()> read_;
};

}  // namespace

// ---- Metrics.

Histogram::Histogram(std::span<const double> bounds)
    : bounds_(bounds), counts_(new std::atomic<uint64_t>[bounds.size() + 1]) {
  for (size_t i = 0; i <= bounds_.size(); ++i) counts_[i].store(0, std::memory_order_relaxed);
}

void Histogram::Observe(double value) {
  // Bounds are few (about a dozen): a linear scan beats a binary search's branches.
  size_t i = 0;
  while (i < bounds_.size() && !(value <= bounds_[i])) ++i;
  counts_[i].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(value, std::memory_order_relaxed);
}

Histogram::Snapshot Histogram::Read() const {
  Snapshot s;
  s.cumulative.reserve(bounds_.size() + 1);
  uint64_t running = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    running += counts_[i].load(std::memory_order_relaxed);
    s.cumulative.push_back(running);
  }
  s.count = running;
  s.sum = sum_.load(std::memory_order_relaxed);
  return s;
}

// ---- Text format.

std::string EscapeHelp(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string EscapeLabelValue(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string FormatValue(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  char buffer[64];
  std::to_chars_result r{};
  if (value == std::trunc(value) && std::fabs(value) < 9007199254740992.0) {  // 2^53: exact
    r = std::to_chars(buffer, buffer + sizeof(buffer), static_cast<int64_t>(value));
  } else {
    // The shortest form that reads back exactly, fixed or scientific as printf's %g chooses
    // (as Prometheus' own clients write le="0.0001"; PromQL compares such labels as text).
    r = std::to_chars(buffer, buffer + sizeof(buffer), value, std::chars_format::general);
  }
  return std::string(buffer, r.ptr);
}

namespace internal {

uint64_t HashLabels(std::span<const std::string_view> values) {
  uint64_t h = 1469598103934665603ull;  // FNV-1a
  for (std::string_view v : values) {
    for (unsigned char c : v) h = (h ^ c) * 1099511628211ull;
    h = (h ^ 0xff) * 1099511628211ull;  // separator: ("ab","c") differs from ("a","bc")
  }
  return h;
}

void RenderCounter(std::string_view name, std::string_view labels, const Counter& counter,
                   std::string* out) {
  AppendSample(name, "", labels, std::to_string(counter.Value()), out);
}

void RenderGauge(std::string_view name, std::string_view labels, const Gauge& gauge,
                 std::string* out) {
  AppendSample(name, "", labels, FormatValue(gauge.Value()), out);
}

void RenderHistogram(std::string_view name, std::string_view labels, std::span<const double> bounds,
                     const Histogram& histogram, std::string* out) {
  const Histogram::Snapshot s = histogram.Read();
  const std::string prefix = labels.empty() ? std::string() : std::string(labels) + ",";
  for (size_t i = 0; i <= bounds.size(); ++i) {
    const std::string le = i < bounds.size() ? FormatValue(bounds[i]) : "+Inf";
    AppendSample(name, "_bucket", prefix + "le=\"" + le + "\"", std::to_string(s.cumulative[i]),
                 out);
  }
  AppendSample(name, "_sum", labels, FormatValue(s.sum), out);
  AppendSample(name, "_count", labels, std::to_string(s.count), out);
}

}  // namespace internal

// ---- Families.

struct FamilyBase::Table {
  explicit Table(size_t capacity)
      : mask(capacity - 1), slots(new std::atomic<internal::Series*>[capacity]) {
    for (size_t i = 0; i < capacity; ++i) slots[i].store(nullptr, std::memory_order_relaxed);
  }
  size_t capacity() const { return mask + 1; }

  const size_t mask;  // capacity - 1; capacity is a power of two
  const std::unique_ptr<std::atomic<internal::Series*>[]> slots;
};

namespace {

bool SameLabels(const internal::Series& s, std::span<const std::string_view> values) {
  if (s.labels.size() != values.size()) return false;
  for (size_t i = 0; i < values.size(); ++i) {
    if (s.labels[i] != values[i]) return false;
  }
  return true;
}

}  // namespace

FamilyBase::FamilyBase(std::string name, std::string help, MetricType type,
                       std::vector<std::string> label_names, size_t max_series)
    : name_(std::move(name)),
      help_(std::move(help)),
      type_(type),
      label_names_(std::move(label_names)),
      max_series_(std::max<size_t>(max_series, 1)) {
  tables_.push_back(std::make_unique<Table>(8));
  table_.store(tables_.back().get(), std::memory_order_release);
}

FamilyBase::~FamilyBase() = default;

internal::Series* FamilyBase::Find(std::span<const std::string_view> values) const {
  const uint64_t hash = internal::HashLabels(values);
  const Table* t = table_.load(std::memory_order_acquire);
  // A table is at most half full, so every probe sequence reaches an empty slot.
  for (size_t i = hash & t->mask;; i = (i + 1) & t->mask) {
    internal::Series* s = t->slots[i].load(std::memory_order_acquire);
    if (s == nullptr) return nullptr;
    if (s->hash == hash && SameLabels(*s, values)) return s;
  }
}

internal::Series* FamilyBase::FindOrAdd(std::span<const std::string_view> values) {
  if (values.size() != label_names_.size()) {
    Die(name_ + ": " + std::to_string(values.size()) + " label values for " +
        std::to_string(label_names_.size()) + " labels");
  }
  std::lock_guard lock(mu_);
  if (internal::Series* s = Find(values)) return s;  // added while this thread waited
  if (series_.size() < max_series_) return Insert(values, internal::HashLabels(values));
  const std::vector<std::string_view> overflow(values.size(), kOverflowLabelValue);
  if (internal::Series* s = Find(overflow)) return s;
  return Insert(overflow, internal::HashLabels(overflow));
}

internal::Series* FamilyBase::Insert(std::span<const std::string_view> values, uint64_t hash) {
  std::unique_ptr<internal::Series> series = NewSeries();
  series->labels.assign(values.begin(), values.end());
  series->hash = hash;
  internal::Series* added = series.get();
  series_.push_back(std::move(series));

  const Table* current = table_.load(std::memory_order_relaxed);
  auto place = [](const Table& t, internal::Series* s) {
    size_t i = s->hash & t.mask;
    while (t.slots[i].load(std::memory_order_relaxed) != nullptr) i = (i + 1) & t.mask;
    t.slots[i].store(s, std::memory_order_release);
  };
  if (series_.size() * 2 <= current->capacity()) {
    place(*current, added);
  } else {
    // Readers may still probe the old table: it stays alive (in tables_) and simply lacks the
    // newest series, so such a reader takes the slow path and finds it here.
    auto bigger = std::make_unique<Table>(current->capacity() * 2);
    for (const auto& s : series_) place(*bigger, s.get());
    table_.store(bigger.get(), std::memory_order_release);
    tables_.push_back(std::move(bigger));
  }
  return added;
}

void FamilyBase::Render(std::string* out) const {
  out->append("# HELP ").append(name_).append(" ").append(EscapeHelp(help_)).append("\n");
  out->append("# TYPE ").append(name_).append(" ").append(TypeName(type_)).append("\n");
  std::vector<const internal::Series*> series;
  {
    std::lock_guard lock(mu_);
    series.reserve(series_.size());
    for (const auto& s : series_) series.push_back(s.get());
  }
  std::sort(series.begin(), series.end(), [](const internal::Series* a, const internal::Series* b) {
    return a->labels < b->labels;
  });
  for (const internal::Series* s : series) {
    std::string labels;
    for (size_t i = 0; i < label_names_.size(); ++i) {
      if (i > 0) labels += ",";
      labels += label_names_[i] + "=\"" + EscapeLabelValue(s->labels[i]) + "\"";
    }
    RenderSeries(*s, labels, out);
  }
}

// ---- Registry.

Family<Counter>& Registry::AddCounter(std::string name, std::string help,
                                      std::vector<std::string> label_names, size_t max_series) {
  auto family = std::unique_ptr<Family<Counter>>(
      new Family<Counter>(std::move(name), std::move(help), std::move(label_names), max_series));
  Family<Counter>& ref = *family;
  Add(std::move(family));
  if (ref.label_names().empty()) ref.Get();  // a family without labels always has its sample
  return ref;
}

Family<Gauge>& Registry::AddGauge(std::string name, std::string help,
                                  std::vector<std::string> label_names, size_t max_series) {
  auto family = std::unique_ptr<Family<Gauge>>(
      new Family<Gauge>(std::move(name), std::move(help), std::move(label_names), max_series));
  Family<Gauge>& ref = *family;
  Add(std::move(family));
  if (ref.label_names().empty()) ref.Get();
  return ref;
}

Family<Histogram>& Registry::AddHistogram(std::string name, std::string help,
                                          std::vector<std::string> label_names,
                                          std::vector<double> bounds, size_t max_series) {
  for (size_t i = 0; i < bounds.size(); ++i) {
    if (!std::isfinite(bounds[i]) || (i > 0 && !(bounds[i - 1] < bounds[i]))) {
      Die(name + ": histogram bounds must be finite and strictly increasing");
    }
  }
  for (const std::string& label : label_names) {
    if (label == "le") Die(name + ": a histogram cannot have a label named le");
  }
  auto family = std::unique_ptr<Family<Histogram>>(new Family<Histogram>(
      std::move(name), std::move(help), std::move(label_names), max_series, std::move(bounds)));
  Family<Histogram>& ref = *family;
  Add(std::move(family));
  if (ref.label_names().empty()) ref.Get();
  return ref;
}

void Registry::AddCallbackGauge(std::string name, std::string help, std::function<double()> read) {
  Add(std::make_unique<CallbackGauge>(std::move(name), std::move(help), std::move(read)));
}

void Registry::Add(std::unique_ptr<FamilyBase> family) {
  if (!IsMetricName(family->name())) Die("invalid metric name '" + family->name() + "'");
  for (size_t i = 0; i < family->label_names().size(); ++i) {
    const std::string& label = family->label_names()[i];
    if (!IsLabelName(label)) Die(family->name() + ": invalid label name '" + label + "'");
    for (size_t j = 0; j < i; ++j) {
      if (family->label_names()[j] == label) Die(family->name() + ": label '" + label + "' twice");
    }
  }
  std::lock_guard lock(mu_);
  for (const auto& f : families_) {
    if (f->name() == family->name()) Die("metric '" + family->name() + "' registered twice");
  }
  families_.push_back(std::move(family));
}

std::string Registry::Render() const {
  std::vector<const FamilyBase*> families;
  {
    std::lock_guard lock(mu_);
    for (const auto& f : families_) families.push_back(f.get());
  }
  std::string out;
  for (const FamilyBase* f : families) f->Render(&out);
  return out;
}

std::vector<double> LatencyBuckets() {
  return {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

}  // namespace sigil::metrics
