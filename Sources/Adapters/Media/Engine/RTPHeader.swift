/// The fixed 12-byte header of the packets the daemon sends (no CSRC, no extension, no padding).
struct RTPHeader: Sendable, Hashable {
    let marker: Bool
    let payloadType: UInt8
    let sequenceNumber: UInt16
    let timestamp: UInt32
    let ssrc: UInt32

    /// Writes the header and `payload` into `datagram`; returns the length (0 if it does not fit).
    func write(payload: [UInt8], into datagram: UnsafeMutableRawBufferPointer) -> Int {
        let length = 12 + payload.count
        guard length <= datagram.count else { return 0 }
        datagram[0] = 0x80
        datagram[1] = (marker ? 0x80 : 0) | (payloadType & 0x7F)
        datagram.storeBytes(of: sequenceNumber.bigEndian, toByteOffset: 2, as: UInt16.self)
        datagram.storeBytes(of: timestamp.bigEndian, toByteOffset: 4, as: UInt32.self)
        datagram.storeBytes(of: ssrc.bigEndian, toByteOffset: 8, as: UInt32.self)
        payload.withUnsafeBytes { UnsafeMutableRawBufferPointer(rebasing: datagram[12..<length]).copyMemory(from: $0) }
        return length
    }
}
