/// A block of PCM16 mono audio at a known sample rate.
///
/// Inside the daemon a frame is 20 ms at 16 kHz (320 samples); providers hand out chunks of any length
/// at their own rate, which the media edge converts.
public struct AudioFrame: Sendable, Hashable {
    /// Signed 16-bit samples, mono.
    public var samples: [Int16]
    /// Samples per second.
    public var sampleRate: Int

    public init(samples: [Int16], sampleRate: Int) {
        self.samples = samples
        self.sampleRate = sampleRate
    }

    /// A frame of digital silence lasting `duration`.
    public static func silence(sampleRate: Int = 16_000, duration: Duration = .milliseconds(20)) -> AudioFrame {
        AudioFrame(samples: [Int16](repeating: 0, count: Int(Int64(sampleRate) * duration.milliseconds / 1000)), sampleRate: sampleRate)
    }

    /// How long the samples last.
    public var duration: Duration {
        sampleRate > 0 ? .microseconds(Int64(samples.count) * 1_000_000 / Int64(sampleRate)) : .zero
    }

    /// Root-mean-square level in sample units (0 for an empty frame).
    public var rms: Double {
        guard !samples.isEmpty else { return 0 }
        var sum = 0.0
        for s in samples { let v = Double(s); sum += v * v }
        return (sum / Double(samples.count)).squareRoot()
    }
}
