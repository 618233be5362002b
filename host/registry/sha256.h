// SHA-256 (FIPS 180-4), incremental. The registry reports the digest of each loaded codec so an
// operator can tell which build is running; written here so the host core needs no crypto library.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace exproto::host {

class Sha256 {
 public:
  Sha256();
  void update(std::span<const std::byte> data);
  // Finishes the digest; the object must not be updated afterwards.
  std::array<uint8_t, 32> finish();
  // finish() as 64 lower-case hex digits.
  std::string finish_hex();

 private:
  void compress(const uint8_t* block);

  std::array<uint32_t, 8> state_;
  std::array<uint8_t, 64> block_{};
  std::size_t block_len_ = 0;
  uint64_t total_len_ = 0;
};

}  // namespace exproto::host
