// libFuzzer target: the WAV reader (see scripts/fuzz.sh).

/// Reading arbitrary bytes either throws or yields samples at a sane rate; what it yields writes back
/// to a file that reads to the same samples.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzWAV(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let file = try? WAVFile(bytes: bytes) else { return 0 }
    guard (1000...384_000).contains(file.sampleRate) else { fatalError("rate \(file.sampleRate)") }
    guard let again = try? WAVFile(bytes: file.bytes), again == file else { fatalError("round trip changed the file") }
    return 0
}
