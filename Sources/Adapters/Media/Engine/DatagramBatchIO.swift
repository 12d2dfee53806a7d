/// What an `RTPSocket` needs of a UDP socket: batched, non-blocking reads and writes. The kernel's is
/// `UDPBatchSocket`; tests use one in memory.
protocol DatagramBatchIO: AnyObject, Sendable {
    /// The bound port (what sessions offer as `external_host`).
    var localPort: Int { get }
    /// Reads every datagram waiting, without blocking, and calls `body` for each: its bytes (nil if it was
    /// larger than a datagram may be), its source, and how long ago the kernel received it.
    func drain(_ body: (UnsafeRawBufferPointer?, RTPEndpoint, Duration) -> Void)
    /// Sends the batch; returns how many datagrams left (the rest were refused or found the buffer full).
    func send(_ batch: DatagramBatch) -> Int
    /// Closes the socket.
    func close()
}
