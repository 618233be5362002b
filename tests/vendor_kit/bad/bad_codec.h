/* Shared parts of the misbehaving codecs exproto-codec-check is tested against. Each codec breaks
 * exactly one rule; apart from that it is a correct minimal codec: the instance keeps the host
 * table, each session a record with its handle. Valid C and C++. */
#ifndef EXPROTO_BAD_CODEC_H
#define EXPROTO_BAD_CODEC_H

#include <exproto/codec_abi.h>
#include <stdlib.h>
#include <string.h>

#define BAD_UNUSED __attribute__((unused))

typedef struct bad_codec {
  const exproto_host_api* host;
  exproto_type_session_host_ptr last_opened; /* handle of the session opened most recently */
  exproto_type_session_host_ptr last_closed; /* handle of the session closed most recently */
} bad_codec;

typedef struct bad_session {
  bad_codec* codec;
  exproto_type_session_host_ptr handle;
} bad_session;

static BAD_UNUSED exproto_type_str bad_str(const char* s) {
  exproto_type_str r = {s, strlen(s)};
  return r;
}

static BAD_UNUSED exproto_type_bytes bad_bytes_of(const char* s) {
  exproto_type_bytes r = {(const uint8_t*)s, strlen(s)};
  return r;
}

static BAD_UNUSED exproto_type_status bad_create(const exproto_host_api* host, exproto_type_codec_host_ptr host_codec,
                                                 exproto_type_str config, exproto_type_codec_codec_ptr* out) {
  (void)host_codec, (void)config;
  bad_codec* c = (bad_codec*)calloc(1, sizeof(bad_codec));
  if (c == NULL) return EXPROTO_STATUS_ERROR;
  c->host = host;
  *out = c;
  return EXPROTO_STATUS_OK;
}

static BAD_UNUSED void bad_destroy(exproto_type_codec_codec_ptr codec) { free(codec); }

static BAD_UNUSED exproto_type_status bad_open(exproto_type_codec_codec_ptr codec, exproto_type_session_host_ptr handle,
                                               exproto_type_str conn, const exproto_type_conninfo* info,
                                               exproto_type_session_codec_ptr* out) {
  (void)conn, (void)info;
  bad_session* s = (bad_session*)calloc(1, sizeof(bad_session));
  if (s == NULL) return EXPROTO_STATUS_ERROR;
  s->codec = (bad_codec*)codec;
  s->handle = handle;
  s->codec->last_opened = handle;
  *out = s;
  return EXPROTO_STATUS_OK;
}

static BAD_UNUSED void bad_close(exproto_type_session_codec_ptr state, exproto_type_str reason) {
  (void)reason;
  bad_session* s = (bad_session*)state;
  s->codec->last_closed = s->handle;
  free(s);
}

static BAD_UNUSED exproto_type_status bad_bytes(exproto_type_session_codec_ptr state, exproto_type_bytes data) {
  (void)state, (void)data;
  return EXPROTO_STATUS_OK;
}
static BAD_UNUSED exproto_type_status bad_messages(exproto_type_session_codec_ptr state, const exproto_type_message* m,
                                                   size_t n) {
  (void)state, (void)m, (void)n;
  return EXPROTO_STATUS_OK;
}
static BAD_UNUSED exproto_type_status bad_keepalive(exproto_type_session_codec_ptr state) {
  (void)state;
  return EXPROTO_STATUS_OK;
}
static BAD_UNUSED exproto_type_status bad_timer(exproto_type_session_codec_ptr state, uint64_t id, uint64_t tag) {
  (void)state, (void)id, (void)tag;
  return EXPROTO_STATUS_OK;
}
static BAD_UNUSED exproto_type_status bad_result(exproto_type_session_codec_ptr state, const exproto_type_call_result* r) {
  (void)state, (void)r;
  return EXPROTO_STATUS_OK;
}

/* The descriptor and entry point, with the given session hooks. */
#define BAD_CODEC(name, open, close, bytes)                                                                     \
  static const exproto_codec_descriptor bad_descriptor = {                                                     \
      sizeof(exproto_codec_descriptor), EXPROTO_ABI_MAJOR, EXPROTO_ABI_MINOR, name, "0.0.1", "Bad Codecs Inc", \
      bad_create, bad_destroy, open, close, bytes, bad_messages, bad_keepalive, bad_timer, bad_result};        \
  __attribute__((visibility("default"))) const exproto_codec_descriptor* exproto_codec_entry_v1(              \
      const exproto_host_api* host) {                                                                          \
    (void)host;                                                                                                \
    return &bad_descriptor;                                                                                    \
  }

#endif
