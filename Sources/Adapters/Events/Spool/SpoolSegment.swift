import Glibc

/// One append-only segment file `segment-<base offset>.log` of the spool. Records are
/// `[u32 length LE][u32 CRC-32 of payload LE][payload]`; a record's offset is the segment's base plus
/// its position in the file, so offsets grow across segments.
struct SpoolSegment {
    static let headerSize = 8
    static let maxRecordSize = 16 << 20

    let base: Int64
    let path: String
    let fd: Int32
    /// Bytes of valid records in the file.
    private(set) var size: Int64

    var end: Int64 { base + size }

    static func fileName(base: Int64) -> String {
        let digits = String(base)
        return "segment-" + String(repeating: "0", count: max(0, 20 - digits.count)) + digits + ".log"
    }

    /// The base offset encoded in `name`, if it is a segment file name.
    static func base(ofFileName name: String) -> Int64? {
        guard name.hasPrefix("segment-"), name.hasSuffix(".log") else { return nil }
        return Int64(name.dropFirst(8).dropLast(4))
    }

    /// Creates an empty segment.
    static func create(directory: String, base: Int64) throws(SpoolError) -> SpoolSegment {
        let path = directory + "/" + fileName(base: base)
        let fd = Glibc.open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw SpoolError(.io, "cannot create \(path): \(String(cString: strerror(errno)))") }
        return SpoolSegment(base: base, path: path, fd: fd, size: 0)
    }

    /// Opens an existing segment, checks every record and truncates the file after the last valid one
    /// (a torn or corrupt tail). Returns the segment and how many bytes were cut off.
    static func open(directory: String, base: Int64) throws(SpoolError) -> (SpoolSegment, Int64) {
        let path = directory + "/" + fileName(base: base)
        let fd = Glibc.open(path, O_RDWR | O_CLOEXEC)
        guard fd >= 0 else { throw SpoolError(.io, "cannot open \(path): \(String(cString: strerror(errno)))") }
        var stats = stat()
        fstat(fd, &stats)
        let fileSize = Int64(stats.st_size)
        var segment = SpoolSegment(base: base, path: path, fd: fd, size: fileSize)
        var position: Int64 = 0
        while position < fileSize, let next = segment.validRecordEnd(at: position, fileSize: fileSize) { position = next }
        if position < fileSize {
            guard ftruncate(fd, off_t(position)) == 0 else { throw SpoolError(.io, "cannot truncate \(path)") }
            fsync(fd)
        }
        segment.size = position
        return (segment, fileSize - position)
    }

    /// The position after the record at `position`, or nil when it is torn or fails its checksum.
    private func validRecordEnd(at position: Int64, fileSize: Int64) -> Int64? {
        guard let (length, crc) = header(at: position) else { return nil }
        let end = position + Int64(Self.headerSize) + Int64(length)
        guard length <= Self.maxRecordSize, end <= fileSize else { return nil }
        guard let payload = read(at: position + Int64(Self.headerSize), count: length) else { return nil }
        return CRC32.checksum(payload) == crc ? end : nil
    }

    func header(at position: Int64) -> (Int, UInt32)? {
        guard let bytes = read(at: position, count: Self.headerSize) else { return nil }
        let length = UInt32(bytes[0]) | UInt32(bytes[1]) << 8 | UInt32(bytes[2]) << 16 | UInt32(bytes[3]) << 24
        let crc = UInt32(bytes[4]) | UInt32(bytes[5]) << 8 | UInt32(bytes[6]) << 16 | UInt32(bytes[7]) << 24
        return (Int(length), crc)
    }

    func read(at position: Int64, count: Int) -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + done, count - done, off_t(position) + off_t(done)) }
            if n <= 0 { return nil }
            done += n
        }
        return buffer
    }

    /// Appends already framed bytes.
    mutating func append(_ framed: [UInt8]) throws(SpoolError) {
        var done = 0
        while done < framed.count {
            let n = framed.withUnsafeBytes { pwrite(fd, $0.baseAddress! + done, framed.count - done, off_t(size) + off_t(done)) }
            if n < 0 {
                if errno == EINTR { continue }
                throw SpoolError(.io, "cannot write \(path): \(String(cString: strerror(errno)))")
            }
            done += n
        }
        size += Int64(framed.count)
    }

    func sync() throws(SpoolError) {
        guard fdatasync(fd) == 0 else { throw SpoolError(.io, "fdatasync \(path): \(String(cString: strerror(errno)))") }
    }

    func close() { _ = Glibc.close(fd) }

    /// `payload` framed as a record.
    static func frame(_ payload: [UInt8], into out: inout [UInt8]) {
        let length = UInt32(payload.count)
        let crc = CRC32.checksum(payload)
        for shift in stride(from: 0, to: 32, by: 8) { out.append(UInt8(truncatingIfNeeded: length >> UInt32(shift))) }
        for shift in stride(from: 0, to: 32, by: 8) { out.append(UInt8(truncatingIfNeeded: crc >> UInt32(shift))) }
        out.append(contentsOf: payload)
    }
}
