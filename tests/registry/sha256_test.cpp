#include <doctest/doctest.h>

#include <string>

#include "host/registry/sha256.h"

using exproto::host::Sha256;

namespace {
std::string hex(const std::string& data, std::size_t chunk = 1 << 20) {
  Sha256 h;
  for (std::size_t i = 0; i < data.size(); i += chunk) {
    const std::string_view part = std::string_view(data).substr(i, chunk);
    h.update({reinterpret_cast<const std::byte*>(part.data()), part.size()});
  }
  return h.finish_hex();
}
}  // namespace

TEST_CASE("sha256: FIPS 180-4 test vectors, whole and in odd chunks") {
  CHECK(hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  const std::string two_blocks = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
  CHECK(hex(two_blocks) == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  CHECK(hex(two_blocks, 7) == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  CHECK(hex(std::string(1000000, 'a'), 4097) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}
