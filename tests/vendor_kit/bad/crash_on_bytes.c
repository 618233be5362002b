/* Dies on the first bytes, as a parser with an out-of-bounds read would. */
#include <signal.h>

#include "bad_codec.h"

static exproto_type_status crashing_bytes(exproto_type_session_codec_ptr state, exproto_type_bytes data) {
  (void)state, (void)data;
  raise(SIGSEGV);
  return EXPROTO_STATUS_OK;
}

BAD_CODEC("crash_on_bytes", bad_open, bad_close, crashing_bytes)
