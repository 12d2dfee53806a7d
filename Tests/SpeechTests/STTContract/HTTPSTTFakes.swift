import Foundation
import TestSupport

@testable import Speech

/// The batch (REST) STT vendors as fakes: each checks the documented request and answers like the vendor.
enum HTTPSTTFakes {
    static let spoken = "what is my balance"

    /// The fake of `vendor` behaving as `behaviour`; `audio` is what the adapter must send.
    static func make(_ vendor: STTVendor, _ behaviour: STTBehaviour, audio: [Int16]) async throws -> FakeSTTVendor {
        let problems = ProblemLog()
        let server = try await FakeVendorServer { request in
            let found = check(vendor, request, audio: audio)
            problems.add(found)
            if found.contains(where: { $0.hasPrefix("auth:") }) { return unauthorized(vendor) }
            return answer(vendor, behaviour)
        }
        return FakeSTTVendor(base: server.baseURL, problems: { problems.all + (server.requests.isEmpty ? ["no request reached the vendor"] : []) }) {
            await server.close()
        }
    }

    /// What is wrong with `request` for `vendor` (empty when it is the documented request).
    static func check(_ vendor: STTVendor, _ r: FakeVendorServer.Request, audio: [Int16]) -> [String] {
        var problems: [String] = []
        func expect(_ ok: Bool, _ what: String) { if !ok { problems.append(what) } }
        expect(r.method == "POST", "method \(r.method)")
        switch vendor {
        case .openai:
            // https://platform.openai.com/docs/api-reference/audio/createTranscription
            expect(r.path == "/v1/audio/transcriptions", "path \(r.path)")
            expect(r.header("Authorization") == "Bearer secret-key", "auth: Authorization \(r.header("Authorization") ?? "missing")")
            let type = r.header("Content-Type") ?? ""
            guard type.hasPrefix("multipart/form-data; boundary="), let parts = Multipart.parse(r.body, boundary: String(type.dropFirst(30))) else {
                return problems + ["body is not multipart/form-data (\(type))"]
            }
            expect(parts["model"]?.text == "whisper-1", "model field \(parts["model"]?.text ?? "missing")")
            expect(parts["language"]?.text == "en", "language field \(parts["language"]?.text ?? "missing") (ISO-639-1)")
            expect(parts["response_format"]?.text == "json", "response_format \(parts["response_format"]?.text ?? "missing")")
            expect(parts["prompt"]?.text.contains("balance") == true, "prompt without the phrases")
            let file = parts["file"]
            expect(file?.filename?.hasSuffix(".wav") == true && file?.contentType == "audio/wav", "file part \(String(describing: file?.filename))")
            expect(file.flatMap { try? WAV.decode($0.data) }.map { $0.samples == audio && $0.sampleRate == 16_000 } == true, "file is not the utterance as 16 kHz WAV")
        case .google:
            // https://cloud.google.com/speech-to-text/docs/reference/rest/v1/speech/recognize
            expect(r.path == "/v1/speech:recognize", "path \(r.path)")
            expect(r.uri.hasSuffix("?key=secret-key"), "auth: key \(r.uri)")
            expect(r.header("Content-Type") == "application/json", "content type \(r.header("Content-Type") ?? "missing")")
            let json = (try? JSONSerialization.jsonObject(with: Data(r.body))) as? [String: Any]
            let config = json?["config"] as? [String: Any]
            expect(config?["encoding"] as? String == "LINEAR16", "config.encoding")
            expect(config?["sampleRateHertz"] as? Int == 16_000, "config.sampleRateHertz")
            expect(config?["languageCode"] as? String == "en-US", "config.languageCode")
            let contexts = config?["speechContexts"] as? [[String: [String]]]
            expect(contexts?.first?["phrases"]?.contains("balance") == true, "config.speechContexts phrases")
            let content = ((json?["audio"] as? [String: Any])?["content"] as? String).flatMap { Data(base64Encoded: $0) }
            expect(content.map { Array($0) } == littleEndian(audio), "audio.content is not the base64 of the PCM16 LE utterance")
        case .azure:
            // https://learn.microsoft.com/azure/ai-services/speech-service/rest-speech-to-text-short
            expect(r.path == "/speech/recognition/conversation/cognitiveservices/v1", "path \(r.path)")
            expect(r.uri.contains("language=en-US") && r.uri.contains("format=simple"), "query \(r.uri)")
            expect(r.header("Ocp-Apim-Subscription-Key") == "secret-key", "auth: Ocp-Apim-Subscription-Key \(r.header("Ocp-Apim-Subscription-Key") ?? "missing")")
            expect(r.header("Content-Type") == "audio/wav; codecs=audio/pcm; samplerate=16000", "content type \(r.header("Content-Type") ?? "missing")")
            expect((try? WAV.decode(r.body)).map { $0.samples == audio } == true, "body is not the utterance as WAV")
        case .transcribe, .deepgram, .pocketsphinx:
            problems.append("\(vendor) is not an HTTP vendor")
        }
        return problems
    }

    /// The vendor's answer to a refused credential.
    static func unauthorized(_ vendor: STTVendor) -> FakeVendorServer.Response {
        switch vendor {
        case .openai: .json(#"{"error":{"message":"Incorrect API key provided","type":"invalid_request_error","code":"invalid_api_key"}}"#, status: 401)
        case .google: .json(#"{"error":{"code":403,"message":"The request is missing a valid API key.","status":"PERMISSION_DENIED"}}"#, status: 403)
        default: FakeVendorServer.Response(status: 401, contentType: "text/plain", chunks: [])
        }
    }

    /// The vendor's answer for `behaviour` (documented shapes).
    static func answer(_ vendor: STTVendor, _ behaviour: STTBehaviour) -> FakeVendorServer.Response {
        switch behaviour {
        case .answer:
            switch vendor {
            case .openai: return .json(#"{"text":" \#(spoken) "}"#)
            case .google:
                return .json(#"{"results":[{"alternatives":[{"transcript":"\#(spoken)","confidence":0.93}],"resultEndTime":"2.100s","languageCode":"en-us"}],"totalBilledTime":"3s","requestId":"6157350473212434378"}"#)
            default: return .json(#"{"RecognitionStatus":"Success","DisplayText":"\#(spoken)","Offset":1800000,"Duration":21000000}"#)
            }
        case .unauthorized: return unauthorized(vendor)
        case .rateLimited: return .json(#"{"error":{"code":429,"message":"Rate limit reached","status":"RESOURCE_EXHAUSTED"}}"#, status: 429)
        case .serverError: return .json(#"{"error":{"code":503,"message":"The service is currently unavailable.","status":"UNAVAILABLE"}}"#, status: 503)
        case .slow:
            return FakeVendorServer.Response(contentType: "application/json", chunks: [Array(#"{"text":"late"}"#.utf8)], delay: .seconds(4))
        case .invalidJSON: return .json(#"{"text": "what is my"#)
        case .errorBodyWith200:
            switch vendor {
            case .azure: return .json(#"{"RecognitionStatus":"Error","Offset":0,"Duration":0}"#)
            default: return .json(#"{"error":{"message":"You exceeded your current quota","type":"insufficient_quota"}}"#)
            }
        case .wrongContentType:
            return FakeVendorServer.Response(contentType: "text/html", chunks: [Array("<html><body>Bad Gateway</body></html>".utf8)])
        case .corruptFrame, .cutOff:
            return FakeVendorServer.Response(contentType: "application/json", chunks: [Array(#"{"text":"what is my balance"}"#.utf8)], truncate: true)
        }
    }

    static func littleEndian(_ samples: [Int16]) -> [UInt8] {
        samples.flatMap { withUnsafeBytes(of: $0.littleEndian) { Array($0) } }
    }
}

/// A minimal `multipart/form-data` reader (RFC 7578), enough to check what the adapter sent.
enum Multipart {
    struct Part {
        var filename: String?
        var contentType: String?
        var data: [UInt8]
        var text: String { String(decoding: data, as: UTF8.self) }
    }

    static func parse(_ body: [UInt8], boundary: String) -> [String: Part]? {
        let delimiter = Array("\r\n--\(boundary)".utf8)
        let bytes = Array("\r\n".utf8) + body
        var parts: [String: Part] = [:]
        var sections: [[UInt8]] = []
        var start = 0
        var i = 0
        while i + delimiter.count <= bytes.count {
            if bytes[i..<i + delimiter.count].elementsEqual(delimiter) {
                sections.append(Array(bytes[start..<i]))
                i += delimiter.count
                start = i
            } else {
                i += 1
            }
        }
        guard sections.count >= 2, bytes[start...].starts(with: Array("--".utf8)) else { return nil }  // closing delimiter
        for section in sections.dropFirst() {
            guard let split = section.indices.first(where: { section[$0...].starts(with: Array("\r\n\r\n".utf8)) }) else { return nil }
            let head = String(decoding: section[2..<split], as: UTF8.self)
            let data = Array(section[(split + 4)...])
            guard let name = attribute("name", in: head) else { return nil }
            let type = head.split(separator: "\r\n").first { $0.lowercased().hasPrefix("content-type:") }
                .map { String($0.dropFirst(13)).trimmingCharacters(in: .whitespaces) }
            parts[name] = Part(filename: attribute("filename", in: head), contentType: type, data: data)
        }
        return parts
    }

    private static func attribute(_ name: String, in head: String) -> String? {
        guard let range = head.range(of: " \(name)=\"") ?? head.range(of: ";\(name)=\"") else { return nil }
        let rest = head[range.upperBound...]
        return rest.firstIndex(of: "\"").map { String(rest[..<$0]) }
    }
}
