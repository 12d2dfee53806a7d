#ifndef VOICEGW_CPOCKETSPHINX_SHIM_H
#define VOICEGW_CPOCKETSPHINX_SHIM_H
#include <pocketsphinx.h>
#endif
