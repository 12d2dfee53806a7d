#ifndef VOICEGW_CHIREDIS_SHIM_H
#define VOICEGW_CHIREDIS_SHIM_H
// Debian 12 ships hiredis 0.14.1: no hiredis_ssl, so `rediss://` (TLS) is refused by the adapter's
// configuration parser. The variadic redisCommand cannot be called from Swift; use redisCommandArgv.
#include <hiredis/hiredis.h>

/// The reply type constants are macros; these make them visible to Swift as functions with stable types.
static inline int voicegw_redis_reply_string(void) { return REDIS_REPLY_STRING; }
static inline int voicegw_redis_reply_array(void) { return REDIS_REPLY_ARRAY; }
static inline int voicegw_redis_reply_integer(void) { return REDIS_REPLY_INTEGER; }
static inline int voicegw_redis_reply_nil(void) { return REDIS_REPLY_NIL; }
static inline int voicegw_redis_reply_status(void) { return REDIS_REPLY_STATUS; }
static inline int voicegw_redis_reply_error(void) { return REDIS_REPLY_ERROR; }
#endif
