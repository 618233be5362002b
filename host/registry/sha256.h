// SHA-256, incremental, through OpenSSL's EVP interface (SHA-NI or AVX2 code where the CPU has
// it: a 20 MB codec hashes in a few milliseconds, which matters for the reload path). The registry
// reports the digest of each loaded codec so an operator can tell which build is running.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

struct evp_md_ctx_st;

namespace exproto::host {

class Sha256 {
 public:
  Sha256();  // aborts if OpenSSL cannot give a SHA-256 context (out of memory, broken install)
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void update(std::span<const std::byte> data);
  // Finishes the digest; the object must not be updated afterwards.
  std::array<uint8_t, 32> finish();
  // finish() as 64 lower-case hex digits.
  std::string finish_hex();

 private:
  struct Free {
    void operator()(evp_md_ctx_st* ctx) const;
  };
  std::unique_ptr<evp_md_ctx_st, Free> ctx_;
};

}  // namespace exproto::host
