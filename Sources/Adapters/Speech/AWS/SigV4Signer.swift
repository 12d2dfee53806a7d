// AWS Signature Version 4, header and query-string (presigned) forms.
// Reference: https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html and
// https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html; checked in tests against
// the published aws-sig-v4-test-suite vectors (Tests/Fixtures/aws-sig-v4-test-suite).
import Crypto
import Foundation

/// AWS credentials. Never logged.
public struct AWSCredentials: Sendable, Hashable {
    public var accessKeyID: String
    public var secretAccessKey: String
    public var sessionToken: String?

    public init(accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken.flatMap { $0.isEmpty ? nil : $0 }
    }
}

/// Signs requests for one service in one region.
public struct SigV4Signer: Sendable {
    public let credentials: AWSCredentials
    public let region: String
    public let service: String

    public init(credentials: AWSCredentials, region: String, service: String) {
        self.credentials = credentials
        self.region = region
        self.service = service
    }

    /// SHA-256 of an empty payload.
    public static let emptyPayloadHash = hex(SHA256.hash(data: [UInt8]()))

    /// The `Authorization` header value for a request whose `headers` (including `host` and
    /// `x-amz-date`) are all signed.
    public func authorization(
        method: String, path: String, query: [(String, String)], headers: [(String, String)], payloadHash: String, date: Date
    ) -> String {
        let (canonical, signed) = Self.canonicalRequest(method: method, path: path, query: query, headers: headers, payloadHash: payloadHash)
        let signature = sign(canonical, date: date)
        return "AWS4-HMAC-SHA256 Credential=\(credentials.accessKeyID)/\(scope(date)), SignedHeaders=\(signed), Signature=\(signature)"
    }

    /// Headers to add to a request: `x-amz-date`, `x-amz-security-token` (if any) and `Authorization`.
    public func signedHeaders(
        method: String, host: String, path: String, query: [(String, String)] = [], headers: [(String, String)], body: [UInt8], date: Date = Date()
    ) -> [(String, String)] {
        var added: [(String, String)] = [("X-Amz-Date", Self.timestamp(date))]
        if let token = credentials.sessionToken { added.append(("X-Amz-Security-Token", token)) }
        let all = [("Host", host)] + headers + added
        let hash = Self.hex(SHA256.hash(data: body))
        return added + [("Authorization", authorization(method: method, path: path, query: query, headers: all, payloadHash: hash, date: date))]
    }

    /// The query string of a presigned URL (`X-Amz-Algorithm` ... `X-Amz-Signature`), `query` included, for a
    /// request signing only `host`.
    public func presignedQuery(
        method: String, host: String, path: String, query: [(String, String)], expires: Int, date: Date = Date(),
        payloadHash: String = SigV4Signer.emptyPayloadHash
    ) -> String {
        var parameters = query
        parameters.append(("X-Amz-Algorithm", "AWS4-HMAC-SHA256"))
        parameters.append(("X-Amz-Credential", "\(credentials.accessKeyID)/\(scope(date))"))
        parameters.append(("X-Amz-Date", Self.timestamp(date)))
        parameters.append(("X-Amz-Expires", String(expires)))
        if let token = credentials.sessionToken { parameters.append(("X-Amz-Security-Token", token)) }
        parameters.append(("X-Amz-SignedHeaders", "host"))
        let (canonical, _) = Self.canonicalRequest(method: method, path: path, query: parameters, headers: [("host", host)], payloadHash: payloadHash)
        let signature = sign(canonical, date: date)
        return Self.canonicalQuery(parameters) + "&X-Amz-Signature=" + signature
    }

    /// The canonical request and the signed header list.
    static func canonicalRequest(
        method: String, path: String, query: [(String, String)], headers: [(String, String)], payloadHash: String
    ) -> (String, String) {
        var merged: [String: [String]] = [:]
        for (name, value) in headers {
            let trimmed = value.trimmingCharacters(in: .whitespaces).split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
            merged[name.lowercased(), default: []].append(trimmed)
        }
        let names = merged.keys.sorted()
        let canonicalHeaders = names.map { "\($0):\(merged[$0]!.joined(separator: ","))\n" }.joined()
        let signed = names.joined(separator: ";")
        let canonicalPath = path.isEmpty ? "/" : path.split(separator: "/", omittingEmptySubsequences: false).map { uriEncode(String($0)) }.joined(separator: "/")
        return ([method, canonicalPath, canonicalQuery(query), canonicalHeaders, signed, payloadHash].joined(separator: "\n"), signed)
    }

    static func canonicalQuery(_ query: [(String, String)]) -> String {
        let encoded: [(key: String, value: String)] = query.map { (key: uriEncode($0.0), value: uriEncode($0.1)) }
        let sorted = encoded.sorted { (a: (key: String, value: String), b: (key: String, value: String)) -> Bool in
            a.key == b.key ? a.value < b.value : a.key < b.key
        }
        return sorted.map { (pair: (key: String, value: String)) -> String in pair.key + "=" + pair.value }.joined(separator: "&")
    }

    /// The string to sign for `canonical` (exposed for tests).
    func stringToSign(_ canonical: String, date: Date) -> String {
        ["AWS4-HMAC-SHA256", Self.timestamp(date), scope(date), Self.hex(SHA256.hash(data: Array(canonical.utf8)))].joined(separator: "\n")
    }

    private func sign(_ canonical: String, date: Date) -> String {
        var key = SymmetricKey(data: Array("AWS4\(credentials.secretAccessKey)".utf8))
        for part in [Self.day(date), region, service, "aws4_request"] {
            key = SymmetricKey(data: Data(HMAC<SHA256>.authenticationCode(for: Array(part.utf8), using: key)))
        }
        return Self.hex(HMAC<SHA256>.authenticationCode(for: Array(stringToSign(canonical, date: date).utf8), using: key))
    }

    private func scope(_ date: Date) -> String { "\(Self.day(date))/\(region)/\(service)/aws4_request" }

    /// RFC 3986 encoding of everything but the unreserved characters.
    static func uriEncode(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
                out.append(Character(UnicodeScalar(byte)))
            default:
                out += String(format: "%%%02X", byte)
            }
        }
        return out
    }

    static func timestamp(_ date: Date) -> String { format(date, "yyyyMMdd'T'HHmmss'Z'") }
    static func day(_ date: Date) -> String { format(date, "yyyyMMdd") }

    private static func format(_ date: Date, _ pattern: String) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = pattern
        return formatter.string(from: date)
    }

    static func hex<D: Sequence>(_ digest: D) -> String where D.Element == UInt8 {
        digest.map { String(format: "%02x", $0) }.joined()
    }
}
