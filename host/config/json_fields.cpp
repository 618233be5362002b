#include "host/config/json_fields.h"

#include <limits>

#include "host/log/printable.h"

namespace exproto::host::config_detail {

using nlohmann::json;

std::string describe(const json& value) {
  // Errors quote the offending value; a whole sub-tree would drown the line.
  constexpr std::size_t kMax = 40;
  std::string text = value.dump(-1, ' ', false, json::error_handler_t::replace);
  if (text.size() > kMax) text = text.substr(0, kMax) + "...";
  return text;
}

std::string join(std::string_view path, std::string_view key) {
  // Keys are the operator's text: an unknown "a\nb" must not split the error line in two, and an
  // empty key must still be seen as one (found by fuzzing: ": unknown key").
  const std::string shown = key.empty() ? std::string("\"\"") : printable(key);
  if (path.empty()) return shown;
  return std::string(path) + "." + shown;
}

Fields::Fields(const json& value, std::string path, FirstError& errors)
    : value_(value), path_(std::move(path)), errors_(errors) {
  if (!value_.is_object()) {
    errors_.set((path_.empty() ? std::string("config") : path_) + ": expected an object, got " + describe(value_));
  }
}

namespace {
const json& empty_object() {
  static const json kEmpty = json::object();  // immutable: what a schema-mode reader "reads"
  return kEmpty;
}
}  // namespace

Fields::Fields(DescribeInto into, std::string path, FirstError& errors)
    : value_(empty_object()), path_(std::move(path)), errors_(errors), schema_(&into.schema) {
  *schema_ = json{{"type", "object"}, {"properties", json::object()}, {"additionalProperties", false}};
}

json& Fields::property(std::string_view key) {
  auto& props = (*schema_)["properties"];
  const std::string k(key);
  if (!props.contains(k)) props[k] = json::object();
  return props[k];
}

void Fields::mark_required(std::string_view key) {
  auto& req = (*schema_)["required"];
  if (!req.is_array()) req = json::array();
  req.push_back(std::string(key));
}

void Fields::describe_key(std::string_view key, json schema, bool required) {
  if (!describing()) return;
  property(key) = std::move(schema);
  if (required) mark_required(key);
}

const json* Fields::get(std::string_view key) {
  known_.emplace(key);
  if (!ok() || !value_.is_object()) return nullptr;
  auto it = value_.find(key);
  return it == value_.end() ? nullptr : &*it;
}

const json* Fields::require(std::string_view key) {
  const json* v = get(key);
  if (v == nullptr) fail(key, "required");
  return v;
}

void Fields::fail(std::string_view key, std::string_view problem) {
  if (describing()) return;  // the defaults of a schema-mode read are not the operator's values
  errors_.set(join(path_, key) + ": " + std::string(problem));
}

void Fields::text(std::string_view key, std::string& out, const std::function<std::string(std::string_view)>& check) {
  text(key, out, false, check);
}

void Fields::text(std::string_view key, std::string& out, bool required,
                  const std::function<std::string(std::string_view)>& check) {
  if (describing()) {
    auto& p = property(key);
    p["type"] = "string";
    if (!out.empty() && !required) p["default"] = out;
    if (required) mark_required(key);
    return;
  }
  const json* v = required ? require(key) : get(key);
  if (v == nullptr) return;
  if (!v->is_string()) return fail(key, "expected a string, got " + describe(*v));
  const auto& s = v->get_ref<const std::string&>();
  if (check) {
    if (std::string problem = check(s); !problem.empty()) return fail(key, problem + ", got " + describe(*v));
  }
  out = s;
}

void Fields::unsigned_int(std::string_view key, uint64_t& out, uint64_t min, uint64_t max, bool required) {
  if (describing()) {
    auto& p = property(key);
    p = json{{"type", "integer"}, {"minimum", min}, {"maximum", max}};
    if (required) {
      mark_required(key);
    } else {
      p["default"] = out;
    }
    return;
  }
  const json* v = required ? require(key) : get(key);
  if (v == nullptr) return;
  // nlohmann stores non-negative literals as unsigned; negatives and fractions fall through.
  const bool in_range = v->is_number_unsigned() && v->get<uint64_t>() >= min && v->get<uint64_t>() <= max;
  if (!in_range) {
    return fail(key, "expected an integer in " + std::to_string(min) + ".." + std::to_string(max) + ", got " +
                         describe(*v));
  }
  out = v->get<uint64_t>();
}

void Fields::flag(std::string_view key, bool& out) {
  if (describing()) {
    property(key) = json{{"type", "boolean"}, {"default", out}};
    return;
  }
  const json* v = get(key);
  if (v == nullptr) return;
  if (!v->is_boolean()) return fail(key, "expected true or false, got " + describe(*v));
  out = v->get<bool>();
}

void Fields::finish() {
  if (describing()) return;
  if (!ok() || !value_.is_object()) return;
  for (const auto& [key, value] : value_.items()) {
    if (!known_.contains(key)) return fail(key, "unknown key");
  }
}

}  // namespace exproto::host::config_detail
