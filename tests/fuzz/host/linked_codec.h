// The test codec of host_fuzz_events, linked into the fuzzer instead of loaded from a file: its
// entry function is what linked_codec_library.cpp hands to the host as "the loaded library".
#pragma once

#include <exproto/codec_abi.h>

extern "C" const exproto_codec_descriptor* exproto_codec_entry_v1(const exproto_host_api* host);
