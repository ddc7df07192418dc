#include "cli/config_file.h"

#include <toml++/toml.h>

#include <fstream>
#include <set>
#include <sstream>

namespace sigil::cli {
namespace {

// Options that are about reading or printing the configuration, not configuration.
const std::set<std::string, std::less<>> kNotConfigurable = {"help", "config", "print-config"};

std::string Where(const std::string& path, const toml::source_region& source) {
  return path + ":" + std::to_string(source.begin.line);
}

// The text CLI11 would have received on the command line for this TOML value.
bool ValueText(const toml::node& node, std::string* out) {
  if (auto s = node.as_string()) {
    *out = s->get();
  } else if (auto i = node.as_integer()) {
    *out = std::to_string(i->get());
  } else if (auto b = node.as_boolean()) {
    *out = b->get() ? "true" : "false";
  } else if (auto f = node.as_floating_point()) {
    std::ostringstream text;
    text << f->get();
    *out = text.str();
  } else {
    return false;
  }
  return true;
}

Status ApplyTable(CLI::App& command, const std::string& path, const toml::table& table,
                  bool top_level) {
  for (const auto& [key, node] : table) {
    const std::string name(key.str());
    if (top_level && name == command.get_name() && node.is_table()) {
      SIGIL_RETURN_IF_ERROR(ApplyTable(command, path, *node.as_table(), false));
      continue;
    }
    CLI::Option* option =
        kNotConfigurable.count(name) == 0 ? command.get_option_no_throw("--" + name) : nullptr;
    if (option == nullptr) {
      return InvalidArgumentError(Where(path, node.source()) + ": unknown option '" + name +
                                  "' (see `sigil server --help`)");
    }
    std::string text;
    if (!ValueText(node, &text)) {
      return InvalidArgumentError(Where(path, node.source()) + ": '" + name +
                                  "' must be a string, number or boolean");
    }
    if (option->count() > 0) continue;  // the command line or the environment set it
    try {
      option->add_result(text);
      option->run_callback();
    } catch (const CLI::Error& e) {
      return InvalidArgumentError(Where(path, node.source()) + ": " + e.what());
    }
  }
  return OkStatus();
}

bool IsFlag(const CLI::Option& option) { return option.get_expected_max() == 0; }

bool IsNumber(const std::string& type) {
  return type.rfind("INT", 0) == 0 || type.rfind("UINT", 0) == 0 || type.rfind("FLOAT", 0) == 0;
}

}  // namespace

Status ApplyConfigFile(CLI::App& command, const std::string& path) {
  toml::table table;
  try {
    table = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    std::ifstream probe(path);
    if (!probe) return NotFoundError("cannot read the configuration file " + path);
    return InvalidArgumentError(Where(path, e.source()) + ": " + std::string(e.description()));
  }
  return ApplyTable(command, path, table, true);
}

std::string RenderConfig(const CLI::App& command) {
  std::string text =
      "# Sigil server configuration, for `sigil server --config FILE`. Flags win over SIGIL_*\n"
      "# environment variables, which win over this file.\n";
  for (const CLI::Option* option : command.get_options()) {
    if (option->get_lnames().empty()) continue;
    const std::string& name = option->get_lnames().front();
    if (kNotConfigurable.count(name) > 0) continue;
    std::string value = option->count() > 0 ? option->as<std::string>() : option->get_default_str();
    text += "\n# " + option->get_description() + "\n" + name + " = ";
    if (IsFlag(*option)) {
      text += value == "true" || value == "1" ? "true" : "false";
    } else if (IsNumber(option->get_type_name()) && !value.empty()) {
      text += value;
    } else {
      std::ostringstream quoted;  // TOML's own string escaping
      quoted << toml::value<std::string>(value);
      text += quoted.str();
    }
    text += "\n";
  }
  return text;
}

}  // namespace sigil::cli
