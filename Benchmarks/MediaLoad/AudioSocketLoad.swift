import LoadSupport
import CBatchIO
import Foundation
import Synchronization

/// N callers over AudioSocket: one TCP connection each (UUID frame, then a 0x12 frame of 640 bytes
/// every 20 ms), the daemon's frames read through epoll with their arrival time.
final class AudioSocketLoad: CallerLoad, @unchecked Sendable {
    private var fds: [Int32] = []
    private let epoll: Int32
    private let measuring = Atomic<Bool>(false)
    private let stopping = Atomic<Bool>(false)
    private let sentCount = Atomic<Int>(0)
    private let done = DispatchGroup()
    private var pending: [[UInt8]]
    private var lastArrival: [Int64]
    private var stats = PacingStats()
    /// One second of a 300 Hz tone with pauses (as the RTP callers send), 50 frames of 640 bytes.
    private let frames: [[UInt8]]

    init(port: Int, uuids: [String]) {
        epoll = batchio_epoll_create()
        pending = Array(repeating: [], count: uuids.count)
        lastArrival = Array(repeating: 0, count: uuids.count)
        frames = (0..<50).map { n in
            var audio: [UInt8] = [0x12, 0x02, 0x80]
            for s in 0..<320 {
                let t = Double(n * 320 + s) / 16_000
                let on = n % 25 < 15
                let v = UInt16(bitPattern: on ? Int16(7000 * sin(2 * Double.pi * 300 * t)) : 0)
                audio += [UInt8(v & 0xFF), UInt8(v >> 8)]
            }
            return audio
        }
        for (i, uuid) in uuids.enumerated() {
            let fd = batchio_tcp_connect(Int32(port))
            guard fd >= 0 else { LoadGenerator.fail("cannot connect to the AudioSocket server") }
            let hex = Array(uuid.filter { $0 != "-" })
            var bytes: [UInt8] = [0x01, 0x00, 0x10]
            for j in Swift.stride(from: 0, to: 32, by: 2) { bytes.append(UInt8(String(hex[j..<(j + 2)]), radix: 16) ?? 0) }
            _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            _ = batchio_set_nonblocking(fd)
            _ = batchio_epoll_add(epoll, fd, Int32(i))
            fds.append(fd)
        }
    }

    func start() {
        done.enter(); done.enter()
        Thread { [self] in send() }.start()
        Thread { [self] in receive() }.start()
    }

    func setMeasuring(_ on: Bool) { measuring.store(on, ordering: .sequentiallyConsistent) }

    func stop() -> (PacingStats, Int) {
        stopping.store(true, ordering: .sequentiallyConsistent)
        done.wait()
        for fd in fds { close(fd) }
        return (stats, sentCount.load(ordering: .relaxed))
    }

    private func send() {
        let start = batchio_monotonic_ns() + 20_000_000
        var tick: Int64 = 0
        while !stopping.load(ordering: .relaxed) {
            batchio_sleep_until(start + tick * 20_000_000)
            frames[Int(tick % 50)].withUnsafeBytes { bytes in
                for fd in fds where write(fd, bytes.baseAddress, bytes.count) == bytes.count { sentCount.add(1, ordering: .relaxed) }
            }
            tick += 1
        }
        done.leave()
    }

    private func receive() {
        var ready = [Int32](repeating: 0, count: 1024)
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while !stopping.load(ordering: .relaxed) {
            let n = Int(batchio_epoll_wait(epoll, &ready, 1024, 50))
            let now = batchio_monotonic_ns()
            let measure = measuring.load(ordering: .relaxed)
            for r in 0..<n {
                let call = Int(ready[r])
                while true {
                    let got = chunk.withUnsafeMutableBytes { read(fds[call], $0.baseAddress, $0.count) }
                    guard got > 0 else { break }
                    pending[call] += chunk[0..<got]
                    if got < chunk.count { break }
                }
                var offset = 0
                let bytes = pending[call]
                while bytes.count - offset >= 3 {
                    let length = Int(bytes[offset + 1]) << 8 | Int(bytes[offset + 2])
                    guard bytes.count - offset >= 3 + length else { break }
                    if bytes[offset] == 0x12 {
                        if measure {
                            stats.received += 1
                            if lastArrival[call] != 0 { stats.gap(now - lastArrival[call]) }
                        }
                        lastArrival[call] = now
                    }
                    offset += 3 + length
                }
                if offset > 0 { pending[call].removeFirst(offset) }
            }
        }
        done.leave()
    }
}
