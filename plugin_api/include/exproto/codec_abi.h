/*
 * exproto-host codec ABI — the only contract between the host and a codec shared library.
 *
 * COMPATIBILITY POLICY
 *   - EXPROTO_ABI_MAJOR changes only on an incompatible change; the host refuses a codec whose
 *     major differs from its own.
 *   - EXPROTO_ABI_MINOR grows when something is appended. A codec built for minor N loads on any
 *     host with minor >= N. A host also loads codecs with a newer minor, using only what it knows.
 *   - Within a major everything is append-only: structs grow at their end, enum values are only
 *     added, released signatures never change (a changed function gets a new `_v2` name).
 *   - Every struct that crosses the boundary starts with `struct_size`. A reader uses a field only
 *     if `struct_size` covers it (EXPROTO_ABI_HAS_FIELD).
 *
 * NAMING
 *   exproto_type_*       plain data types and handles
 *   exproto_on_*         hooks a codec implements (pointer types stored in the descriptor)
 *   exproto_host_*       functions the host implements (pointer types stored in the host API table)
 *   *_codec_ptr          an opaque pointer owned by the codec; the host only passes it back
 *   *_host_ptr           an opaque pointer owned by the host; the codec only passes it back
 *
 * THREADING
 *   - exproto_codec_entry_v1, on_codec_create and on_codec_destroy run on the host's control thread.
 *   - Session hooks (on_session_*) of one session never run concurrently and run in the order the
 *     events happened; hooks of different sessions run in parallel on the host's worker pool, so a
 *     codec instance shared by sessions must be safe to read from several threads.
 *   - A host function that takes an exproto_type_session_host_ptr may only be called from inside a
 *     hook of that same session, on the thread that runs the hook.
 *   - Hot reload (ABI 1.1): two generations (loads) of one codec may be loaded at once, each with
 *     its own instances. A session moves between them only through on_session_export (old
 *     generation) and on_session_import (new generation), called between two of its events like
 *     any other session hook; an instance of a retired generation is destroyed on the control
 *     thread once none of its sessions is left, and then its library is unloaded.
 *
 * MEMORY
 *   - Every pointer passed into a hook or host function is borrowed for the duration of that call
 *     only. Copy what you keep. Nothing allocated on one side is freed on the other.
 *   - Strings are exproto_type_str views: not NUL-terminated, may contain any bytes.
 *
 * ERRORS
 *   Nothing crosses the boundary as a C++ exception, longjmp or signal. Hooks return an
 *   exproto_type_status; a non-OK status from a session hook makes the host close that one
 *   connection, log the status and count it.
 */
#ifndef EXPROTO_CODEC_ABI_H
#define EXPROTO_CODEC_ABI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define EXPROTO_ABI_MAJOR 1
#define EXPROTO_ABI_MINOR 1

/** The one symbol a codec library exports. */
#define EXPROTO_CODEC_ENTRY_SYMBOL "exproto_codec_entry_v1"

/** True when a struct whose first member is `struct_size` is large enough to hold `field`. */
#define EXPROTO_ABI_HAS_FIELD(ptr, type, field) \
  ((ptr) != NULL && (size_t)(ptr)->struct_size >= offsetof(type, field) + sizeof(((type*)0)->field))

/* ------------------------------------------------------------------------------------------ */
/* Plain types                                                                                 */
/* ------------------------------------------------------------------------------------------ */

/** Status of a hook. Values 1..999 are reserved for the host; a codec may use 1000 and above for
 *  its own reasons (the host logs the number). */
typedef int32_t exproto_type_status;
#define EXPROTO_STATUS_OK 0
#define EXPROTO_STATUS_ERROR 1          /* generic failure; details were logged by the codec */
#define EXPROTO_STATUS_INVALID_INPUT 2  /* the device sent something the codec cannot parse */
#define EXPROTO_STATUS_LIMIT 3          /* a codec-side bound (buffer, count) was exceeded */
#define EXPROTO_STATUS_UNSUPPORTED 4    /* the hook does not support this request */

/** A borrowed byte string; `ptr` may be NULL when `len` is 0. */
typedef struct exproto_type_str {
  const char* ptr;
  size_t len;
} exproto_type_str;

/** Borrowed bytes; `ptr` may be NULL when `len` is 0. */
typedef struct exproto_type_bytes {
  const uint8_t* ptr;
  size_t len;
} exproto_type_bytes;

/** Log levels, in increasing severity. */
typedef enum exproto_type_log_level {
  EXPROTO_LOG_TRACE = 0,
  EXPROTO_LOG_DEBUG = 1,
  EXPROTO_LOG_INFO = 2,
  EXPROTO_LOG_WARN = 3,
  EXPROTO_LOG_ERROR = 4
} exproto_type_log_level;

/** Device socket type, same values as ExProto's SocketType. */
typedef enum exproto_type_socktype {
  EXPROTO_SOCK_TCP = 0,
  EXPROTO_SOCK_SSL = 1,
  EXPROTO_SOCK_UDP = 2,
  EXPROTO_SOCK_DTLS = 3
} exproto_type_socktype;

/** What the gateway knows about a device connection when it opens.
 *  OWNERSHIP: host; valid during on_session_open only. */
typedef struct exproto_type_conninfo {
  uint32_t struct_size;
  int32_t socktype; /* exproto_type_socktype */
  exproto_type_str peer_host;
  uint32_t peer_port;
  exproto_type_str sock_host;
  uint32_t sock_port;
  exproto_type_str cert_cn; /* empty when no client certificate */
  exproto_type_str cert_dn;
} exproto_type_conninfo;

/** Identity presented to EMQX's Authenticate. `clientid` should be non-empty and unique: EMQX
 *  discards an older connection that authenticates with the same client id.
 *  OWNERSHIP: caller; valid during the host call only. */
typedef struct exproto_type_clientinfo {
  uint32_t struct_size;
  exproto_type_str proto_name;
  exproto_type_str proto_ver;
  exproto_type_str clientid;
  exproto_type_str username;
  exproto_type_str mountpoint; /* ignored by EMQX 5.1+ */
} exproto_type_clientinfo;

/** A message EMQX delivers to the device's subscriptions.
 *  OWNERSHIP: host; valid during on_session_messages only. */
typedef struct exproto_type_message {
  uint32_t struct_size;
  exproto_type_str node;
  exproto_type_str id;
  uint32_t qos;
  exproto_type_str from;
  exproto_type_str topic;
  exproto_type_bytes payload;
  uint64_t timestamp_ms;
} exproto_type_message;

/** Which host call a result belongs to. */
typedef enum exproto_type_call_kind {
  EXPROTO_CALL_SEND = 0,
  EXPROTO_CALL_CLOSE = 1,
  EXPROTO_CALL_AUTHENTICATE = 2,
  EXPROTO_CALL_START_KEEPALIVE = 3,
  EXPROTO_CALL_PUBLISH = 4,
  EXPROTO_CALL_SUBSCRIBE = 5,
  EXPROTO_CALL_UNSUBSCRIBE = 6,
  EXPROTO_CALL_RAW_PUBLISH = 7
} exproto_type_call_kind;

/** Result codes. 0..5 are EMQX's ResultCode exactly; 100 and above are produced by the host when
 *  EMQX could not give an answer. */
#define EXPROTO_RESULT_SUCCESS 0
#define EXPROTO_RESULT_UNKNOWN 1
#define EXPROTO_RESULT_CONN_PROCESS_NOT_ALIVE 2
#define EXPROTO_RESULT_REQUIRED_PARAMS_MISSED 3
#define EXPROTO_RESULT_PARAMS_TYPE_ERROR 4
#define EXPROTO_RESULT_PERMISSION_DENY 5
#define EXPROTO_RESULT_HOST_UNAVAILABLE 100 /* EMQX's ConnectionAdapter unreachable or gRPC error */
#define EXPROTO_RESULT_HOST_DEADLINE 101    /* no answer within the configured deadline */

/** The outcome of one host call that went to EMQX.
 *  OWNERSHIP: host; valid during on_session_result only. */
typedef struct exproto_type_call_result {
  uint32_t struct_size;
  uint64_t request_id; /* as returned by the host function */
  int32_t kind;        /* exproto_type_call_kind */
  int32_t code;        /* EXPROTO_RESULT_* */
  exproto_type_str message; /* EMQX's message (Erlang-formatted; log it, do not parse it) */
} exproto_type_call_result;

/** Opaque handles. */
typedef void* exproto_type_codec_codec_ptr;   /* a codec instance, created by on_codec_create */
typedef void* exproto_type_session_codec_ptr; /* one connection's codec state */
typedef void* exproto_type_codec_host_ptr;    /* the host's record of a codec instance */
typedef void* exproto_type_session_host_ptr;  /* the host's record of a connection */

/* ------------------------------------------------------------------------------------------ */
/* Host functions (called by the codec)                                                        */
/* ------------------------------------------------------------------------------------------ */

/** Calls that reach EMQX return at once. The return value is a request id (> 0) whose result later
 *  arrives through on_session_result on the same session, in the order the calls were made; EMQX
 *  also receives the calls of one session in that order. 0 means the host refused the call without
 *  sending it (session closing, bad argument, too many calls pending); the reason was logged.
 *  In a route that runs the codec in a child process (routes[].isolation = "process") the id is
 *  handed out before the host sees the call: a call the host then refuses for one of its limits
 *  (calls pending, queued bytes, host memory, session closing) keeps its id, and its result
 *  arrives in its turn with EXPROTO_RESULT_HOST_UNAVAILABLE and a message naming the limit; a bad
 *  argument (qos > 2) still returns 0. Handle both, and a codec works the same in either route.
 *  THREADING: only from inside a hook of `session`. */

/** Sends bytes to the device socket. */
typedef uint64_t (*exproto_host_send)(exproto_type_session_host_ptr session, exproto_type_bytes data);

/** Asks EMQX to close the device socket. Events already queued are still delivered, then
 *  on_session_close. */
typedef uint64_t (*exproto_host_close)(exproto_type_session_host_ptr session);

/** Authenticates the connection with EMQX (clientinfo + password). */
typedef uint64_t (*exproto_host_authenticate)(exproto_type_session_host_ptr session,
                                              const exproto_type_clientinfo* clientinfo,
                                              exproto_type_str password);

/** Starts EMQX's keepalive check for this connection: EMQX closes it when no bytes arrive from the
 *  device for about 1.5 × `interval_s` and calls on_session_keepalive_timeout first. */
typedef uint64_t (*exproto_host_start_keepalive)(exproto_type_session_host_ptr session,
                                                 uint32_t interval_s);

/** Publishes as the authenticated client (EMQX checks authorization, applies the mountpoint). */
typedef uint64_t (*exproto_host_publish)(exproto_type_session_host_ptr session, exproto_type_str topic,
                                         uint32_t qos, exproto_type_bytes payload);

/** Publishes without client identity, authorization or mountpoint (EMQX 5.1+). */
typedef uint64_t (*exproto_host_raw_publish)(exproto_type_session_host_ptr session,
                                             exproto_type_str topic, uint32_t qos,
                                             exproto_type_bytes payload);

/** Subscribes the authenticated client to a topic filter. */
typedef uint64_t (*exproto_host_subscribe)(exproto_type_session_host_ptr session,
                                           exproto_type_str topic_filter, uint32_t qos);

/** Removes a subscription. */
typedef uint64_t (*exproto_host_unsubscribe)(exproto_type_session_host_ptr session,
                                             exproto_type_str topic_filter);

/** The longest delay timer_start accepts: 30 days. A longer one (e.g. UINT64_MAX as "never") is
 *  refused, never shortened or wrapped into one that fires at once. */
#define EXPROTO_TIMER_MAX_DELAY_MS ((uint64_t)2592000000u)

/** Starts a host timer that fires once, after `delay_ms`, as on_session_timer with `tag`, in
 *  order with the session's other events. Returns a timer id > 0, or 0 when refused (too many
 *  timers, or `delay_ms` above EXPROTO_TIMER_MAX_DELAY_MS; the host logs which). Timers end with
 *  the session. THREADING: only from inside a hook of `session`. */
typedef uint64_t (*exproto_host_timer_start)(exproto_type_session_host_ptr session, uint64_t delay_ms,
                                             uint64_t tag);

/** Cancels a timer; returns false when it already fired or does not exist. A cancelled timer never
 *  fires. THREADING: only from inside a hook of `session`. */
typedef bool (*exproto_host_timer_cancel)(exproto_type_session_host_ptr session, uint64_t timer_id);

/** Logs a line attributed to the codec instance. THREADING: any thread. During on_codec_create the
 *  last WARN or ERROR line becomes the reason shown when creation fails. */
typedef void (*exproto_host_log)(exproto_type_codec_host_ptr codec, int32_t level, exproto_type_str msg);

/** Logs a line attributed to a session (the host adds codec name and conn).
 *  THREADING: only from inside a hook of `session`. */
typedef void (*exproto_host_session_log)(exproto_type_session_host_ptr session, int32_t level,
                                         exproto_type_str msg);

/** The table of host functions, passed to the entry function. Append-only.
 *  OWNERSHIP: host; valid for as long as the library stays loaded. */
typedef struct exproto_host_api {
  uint32_t struct_size;
  uint32_t abi_major;
  uint32_t abi_minor;
  const char* host_version; /* NUL-terminated */
  exproto_host_log log;
  exproto_host_session_log session_log;
  exproto_host_send send;
  exproto_host_close close;
  exproto_host_authenticate authenticate;
  exproto_host_start_keepalive start_keepalive;
  exproto_host_publish publish;
  exproto_host_raw_publish raw_publish;
  exproto_host_subscribe subscribe;
  exproto_host_unsubscribe unsubscribe;
  exproto_host_timer_start timer_start;
  exproto_host_timer_cancel timer_cancel;
} exproto_host_api;

/* ------------------------------------------------------------------------------------------ */
/* Codec hooks (called by the host)                                                            */
/* ------------------------------------------------------------------------------------------ */

/** Creates a codec instance for one route's configuration.
 *  @param host        the host function table (same as given to the entry); keep it in the
 *                     instance rather than in a global, so that two loads never share state.
 *  @param host_codec  handle for exproto_host_log; stays valid until on_codec_destroy returns.
 *  @param config_json the route's "config" object as JSON text.
 *  @param out_codec   receives the instance on EXPROTO_STATUS_OK.
 *  THREADING: control thread. */
typedef exproto_type_status (*exproto_on_codec_create)(const struct exproto_host_api* host,
                                                       exproto_type_codec_host_ptr host_codec,
                                                       exproto_type_str config_json,
                                                       exproto_type_codec_codec_ptr* out_codec);

/** Destroys an instance once none of its sessions is left. THREADING: control thread. */
typedef void (*exproto_on_codec_destroy)(exproto_type_codec_codec_ptr codec);

/** A device connection opened (EMQX's OnSocketCreated).
 *  @param session   host handle, valid until on_session_close returns.
 *  @param conn      EMQX's opaque connection id.
 *  @param out_state receives the session state on EXPROTO_STATUS_OK; on failure the host closes
 *                   the connection and does not call on_session_close. */
typedef exproto_type_status (*exproto_on_session_open)(exproto_type_codec_codec_ptr codec,
                                                       exproto_type_session_host_ptr session,
                                                       exproto_type_str conn,
                                                       const exproto_type_conninfo* conninfo,
                                                       exproto_type_session_codec_ptr* out_state);

/** The connection is gone; free the session state. Called exactly once per opened session, also
 *  when the host closes it after a failing hook. `reason` is EMQX's close reason (e.g.
 *  "{shutdown,tcp_closed}") or a host reason starting with "host:". Of the host functions only
 *  session_log may be called from this hook. */
typedef void (*exproto_on_session_close)(exproto_type_session_codec_ptr state, exproto_type_str reason);

/** Bytes arrived from the device: one socket read (TCP: arbitrary chunking) or one datagram. */
typedef exproto_type_status (*exproto_on_session_bytes)(exproto_type_session_codec_ptr state,
                                                        exproto_type_bytes data);

/** EMQX delivers `count` messages for the device's subscriptions. */
typedef exproto_type_status (*exproto_on_session_messages)(exproto_type_session_codec_ptr state,
                                                           const exproto_type_message* messages,
                                                           size_t count);

/** EMQX's keepalive expired. EMQX already closed the socket: bytes sent now are not delivered. */
typedef exproto_type_status (*exproto_on_session_keepalive_timeout)(exproto_type_session_codec_ptr state);

/** A host timer started by this session fired. */
typedef exproto_type_status (*exproto_on_session_timer)(exproto_type_session_codec_ptr state,
                                                        uint64_t timer_id, uint64_t tag);

/** The result of an earlier host call of this session. */
typedef exproto_type_status (*exproto_on_session_result)(exproto_type_session_codec_ptr state,
                                                         const exproto_type_call_result* result);

/* ---- ABI 1.1: session migration for hot reload (optional hooks) ---------------------------- */

/** Appends `chunk` to the exported state. Returns false when the host refuses more bytes (the
 *  state is over its size bound); the export hook should then return EXPROTO_STATUS_LIMIT.
 *  THREADING: only from inside on_session_export, with the writer it was given. */
typedef bool (*exproto_host_state_write)(exproto_type_codec_host_ptr writer, exproto_type_bytes chunk);

/** A host-owned byte sink for on_session_export.
 *  OWNERSHIP: host; valid during on_session_export only. */
typedef struct exproto_type_state_writer {
  uint32_t struct_size;
  exproto_type_codec_host_ptr writer; /* pass back to `write` */
  exproto_host_state_write write;
} exproto_type_state_writer;

/** Hot reload: write the session's state as bytes, so that the next generation of this codec can
 *  continue the session (on_session_import). The state stays valid and owned by this generation:
 *  when the import succeeds the host then calls on_session_close(state, "host:migrated"), which
 *  must free it without acting; when export or import fails the session simply continues here.
 *  Put a schema version of your own inside the bytes. Host functions may not be called.
 *  THREADING: like every session hook, between two events of that session. */
typedef exproto_type_status (*exproto_on_session_export)(exproto_type_session_codec_ptr state,
                                                         const exproto_type_state_writer* writer);

/** Hot reload: continue a session another generation exported. Like on_session_open (same
 *  `session` handle and conn, the conninfo of the original open) but from `state_bytes`; the
 *  session's pending request ids and timer ids stay valid and their results and firings arrive
 *  here afterwards. On a non-OK status the host keeps the session on the old generation and does
 *  not call on_session_close for this one. Host functions may be called, as in on_session_open. */
typedef exproto_type_status (*exproto_on_session_import)(exproto_type_codec_codec_ptr codec,
                                                         exproto_type_session_host_ptr session,
                                                         exproto_type_str conn,
                                                         const exproto_type_conninfo* conninfo,
                                                         exproto_type_bytes state_bytes,
                                                         exproto_type_session_codec_ptr* out_state);

/** What a codec library is. Every hook up to on_session_result is required; hooks appended in
 *  later minors are optional (NULL, or absent from a smaller struct_size, means "not supported").
 *  OWNERSHIP: codec (normally static data); must stay valid while the library is loaded. */
typedef struct exproto_codec_descriptor {
  uint32_t struct_size;
  uint32_t abi_major; /* EXPROTO_ABI_MAJOR the codec was built with */
  uint32_t abi_minor; /* EXPROTO_ABI_MINOR the codec was built with */
  const char* name;    /* NUL-terminated; [a-z0-9_-]{1,64}; routes refer to it */
  const char* version; /* NUL-terminated, free form (semver advised) */
  const char* vendor;  /* NUL-terminated, free form */
  exproto_on_codec_create on_codec_create;
  exproto_on_codec_destroy on_codec_destroy;
  exproto_on_session_open on_session_open;
  exproto_on_session_close on_session_close;
  exproto_on_session_bytes on_session_bytes;
  exproto_on_session_messages on_session_messages;
  exproto_on_session_keepalive_timeout on_session_keepalive_timeout;
  exproto_on_session_timer on_session_timer;
  exproto_on_session_result on_session_result;
  /* ABI 1.1 — optional; a session migrates only when the old generation has on_session_export
   * and the new one has on_session_import. */
  exproto_on_session_export on_session_export;
  exproto_on_session_import on_session_import;
} exproto_codec_descriptor;

/** The entry point: the only symbol a codec exports (EXPROTO_CODEC_ENTRY_SYMBOL). Called once per
 *  load, before anything else. The codec keeps `host` (it stays valid while loaded) and returns its
 *  descriptor, or NULL when it cannot work with this host (it may log why through host->log with a
 *  NULL codec handle).
 *  THREADING: control thread. */
typedef const exproto_codec_descriptor* (*exproto_codec_entry_fn)(const exproto_host_api* host);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* EXPROTO_CODEC_ABI_H */
