#ifndef VOICEGW_CPOCKETSPHINX_SHIM_H
#define VOICEGW_CPOCKETSPHINX_SHIM_H
#include <pocketsphinx.h>
#include <stddef.h>

/// Creates a decoder from an acoustic model directory and a dictionary, with an optional n-gram language
/// model (NULL for none). Logging goes to /dev/null. Returns NULL on failure.
/// (cmd_ln_init is variadic and cannot be called from Swift; cmd_ln_parse_r takes an argv.)
static inline ps_decoder_t *vgw_ps_create(const char *hmm, const char *dict, const char *lm) {
    const char *args[8];
    int n = 0;
    args[n++] = "-hmm"; args[n++] = hmm;
    args[n++] = "-dict"; args[n++] = dict;
    args[n++] = "-logfn"; args[n++] = "/dev/null";
    if (lm != NULL) { args[n++] = "-lm"; args[n++] = lm; }
    cmd_ln_t *config = cmd_ln_parse_r(NULL, ps_args(), n, (char **)args, FALSE);
    if (config == NULL) return NULL;
    ps_decoder_t *decoder = ps_init(config);
    cmd_ln_free_r(config);
    return decoder;
}
#endif
