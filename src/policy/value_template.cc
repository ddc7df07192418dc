#include "common/strings.h"
#include "policy/compiled.h"

namespace sigil::policy::internal {
namespace {

bool IsBlank(char c) { return c == ' ' || c == '\t'; }

// Parses the inside of "${...}": a key, optionally followed by ", 'default'". nullopt when the
// text is not of that shape (it is then kept as literal text, as AWS does with text it cannot
// read as a variable).
struct VariableSpec {
  std::string key;
  std::optional<std::string> default_value;
};
std::optional<VariableSpec> ParseVariable(std::string_view inner) {
  VariableSpec spec;
  const size_t comma = inner.find(',');
  std::string_view key = TrimWhitespace(inner.substr(0, comma));
  if (key.empty()) return std::nullopt;
  for (char c : key) {
    if (IsBlank(c) || c == '\'' || c == '"' || c == '{' || c == '$') return std::nullopt;
  }
  spec.key = std::string(key);
  if (comma == std::string_view::npos) return spec;
  std::string_view rest = TrimWhitespace(inner.substr(comma + 1));
  if (rest.size() < 2 || rest.front() != '\'' || rest.back() != '\'') return std::nullopt;
  rest = rest.substr(1, rest.size() - 2);
  if (rest.find('\'') != std::string_view::npos) return std::nullopt;
  spec.default_value = std::string(rest);
  return spec;
}

}  // namespace

ValueTemplate ValueTemplate::Compile(std::string_view text, Mode mode, bool variables_enabled,
                                     size_t variables_from) {
  ValueTemplate t;
  t.mode_ = mode;
  auto append_literal = [&](std::string* out, std::string_view literal, bool wildcards) {
    if (mode == Mode::kLiteral) {
      out->append(literal);
    } else if (wildcards) {
      out->append(GlobFromPolicyText(literal));
    } else {
      AppendEscapedGlobLiteral(literal, out);
    }
  };
  auto literal_piece = [&]() -> std::string& {
    if (t.pieces_.empty() || t.pieces_.back().variable) t.pieces_.push_back(Piece{});
    return t.pieces_.back().text;
  };

  std::string fixed;
  bool any_variable = false;
  size_t pos = 0;
  while (pos < text.size()) {
    const size_t open =
        variables_enabled ? text.find("${", std::max(pos, variables_from)) : std::string_view::npos;
    const size_t close = open == std::string_view::npos ? open : text.find('}', open + 2);
    if (open == std::string_view::npos || close == std::string_view::npos) {
      append_literal(&fixed, text.substr(pos), true);
      append_literal(&literal_piece(), text.substr(pos), true);
      break;
    }
    append_literal(&fixed, text.substr(pos, open - pos), true);
    append_literal(&literal_piece(), text.substr(pos, open - pos), true);
    std::string_view inner = text.substr(open + 2, close - open - 2);
    if (inner == "*" || inner == "?" || inner == "$") {
      // The special variables stand for the character itself, never a wildcard.
      append_literal(&fixed, inner, false);
      append_literal(&literal_piece(), inner, false);
    } else if (std::optional<VariableSpec> spec = ParseVariable(inner)) {
      any_variable = true;
      t.pieces_.push_back(Piece{true, std::move(spec->key), std::move(spec->default_value)});
    } else {
      std::string_view raw = text.substr(open, close - open + 1);
      append_literal(&fixed, raw, true);
      append_literal(&literal_piece(), raw, true);
    }
    pos = close + 1;
  }
  if (!any_variable) {
    t.pieces_.clear();
    t.fixed_ = std::move(fixed);
  }
  return t;
}

bool ValueTemplate::Expand(const RequestContext& context, std::string* out,
                           MissingKeys* missing) const {
  out->clear();
  if (pieces_.empty()) {
    out->append(fixed_);
    return true;
  }
  bool ok = true;
  for (const Piece& piece : pieces_) {
    if (!piece.variable) {
      out->append(piece.text);
      continue;
    }
    RequestContext::Values values = context.Find(piece.text);
    std::string_view value;
    if (values.size() == 1) {
      value = values[0];
    } else if (piece.default_value) {
      value = *piece.default_value;
    } else {
      if (missing != nullptr) missing->push_back(piece.text);
      ok = false;
      continue;
    }
    if (mode_ == Mode::kGlob) {
      AppendEscapedGlobLiteral(value, out);
    } else {
      out->append(value);
    }
  }
  return ok;
}

void ValueTemplate::AppendVariableKeys(std::vector<std::string_view>* keys) const {
  for (const Piece& piece : pieces_) {
    if (piece.variable) keys->push_back(piece.text);
  }
}

}  // namespace sigil::policy::internal
