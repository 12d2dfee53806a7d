/// G.711 and the any-rate converter live in AudioCodecs (shared with the speech-to-speech agents); users
/// of Media keep seeing them.
@_exported import AudioCodecs
