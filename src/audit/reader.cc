#include "audit/reader.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <filesystem>
#include <map>
#include <tuple>

#include "common/file_util.h"
#include "common/time_format.h"

namespace sigil::audit {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kLogPrefix = "sigil_audit_";
constexpr std::string_view kLogSuffix = ".jsonl";
constexpr std::string_view kDigestPrefix = "sigil_digest_";
constexpr std::string_view kDigestSuffix = ".json";
constexpr size_t kMinSequenceDigits = 6;

// "YYYY/MM/DD/" of a time, from its basic-format stamp "YYYYMMDDTHHMMSSZ".
std::string DateFolders(std::string_view stamp) {
  std::string out;
  out.append(stamp.substr(0, 4)).push_back('/');
  out.append(stamp.substr(4, 2)).push_back('/');
  out.append(stamp.substr(6, 2)).push_back('/');
  return out;
}

std::string PaddedSequence(uint64_t sequence) {
  std::string digits = std::to_string(sequence);
  if (digits.size() < kMinSequenceDigits) digits.insert(0, kMinSequenceDigits - digits.size(), '0');
  return digits;
}

// Splits "<node>_<stamp>[_<rest>]" after `prefix` and before `suffix`.
struct NameParts {
  std::string_view node;
  std::string_view stamp;
  std::string_view rest;  // empty when absent
};
std::optional<NameParts> SplitName(std::string_view name, std::string_view prefix,
                                   std::string_view suffix, bool with_rest) {
  if (name.size() <= prefix.size() + suffix.size() || !name.starts_with(prefix) ||
      !name.ends_with(suffix)) {
    return std::nullopt;
  }
  name = name.substr(prefix.size(), name.size() - prefix.size() - suffix.size());
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (size_t i = 0; i <= name.size(); ++i) {
    if (i == name.size() || name[i] == '_') {
      parts.push_back(name.substr(start, i - start));
      start = i + 1;
    }
  }
  if (parts.size() != (with_rest ? 3u : 2u)) return std::nullopt;
  NameParts out{parts[0], parts[1], with_rest ? parts[2] : std::string_view()};
  if (!IsValidNodeId(out.node)) return std::nullopt;
  return out;
}

// Walks DIR/YYYY/MM/DD/ folders (digits only), calling `fn` with "YYYY/MM/DD/NAME" and NAME for
// each regular file. An absent `dir` has no files.
Status WalkDateFolders(const std::string& dir,
                       const std::function<void(std::string, std::string_view)>& fn) {
  std::error_code ec;
  if (!fs::exists(dir, ec)) {
    if (ec) return InternalError("cannot read " + dir + ": " + ec.message());
    return OkStatus();
  }
  auto numeric = [](const std::string& s, size_t len) {
    return s.size() == len &&
           std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  // Collects the subfolders of `path` whose names are `len` digits.
  auto folders = [&](const fs::path& path, size_t len, std::vector<std::string>* out) -> Status {
    std::error_code err;
    for (fs::directory_iterator it(path, err), end; !err && it != end; it.increment(err)) {
      const std::string name = it->path().filename().string();
      if (numeric(name, len) && it->is_directory(err)) out->push_back(name);
    }
    if (err) return InternalError("cannot read " + path.string() + ": " + err.message());
    return OkStatus();
  };
  std::vector<std::string> years;
  SIGIL_RETURN_IF_ERROR(folders(dir, 4, &years));
  for (const std::string& y : years) {
    std::vector<std::string> months;
    SIGIL_RETURN_IF_ERROR(folders(fs::path(dir) / y, 2, &months));
    for (const std::string& m : months) {
      std::vector<std::string> days;
      SIGIL_RETURN_IF_ERROR(folders(fs::path(dir) / y / m, 2, &days));
      for (const std::string& d : days) {
        const fs::path day = fs::path(dir) / y / m / d;
        std::error_code err;
        for (fs::directory_iterator it(day, err), end; !err && it != end; it.increment(err)) {
          if (!it->is_regular_file(err)) continue;
          const std::string name = it->path().filename().string();
          fn(y + "/" + m + "/" + d + "/" + name, name);
        }
        if (err) return InternalError("cannot read " + day.string() + ": " + err.message());
      }
    }
  }
  return OkStatus();
}

}  // namespace

std::string AuditDir(const std::string& data_dir) { return data_dir + "/audit"; }

bool IsValidNodeId(std::string_view id) {
  if (id.size() < 8 || id.size() > 16) return false;
  return std::all_of(id.begin(), id.end(),
                     [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); });
}

std::string LogFileRelativePath(const LogFileName& name) {
  const std::string stamp = FormatAmzDate(name.opened);
  return DateFolders(stamp) + std::string(kLogPrefix) + name.node_id + "_" + stamp + "_" +
         PaddedSequence(name.sequence) + std::string(kLogSuffix);
}

std::optional<LogFileName> ParseLogFileName(std::string_view base_name) {
  auto parts = SplitName(base_name, kLogPrefix, kLogSuffix, true);
  if (!parts) return std::nullopt;
  auto opened = ParseAmzDate(parts->stamp);
  if (!opened) return std::nullopt;
  LogFileName out;
  out.node_id = std::string(parts->node);
  out.opened = *opened;
  const std::string_view seq = parts->rest;
  if (seq.size() < kMinSequenceDigits || seq.size() > 20) return std::nullopt;
  if (!std::all_of(seq.begin(), seq.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  if (std::from_chars(seq.data(), seq.data() + seq.size(), out.sequence).ec != std::errc()) {
    return std::nullopt;
  }
  // Only the canonical spelling, so one sequence number has one name.
  if (PaddedSequence(out.sequence) != seq) return std::nullopt;
  return out;
}

std::string DigestRelativePath(const DigestFileName& name) {
  const std::string stamp = FormatAmzDate(name.end);
  return "digest/" + DateFolders(stamp) + std::string(kDigestPrefix) + name.node_id + "_" + stamp +
         std::string(kDigestSuffix);
}

std::optional<DigestFileName> ParseDigestFileName(std::string_view base_name) {
  auto parts = SplitName(base_name, kDigestPrefix, kDigestSuffix, false);
  if (!parts) return std::nullopt;
  auto end = ParseAmzDate(parts->stamp);
  if (!end) return std::nullopt;
  return DigestFileName{std::string(parts->node), *end};
}

StatusOr<std::vector<FoundLogFile>> ListLogFiles(const std::string& audit_dir) {
  std::vector<FoundLogFile> out;
  SIGIL_RETURN_IF_ERROR(
      WalkDateFolders(audit_dir, [&](std::string relative, std::string_view base) {
        auto name = ParseLogFileName(base);
        // The date folders must agree with the name: a file moved elsewhere is not the file.
        if (name && LogFileRelativePath(*name) == relative) {
          out.push_back(FoundLogFile{std::move(relative), std::move(*name)});
        }
      }));
  std::sort(out.begin(), out.end(), [](const FoundLogFile& a, const FoundLogFile& b) {
    return std::tie(a.name.node_id, a.name.sequence) < std::tie(b.name.node_id, b.name.sequence);
  });
  return out;
}

StatusOr<std::vector<FoundDigestFile>> ListDigestFiles(const std::string& audit_dir) {
  std::vector<FoundDigestFile> out;
  SIGIL_RETURN_IF_ERROR(
      WalkDateFolders(audit_dir + "/digest", [&](std::string relative, std::string_view base) {
        auto name = ParseDigestFileName(base);
        relative = "digest/" + relative;
        if (name && DigestRelativePath(*name) == relative) {
          out.push_back(FoundDigestFile{std::move(relative), std::move(*name)});
        }
      }));
  std::sort(out.begin(), out.end(), [](const FoundDigestFile& a, const FoundDigestFile& b) {
    return std::tie(a.name.node_id, a.name.end) < std::tie(b.name.node_id, b.name.end);
  });
  return out;
}

StatusOr<std::vector<std::string>> AuditFiles(const std::string& audit_dir, TimePoint from,
                                              TimePoint to) {
  SIGIL_ASSIGN_OR_RETURN(std::vector<FoundLogFile> files, ListLogFiles(audit_dir));
  std::vector<const FoundLogFile*> chosen;
  for (size_t i = 0; i < files.size(); ++i) {
    const FoundLogFile& f = files[i];
    const bool newest_of_node =
        i + 1 == files.size() || files[i + 1].name.node_id != f.name.node_id;
    const TimePoint span_start = f.name.opened - kEventTimeSlack;
    if (span_start > to) continue;
    // Its records are no newer than the next file's opening, plus a second of overlap.
    if (!newest_of_node && files[i + 1].name.opened + std::chrono::seconds(1) < from) continue;
    chosen.push_back(&f);
  }
  std::sort(chosen.begin(), chosen.end(), [](const FoundLogFile* a, const FoundLogFile* b) {
    return std::tie(a->name.opened, a->name.node_id, a->name.sequence) <
           std::tie(b->name.opened, b->name.node_id, b->name.sequence);
  });
  std::vector<std::string> out;
  out.reserve(chosen.size());
  for (const FoundLogFile* f : chosen) out.push_back(audit_dir + "/" + f->relative_path);
  return out;
}

std::optional<Record> ParseRecordLine(std::string_view line) {
  Record record = Record::parse(line, nullptr, /*allow_exceptions=*/false);
  if (record.is_discarded() || !record.is_object()) return std::nullopt;
  return record;
}

Status ForEachLine(const std::string& path, const std::function<bool(std::string_view)>& fn) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    const int err = errno;
    if (err == ENOENT) return NotFoundError(path + " does not exist");
    return ErrnoStatus(err, "opening " + path);
  }
  std::string pending;  // an incomplete line carried into the next block
  std::string block(64 * 1024, '\0');
  Status result = OkStatus();
  for (bool more = true; more;) {
    const ssize_t n = ::read(fd, block.data(), block.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      result = ErrnoStatus(errno, "reading " + path);
      break;
    }
    if (n == 0) break;
    std::string_view data(block.data(), static_cast<size_t>(n));
    while (!data.empty()) {
      const size_t newline = data.find('\n');
      if (newline == std::string_view::npos) {
        pending.append(data);
        break;
      }
      bool go_on;
      if (pending.empty()) {
        go_on = fn(data.substr(0, newline));
      } else {
        pending.append(data.substr(0, newline));
        go_on = fn(pending);
        pending.clear();
      }
      data.remove_prefix(newline + 1);
      if (!go_on) {
        more = false;
        break;
      }
    }
  }
  ::close(fd);
  return result;
}

Status ForEachRecord(const std::string& path, const std::function<bool(Record&&)>& fn,
                     size_t* skipped) {
  return ForEachLine(path, [&](std::string_view line) {
    std::optional<Record> record = ParseRecordLine(line);
    if (!record) {
      if (skipped != nullptr) ++*skipped;
      return true;
    }
    return fn(std::move(*record));
  });
}

std::optional<TimePoint> RecordEventTime(const Record& record) {
  auto it = record.find("eventTime");
  if (it == record.end() || !it->is_string()) return std::nullopt;
  return ParseIso8601(it->get_ref<const std::string&>());
}

}  // namespace sigil::audit
