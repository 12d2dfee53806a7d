import AudioCodecs
import Domain

/// Caller audio of any rate into the daemon's 20 ms frames of 16 kHz PCM16: 16 kHz as is, 8 kHz through
/// the half-band upsampler, anything else through libsamplerate; odd-sized chunks are re-cut to 320.
struct InboundFramer {
    private var pending: [Int16] = []
    private var upsampler = Upsampler2x()
    private var converter: SampleRateConverter?

    /// Adds `samples` at `rate`; calls `emit` for each complete 16 kHz frame.
    mutating func append(_ samples: [Int16], rate: Int, emit: (AudioFrame) -> Void) {
        let wide: [Int16]
        switch rate {
        case 16_000: wide = samples
        case 8_000: wide = upsampler.process(samples)
        default:
            if converter?.inputRate != rate { converter = SampleRateConverter(from: rate, to: 16_000) }
            wide = converter?.process(samples) ?? []
        }
        if pending.isEmpty, wide.count == 320 {
            emit(AudioFrame(samples: wide, sampleRate: 16_000))
            return
        }
        pending += wide
        var offset = 0
        while pending.count - offset >= 320 {
            emit(AudioFrame(samples: Array(pending[offset..<(offset + 320)]), sampleRate: 16_000))
            offset += 320
        }
        if offset > 0 { pending.removeFirst(offset) }
    }
}
