// The host function table the checker hands to a codec: the same shape as the real host's
// (host/session/host_api.cpp) but every function first verifies the call — right thread, inside a
// hook of that very session, not after close, valid arguments — and records what it saw instead of
// talking to EMQX.
#pragma once

#include <exproto/codec_abi.h>

namespace codec_check {

// Session handles given to the codec must be SessionSlot addresses owned by a Checker; codec
// handles must be exproto::host::CodecInstance addresses (what CodecInstance::create passes).
const exproto_host_api* checking_host_api();

}  // namespace codec_check
