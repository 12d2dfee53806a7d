// libFuzzer target: the RTP parser and the jitter buffer behind it. Built by scripts/fuzz.sh with
// `swiftc -sanitize=fuzzer,address` together with the sources it exercises (not part of the package).

/// Checks that parsing never crashes, that a parsed packet writes back to bytes that parse to the same
/// packet, and that any sequence of packets keeps the jitter buffer within its bounds.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRTP(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    if let packet = try? RTPPacket(parsing: bytes) {
        guard let again = try? RTPPacket(parsing: packet.bytes), again == packet else { fatalError("round trip changed the packet") }
    }
    // Treat the input as a train of 14-byte packets (12-byte header + 2 bytes of payload) through a buffer.
    var buffer = JitterBuffer<UInt16>(depth: .milliseconds(60), capacity: 16, clockRate: 8_000)
    var time = 0
    var emitted = 0
    var offset = 0
    while offset + 14 <= size {
        if let packet = try? RTPPacket(parsing: bytes[offset..<(offset + 14)]) {
            time += Int(packet.payload.first ?? 0)
            buffer.insert(sequence: packet.sequenceNumber, timestamp: packet.timestamp, payload: packet.sequenceNumber, arrival: .milliseconds(time)) { _ in
                emitted += 1
            }
            guard buffer.count <= buffer.capacity else { fatalError("jitter buffer over capacity") }
        }
        offset += 14
    }
    buffer.poll(now: .seconds(3600)) { _ in emitted += 1 }
    return 0
}
