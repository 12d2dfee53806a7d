import COpus

/// An Opus decoder (RFC 6716) for RTP payloads (RFC 7587): always decodes at 48 kHz mono internally
/// clocked like the RTP timestamp, and hands out 16 kHz (Opus decodes at any of 8/12/16/24/48 kHz
/// natively, so no resampler is needed). Conceals loss with the codec's PLC, or with in-band FEC when
/// the next packet carries it.
public final class OpusDecoder: @unchecked Sendable {
    /// The rate the decoder produces.
    public let outputRate: Int
    private let decoder: OpaquePointer
    private var scratch: [Int16]

    /// nil if libopus cannot create a decoder at `outputRate` (8000, 12000, 16000, 24000 or 48000).
    public init?(outputRate: Int = 16_000) {
        var error: Int32 = 0
        guard [8_000, 12_000, 16_000, 24_000, 48_000].contains(outputRate),
            let decoder = opus_decoder_create(Int32(outputRate), 1, &error), error == OPUS_OK
        else { return nil }
        self.outputRate = outputRate
        self.decoder = decoder
        // 120 ms is the longest Opus packet.
        scratch = [Int16](repeating: 0, count: outputRate * 120 / 1000)
    }

    deinit { opus_decoder_destroy(decoder) }

    /// Decodes one packet; nil (and the decoder keeps its state) if the packet is not valid Opus.
    public func decode(_ payload: [UInt8]) -> [Int16]? {
        guard !payload.isEmpty, payload.count <= 1500 else { return nil }
        let capacity = Int32(scratch.count)
        let produced = payload.withUnsafeBufferPointer { input in
            scratch.withUnsafeMutableBufferPointer { output in
                opus_decode(decoder, input.baseAddress, Int32(input.count), output.baseAddress!, capacity, 0)
            }
        }
        guard produced > 0 else { return nil }
        return Array(scratch[0..<Int(produced)])
    }

    /// Conceals one lost frame of `duration`: with `next` (the packet after the gap) its in-band FEC
    /// data rebuilds the lost audio, otherwise the codec's packet loss concealment extrapolates.
    public func conceal(duration: Duration = .milliseconds(20), next: [UInt8]? = nil) -> [Int16] {
        let samples = Int32(Int64(outputRate) * duration.milliseconds / 1000)
        let count = min(samples, Int32(scratch.count))
        let produced: Int32 = scratch.withUnsafeMutableBufferPointer { output in
            if let next, !next.isEmpty {
                return next.withUnsafeBufferPointer { input in
                    opus_decode(decoder, input.baseAddress, Int32(input.count), output.baseAddress!, count, 1)
                }
            }
            return opus_decode(decoder, nil, 0, output.baseAddress!, count, 0)
        }
        guard produced > 0 else { return [Int16](repeating: 0, count: Int(count)) }
        return Array(scratch[0..<Int(produced)])
    }
}

/// An Opus encoder (VoIP application, mono) for tests, the benchmark and future Opus outbound paths.
public final class OpusEncoder: @unchecked Sendable {
    /// The rate of the PCM it takes.
    public let inputRate: Int
    private let encoder: OpaquePointer
    private var scratch = [UInt8](repeating: 0, count: 1500)

    /// nil if libopus cannot create an encoder at `inputRate`.
    public init?(inputRate: Int = 16_000, bitrate: Int = 24_000, fec: Bool = true) {
        var error: Int32 = 0
        guard let encoder = opus_encoder_create(Int32(inputRate), 1, OPUS_APPLICATION_VOIP, &error), error == OPUS_OK else { return nil }
        self.inputRate = inputRate
        self.encoder = encoder
        _ = voicegw_opus_set_bitrate(encoder, Int32(bitrate))
        _ = voicegw_opus_set_signal_voice(encoder)
        if fec {
            _ = voicegw_opus_set_inband_fec(encoder, 1)
            _ = voicegw_opus_set_packet_loss_perc(encoder, 10)
        }
    }

    deinit { opus_encoder_destroy(encoder) }

    /// Encodes one frame (2.5, 5, 10, 20, 40 or 60 ms of samples); nil on a wrong length.
    public func encode(_ samples: [Int16]) -> [UInt8]? {
        let capacity = Int32(scratch.count)
        let written = samples.withUnsafeBufferPointer { input in
            scratch.withUnsafeMutableBufferPointer { output in
                opus_encode(encoder, input.baseAddress!, Int32(input.count), output.baseAddress!, capacity)
            }
        }
        guard written > 0 else { return nil }
        return Array(scratch[0..<Int(written)])
    }
}
