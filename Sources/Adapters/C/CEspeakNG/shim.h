#ifndef VOICEGW_CESPEAKNG_SHIM_H
#define VOICEGW_CESPEAKNG_SHIM_H
#include <espeak-ng/speak_lib.h>
#endif
