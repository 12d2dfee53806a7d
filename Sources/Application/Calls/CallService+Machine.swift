import Domain
import Logging

extension CallService {
    /// What answering-machine screening of an answered outbound call found and did.
    enum Screening: Sendable {
        /// A person (or not sure): the conversation runs; `greeted` when the callee already spoke.
        case converse(greeted: Bool)
        /// A machine: hung up, or the message was left (`calls.outbound.machine_detection`).
        case machine(leftMessage: Bool)
    }

    /// Listens to the first seconds of an answered outbound call (`AnsweringMachineDetector`) and, for a
    /// machine, hangs up or waits for the end of its greeting (and its beep) and leaves
    /// `calls.outbound.machine_message`. Frames read here do not reach the recogniser: a person's
    /// "Hello?" has done its work once the verdict is in.
    func screen(
        _ call: Call, media: any MediaSession, tts: any TextToSpeech, settings: ConversationConfiguration, log: ConversationLog,
        recorder: CallEventRecorder, logger: Logger
    ) async -> Screening {
        let outbound = configuration.outbound
        var voice = VoiceActivityDetector()
        var detector = AnsweringMachineDetector()
        var verdict: AnsweringMachineDetector.Verdict = .notSure("HANGUP")
        for await frame in media.inbound {
            if let found = detector.feed(voiced: voice.isSpeech(frame)) {
                verdict = found
                break
            }
        }
        let found = Self.describe(verdict)
        await transition(call.id, nil, logger: logger, recorder: recorder) { call in
            call.metadata["amd"] = found
            return []
        }
        logger.info("answering-machine screening", metadata: ["amd": "\(Self.describe(verdict))"])
        switch verdict {
        case .human: return .converse(greeted: true)
        case .notSure: return .converse(greeted: false)
        case .machine:
            guard outbound.machineDetection == .leaveMessage else { return .machine(leftMessage: false) }
            // The message starts once the greeting (and the beep after it) is over: a second of silence,
            // at most `machineGreetingLimit` after the verdict.
            var silent = Duration.zero
            var waited = Duration.zero
            for await frame in media.inbound {
                let length = Duration.milliseconds(Int64(frame.samples.count) * 1000 / Int64(max(1, frame.sampleRate)))
                silent = voice.isSpeech(frame) ? .zero : silent + length
                waited += length
                if silent >= .seconds(1) || waited >= outbound.machineGreetingLimit { break }
            }
            let audio = tts.synthesize(SynthesisRequest(text: outbound.machineMessage, voice: settings.voice, language: settings.language))
            let started = dependencies.clock.now()
            do {
                _ = try await media.play(audio) {}
            } catch {
                logger.warning("machine message not played", metadata: ["error": "\(error)"])
                return .machine(leftMessage: false)
            }
            log.append(Turn(speaker: .system, text: outbound.machineMessage, startedAt: started, endedAt: dependencies.clock.now()))
            return .machine(leftMessage: true)
        }
    }

    static func describe(_ verdict: AnsweringMachineDetector.Verdict) -> String {
        switch verdict {
        case .human(let cause): "human:\(cause)"
        case .machine(let cause): "machine:\(cause)"
        case .notSure(let cause): "notsure:\(cause)"
        }
    }
}
