/* Allocates a receive buffer per session and never frees it. */
#include "bad_codec.h"

static exproto_type_status buffering_open(exproto_type_codec_codec_ptr codec, exproto_type_session_host_ptr handle,
                                          exproto_type_str conn, const exproto_type_conninfo* info,
                                          exproto_type_session_codec_ptr* out) {
  (void)codec, (void)conn, (void)info;
  bad_session* s = (bad_session*)calloc(1, 512);
  if (s == NULL) return EXPROTO_STATUS_ERROR;
  s->handle = handle;
  *out = s;
  return EXPROTO_STATUS_OK;
}

static void forgetful_close(exproto_type_session_codec_ptr state, exproto_type_str reason) { (void)state, (void)reason; }

BAD_CODEC("leaks_state", buffering_open, forgetful_close, bad_bytes)
