#ifndef VOICEGW_CSAMPLERATE_SHIM_H
#define VOICEGW_CSAMPLERATE_SHIM_H
#include <samplerate.h>
#endif
