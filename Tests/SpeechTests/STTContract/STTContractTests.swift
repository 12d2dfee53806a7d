import AdapterSupport
import Domain
import Foundation
import Logging
import Synchronization
import Testing
import TestSupport

@testable import Speech

/// The STT providers the contract runs against.
enum STTVendor: String, CaseIterable, Sendable {
    case openai, google, azure, transcribe, deepgram, pocketsphinx
    var isStreaming: Bool { self == .transcribe || self == .deepgram }
    static let networked: [STTVendor] = [.openai, .google, .azure, .transcribe, .deepgram]
}

/// How a fake vendor behaves.
enum STTBehaviour: String, CaseIterable, Sendable {
    case answer, unauthorized, rateLimited, serverError, slow, invalidJSON, errorBodyWith200, wrongContentType, corruptFrame, cutOff
    static let failures = allCases.filter { $0 != .answer }
}

/// A running fake vendor: its address, what it found wrong in what it received, and how to stop it.
struct FakeSTTVendor: Sendable {
    let base: String
    let problems: @Sendable () -> [String]
    let close: @Sendable () async -> Void
}

/// Problems a fake found, collected from its event loop.
final class ProblemLog: Sendable {
    private let list = Mutex<[String]>([])
    func add(_ problems: [String]) { list.withLock { $0 += problems } }
    var all: [String] { list.withLock { $0 } }
}

/// The SpeechToText contract, run against every adapter: the documented request goes out (checked by a fake
/// vendor on loopback), the documented answer comes back as the transcript, streaming adapters yield partials,
/// and every kind of failure or garbage is a classified `ProviderError`, never a crash or a silent empty text.
@Suite("STT contract: every adapter against its fake vendor", .serialized)
struct STTContractTests {
    static let logger = Logger(label: "test")
    static let phrases = ["balance", "check my balance"]

    /// The recorded sentence "I want to check my balance" at 16 kHz.
    static let utterance: [Int16] = {
        let (samples, rate) = try! fixture("balance_sentence")
        return resample(samples, from: rate, to: 16_000)
    }()

    /// The adapter for `vendor` talking to `base`, with a wrong credential when `badCredential`.
    static func adapter(_ vendor: STTVendor, base: String, badCredential: Bool = false, timeout: Duration) -> any SpeechToText {
        let key = badCredential ? "wrong-key" : "secret-key"
        let http = HTTPProviderSettings(baseURL: base, apiKey: key, timeout: timeout)
        switch vendor {
        case .openai: return OpenAISpeechToText(configuration: .init(http: http), logger: logger)
        case .google: return GoogleSpeechToText(configuration: .init(http: http), logger: logger)
        case .azure: return AzureSpeechToText(configuration: .init(http: http), logger: logger)
        case .transcribe:
            let credentials = AWSCredentials(accessKeyID: "AKID", secretAccessKey: badCredential ? "wrong" : "secret")
            return TranscribeSpeechToText(configuration: .init(region: "us-east-1", credentials: credentials, endpoint: base, timeout: timeout), logger: logger)
        case .deepgram:
            return DeepgramSpeechToText(configuration: .init(baseURL: base, apiKey: key, timeout: timeout), logger: logger)
        case .pocketsphinx: return PocketSphinxSpeechToText(logger: logger)
        }
    }

    static func fake(_ vendor: STTVendor, _ behaviour: STTBehaviour) async throws -> FakeSTTVendor {
        switch vendor {
        case .pocketsphinx: FakeSTTVendor(base: "", problems: { [] }, close: {})
        case .transcribe, .deepgram: try await StreamingSTTFakes.make(vendor, behaviour, audio: utterance)
        default: try await HTTPSTTFakes.make(vendor, behaviour, audio: utterance)
        }
    }

    /// Sends the utterance in 20 ms frames and finishes; returns the final transcript and the partials.
    static func run(_ stt: any SpeechToText) async throws(ProviderError) -> (final: Transcript, partials: [Transcript]) {
        let session = try await stt.startSession(TranscriptionOptions(language: "en-US", phrases: phrases))
        let partials = Task { await session.partials.reduce(into: [Transcript]()) { $0.append($1) } }
        do {
            for start in stride(from: 0, to: utterance.count, by: 320) {
                try await session.send(AudioFrame(samples: Array(utterance[start..<min(start + 320, utterance.count)]), sampleRate: 16_000))
                if stt.name == "transcribe" || stt.name == "deepgram" { try? await Task.sleep(for: .milliseconds(1)) }
            }
            let final = try await session.finish()
            return (final, await partials.value)
        } catch {
            await session.cancel()
            partials.cancel()
            throw error
        }
    }

    @Test(arguments: STTVendor.allCases)
    func transcribesWithTheDocumentedRequest(_ vendor: STTVendor) async throws {
        let fake = try await Self.fake(vendor, .answer)
        let stt = Self.adapter(vendor, base: fake.base, timeout: .seconds(20))
        let outcome: (final: Transcript, partials: [Transcript])
        do { outcome = try await Self.run(stt) } catch {
            await fake.close()
            Issue.record("\(error); the vendor saw: \(fake.problems())")
            return
        }
        let (final, partials) = outcome
        await fake.close()
        #expect(fake.problems().isEmpty, "\(fake.problems())")
        #expect(final.isFinal)
        if vendor == .pocketsphinx {
            #expect(final.text.contains("balance"), "\(final.text)")
        } else {
            #expect(final.text == HTTPSTTFakes.spoken)
        }
        if vendor.isStreaming {
            #expect(partials.map(\.text) == ["what is"], "partials: \(partials)")
            #expect(partials.allSatisfy { !$0.isFinal })
        } else {
            #expect(partials.isEmpty)
        }
    }

    /// What each failure must be classified as.
    static func expectedKind(_ vendor: STTVendor, _ behaviour: STTBehaviour) -> ProviderError.Kind {
        switch behaviour {
        case .answer: .badResponse
        case .unauthorized: .auth
        case .rateLimited: .rateLimited
        case .serverError: .server
        case .slow: .timeout
        case .invalidJSON, .wrongContentType, .corruptFrame: .badResponse
        // A REST answer cut short is a broken answer; a stream cut without a close frame is a network failure.
        case .cutOff: vendor.isStreaming ? .network : .badResponse
        case .errorBodyWith200: vendor == .transcribe ? .badRequest : vendor == .deepgram ? .server : .badResponse
        }
    }

    @Test(arguments: STTVendor.networked, STTBehaviour.failures)
    func failuresAreClassified(_ vendor: STTVendor, _ behaviour: STTBehaviour) async throws {
        let fake = try await Self.fake(vendor, behaviour)
        let stt = Self.adapter(vendor, base: fake.base, badCredential: behaviour == .unauthorized, timeout: .seconds(behaviour == .slow ? 1 : 20))
        do {
            let (final, _) = try await Self.run(stt)
            Issue.record("\(behaviour) was accepted: '\(final.text)'")
        } catch {
            #expect(error.kind == Self.expectedKind(vendor, behaviour), "\(error)")
            #expect(error.provider == stt.name)
        }
        await fake.close()
    }

    /// A 200 answer in the right shape but without the text is not an empty transcript (Google's `{}` is:
    /// it documents an empty object for "nothing recognised").
    @Test(arguments: [(STTVendor.openai, #"{"task":"transcribe"}"#, true), (.azure, #"{"RecognitionStatus":"Success","Offset":0}"#, true), (.google, "{}", false)])
    func answersWithoutTextAreRejected(_ vendor: STTVendor, _ body: String, _ rejected: Bool) async throws {
        let server = try await FakeVendorServer { _ in .json(body) }
        let stt = Self.adapter(vendor, base: server.baseURL, timeout: .seconds(20))
        do {
            let (final, _) = try await Self.run(stt)
            #expect(!rejected, "accepted as '\(final.text)'")
            #expect(final.text.isEmpty)
        } catch {
            #expect(rejected && error.kind == .badResponse, "\(error)")
        }
        await server.close()
    }
}
