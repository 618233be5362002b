#include "input_source.h"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <system_error>

namespace codec_check {
namespace {

constexpr std::uintmax_t kMaxFileBytes = 1 << 20;  // bigger corpus files are skipped
constexpr std::size_t kMaxFiles = 4096;
constexpr std::size_t kMaxRandom = 512;

std::size_t below(std::mt19937_64& rng, std::size_t n) { return n == 0 ? 0 : static_cast<std::size_t>(rng() % n); }

Bytes random_bytes(std::mt19937_64& rng) {
  Bytes out(1 + below(rng, kMaxRandom));
  for (auto& b : out) b = static_cast<std::uint8_t>(rng());
  return out;
}

// Cuts `b` at up to three random points, as a TCP stream may arrive.
std::vector<Bytes> chunked(const Bytes& b, std::mt19937_64& rng) {
  std::vector<std::size_t> cuts{0, b.size()};
  for (std::size_t i = 0, n = 1 + below(rng, 3); i < n && b.size() > 1; ++i) cuts.push_back(1 + below(rng, b.size() - 1));
  std::ranges::sort(cuts);
  std::vector<Bytes> out;
  for (std::size_t i = 0; i + 1 < cuts.size(); ++i) {
    if (cuts[i] != cuts[i + 1]) out.emplace_back(b.begin() + static_cast<std::ptrdiff_t>(cuts[i]), b.begin() + static_cast<std::ptrdiff_t>(cuts[i + 1]));
  }
  return out;
}

// A few byte flips, insertions, deletions and duplications: near-valid input finds more parser
// bugs than pure noise.
Bytes mutated(Bytes b, std::mt19937_64& rng) {
  for (std::size_t i = 0, n = 1 + below(rng, 4); i < n; ++i) {
    switch (below(rng, 4)) {
      case 0:
        if (!b.empty()) b[below(rng, b.size())] ^= static_cast<std::uint8_t>(1u << below(rng, 8));
        break;
      case 1: b.insert(b.begin() + static_cast<std::ptrdiff_t>(below(rng, b.size() + 1)), static_cast<std::uint8_t>(rng())); break;
      case 2:
        if (!b.empty()) b.erase(b.begin() + static_cast<std::ptrdiff_t>(below(rng, b.size())));
        break;
      default:
        if (!b.empty() && b.size() < kMaxFileBytes) {
          const auto from = below(rng, b.size());
          const auto len = 1 + below(rng, std::min<std::size_t>(b.size() - from, 64));
          const Bytes piece(b.begin() + static_cast<std::ptrdiff_t>(from), b.begin() + static_cast<std::ptrdiff_t>(from + len));
          b.insert(b.begin() + static_cast<std::ptrdiff_t>(below(rng, b.size() + 1)), piece.begin(), piece.end());
        }
    }
  }
  return b;
}

}  // namespace

std::expected<InputSource, std::string> InputSource::load(const std::filesystem::path& corpus_dir) {
  InputSource source;
  if (corpus_dir.empty()) return source;
  std::error_code ec;
  std::vector<std::filesystem::path> files;
  for (std::filesystem::recursive_directory_iterator it(corpus_dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->is_regular_file(ec) && it->file_size(ec) <= kMaxFileBytes && files.size() < kMaxFiles) files.push_back(it->path());
  }
  if (ec) return std::unexpected("cannot read corpus folder " + corpus_dir.string() + ": " + ec.message());
  std::ranges::sort(files);  // the same seed replays the same run
  for (const auto& f : files) {
    std::ifstream in(f, std::ios::binary);
    Bytes b{std::istreambuf_iterator<char>(in), {}};
    if (!b.empty()) source.corpus_.push_back(std::move(b));
  }
  if (source.corpus_.empty()) return std::unexpected("corpus folder " + corpus_dir.string() + " has no files");
  return source;
}

std::vector<Bytes> InputSource::next(std::mt19937_64& rng) const {
  const auto roll = below(rng, 10);
  if (corpus_.empty() || roll >= 8) {
    return {rng() % 2 == 0 ? text(rng, kMaxRandom) : random_bytes(rng)};
  }
  const Bytes& file = corpus_[below(rng, corpus_.size())];
  if (roll < 3) return {file};
  if (roll < 5) return chunked(file, rng);
  return {mutated(file, rng)};
}

std::vector<Bytes> InputSource::opening(std::mt19937_64& rng) const {
  if (corpus_.empty()) return {};
  return {corpus_[below(rng, corpus_.size())]};
}

Bytes InputSource::text(std::mt19937_64& rng, std::size_t max_len) {
  // Mostly letters and digits, with the separators text protocols split on.
  static constexpr char kAlphabet[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789  \t\r\n{}[]\":,/+#";
  Bytes out(1 + below(rng, max_len));
  for (auto& b : out) b = static_cast<std::uint8_t>(kAlphabet[below(rng, sizeof(kAlphabet) - 1)]);
  return out;
}

}  // namespace codec_check
