// A strict, path-aware reader over one JSON object of the config file. It remembers which keys
// were read so that finish() can reject the first unknown one, and it keeps only the first error
// (later reads become no-ops), so config.cpp reads like a schema instead of a chain of ifs.
//
// Because it reads like a schema it can also write one: a Fields in schema mode reads nothing and
// describes each key it is asked for (type, bounds, choices, default = the value already in `out`,
// required) into a JSON Schema object, so `exproto-host --config-schema` comes from the very code
// that validates and cannot drift from it.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>

namespace exproto::host::config_detail {

// The first error met while reading a whole document; shared by every Fields of that document.
class FirstError {
 public:
  void set(std::string message) {
    if (!message_) message_ = std::move(message);
  }
  bool failed() const { return message_.has_value(); }
  const std::string& message() const { return *message_; }

 private:
  std::optional<std::string> message_;
};

// Short JSON rendering of a value for error messages (long values are cut).
std::string describe(const nlohmann::json& value);

// Joins a parent path and a key: "" + "handler" = "handler", "handler" + "bind" = "handler.bind".
std::string join(std::string_view path, std::string_view key);

class Fields {
 public:
  // `value` must outlive this reader. When it is not an object, that is reported against `path`.
  Fields(const nlohmann::json& value, std::string path, FirstError& errors);
  // Schema mode: describes into `schema` (made a JSON Schema object with no other properties).
  struct DescribeInto {
    nlohmann::json& schema;
  };
  Fields(DescribeInto into, std::string path, FirstError& errors);

  bool ok() const { return !errors_.failed(); }
  bool describing() const { return schema_ != nullptr; }
  // Schema mode: `key`'s schema, for what the reader checks by hand (arrays, free-form objects).
  void describe_key(std::string_view key, nlohmann::json schema, bool required = false);
  // Runs `read` on a schema-mode reader and returns the object schema it described (array items).
  template <class F>
  nlohmann::json schema_of(std::string_view path, F&& read) {
    nlohmann::json out;
    Fields child(DescribeInto{out}, std::string(path), errors_);
    read(child);
    return out;
  }
  const std::string& path() const { return path_; }

  // Returns the member or nullptr when absent; marks the key as known either way.
  const nlohmann::json* get(std::string_view key);
  // Same, but an absent key is an error "<path>.<key>: required".
  const nlohmann::json* require(std::string_view key);

  // `check` returns an empty string for a good value, else the problem ("expected \"host:port\"").
  void text(std::string_view key, std::string& out,
            const std::function<std::string(std::string_view)>& check = {});
  void text(std::string_view key, std::string& out, bool required,
            const std::function<std::string(std::string_view)>& check);
  void unsigned_int(std::string_view key, uint64_t& out, uint64_t min, uint64_t max, bool required = false);
  void flag(std::string_view key, bool& out);  // optional boolean

  template <class T>
  void number(std::string_view key, T& out, uint64_t min, uint64_t max, bool required = false) {
    uint64_t v = out;
    unsigned_int(key, v, min, max, required);
    out = static_cast<T>(v);
  }

  template <class E>
  void choice(std::string_view key, E& out, std::initializer_list<std::pair<std::string_view, E>> options,
              bool required = false) {
    std::string word;
    std::string allowed;
    for (const auto& [name, value] : options) allowed += (allowed.empty() ? "" : "|") + std::string(name);
    text(key, word, required, [&](std::string_view got) -> std::string {
      for (const auto& [name, value] : options) {
        if (got == name) return {};
      }
      return "expected one of " + allowed;
    });
    for (const auto& [name, value] : options) {
      if (ok() && word == name) out = value;
    }
    if (describing()) {
      nlohmann::json names = nlohmann::json::array();
      for (const auto& [name, value] : options) {
        names.push_back(std::string(name));
        if (value == out && !required) property(key)["default"] = std::string(name);
      }
      property(key)["enum"] = names;
      property(key).erase("type");
    }
  }

  // Reads the member `key` as an object with its own Fields (path "<path>.<key>"): `read(Fields&)`
  // runs, then unknown keys of that object are rejected. Absent and not required: nothing happens.
  template <class F>
  void object(std::string_view key, F&& read, bool required = false) {
    if (describing()) {
      Fields child(DescribeInto{property(key)}, join(path_, key), errors_);
      read(child);
      if (required) mark_required(key);
      return;
    }
    const nlohmann::json* v = required ? require(key) : get(key);
    if (v == nullptr) return;
    Fields child(*v, join(path_, key), errors_);
    if (!child.ok()) return;
    read(child);
    child.finish();
  }

  FirstError& errors() const { return errors_; }

  // Reports a problem for `key` (path joined) unless an earlier error exists.
  void fail(std::string_view key, std::string_view problem);

  // Rejects the first key that no get/require/... asked about: "<path>.<key>: unknown key".
  void finish();

 private:
  nlohmann::json& property(std::string_view key);  // schema mode: properties[key], made on first use
  void mark_required(std::string_view key);

  const nlohmann::json& value_;
  std::string path_;
  FirstError& errors_;
  std::set<std::string, std::less<>> known_;
  nlohmann::json* schema_ = nullptr;  // schema mode
};

}  // namespace exproto::host::config_detail
