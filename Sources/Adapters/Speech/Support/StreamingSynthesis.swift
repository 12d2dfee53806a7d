import AdapterSupport
import AsyncHTTPClient
import Domain
import Logging
import NIOCore

/// Runs an HTTP request whose answer is raw PCM16 (streamed or not) and passes the audio on as it
/// arrives, carrying odd bytes across chunks. Shared by the OpenAI, Azure, Polly and ElevenLabs TTS
/// adapters. `onFirstByte`/`onFirstFrame` let a benchmark measure the adapter's own overhead.
enum StreamingSynthesis {
    static func run(
        _ http: VendorHTTP, request: HTTPClientRequest, sampleRate: Int, contentTypes: [String], probe: SynthesisProbe = .init()
    ) -> AudioStream {
        let (stream, continuation) = AudioStream.makeStream()
        let task = Task {
            do throws(ProviderError) {
                let response = try await http.send(request)
                try http.expectContentType(response, contentTypes)
                var decoder = PCMDecoder(sampleRate: sampleRate)
                var total = 0
                var framed = false
                do {
                    for try await chunk in response.body {
                        // A first chunk of one byte yields no frame yet: the first byte is still this one.
                        if total == 0, chunk.readableBytes > 0 { probe.onFirstByte() }
                        total += chunk.readableBytes
                        if let frame = decoder.decode(chunk.readableBytesView) {
                            if !framed { probe.onFirstFrame() }
                            framed = true
                            continuation.yield(frame)
                        }
                    }
                } catch {
                    throw http.fail(HTTPFailure.classify(transport: error, provider: http.provider).truncated(), request: nil)
                }
                do throws(ProviderError) { try decoder.finish(provider: http.provider) } catch { throw http.fail(error, request: nil) }
                guard total > 0 else {
                    throw http.fail(ProviderError(.badResponse, provider: http.provider, "empty audio answer"), request: nil)
                }
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }
}

extension ProviderError {
    /// A transport failure while the body was streaming: the answer is truncated.
    func truncated() -> ProviderError {
        switch kind {
        case .network: ProviderError(.badResponse, provider: provider, "audio stream truncated: \(message)")
        default: self
        }
    }
}

/// Hooks called when a synthesis receives the vendor's first audio byte and when it hands the first
/// frame on, for measuring the adapter's own overhead (benchmarks only; no-ops by default).
public struct SynthesisProbe: Sendable {
    public var onFirstByte: @Sendable () -> Void
    public var onFirstFrame: @Sendable () -> Void

    public init(onFirstByte: @escaping @Sendable () -> Void = {}, onFirstFrame: @escaping @Sendable () -> Void = {}) {
        self.onFirstByte = onFirstByte
        self.onFirstFrame = onFirstFrame
    }
}
