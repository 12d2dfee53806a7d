import CSamplerate

/// Any-rate conversion through libsamplerate (SINC_FASTEST), for provider rates other than 8/16 kHz
/// (espeak-ng 22050 Hz, OpenAI 24 kHz, 44.1/48 kHz). Streaming: keeps state between calls.
public final class SampleRateConverter: @unchecked Sendable {
    public let inputRate: Int
    public let outputRate: Int
    private let state: OpaquePointer
    private var input: [Float] = []
    private var output: [Float] = []

    /// Fails (nil) only if libsamplerate cannot allocate a converter.
    public init?(from inputRate: Int, to outputRate: Int) {
        var error: Int32 = 0
        guard inputRate > 0, outputRate > 0, let state = src_new(Int32(SRC_SINC_FASTEST), 1, &error) else { return nil }
        self.inputRate = inputRate
        self.outputRate = outputRate
        self.state = state
    }

    deinit { src_delete(state) }

    /// Converts a chunk; `final` flushes the converter's tail.
    public func process(_ samples: [Int16], final: Bool = false) -> [Int16] {
        input.removeAll(keepingCapacity: true)
        for s in samples { input.append(Float(s) / 32768) }
        let ratio = Double(outputRate) / Double(inputRate)
        let capacity = Int(Double(samples.count) * ratio) + 256
        if output.count < capacity { output = [Float](repeating: 0, count: capacity) }
        var produced = 0
        var consumed = 0
        repeat {
            var data = SRC_DATA()
            let generated: (Int, Int) = input.withUnsafeBufferPointer { inPtr in
                output.withUnsafeMutableBufferPointer { outPtr in
                    data.data_in = inPtr.baseAddress.map { $0 + consumed }
                    data.input_frames = inPtr.count - consumed
                    data.data_out = outPtr.baseAddress.map { $0 + produced }
                    data.output_frames = outPtr.count - produced
                    data.src_ratio = ratio
                    data.end_of_input = final ? 1 : 0
                    guard src_process(state, &data) == 0 else { return (0, 0) }
                    return (data.input_frames_used, data.output_frames_gen)
                }
            }
            consumed += generated.0
            produced += generated.1
            if generated.1 == 0 { break }
        } while consumed < input.count || (final && produced < output.count)
        return output.prefix(produced).map { value in
            let scaled = value * 32768
            return Int16(max(-32768, min(32767, scaled + (scaled >= 0 ? 0.5 : -0.5))))
        }
    }
}
