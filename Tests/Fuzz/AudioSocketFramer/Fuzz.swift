// libFuzzer target: the AudioSocket framer, as the TCP decoder drives it (see scripts/fuzz.sh).

/// Parses the input as a byte stream of frames, the way the connection's decoder does: never crashes,
/// never consumes more than it has, and every frame written back parses to itself.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzAudioSocket(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    var offset = 0
    while offset < bytes.count {
        let parsed: (frame: AudioSocketFrame, consumed: Int)?
        do { parsed = try AudioSocketFrame.parse(bytes[offset...]) } catch { break }
        guard let (frame, consumed) = parsed else { break }
        guard consumed >= 3, offset + consumed <= bytes.count else { fatalError("consumed \(consumed) at \(offset) of \(bytes.count)") }
        guard let again = try? AudioSocketFrame.parse(frame.bytes), again.frame == frame else { fatalError("round trip changed the frame") }
        _ = frame.uuidString
        if frame.kind.sampleRate != nil { _ = L16.decodeLittleEndian(frame.payload) }
        offset += consumed
    }
    return 0
}
