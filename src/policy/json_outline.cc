#include "policy/json_outline.h"

#include <nlohmann/json.hpp>

namespace sigil::policy::internal {
namespace {

enum class Role { kTop, kStatementValue, kStatementElement, kOther };

class Walker {
 public:
  Walker(std::string_view text, int max_depth) : t_(text), max_depth_(max_depth) {}

  JsonOutline Run() {
    if (t_.substr(0, 3) == "\xEF\xBB\xBF") pos_ = 3;  // a UTF-8 byte order mark
    Value(0, Role::kTop);
    return std::move(out_);
  }

 private:
  bool Fail(std::string message, size_t offset) {
    if (out_.ok) {
      out_.ok = false;
      out_.error = std::move(message);
      out_.error_offset = offset;
    }
    return false;
  }

  void SkipWhitespace() {
    while (pos_ < t_.size() &&
           (t_[pos_] == ' ' || t_[pos_] == '\t' || t_[pos_] == '\n' || t_[pos_] == '\r')) {
      ++pos_;
    }
  }

  // Scans a string token at pos_ (on its opening quote); returns the raw token with quotes.
  std::string_view StringToken() {
    const size_t start = pos_++;
    while (pos_ < t_.size() && t_[pos_] != '"') pos_ += t_[pos_] == '\\' ? 2 : 1;
    pos_ = std::min(pos_ + 1, t_.size());
    return t_.substr(start, pos_ - start);
  }

  static std::string Decode(std::string_view token) {
    if (token.size() < 2) return std::string();
    if (token.find('\\') == std::string_view::npos) {
      return std::string(token.substr(1, token.size() - 2));
    }
    try {
      return nlohmann::json::parse(token).get<std::string>();
    } catch (const nlohmann::json::exception&) {
      return std::string(token);  // unreachable for text the parser accepted
    }
  }

  bool Value(int depth, Role role) {
    SkipWhitespace();
    if (pos_ >= t_.size()) return false;
    const char c = t_[pos_];
    if (c == '{') return Object(depth + 1, role);
    if (c == '[') return Array(depth + 1, role);
    if (role == Role::kStatementElement) out_.statements.push_back(JsonOutline::Span{});
    if (c == '"') {
      StringToken();
      return true;
    }
    // A number or a literal: up to the next delimiter.
    while (pos_ < t_.size() && t_[pos_] != ',' && t_[pos_] != '}' && t_[pos_] != ']' &&
           t_[pos_] != ' ' && t_[pos_] != '\n' && t_[pos_] != '\r' && t_[pos_] != '\t') {
      ++pos_;
    }
    return true;
  }

  bool Object(int depth, Role role) {
    if (depth > max_depth_) return Fail("The document is nested too deeply", pos_);
    const size_t begin = pos_++;
    std::vector<std::string> keys;
    while (true) {
      SkipWhitespace();
      if (pos_ >= t_.size()) return false;
      if (t_[pos_] == '}') break;
      if (t_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (t_[pos_] != '"') return false;
      const size_t key_offset = pos_;
      std::string key = Decode(StringToken());
      for (const std::string& k : keys) {
        if (k == key) return Fail("Duplicate key \"" + key + "\"", key_offset);
      }
      SkipWhitespace();
      if (pos_ >= t_.size() || t_[pos_] != ':') return false;
      ++pos_;
      const Role child =
          role == Role::kTop && key == "Statement" ? Role::kStatementValue : Role::kOther;
      if (!Value(depth, child)) return false;
      keys.push_back(std::move(key));
    }
    if (role == Role::kStatementValue || role == Role::kStatementElement) {
      out_.statements.push_back(JsonOutline::Span{begin, pos_});
    }
    ++pos_;
    return true;
  }

  bool Array(int depth, Role role) {
    if (depth > max_depth_) return Fail("The document is nested too deeply", pos_);
    if (role == Role::kStatementElement) out_.statements.push_back(JsonOutline::Span{});
    ++pos_;
    const Role child = role == Role::kStatementValue ? Role::kStatementElement : Role::kOther;
    while (true) {
      SkipWhitespace();
      if (pos_ >= t_.size()) return false;
      if (t_[pos_] == ']') break;
      if (t_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (!Value(depth, child)) return false;
    }
    ++pos_;
    return true;
  }

  std::string_view t_;
  int max_depth_;
  size_t pos_ = 0;
  JsonOutline out_;
};

}  // namespace

JsonOutline OutlineJson(std::string_view json, int max_depth) {
  return Walker(json, max_depth).Run();
}

TextPosition PositionAt(std::string_view text, size_t offset) {
  TextPosition p{1, 1};
  offset = std::min(offset, text.size());
  for (size_t i = 0; i < offset; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '\n') {
      ++p.line;
      p.column = 1;
    } else if ((c & 0xC0) != 0x80) {  // count code points, not continuation bytes
      ++p.column;
    }
  }
  return p;
}

}  // namespace sigil::policy::internal
