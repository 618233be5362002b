// The location body (28-byte basic block + additional-information items) in EMQX's JSON, shared
// by 0x0200, 0x0201, 0x0500 and each item of 0x0704.
#pragma once

#include "body.hpp"

namespace jt808 {

/// Reads a location to the end of `r`.
Json decode_location(Reader& r, const BodyContext& ctx);
void encode_location(const Json& location, Writer& w, const BodyContext& ctx);

}  // namespace jt808
