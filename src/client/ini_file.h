// botocore's INI dialect, as the AWS CLI reads ~/.aws/credentials and ~/.aws/config: sections
// "[name]", keys and values split on the first '=' or ':', keys case-folded, full-line comments
// ('#' or ';') only, indented continuation lines, and nested sub-sections ("s3 =" followed by
// indented "endpoint_url = ..." lines). The document keeps every line, so an edit leaves comments,
// order and unknown content untouched. Plain value type; thread-compatible.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sigil::client {

// A construct botocore reads differently from what a person probably meant, or refuses.
struct IniProblem {
  int line = 0;  // 1-based
  std::string message;
};

class IniDocument {
 public:
  // Parses `text`. Never fails: what botocore would refuse or misread is kept verbatim and
  // reported in problems() (a key outside any section, a line that is not "key = value", a
  // duplicate section or key, an apparent inline comment, spaces inside "[ name ]").
  static IniDocument Parse(std::string_view text);

  const std::vector<IniProblem>& problems() const { return problems_; }

  // Section names in file order, as written between the brackets (trimmed), e.g. "profile dev".
  std::vector<std::string> SectionNames() const;
  bool HasSection(std::string_view section) const;

  // The value of `key` (case-insensitive) in the first section named `section`, as botocore
  // reads it: trimmed, continuation lines joined with '\n'. nullopt when absent.
  std::optional<std::string> Get(std::string_view section, std::string_view key) const;
  // Every top-level key of `section` (lower case) with its value, in file order.
  std::vector<std::pair<std::string, std::string>> Entries(std::string_view section) const;
  // A nested sub-section: for "s3 =\n  endpoint_url = x" returns {"endpoint_url": "x"}. Empty
  // when the key is absent or its value is not nested.
  std::map<std::string, std::string> Nested(std::string_view section, std::string_view key) const;

  // Sets `key` in `section` to a single-line `value`: replaces the existing line (and any
  // continuation lines) in place, else appends after the section's last key, creating the
  // section at the end of the file when it is missing.
  void Set(std::string_view section, std::string_view key, std::string_view value);
  // Removes `key` (and its continuation lines); returns whether it was present.
  bool Remove(std::string_view section, std::string_view key);
  // Removes the whole section with its keys; returns whether it was present.
  bool RemoveSection(std::string_view section);

  // The file's text: untouched lines byte for byte, edited ones as "key = value".
  std::string Render() const;

 private:
  enum class Kind { kBlank, kComment, kSection, kKey, kContinuation, kOther };
  struct Line {
    Kind kind = Kind::kOther;
    std::string text;     // the raw line, without its newline
    std::string section;  // kSection: the name
    std::string key;      // kKey: lower case
    std::string value;    // kKey: first-line value, trimmed
  };

  // [begin, end) line indexes of the first section named `section`; nullopt when absent.
  std::optional<std::pair<size_t, size_t>> SectionRange(std::string_view section) const;
  std::optional<size_t> KeyLine(std::string_view section, std::string_view key) const;
  // One past the last continuation line of the key at `key_line`.
  size_t ValueEnd(size_t key_line) const;

  std::vector<Line> lines_;
  bool trailing_newline_ = true;
  std::vector<IniProblem> problems_;
};

}  // namespace sigil::client
