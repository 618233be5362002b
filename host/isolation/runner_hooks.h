// The child side of an isolated codec: one thread per hook channel turns each hook frame into the
// codec's hook call and answers `done` with its status. Never returns: when the host's end closes
// the child has nothing left to do and exits.
#pragma once

#include <exproto/codec_abi.h>

#include "host/isolation/ipc_channel.h"

namespace exproto::host::runner {

[[noreturn]] void serve_hooks(ipc::Channel& channel, const exproto_codec_descriptor& codec,
                              exproto_type_codec_codec_ptr instance);

}  // namespace exproto::host::runner
