// A C++ codec written without the SDK: an exception escapes on_session_bytes.
#include <stdexcept>

#include "bad_codec.h"

namespace {

exproto_type_status throwing_bytes(exproto_type_session_codec_ptr, exproto_type_bytes) {
  throw std::runtime_error("parse error");
}

}  // namespace

extern "C" {
BAD_CODEC("throws_in_bytes", bad_open, bad_close, throwing_bytes)
}
