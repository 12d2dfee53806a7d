/// A `multipart/form-data` body (RFC 7578) built from text fields and one file.
struct MultipartForm: Sendable {
    let boundary: String
    private(set) var body: [UInt8] = []

    init(boundary: String = "voicegw-\(UInt64.random(in: 1...UInt64.max))") {
        self.boundary = boundary
    }

    var contentType: String { "multipart/form-data; boundary=\(boundary)" }

    mutating func field(_ name: String, _ value: String) {
        body += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n".utf8)
    }

    mutating func file(_ name: String, filename: String, contentType: String, data: [UInt8]) {
        body += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"; filename=\"\(filename)\"\r\nContent-Type: \(contentType)\r\n\r\n".utf8)
        body += data
        body += Array("\r\n".utf8)
    }

    /// The body with its closing delimiter.
    func finished() -> [UInt8] {
        body + Array("--\(boundary)--\r\n".utf8)
    }
}
