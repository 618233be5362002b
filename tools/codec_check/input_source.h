// Where the bytes fed to the codec come from: files of a corpus folder (whole, cut into TCP-like
// chunks, or mutated) and random bytes, half of them drawn from printable text because most device
// protocols a codec parses are at least partly text.
#pragma once

#include <cstdint>
#include <expected>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

namespace codec_check {

using Bytes = std::vector<std::uint8_t>;

class InputSource {
 public:
  // An empty `corpus_dir` means random bytes only. Errors: "cannot read corpus folder <dir>: <why>",
  // "corpus folder <dir> has no files".
  static std::expected<InputSource, std::string> load(const std::filesystem::path& corpus_dir);

  // One device "read sequence": one or more chunks to deliver, in order, to one session.
  std::vector<Bytes> next(std::mt19937_64& rng) const;
  // A whole corpus file, so that a fresh session sees a well-formed conversation first.
  std::vector<Bytes> opening(std::mt19937_64& rng) const;
  // Random printable text (message payloads).
  static Bytes text(std::mt19937_64& rng, std::size_t max_len);

  std::size_t corpus_files() const { return corpus_.size(); }

 private:
  std::vector<Bytes> corpus_;
};

}  // namespace codec_check
