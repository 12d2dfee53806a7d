import Domain
@testable import Events
import Foundation
import TestSupport
import Testing

@Suite("Event spool")
struct EventSpoolTests {
    func temporaryDirectory() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("vgw-spool-\(UUIDv4.random())").path
    }

    func payload(_ n: Int) -> [UInt8] { Array("event-\(n)-\(String(repeating: "x", count: n % 50))".utf8) }

    @Test func crcMatchesTheStandardCheckValue() {
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
    }

    @Test(arguments: [SpoolConfiguration.FsyncPolicy.always, .batch(interval: .milliseconds(5)), .never])
    func appendReadAcknowledgeAndReopen(policy: SpoolConfiguration.FsyncPolicy) throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let configuration = SpoolConfiguration(directory: directory, maxBytes: 1 << 20, fsync: policy, segmentBytes: 4096)
        var spool: EventSpool? = try EventSpool(configuration: configuration, clock: WallClock())
        for n in 0..<300 { try spool!.append([payload(n)]) }
        let all = try spool!.read(from: 0, maxRecords: 1000)
        #expect(all.map(\.payload) == (0..<300).map(payload))
        // Several segments were written; acknowledging deletes the ones fully delivered.
        let segmentsBefore = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasPrefix("segment-") }.count
        #expect(segmentsBefore > 3)
        try spool!.acknowledge(upTo: all[199].next)
        let segmentsAfter = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasPrefix("segment-") }.count
        #expect(segmentsAfter < segmentsBefore)
        spool = nil
        // A restart starts from the checkpoint: only the unacknowledged records come back.
        let reopened = try EventSpool(configuration: configuration, clock: WallClock())
        #expect(reopened.acknowledgedOffset == all[199].next)
        let rest = try reopened.read(from: reopened.acknowledgedOffset, maxRecords: 1000)
        #expect(rest.map(\.payload) == (200..<300).map(payload))
        #expect(reopened.truncatedBytes == 0)
    }

    @Test func tornTailIsTruncatedOnOpen() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let configuration = SpoolConfiguration(directory: directory, maxBytes: 1 << 20, fsync: .never)
        do {
            let spool = try EventSpool(configuration: configuration, clock: WallClock())
            for n in 0..<10 { try spool.append([payload(n)]) }
        }
        let segment = directory + "/" + SpoolSegment.fileName(base: 0)
        let intact = try FileManager.default.attributesOfItem(atPath: segment)[.size] as! Int
        // A record cut short by a crash: a header announcing 100 bytes and only 7 of them.
        let handle = try #require(FileHandle(forWritingAtPath: segment))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data([100, 0, 0, 0, 1, 2, 3, 4, 9, 9, 9, 9, 9, 9, 9]))
        try handle.close()
        let reopened = try EventSpool(configuration: configuration, clock: WallClock())
        #expect(reopened.truncatedBytes == 15)
        #expect(try FileManager.default.attributesOfItem(atPath: segment)[.size] as! Int == intact)
        #expect(try reopened.read(from: 0, maxRecords: 100).map(\.payload) == (0..<10).map(payload))
        // Appending after the repair continues cleanly.
        try reopened.append([payload(10)])
        #expect(try reopened.read(from: 0, maxRecords: 100).count == 11)
    }

    @Test func corruptRecordEndsTheValidPrefix() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let configuration = SpoolConfiguration(directory: directory, maxBytes: 1 << 20, fsync: .never)
        let offsets: [Int64]
        do {
            let spool = try EventSpool(configuration: configuration, clock: WallClock())
            offsets = try spool.append((0..<5).map(payload))
        }
        // Flip a payload byte of the fourth record: its checksum fails, so it and what follows are cut.
        let segment = directory + "/" + SpoolSegment.fileName(base: 0)
        let fd = open(segment, O_RDWR)
        var byte: UInt8 = 0x5A
        pwrite(fd, &byte, 1, off_t(offsets[3] + 9))
        close(fd)
        let reopened = try EventSpool(configuration: configuration, clock: WallClock())
        #expect(try reopened.read(from: 0, maxRecords: 100).map(\.payload) == (0..<3).map(payload))
        #expect(reopened.truncatedBytes > 0)
    }

    @Test func fullSpoolRefusesWithoutWriting() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let configuration = SpoolConfiguration(directory: directory, maxBytes: 1000, fsync: .never)
        let spool = try EventSpool(configuration: configuration, clock: WallClock())
        var accepted = 0
        var refused = 0
        for n in 0..<100 {
            do { try spool.append([payload(n)]); accepted += 1 } catch { #expect(error.code == .full); refused += 1 }
        }
        #expect(accepted > 5 && refused > 0)
        #expect(spool.usedBytes <= 1000)
        #expect(spool.fillRatio > 0.8)
        // Acknowledging frees the space again (once a segment is fully delivered).
        #expect(try spool.read(from: 0, maxRecords: 1000).count == accepted)
    }

    @Test func corruptCheckpointReplaysEverything() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let configuration = SpoolConfiguration(directory: directory, maxBytes: 1 << 20, fsync: .always)
        do {
            let spool = try EventSpool(configuration: configuration, clock: WallClock())
            let offsets = try spool.append((0..<4).map(payload))
            try spool.acknowledge(upTo: offsets[2])
        }
        try Data([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]).write(to: URL(fileURLWithPath: directory + "/checkpoint"))
        let reopened = try EventSpool(configuration: configuration, clock: WallClock())
        #expect(reopened.acknowledgedOffset == 0)
        #expect(try reopened.read(from: 0, maxRecords: 10).count == 4)
    }

    @Test func fsyncPolicyParsing() throws {
        #expect(try SpoolConfiguration.FsyncPolicy(parsing: "always") == .always)
        #expect(try SpoolConfiguration.FsyncPolicy(parsing: "never") == .never)
        #expect(try SpoolConfiguration.FsyncPolicy(parsing: "batch:20") == .batch(interval: .milliseconds(20)))
        #expect(throws: SpoolError.self) { try SpoolConfiguration.FsyncPolicy(parsing: "sometimes") }
    }

    @Test func trackerOnlyAdvancesOverContiguousAcknowledgements() {
        var tracker = DeliveryTracker(acknowledgedPoint: 0)
        for offset in stride(from: Int64(0), to: 50, by: 10) { tracker.produced(offset: offset, next: offset + 10) }
        tracker.delivered(offset: 10, success: true)
        #expect(tracker.acknowledgedPoint == 0)
        tracker.delivered(offset: 0, success: true)
        #expect(tracker.acknowledgedPoint == 20)
        tracker.delivered(offset: 30, success: false)
        tracker.delivered(offset: 20, success: true)
        #expect(tracker.acknowledgedPoint == 20)
        #expect(tracker.rewind() == nil)
        tracker.delivered(offset: 40, success: true)
        #expect(tracker.rewind() == 20)
        #expect(tracker.inFlight == 0)
    }
}
