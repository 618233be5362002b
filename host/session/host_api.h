// The exproto_host_api table handed to codecs: C trampolines into Session and CodecInstance.
#pragma once

#include <exproto/codec_abi.h>

namespace exproto::host {

// A constant table (no state of its own): every entry resolves its target from the handle.
const exproto_host_api* host_api_table();

}  // namespace exproto::host
