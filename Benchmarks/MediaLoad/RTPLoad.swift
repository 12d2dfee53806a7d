import LoadSupport
import CBatchIO
import Foundation
import Media
import Synchronization

/// N callers over RTP: ulaw at 50 packets per second each, sent with sendmmsg from a few sockets on
/// one thread (absolute 20 ms deadlines), the daemon's packets read with recvmmsg and kernel receive
/// timestamps on another. Like Asterisk's ExternalMedia channels, every caller sends from an address of
/// its own (caller i from 127.1.i/256.i%256, set per packet with IP_PKTINFO), which it tells the media
/// process as its `UNICASTRTP_LOCAL_ADDRESS:PORT`; the daemon's replies are told apart by that address.
final class RTPLoad: CallerLoad, @unchecked Sendable {
    static let packetSize = 12 + 160
    static let socketCount = 4
    /// The media process's port for each call (set before `start`).
    var destinations: [UInt16] = []
    /// Each call's source address, host order.
    private let sourceIPs: [UInt32]
    private var fds: [Int32] = []
    /// Calls [groups[k].lowerBound, groups[k].upperBound) use socket k.
    private var groups: [Range<Int>] = []
    private let packets: UnsafeMutablePointer<UInt8>
    private let payloads: [[UInt8]]
    private let measuring = Atomic<Bool>(false)
    private let stopping = Atomic<Bool>(false)
    private let sentCount = Atomic<Int>(0)
    private var threads: [Thread] = []
    private let done = DispatchGroup()
    // Receive side, touched only by the receive thread until `stop`.
    private var lastArrival: [Int64]
    private var lastSequence: [Int32]
    private var stats = PacingStats()

    init(calls: Int) {
        sourceIPs = (0..<calls).map { 0x7F01_0000 | UInt32($0) }
        packets = .allocate(capacity: calls * Self.packetSize)
        lastArrival = Array(repeating: 0, count: calls)
        lastSequence = Array(repeating: -1, count: calls)
        // One second of a 300 Hz tone with pauses (VAD sees speech and silence), 50 payloads.
        payloads = (0..<50).map { n in
            (0..<160).map { s in
                let t = Double(n * 160 + s) / 8000
                let on = n % 25 < 15
                return G711.ulawEncode(on ? Int16(7000 * sin(2 * Double.pi * 300 * t)) : 0)
            }
        }
        let perSocket = (calls + Self.socketCount - 1) / Self.socketCount
        for k in 0..<Self.socketCount where k * perSocket < calls {
            var port: Int32 = 0
            let fd = batchio_udp_socket(8 << 20, &port)
            guard fd >= 0 else { LoadGenerator.fail("cannot open a UDP socket") }
            fds.append(fd)
            groups.append((k * perSocket)..<min(calls, (k + 1) * perSocket))
        }
        for i in 0..<calls {
            let p = packets + i * Self.packetSize
            p[0] = 0x80; p[1] = 0
            let ssrc = UInt32(0x1000 + i)
            p[8] = UInt8(ssrc >> 24); p[9] = UInt8((ssrc >> 16) & 0xFF); p[10] = UInt8((ssrc >> 8) & 0xFF); p[11] = UInt8(ssrc & 0xFF)
        }
    }

    /// Each call's `UNICASTRTP_LOCAL_ADDRESS:PORT` (what the media process is told at connect).
    var sources: [String] {
        var result: [String] = []
        for (k, group) in groups.enumerated() {
            var port: Int32 = 0
            _ = batchio_local_port(fds[k], &port)
            for i in group { result.append("127.1.\(i >> 8).\(i & 0xFF):\(port)") }
        }
        return result
    }

    func start() {
        let sender = Thread { [self] in send() }
        let receiver = Thread { [self] in receive() }
        sender.qualityOfService = .userInteractive
        receiver.qualityOfService = .userInteractive
        done.enter(); done.enter()
        threads = [sender, receiver]
        sender.start(); receiver.start()
    }

    func setMeasuring(_ on: Bool) { measuring.store(on, ordering: .sequentiallyConsistent) }

    func stop() -> (PacingStats, Int) {
        stopping.store(true, ordering: .sequentiallyConsistent)
        done.wait()
        return (stats, sentCount.load(ordering: .relaxed))
    }

    private func send() {
        let start = batchio_monotonic_ns() + 20_000_000
        var tick: Int64 = 0
        while !stopping.load(ordering: .relaxed) {
            batchio_sleep_until(start + tick * 20_000_000)
            let seq = UInt16(truncatingIfNeeded: tick)
            let timestamp = UInt32(truncatingIfNeeded: tick * 160)
            let payload = payloads[Int(tick % 50)]
            for (k, group) in groups.enumerated() {
                for i in group {
                    let p = packets + i * Self.packetSize
                    p[2] = UInt8(seq >> 8); p[3] = UInt8(seq & 0xFF)
                    p[4] = UInt8(timestamp >> 24); p[5] = UInt8((timestamp >> 16) & 0xFF)
                    p[6] = UInt8((timestamp >> 8) & 0xFF); p[7] = UInt8(timestamp & 0xFF)
                    payload.withUnsafeBufferPointer { (p + 12).update(from: $0.baseAddress!, count: 160) }
                }
                var offset = group.lowerBound
                while offset < group.upperBound {
                    let count = min(1024, group.upperBound - offset)
                    let sent = destinations.withUnsafeBufferPointer { ports in
                        sourceIPs.withUnsafeBufferPointer { sources in
                            batchio_send(fds[k], packets + offset * Self.packetSize, Int32(Self.packetSize), Int32(Self.packetSize),
                                         ports.baseAddress! + offset, sources.baseAddress! + offset, Int32(count))
                        }
                    }
                    if sent > 0 { sentCount.add(Int(sent), ordering: .relaxed) }
                    offset += count
                }
            }
            tick += 1
        }
        done.leave()
    }

    private func receive() {
        let batch = 512
        let stride = 2048
        let buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: batch * stride)
        var lengths = [Int32](repeating: 0, count: batch)
        var sources = [UInt16](repeating: 0, count: batch)
        var destinationIPs = [UInt32](repeating: 0, count: batch)
        var arrivals = [Int64](repeating: 0, count: batch)
        stats.deviations.reserveCapacity(sourceIPs.count * 50 * 40)
        while !stopping.load(ordering: .relaxed) {
            let mask = fds.withUnsafeBufferPointer { batchio_poll($0.baseAddress!, Int32($0.count), 50) }
            guard mask != 0 else { continue }
            let measure = measuring.load(ordering: .relaxed)
            for (k, fd) in fds.enumerated() where mask & (1 << UInt32(k)) != 0 {
                while true {
                    let n = Int(batchio_recv(fd, buffer, Int32(stride), Int32(batch), &lengths, &sources, &destinationIPs, &arrivals))
                    for m in 0..<max(0, n) {
                        let call = Int(destinationIPs[m] & 0xFFFF)
                        guard destinationIPs[m] >> 16 == 0x7F01, call < lastArrival.count, lengths[m] >= 12 else { continue }
                        let p = buffer + m * stride
                        let seq = Int32(p[2]) << 8 | Int32(p[3])
                        if measure {
                            stats.received += 1
                            if lastArrival[call] != 0 { stats.gap(arrivals[m] - lastArrival[call]) }
                            if lastSequence[call] >= 0 {
                                let step = Int((seq - lastSequence[call]) & 0xFFFF)
                                if step > 1 && step < 1000 { stats.lost += step - 1 }
                            }
                        }
                        lastArrival[call] = arrivals[m]
                        lastSequence[call] = seq
                    }
                    if n < batch { break }
                }
            }
        }
        buffer.deallocate()
        done.leave()
    }
}
