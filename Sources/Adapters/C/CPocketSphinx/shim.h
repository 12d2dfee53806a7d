#ifndef VOICEGW_CPOCKETSPHINX_SHIM_H
#define VOICEGW_CPOCKETSPHINX_SHIM_H
#include <pocketsphinx.h>
#include <fsg_model.h>
#include <stddef.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

/// Sets the calling thread's nice value (Linux: a per-thread attribute). Returns 0 or -1 (errno).
static inline int vgw_set_thread_nice(int nice) {
    return setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), nice);
}

/// The calling thread's nice value.
static inline int vgw_thread_nice(void) {
    return getpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid));
}

/// Creates a decoder from an acoustic model directory and a dictionary, with an optional n-gram language
/// model (NULL for none). Logging goes to /dev/null. Returns NULL on failure.
/// `kind` 1 (grammar) selects the wide beams grammar recognition needs on telephone speech (the default
/// beams often end a grammar search without reaching its final state); 1 and 2 (phone loop, default
/// beams) turn off the second pass, which can return word sequences a grammar does not allow, and
/// score every senone so that the two searches' path scores compare, and normalise the cepstrum over each
/// utterance alone, with no noise or silence removal (`-cmn batch`, `-remove_noise no`,
/// `-remove_silence no`: the live mean and the noise estimate carry over from one utterance to the next,
/// so the same audio scored differently on a decoder with another history).
/// (cmd_ln_init is variadic and cannot be called from Swift; cmd_ln_parse_r takes an argv.)
static inline ps_decoder_t *vgw_ps_create(const char *hmm, const char *dict, const char *lm, int kind) {
    const char *args[32];
    int n = 0;
    args[n++] = "-hmm"; args[n++] = hmm;
    args[n++] = "-dict"; args[n++] = dict;
    args[n++] = "-logfn"; args[n++] = "/dev/null";
    if (lm != NULL) { args[n++] = "-lm"; args[n++] = lm; }
    if (kind == 1 || kind == 2) {
        args[n++] = "-bestpath"; args[n++] = "no";
        args[n++] = "-compallsen"; args[n++] = "yes";
        args[n++] = "-cmn"; args[n++] = "batch";
        args[n++] = "-remove_noise"; args[n++] = "no";
        args[n++] = "-remove_silence"; args[n++] = "no";
    }
    if (kind == 1) {
        args[n++] = "-beam"; args[n++] = "1e-100";
        args[n++] = "-wbeam"; args[n++] = "1e-80";
        args[n++] = "-pbeam"; args[n++] = "1e-100";
        args[n++] = "-maxhmmpf"; args[n++] = "-1";
    }
    cmd_ln_t *config = cmd_ln_parse_r(NULL, ps_args(), n, (char **)args, FALSE);
    if (config == NULL) return NULL;
    ps_decoder_t *decoder = ps_init(config);
    cmd_ln_free_r(config);
    return decoder;
}

/// Loads a finite-state grammar from an FSG text file (`FSG_BEGIN ... FSG_END`) as search `name`.
/// sphinxbase's JSGF compiler is not used: it drops weights and links `+` loops back to the rule start.
/// Returns 0 on success.
/// Transition probabilities are weighted with the decoder's language weight (`-lw`, 6.5 by default), as
/// pocketsphinx does for its own grammars: with weight 1 a phone loop's transitions cost next to nothing
/// and it outscores every sentence.
static inline int vgw_ps_set_fsg_file(ps_decoder_t *decoder, const char *name, const char *path) {
    fsg_model_t *fsg = fsg_model_readfile(path, ps_get_logmath(decoder), cmd_ln_float32_r(ps_get_config(decoder), "-lw"));
    if (fsg == NULL) return -1;
    int status = ps_set_fsg(decoder, name, fsg);
    fsg_model_free(fsg);
    return status;
}
#endif
