import Domain
import Logging
@testable import Media
import Testing

@Suite("Batched UDP sockets and endpoints")
struct UDPBatchSocketTests {
    @Test func endpointsParseAndPrintBothFamilies() throws {
        let v4 = try #require(RTPEndpoint(host: "192.0.2.7", port: 4000))
        #expect(v4.family == 4 && v4.port == 4000)
        #expect(v4.description == "192.0.2.7:4000")
        let v6 = try #require(RTPEndpoint(host: "2001:db8::1", port: 5004))
        #expect(v6.family == 6)
        #expect(v6.description == "[2001:db8::1]:5004")
        #expect(RTPEndpoint(host: "192.0.2.7", port: 4000) == v4, "a value: equal addresses are equal keys")
        #expect(RTPEndpoint(host: "192.0.2.7", port: 4001) != v4)
        #expect(RTPEndpoint(host: "asterisk.example", port: 4000) == nil, "names are not resolved on the media path")
        #expect(RTPEndpoint(host: "192.0.2.7", port: 70_000) == nil)
    }

    @Test func aBatchLeavesInOneSendAndArrivesWithItsSourceAndAge() throws {
        let receiver = try UDPBatchSocket(host: "127.0.0.1", port: 0, slots: 4, bufferBytes: 1 << 20)
        let sender = try UDPBatchSocket(host: "127.0.0.1", port: 0, slots: 4, bufferBytes: 0)
        let destination = try #require(RTPEndpoint(host: "127.0.0.1", port: receiver.localPort))
        let batch = DatagramBatch(stride: 256, capacity: 2)
        for n in 0..<10 {
            batch.append(to: destination) { slot in
                for i in 0..<(20 + n) { slot[i] = UInt8(n) }
                return 20 + n
            }
        }
        #expect(batch.count == 10, "the batch grew past its first capacity")
        #expect(sender.send(batch) == 10)

        var received: [(bytes: [UInt8], source: RTPEndpoint, age: Duration)] = []
        let deadline = ContinuousClock.now + .seconds(2)
        while received.count < 10, ContinuousClock.now < deadline {
            receiver.drain { bytes, source, age in received.append((bytes.map { Array($0) } ?? [], source, age)) }
        }
        #expect(received.count == 10, "read in batches of 4 until nothing is left")
        for (n, datagram) in received.enumerated() {
            #expect(datagram.bytes == [UInt8](repeating: UInt8(n), count: 20 + n))
            #expect(datagram.source == RTPEndpoint(host: "127.0.0.1", port: sender.localPort))
            #expect(datagram.age >= .zero && datagram.age < .seconds(2), "the kernel's arrival time: \(datagram.age)")
        }
        receiver.close()
        sender.close()
    }

    @Test func anOversizedDatagramIsReportedNotTruncated() throws {
        let receiver = try UDPBatchSocket(host: "127.0.0.1", port: 0, slots: 2, bufferBytes: 0)
        let sender = try UDPBatchSocket(host: "127.0.0.1", port: 0, slots: 2, bufferBytes: 0)
        let destination = try #require(RTPEndpoint(host: "127.0.0.1", port: receiver.localPort))
        let batch = DatagramBatch(stride: 4096, capacity: 1)
        batch.append(to: destination) { _ in UDPBatchSocket.slotSize + 100 }
        #expect(sender.send(batch) == 1)
        var lengths: [Int?] = []
        let deadline = ContinuousClock.now + .seconds(2)
        while lengths.isEmpty, ContinuousClock.now < deadline {
            receiver.drain { bytes, _, _ in lengths.append(bytes?.count) }
        }
        #expect(lengths == [nil])
    }

    @Test func bindingATakenPortNamesIt() throws {
        let first = try UDPBatchSocket(host: "127.0.0.1", port: 0, slots: 1, bufferBytes: 0)
        #expect(throws: ProviderError.self) { try UDPBatchSocket(host: "127.0.0.1", port: first.localPort, slots: 1, bufferBytes: 0) }
        #expect(throws: ProviderError.self) { try UDPBatchSocket(host: "not-an-address", port: 0, slots: 1, bufferBytes: 0) }
    }
}
