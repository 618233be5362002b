// The codec signature file and trusted-key parsers on arbitrary text (a .sig file lies beside the
// codec in the plugins folder; keys come from the config). What parses must survive formatting
// and parsing again, and errors stay one line naming the line they are about.
// The first input byte picks the parser; the rest is the text.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_check.h"
#include "fuzz_input.h"
#include "host/registry/codec_signature.h"

using exproto::host::fuzz::require;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  exproto::host::fuzz::Input in(data, size);
  const bool key = (in.byte() & 1) != 0;
  const std::string text = in.rest();
  if (key) {
    const auto parsed = exproto::host::parse_public_key(text);
    if (parsed) {
      require(exproto::host::parse_public_key(exproto::host::format_public_key(*parsed)) == parsed,
              "a key does not survive format + parse:", text);
    }
    return 0;
  }
  const auto sig = exproto::host::parse_signature_file(text);
  if (!sig) {
    require(sig.error().starts_with("line ") && sig.error().find('\n') == std::string::npos,
            "signature error is not one line naming a line:", sig.error());
    return 0;
  }
  require(sig->sha256.size() == 64 && sig->signature.size() == 64, "accepted a signature of the wrong size");
  const auto again = exproto::host::parse_signature_file(exproto::host::format_signature_file(*sig));
  require(again && again->sha256 == sig->sha256 && again->signature == sig->signature,
          "a signature file does not survive format + parse:", text);
  return 0;
}
