@testable import Agent
import Domain
import Foundation
import Logging
import Media
import Metrics
import NIOCore
@testable import Speech
import Synchronization
import Testing
import TestSupport

/// The embedded default understands phone audio: every example and match word of `etc/agent.yaml`, other
/// sentences and non-speech, in held-out espeak-ng voices (Tests/Fixtures/speech/phone, made by
/// scripts/make-phone-fixtures.py), encoded ulaw and alaw at 8 kHz, sent as RTP through the daemon's real
/// inbound path (UDP socket, jitter buffer, G.711 decoder, upsampler), recognised by pocketsphinx and
/// answered by the scripted agent. At least 90% of the intents are recognised (acted on, or asked about
/// when unsure) and no utterance makes the agent act on a wrong intent; a "no" to its question never
/// counts as a yes. Rates: docs/speech.md.
@Suite("Embedded recognition of phone speech", .serialized)
struct PhoneSpeechRecognitionTests {
    static let root = DaemonHarness.root
    static let fixtures = ProcessInfo.processInfo.environment["VOICEGW_PHONE_FIXTURES"]
        ?? root.appendingPathComponent("Tests/Fixtures/speech/phone").path

    /// Decode threads of its own, at nice 5: the hundreds of utterances queued here must not hold up the
    /// other tests' calls, which decode on the process's shared threads.
    static let recogniser = PocketSphinxSpeechToText(workers: DecodeWorkers(count: 2, nice: 5), logger: Logger(label: "phone-stt"))

    struct Utterance: Sendable {
        let file: String
        let intent: String?
        let text: String
        let samples: [Int16]  // 8 kHz
    }

    static func load() throws -> [Utterance] {
        let index = try String(contentsOfFile: fixtures + "/index.tsv", encoding: .utf8)
        return try index.split(separator: "\n").dropFirst().map { line in
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            let wav = try WAVFile(bytes: Array(try Data(contentsOf: URL(fileURLWithPath: fixtures + "/" + fields[0]))))
            guard wav.sampleRate == 8_000 else { throw HarnessError("\(fields[0]) is not 8 kHz") }
            return Utterance(file: fields[0], intent: fields[1].isEmpty ? nil : fields[1], text: fields[4], samples: wav.samples)
        }
    }

    @Test(arguments: [RTPPayloadFormat.ulaw, .alaw])
    func recognisesTheIntentsOverG711WithoutWrongActions(codec: RTPPayloadFormat) async throws {
        let utterances = try Self.load()
        let script = try AgentScript.parse(yaml: try String(contentsOf: Self.root.appendingPathComponent("etc/agent.yaml"), encoding: .utf8))
        let stt = Self.recogniser
        let engine = Self.engine(codec, ports: 43000...43999)
        defer { Task { await engine.shutdown() } }

        // The calls run side by side (each in real time, as Asterisk sends), a batch at a time.
        var heard: [PhoneOutcome] = []
        for batch in stride(from: 0, to: utterances.count, by: 48) {
            let slice = utterances[batch..<min(batch + 48, utterances.count)]
            heard += try await withThrowingTaskGroup(of: PhoneOutcome.self) { group in
                for utterance in slice {
                    group.addTask { try await Self.call(utterance, codec: codec, engine: engine, stt: stt, script: script) }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
        }
        let score = PhoneScore(heard)
        print("phone speech \(codec.rawValue): \(score.summary)")
        let dumpAll = ProcessInfo.processInfo.environment["VOICEGW_PHONE_DUMP"] != nil
        for outcome in heard where dumpAll || !outcome.isRight { print("  \(outcome)") }
        #expect(score.wrongActions.isEmpty, "\(codec): acted on the wrong intent: \(score.wrongActions)")
        #expect(score.recognitionRate >= 0.9, "\(codec): \(score.summary)")
        #expect(score.expected >= 100, "the fixture set has \(score.expected) intent utterances")
    }

    /// The answer to "Do you want to hear your balance? Please say yes or no.": a "no" never lets the agent
    /// act; most "yes" do (the rest hear the question lapse and are asked again).
    @Test(arguments: [RTPPayloadFormat.ulaw, .alaw])
    func confirmationAnswersAreNeverTakenTheWrongWay(codec: RTPPayloadFormat) async throws {
        let answers = try Self.load().filter { ["yes", "no"].contains($0.text) }
        let script = try AgentScript.parse(yaml: try String(contentsOf: Self.root.appendingPathComponent("etc/agent.yaml"), encoding: .utf8))
        let stt = Self.recogniser
        let engine = Self.engine(codec, ports: 44000...44999)
        defer { Task { await engine.shutdown() } }
        let heard = try await withThrowingTaskGroup(of: PhoneOutcome.self) { group in
            for answer in answers {
                group.addTask { try await Self.call(answer, codec: codec, engine: engine, stt: stt, script: script, confirming: true) }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        let yes = heard.filter { $0.file.hasPrefix("none_yes_") }
        let no = heard.filter { $0.file.hasPrefix("none_no_") }
        let yesDone = yes.filter { $0.answer == .acted("balance") }.count
        print("phone speech \(codec.rawValue) confirmation: \(yesDone)/\(yes.count) yes done, \(no.filter { $0.answer == .nothing }.count)/\(no.count) no declined")
        for outcome in heard { print("  \(outcome)") }
        #expect(yes.count >= 5 && no.count >= 5, "the fixture set has yes and no answers")
        #expect(no.allSatisfy { $0.answer == .nothing }, "\(codec): a no was taken as a yes")
        #expect(Double(yesDone) >= 0.6 * Double(yes.count), "\(codec): \(yesDone)/\(yes.count) yes understood")
    }

    /// The daemon's RTP engine receiving `codec` on a socket per call.
    static func engine(_ codec: RTPPayloadFormat, ports: ClosedRange<Int>) -> RTPMediaEngine {
        RTPMediaEngine(
            configuration: .init(host: "127.0.0.1", portRange: ports, inboundFormat: codec, socketMode: .perCall),
            metricsFactory: NOOPMetricsHandler.instance, logger: Logger(label: "phone-rtp"))
    }

    /// One caller: RTP in through a real session, the utterance recognised, the agent's answer classified.
    /// `confirming`: the agent has just asked whether the caller wants their balance.
    static func call(
        _ utterance: Utterance, codec: RTPPayloadFormat, engine: RTPMediaEngine, stt: PocketSphinxSpeechToText, script: AgentScript,
        confirming: Bool = false
    ) async throws -> PhoneOutcome {
        let session = try await engine.openSession(for: CallID(utterance.file), transport: .rtp)
        let parts = session.offer.externalHost.split(separator: ":")
        let peer = try await FakeRTPPeer(remote: try SocketAddress(ipAddress: String(parts[0]), port: Int(parts[1])!))
        try await session.connect(MediaAttachment(
            callChannel: "c", mediaChannel: "m", bridge: nil,
            variables: ["UNICASTRTP_LOCAL_ADDRESS": "127.0.0.1", "UNICASTRTP_LOCAL_PORT": "\(peer.port)"]))
        var padded = utterance.samples
        if padded.count % 160 != 0 { padded += [Int16](repeating: 0, count: 160 - padded.count % 160) }
        let encode = codec == .alaw ? G711.alawEncode : G711.ulawEncode
        let payloads = stride(from: 0, to: padded.count, by: 160).map { padded[$0..<($0 + 160)].map(encode) }
        async let frames = collect(session.inbound, count: payloads.count)
        try await peer.sendRTP(payloads: payloads, payloadType: codec.payloadType)
        let inbound = await frames
        peer.close()
        await session.close()

        let conversation = try await ScriptedAgent(script: script).startConversation(AgentContext(callID: "c", conversationID: "v", tenantID: "t"))
        if confirming {
            var question: [AgentAction] = []
            for try await action in conversation.respond(to: .utterance("check my balance", confidence: 0)) { question.append(action) }
            guard PhoneAnswer(question, script: script) == .asked("balance") else { throw HarnessError("the agent did not ask: \(question)") }
        }
        let recognition = try await stt.startSession(TranscriptionOptions(phrases: conversation.expectedPhrases))
        for frame in inbound { try await recognition.send(frame) }
        let transcript = try await recognition.finish()
        var actions: [AgentAction] = []
        for try await action in conversation.respond(to: .utterance(transcript.text, confidence: transcript.confidence)) { actions.append(action) }
        return PhoneOutcome(
            file: utterance.file, expected: utterance.intent, heard: transcript.text, confidence: transcript.confidence ?? 0,
            frames: inbound.count, answer: PhoneAnswer(actions, script: script))
    }
}

/// Frames from `stream` until `count` arrived or the stream ended (deadline 60 s).
private func collect(_ stream: AsyncStream<AudioFrame>, count: Int) async -> [AudioFrame] {
    let box = FrameBox()
    await withTaskGroup(of: Void.self) { group in
        group.addTask {
            for await frame in stream where box.append(frame) >= count { return }
        }
        group.addTask { try? await Task.sleep(for: .seconds(60)) }
        await group.next()
        group.cancelAll()
    }
    return box.frames
}

private final class FrameBox: Sendable {
    private let collected = Mutex<[AudioFrame]>([])
    func append(_ frame: AudioFrame) -> Int { collected.withLock { $0.append(frame); return $0.count } }
    var frames: [AudioFrame] { collected.withLock { $0 } }
}
