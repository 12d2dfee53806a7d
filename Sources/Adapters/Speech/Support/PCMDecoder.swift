import Domain
import NIOCore

/// Turns a stream of little-endian PCM16 bytes into audio frames, whatever the chunk boundaries: an odd
/// byte at the end of a chunk is carried into the next one. A stream that ends on an odd byte is
/// truncated (`bad_response`).
struct PCMDecoder: Sendable {
    let sampleRate: Int
    private var carry: UInt8?

    init(sampleRate: Int) {
        self.sampleRate = sampleRate
    }

    /// The whole samples in `bytes` plus a byte left over from the previous chunk.
    mutating func decode(_ bytes: some Collection<UInt8>) -> AudioFrame? {
        var samples: [Int16] = []
        samples.reserveCapacity((bytes.count + 1) / 2)
        var iterator = bytes.makeIterator()
        if let low = carry {
            guard let high = iterator.next() else { return nil }
            samples.append(Int16(bitPattern: UInt16(low) | UInt16(high) << 8))
            carry = nil
        }
        while let low = iterator.next() {
            guard let high = iterator.next() else {
                carry = low
                break
            }
            samples.append(Int16(bitPattern: UInt16(low) | UInt16(high) << 8))
        }
        return samples.isEmpty ? nil : AudioFrame(samples: samples, sampleRate: sampleRate)
    }

    /// The stream ended: throws when half a sample is left over.
    func finish(provider: String) throws(ProviderError) {
        if carry != nil { throw ProviderError(.badResponse, provider: provider, "audio stream ended mid-sample (odd byte count)") }
    }
}
