import Domain
import Synchronization

/// A least-recently-used cache of synthesized audio keyed by provider, voice, language and text, so
/// fixed prompts (greeting, re-prompts, goodbye) are synthesized once per daemon, not once per call.
/// Bounded by entry count and total samples; an entry larger than a tenth of the budget is not kept.
public final class SynthesisCache: Sendable {
    /// What a cached entry is for.
    public struct Key: Sendable, Hashable {
        public var provider: String
        public var voice: String?
        public var language: String
        public var text: String

        public init(provider: String, request: SynthesisRequest) {
            self.provider = provider
            self.voice = request.voice
            self.language = request.language
            self.text = request.text
        }
    }

    private struct Entry {
        var frames: [AudioFrame]
        var samples: Int
        var lastUsed: UInt64
    }

    private struct Store {
        var entries: [Key: Entry] = [:]
        var samples = 0
        var tick: UInt64 = 0
    }

    private let store = Mutex(Store())
    private let maxEntries: Int
    private let maxSamples: Int

    /// `maxSamples` bounds memory (2 bytes a sample); the default keeps about 80 s at 24 kHz.
    public init(maxEntries: Int = 256, maxSamples: Int = 2_000_000) {
        self.maxEntries = max(0, maxEntries)
        self.maxSamples = max(0, maxSamples)
    }

    /// The audio stored for `key`, marking it recently used.
    public func audio(for key: Key) -> [AudioFrame]? {
        store.withLock { store in
            guard var entry = store.entries[key] else { return nil }
            store.tick += 1
            entry.lastUsed = store.tick
            store.entries[key] = entry
            return entry.frames
        }
    }

    /// Keeps `frames` for `key`, evicting the least recently used entries as needed.
    public func insert(_ frames: [AudioFrame], for key: Key) {
        let samples = frames.reduce(0) { $0 + $1.samples.count }
        guard maxEntries > 0, samples > 0, samples <= maxSamples / 10 else { return }
        store.withLock { store in
            if let old = store.entries.removeValue(forKey: key) { store.samples -= old.samples }
            while !store.entries.isEmpty && (store.entries.count >= maxEntries || store.samples + samples > maxSamples) {
                guard let oldest = store.entries.min(by: { $0.value.lastUsed < $1.value.lastUsed }) else { break }
                store.entries.removeValue(forKey: oldest.key)
                store.samples -= oldest.value.samples
            }
            store.tick += 1
            store.entries[key] = Entry(frames: frames, samples: samples, lastUsed: store.tick)
            store.samples += samples
        }
    }

    /// How many entries are cached.
    public var count: Int { store.withLock { $0.entries.count } }
}
