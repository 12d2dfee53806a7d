import CMediaIO
import Domain
import Glibc
import Synchronization

/// A non-blocking UDP socket read with `recvmmsg` and written with `sendmmsg` (through `CMediaIO`), with
/// the kernel's receive timestamps: no event-loop channel, no allocation per datagram. It is drained by the
/// pacing ticker of its loop (`RTPSocket`), never waited on.
final class UDPBatchSocket: DatagramBatchIO, @unchecked Sendable {
    let localPort: Int
    private let fd: Int32
    private let closed = Atomic<Bool>(false)
    // Reused by every drain (drains run on one loop).
    private let slots: Int
    private let slotSize: Int
    private let buffer: UnsafeMutableRawPointer
    private var lengths: [Int32]
    private var sources: [mediaio_endpoint]
    private var ages: [Int64]

    /// Datagrams up to this size are read (RTP of 60 ms of slin16 fits); larger ones are reported as such.
    static let slotSize = 2048

    /// Binds `host:port`. `slots` is how many datagrams one system call reads; `bufferBytes` the kernel
    /// buffers asked for (a privileged process gets them past `net.core.rmem_max`).
    init(host: String, port: Int, slots: Int, bufferBytes: Int) throws(ProviderError) {
        let fd = mediaio_udp_open(host, Int32(port), Int32(bufferBytes))
        guard fd >= 0 else {
            throw ProviderError(.unavailable, provider: "media", "cannot bind UDP \(host):\(port): \(String(cString: strerror(errno)))")
        }
        self.fd = fd
        localPort = Int(mediaio_local_port(fd))
        self.slots = slots
        slotSize = Self.slotSize
        buffer = .allocate(byteCount: slots * Self.slotSize, alignment: 16)
        lengths = Array(repeating: 0, count: slots)
        sources = Array(repeating: mediaio_endpoint(), count: slots)
        ages = Array(repeating: 0, count: slots)
    }

    deinit {
        close()
        buffer.deallocate()
    }

    /// The receive buffer the kernel granted.
    var receiveBufferBytes: Int { Int(mediaio_receive_buffer(fd)) }

    func drain(_ body: (UnsafeRawBufferPointer?, RTPEndpoint, Duration) -> Void) {
        while !closed.load(ordering: .relaxed) {
            let count = Int(lengths.withUnsafeMutableBufferPointer { lengths in
                sources.withUnsafeMutableBufferPointer { sources in
                    ages.withUnsafeMutableBufferPointer { ages in
                        mediaio_recv(fd, buffer.assumingMemoryBound(to: UInt8.self), Int32(slotSize), Int32(slots),
                                     lengths.baseAddress!, sources.baseAddress!, ages.baseAddress!)
                    }
                }
            })
            guard count > 0 else { return }
            for i in 0..<count {
                let length = Int(lengths[i])
                let bytes = length < 0 ? nil : UnsafeRawBufferPointer(start: buffer + i * slotSize, count: length)
                body(bytes, RTPEndpoint(sources[i]), .nanoseconds(ages[i]))
            }
            if count < slots { return }
        }
    }

    func send(_ batch: DatagramBatch) -> Int {
        guard batch.count > 0, !closed.load(ordering: .relaxed) else { return 0 }
        return Int(batch.withPackets { packets, stride, lengths, destinations, count in
            mediaio_send(fd, packets, Int32(stride), lengths, destinations, Int32(count))
        })
    }

    func close() {
        guard !closed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        mediaio_close(fd)
    }
}
