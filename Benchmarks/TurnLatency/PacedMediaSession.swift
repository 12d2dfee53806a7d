import Domain
import Foundation
import Synchronization

/// Monotonic milliseconds (wall-clock quality is what this benchmark measures).
func nowMs() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1_000_000 }

/// A call's media as the benchmark's caller sees it: caller frames pushed in real time, reply audio cut
/// into 20 ms frames and sent on a 20 ms cadence (a frame leaves at the later of one frame after the
/// previous one and the moment it is available), every send time recorded.
final class PacedMediaSession: MediaSession {
    let offer = MediaOffer(transport: .rtp, externalHost: "127.0.0.1:1", format: "slin16")
    let inbound: AsyncStream<AudioFrame>
    let feed: AsyncStream<AudioFrame>.Continuation
    /// Per playback: the send time of each frame.
    let playbacks = Mutex<[[Double]]>([])
    private let generation = Mutex(0)
    private let lastSend = Mutex<Double>(0)

    init() { (inbound, feed) = AsyncStream.makeStream(of: AudioFrame.self, bufferingPolicy: .unbounded) }

    func connect(_ attachment: MediaAttachment) async throws(ProviderError) {}

    func play(_ audio: AudioStream, onFirstFrame: @escaping @Sendable () -> Void) async throws(ProviderError) -> PlaybackOutcome {
        let mine = generation.withLock { $0 }
        let index = playbacks.withLock { $0.append([]); return $0.count - 1 }
        var pending = 0
        var sent = 0
        var rate = 16_000
        func send() async {
            let earliest = lastSend.withLock { $0 } + 20
            let wait = earliest - nowMs()
            if wait > 0 { try? await Task.sleep(for: .microseconds(Int64(wait * 1000))) }
            let at = nowMs()
            lastSend.withLock { $0 = at }
            playbacks.withLock { $0[index].append(at) }
            if sent == 0 { onFirstFrame() }
            sent += 1
        }
        do {
            for try await chunk in audio {
                rate = chunk.sampleRate
                pending += chunk.samples.count
                while pending >= rate / 50 {
                    if generation.withLock({ $0 }) != mine { return .interrupted(sent: .milliseconds(sent * 20)) }
                    pending -= rate / 50
                    await send()
                }
            }
        } catch {
            throw ProviderError(.badResponse, provider: "bench", "\(error)")
        }
        if pending > 0 { await send() }
        return .completed(sent: .milliseconds(sent * 20))
    }

    func flush() async { generation.withLock { $0 += 1 } }
    func close() async {
        feed.finish()
        await flush()
    }
}
