// GBK <-> UTF-8 for the STRING fields of JT/T 808 (config `string_encoding: "gbk"`), through
// glibc's iconv. An iconv descriptor carries conversion state and must not be used by two
// threads at once, so each session owns its own converter (sessions of one codec instance run
// in parallel; the hooks of one session never do).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

namespace jt808 {

/// One iconv descriptor, closed with the object.
class Iconv {
 public:
  /// Throws std::runtime_error when glibc cannot convert between the two encodings.
  Iconv(const char* to, const char* from);

  struct Result {
    std::string out;
    std::size_t bad = 0;  // input sequences that could not be converted
  };
  /// Converts all of `in`. Each byte that starts an invalid or unconvertible sequence is skipped
  /// and, when `replacement` is non-empty, replaced by it in the output.
  Result convert(std::string_view in, std::string_view replacement);

 private:
  struct Close {
    void operator()(void* cd) const;
  };
  std::unique_ptr<void, Close> cd_;
};

class GbkText {
 public:
  GbkText();  // throws std::runtime_error when the GBK converter is missing

  /// Wire bytes (GBK) to UTF-8; bytes that are not GBK become U+FFFD and are counted.
  std::string to_utf8(std::span<const std::uint8_t> gbk);
  /// UTF-8 to GBK into `out`; false (and counted) when the text is not valid UTF-8 or holds
  /// characters GBK lacks.
  bool to_gbk(std::string_view utf8, std::string& out);

  std::uint64_t replaced() const { return replaced_; }  // uplink sequences replaced by U+FFFD
  std::uint64_t refused() const { return refused_; }    // downlink strings that could not be converted
  /// Hot reload: a migrated session keeps counting from where the old generation stopped.
  void carry_counts(std::uint64_t replaced, std::uint64_t refused) {
    replaced_ = replaced;
    refused_ = refused;
  }

 private:
  Iconv up_;
  Iconv down_;
  std::uint64_t replaced_ = 0;
  std::uint64_t refused_ = 0;
};

/// True when this system's iconv can convert GBK (checked once when the codec is configured).
bool gbk_available();

}  // namespace jt808
