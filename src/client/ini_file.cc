#include "client/ini_file.h"

#include <algorithm>

#include "common/strings.h"

namespace sigil::client {
namespace {

size_t IndentOf(std::string_view line) {
  size_t i = 0;
  while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
  return i;
}

bool LooksLikeInlineComment(std::string_view value) {
  for (size_t i = 1; i < value.size(); ++i) {
    if ((value[i] == '#' || value[i] == ';') && (value[i - 1] == ' ' || value[i - 1] == '\t')) {
      return true;
    }
  }
  return false;
}

}  // namespace

IniDocument IniDocument::Parse(std::string_view text) {
  IniDocument doc;
  doc.trailing_newline_ = text.empty() || text.back() == '\n';
  std::vector<std::string_view> raw = Split(text, '\n');
  if (!raw.empty() && doc.trailing_newline_) raw.pop_back();  // the empty piece after the last \n

  std::map<std::string, int, std::less<>> section_first_line;
  std::map<std::string, int, std::less<>> key_first_line;  // within the current section
  bool in_section = false;
  bool have_key = false;  // a key whose value may continue on indented lines
  size_t key_indent = 0;
  int line_no = 0;
  for (std::string_view piece : raw) {
    ++line_no;
    Line line;
    line.text = std::string(piece);  // byte for byte, a '\r' of CRLF files included
    if (!piece.empty() && piece.back() == '\r') piece.remove_suffix(1);
    std::string_view stripped = TrimWhitespace(piece);
    const size_t indent = IndentOf(piece);
    if (stripped.empty()) {
      line.kind = Kind::kBlank;
    } else if (stripped.front() == '#' || stripped.front() == ';') {
      line.kind = Kind::kComment;
    } else if (have_key && indent > key_indent) {
      line.kind = Kind::kContinuation;
    } else if (stripped.front() == '[' && stripped.find(']') != std::string_view::npos) {
      // configparser's SECTCRE "\[(?P<header>.+)\]" is greedy up to the last ']'.
      size_t close = stripped.rfind(']');
      std::string_view inner = stripped.substr(1, close - 1);
      line.kind = Kind::kSection;
      line.section = std::string(TrimWhitespace(inner));
      in_section = true;
      have_key = false;
      key_first_line.clear();
      if (inner.empty()) {
        line.kind = Kind::kOther;
        in_section = false;
        doc.problems_.push_back({line_no, "an empty section header \"[]\": botocore refuses it"});
      } else if (line.section != inner) {
        doc.problems_.push_back({line_no, "spaces inside the brackets of [" + std::string(inner) +
                                              "]: botocore keeps them in the name, so it is not [" +
                                              line.section + "]"});
      }
      if (close + 1 != stripped.size()) {
        doc.problems_.push_back({line_no, "text after the closing bracket of [" + line.section +
                                              "] is ignored by botocore"});
      }
      if (line.kind == Kind::kSection) {
        auto [it, inserted] = section_first_line.emplace(line.section, line_no);
        if (!inserted) {
          doc.problems_.push_back(
              {line_no, "section [" + line.section + "] appears again (first at line " +
                            std::to_string(it->second) + "): botocore refuses the whole file"});
        }
      }
    } else if (!in_section) {
      line.kind = Kind::kOther;
      doc.problems_.push_back(
          {line_no, "a line outside any section: botocore refuses the whole file"});
    } else {
      size_t delim = stripped.find_first_of("=:");
      if (delim == std::string_view::npos) {
        line.kind = Kind::kOther;
        have_key = false;
        doc.problems_.push_back({line_no, "not \"key = value\": botocore refuses the whole file"});
      } else {
        line.kind = Kind::kKey;
        line.key = AsciiLower(TrimWhitespace(stripped.substr(0, delim)));
        line.value = std::string(TrimWhitespace(stripped.substr(delim + 1)));
        have_key = true;
        key_indent = indent;
        auto [it, inserted] = key_first_line.emplace(line.key, line_no);
        if (!inserted) {
          doc.problems_.push_back(
              {line_no, "key \"" + line.key + "\" appears again (first at line " +
                            std::to_string(it->second) + "): botocore refuses the whole file"});
        }
        if (LooksLikeInlineComment(line.value)) {
          doc.problems_.push_back(
              {line_no, "the value of \"" + line.key +
                            "\" contains \" #\" or \" ;\": botocore has no inline comments, so "
                            "that text is part of the value"});
        }
      }
    }
    doc.lines_.push_back(std::move(line));
  }
  return doc;
}

std::vector<std::string> IniDocument::SectionNames() const {
  std::vector<std::string> names;
  for (const Line& line : lines_) {
    if (line.kind == Kind::kSection) names.push_back(line.section);
  }
  return names;
}

bool IniDocument::HasSection(std::string_view section) const {
  return SectionRange(section).has_value();
}

std::optional<std::pair<size_t, size_t>> IniDocument::SectionRange(std::string_view section) const {
  for (size_t i = 0; i < lines_.size(); ++i) {
    if (lines_[i].kind != Kind::kSection || lines_[i].section != section) continue;
    size_t end = i + 1;
    while (end < lines_.size() && lines_[end].kind != Kind::kSection) ++end;
    return std::make_pair(i, end);
  }
  return std::nullopt;
}

std::optional<size_t> IniDocument::KeyLine(std::string_view section, std::string_view key) const {
  auto range = SectionRange(section);
  if (!range) return std::nullopt;
  const std::string lower = AsciiLower(key);
  for (size_t i = range->first + 1; i < range->second; ++i) {
    if (lines_[i].kind == Kind::kKey && lines_[i].key == lower) return i;
  }
  return std::nullopt;
}

size_t IniDocument::ValueEnd(size_t key_line) const {
  size_t end = key_line + 1;
  size_t last = key_line;
  while (end < lines_.size() &&
         (lines_[end].kind == Kind::kContinuation || lines_[end].kind == Kind::kBlank ||
          lines_[end].kind == Kind::kComment)) {
    if (lines_[end].kind == Kind::kContinuation) last = end;
    ++end;
  }
  return last + 1;  // blank lines and comments after the value belong to no key
}

std::optional<std::string> IniDocument::Get(std::string_view section, std::string_view key) const {
  auto at = KeyLine(section, key);
  if (!at) return std::nullopt;
  std::string value = lines_[*at].value;
  for (size_t i = *at + 1; i < ValueEnd(*at); ++i) {
    if (lines_[i].kind != Kind::kContinuation) continue;
    value += '\n';
    value += TrimWhitespace(lines_[i].text);
  }
  return value;
}

std::vector<std::pair<std::string, std::string>> IniDocument::Entries(
    std::string_view section) const {
  std::vector<std::pair<std::string, std::string>> out;
  auto range = SectionRange(section);
  if (!range) return out;
  for (size_t i = range->first + 1; i < range->second; ++i) {
    if (lines_[i].kind == Kind::kKey) out.emplace_back(lines_[i].key, *Get(section, lines_[i].key));
  }
  return out;
}

std::map<std::string, std::string> IniDocument::Nested(std::string_view section,
                                                       std::string_view key) const {
  std::map<std::string, std::string> out;
  std::optional<std::string> value = Get(section, key);
  // botocore parses a value as nested only when its first line is empty.
  if (!value || value->empty() || value->front() != '\n') return out;
  for (std::string_view line : Split(*value, '\n')) {
    line = TrimWhitespace(line);
    size_t eq = line.find('=');
    if (line.empty() || eq == std::string_view::npos) continue;
    out[std::string(TrimWhitespace(line.substr(0, eq)))] =
        std::string(TrimWhitespace(line.substr(eq + 1)));
  }
  return out;
}

void IniDocument::Set(std::string_view section, std::string_view key, std::string_view value) {
  Line line;
  line.kind = Kind::kKey;
  line.key = AsciiLower(key);
  line.value = std::string(value);
  line.text = line.key + " = " + line.value;
  if (auto at = KeyLine(section, key)) {
    size_t end = ValueEnd(*at);
    lines_.erase(lines_.begin() + static_cast<std::ptrdiff_t>(*at + 1),
                 lines_.begin() + static_cast<std::ptrdiff_t>(end));
    lines_[*at] = std::move(line);
    return;
  }
  if (auto range = SectionRange(section)) {
    size_t insert_at = range->first + 1;
    for (size_t i = range->first + 1; i < range->second; ++i) {
      if (lines_[i].kind == Kind::kKey || lines_[i].kind == Kind::kContinuation) insert_at = i + 1;
    }
    lines_.insert(lines_.begin() + static_cast<std::ptrdiff_t>(insert_at), std::move(line));
    return;
  }
  if (!lines_.empty() && lines_.back().kind != Kind::kBlank) lines_.push_back(Line{Kind::kBlank});
  Line header;
  header.kind = Kind::kSection;
  header.section = std::string(section);
  header.text = "[" + header.section + "]";
  lines_.push_back(std::move(header));
  lines_.push_back(std::move(line));
  trailing_newline_ = true;
}

bool IniDocument::Remove(std::string_view section, std::string_view key) {
  auto at = KeyLine(section, key);
  if (!at) return false;
  lines_.erase(lines_.begin() + static_cast<std::ptrdiff_t>(*at),
               lines_.begin() + static_cast<std::ptrdiff_t>(ValueEnd(*at)));
  return true;
}

bool IniDocument::RemoveSection(std::string_view section) {
  auto range = SectionRange(section);
  if (!range) return false;
  lines_.erase(lines_.begin() + static_cast<std::ptrdiff_t>(range->first),
               lines_.begin() + static_cast<std::ptrdiff_t>(range->second));
  return true;
}

std::string IniDocument::Render() const {
  std::string out;
  for (size_t i = 0; i < lines_.size(); ++i) {
    out += lines_[i].text;
    if (i + 1 < lines_.size() || trailing_newline_) out += '\n';
  }
  return out;
}

}  // namespace sigil::client
