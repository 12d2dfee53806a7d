#ifndef VOICEGW_CESPEAKNG_SHIM_H
#define VOICEGW_CESPEAKNG_SHIM_H
#include <espeak-ng/speak_lib.h>
#include <stddef.h>
#include <string.h>

/// espeak_Synth over UTF-8 text from the start, characters positions (keeps enum types out of Swift).
static inline int vgw_espeak_synth(const char *text, void *user_data) {
    unsigned int identifier = 0;
    return (int)espeak_Synth(text, strlen(text) + 1, 0, POS_CHARACTER, 0, espeakCHARS_UTF8, &identifier, user_data);
}

/// Initialises espeak-ng for synchronous synthesis; returns the sample rate, or -1.
static inline int vgw_espeak_init(void) {
    return espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 200, NULL, 0);
}

static inline int vgw_espeak_set_rate(int words_per_minute) {
    return (int)espeak_SetParameter(espeakRATE, words_per_minute, 0);
}

static inline int vgw_espeak_set_voice(const char *name) {
    return (int)espeak_SetVoiceByName(name);
}
#endif
