import CMediaIO

/// The datagrams a socket sends at the end of one pacing tick, written in place into one reused block of
/// memory: no buffer, envelope or address is allocated per packet. Touched only on the socket's loop.
final class DatagramBatch {
    /// Room for one datagram (RTP header and 20 ms of G.711 with room to spare).
    let stride: Int
    private var storage: UnsafeMutableRawPointer
    private var capacity: Int
    private(set) var lengths: [Int32] = []
    private(set) var destinations: [mediaio_endpoint] = []

    init(stride: Int = 256, capacity: Int = 8) {
        self.stride = stride
        self.capacity = capacity
        storage = .allocate(byteCount: stride * capacity, alignment: 16)
    }

    deinit { storage.deallocate() }

    /// Datagrams queued.
    var count: Int { lengths.count }

    /// Queues one datagram to `destination`: `write` fills at most `stride` bytes and returns how many
    /// (nothing is queued for 0).
    func append(to destination: RTPEndpoint, _ write: (UnsafeMutableRawBufferPointer) -> Int) {
        if count == capacity { grow() }
        let slot = UnsafeMutableRawBufferPointer(start: storage + count * stride, count: stride)
        let length = min(max(0, write(slot)), stride)
        guard length > 0 else { return }
        lengths.append(Int32(length))
        destinations.append(destination.raw)
    }

    /// The bytes of datagram `index` (for tests and in-memory sockets).
    func bytes(at index: Int) -> [UInt8] {
        Array(UnsafeRawBufferPointer(start: storage + index * stride, count: Int(lengths[index])))
    }

    /// Where datagram `index` goes.
    func destination(at index: Int) -> RTPEndpoint { RTPEndpoint(destinations[index]) }

    /// Calls `body` with the packed datagrams (for `sendmmsg`).
    func withPackets<R>(_ body: (UnsafePointer<UInt8>, Int, UnsafePointer<Int32>, UnsafePointer<mediaio_endpoint>, Int) -> R) -> R {
        lengths.withUnsafeBufferPointer { lengths in
            destinations.withUnsafeBufferPointer { destinations in
                body(UnsafePointer(storage.assumingMemoryBound(to: UInt8.self)), stride, lengths.baseAddress!, destinations.baseAddress!, count)
            }
        }
    }

    /// Empties the batch, keeping its memory.
    func removeAll() {
        lengths.removeAll(keepingCapacity: true)
        destinations.removeAll(keepingCapacity: true)
    }

    private func grow() {
        let bigger = UnsafeMutableRawPointer.allocate(byteCount: stride * capacity * 2, alignment: 16)
        bigger.copyMemory(from: storage, byteCount: stride * capacity)
        storage.deallocate()
        storage = bigger
        capacity *= 2
    }
}
