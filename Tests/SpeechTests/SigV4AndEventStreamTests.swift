import Foundation
import Testing

@testable import Speech

@Suite("SigV4 signing and AWS event stream")
struct SigV4AndEventStreamTests {
    struct Vector: Decodable, Sendable, CustomStringConvertible {
        struct Request: Decodable, Sendable {
            let method: String
            let path: String
            let query: String
            let headers: [[String]]
            let body: String
        }
        let name: String
        let request: Request
        let authz: String
        let creq: String
        var description: String { name }
    }

    struct Suite: Decodable {
        struct Config: Decodable {
            let service, region, accessKeyId, secretAccessKey: String
        }
        let config: Config
        let tests: [Vector]
    }

    static let suite: Suite = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/aws-sig-v4-test-suite/vectors.json")
        return try! JSONDecoder().decode(Suite.self, from: Data(contentsOf: url))
    }()

    /// 2015-08-30T12:36:00Z, the suite's date.
    static let date = Date(timeIntervalSince1970: 1_440_938_160)

    @Test(arguments: suite.tests.filter { $0.name != "post-sts-header-after" })
    func headerSignatureMatchesTheAWSVector(_ vector: Vector) throws {
        let config = Self.suite.config
        let signer = SigV4Signer(
            credentials: AWSCredentials(accessKeyID: config.accessKeyId, secretAccessKey: config.secretAccessKey), region: config.region,
            service: config.service)
        // The suite signs every header but Content-Length (added by the parser of the .req files).
        let headers = vector.request.headers.filter { $0[0].lowercased() != "content-length" }.map { ($0[0], $0[1]) }
        let query: [(String, String)] = vector.request.query.isEmpty ? [] : vector.request.query.split(separator: "&").map {
            let parts = $0.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return (String(parts[0]), parts.count > 1 ? String(parts[1]) : "")
        }
        let hash = SigV4Signer.hex(SHA256Helper.hash(Array(vector.request.body.utf8)))
        let authorization = signer.authorization(
            method: vector.request.method, path: vector.request.path, query: query, headers: headers, payloadHash: hash, date: Self.date)
        #expect(authorization == vector.authz)
    }

    @Test func presignedQueryMatchesTheS3DocumentationExample() {
        // https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html
        let signer = SigV4Signer(
            credentials: AWSCredentials(accessKeyID: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
            region: "us-east-1", service: "s3")
        let query = signer.presignedQuery(
            method: "GET", host: "examplebucket.s3.amazonaws.com", path: "/test.txt", query: [], expires: 86400,
            date: Date(timeIntervalSince1970: 1_369_353_600), payloadHash: "UNSIGNED-PAYLOAD")
        #expect(query.hasSuffix("X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404"), "\(query)")
        #expect(query.contains("X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"))
    }

    @Test func eventStreamRoundTripsAndRejectsCorruption() throws {
        let message = EventStreamMessage.audioEvent([1, 2, 3, 4, 5])
        var bytes = message.encoded()
        #expect(try EventStreamMessage.decode(bytes) == message)
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
        bytes[bytes.count - 6] ^= 0xFF
        #expect(throws: EventStreamError.self) { try EventStreamMessage.decode(bytes) }
        #expect(throws: EventStreamError.self) { try EventStreamMessage.decode(Array(message.encoded().prefix(20))) }
    }

    @Test func pcmDecoderCarriesOddBytesAcrossChunks() throws {
        var decoder = PCMDecoder(sampleRate: 16_000)
        let samples: [Int16] = [1, -2, 300, -32768, 32767]
        var bytes: [UInt8] = []
        for s in samples { withUnsafeBytes(of: s.littleEndian) { bytes += $0 } }
        var out: [Int16] = []
        for chunk in [bytes[0..<3], bytes[3..<4], bytes[4..<9], bytes[9..<10]] {
            out += decoder.decode(chunk)?.samples ?? []
        }
        #expect(out == samples)
        try decoder.finish(provider: "x")
        _ = decoder.decode([UInt8(7)])
        #expect(throws: Domain.ProviderError.self) { try decoder.finish(provider: "x") }
    }
}

import Crypto
import Domain

enum SHA256Helper {
    static func hash(_ bytes: [UInt8]) -> [UInt8] { Array(SHA256.hash(data: bytes)) }
}
