import Domain
import Foundation
import Synchronization

/// A durable, bounded, append-only queue of records on local disk: the Kafka publisher writes every event
/// here before `publish` returns and deletes it (by moving the acknowledged-offset checkpoint) only once
/// Kafka acknowledged it. A restart replays from the checkpoint: duplicates are possible, losses are not.
///
/// Layout: segment files (see `SpoolSegment`) and a `checkpoint` file (the acknowledged offset, with a
/// checksum, replaced atomically). Opening truncates a torn or corrupt tail. When the segments reach
/// `maxBytes`, `append` throws `SpoolError.full` and nothing is written: the caller decides (the
/// publisher fails the `publish` and counts it). Calls are serialised by a lock; they block on disk
/// I/O, so the publisher runs them on its own thread.
public final class EventSpool: Sendable {
    /// One stored record: where it starts, where the next one starts, and its bytes.
    public struct Record: Sendable, Hashable {
        public let offset: Int64
        public let next: Int64
        public let payload: [UInt8]
    }

    private struct State {
        var segments: [SpoolSegment]
        var acknowledged: Int64
        var lastSync: Duration
        var dirty = false
    }

    public let configuration: SpoolConfiguration
    /// Bytes cut off torn or corrupt tails when the spool was opened.
    public let truncatedBytes: Int64
    private let clock: any Domain.Clock
    private let state: Mutex<State>

    /// Opens (or creates) the spool in `configuration.directory`, recovering from a crash.
    public init(configuration: SpoolConfiguration, clock: any Domain.Clock) throws(SpoolError) {
        self.configuration = configuration
        self.clock = clock
        let directory = configuration.directory
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw SpoolError(.io, "cannot create \(directory): \(error)")
        }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        let bases = names.compactMap(SpoolSegment.base(ofFileName:)).sorted()
        var segments: [SpoolSegment] = []
        var truncated: Int64 = 0
        for base in bases {
            let (segment, cut) = try SpoolSegment.open(directory: directory, base: base)
            segments.append(segment)
            truncated += cut
        }
        if segments.isEmpty { segments.append(try SpoolSegment.create(directory: directory, base: 0)) }
        let first = segments[0].base
        let end = segments[segments.count - 1].end
        let checkpoint = Self.readCheckpoint(directory) ?? first
        self.truncatedBytes = truncated
        self.state = Mutex(State(segments: segments, acknowledged: min(max(checkpoint, first), end), lastSync: clock.monotonic()))
    }

    deinit {
        state.withLock { $0.segments.forEach { $0.close() } }
    }

    /// The offset up to which Kafka acknowledged (where a restart starts replaying).
    public var acknowledgedOffset: Int64 { state.withLock { $0.acknowledged } }
    /// The offset the next record will get.
    public var endOffset: Int64 { state.withLock { $0.segments[$0.segments.count - 1].end } }
    /// Bytes held in segment files (acknowledged records of the oldest segment included).
    public var usedBytes: Int64 { state.withLock { $0.segments[$0.segments.count - 1].end - $0.segments[0].base } }
    /// `usedBytes / maxBytes`, for the fill metric and `/ready`.
    public var fillRatio: Double { Double(usedBytes) / Double(max(1, configuration.maxBytes)) }

    /// Appends `payloads` in order and applies the fsync policy once for all of them. Returns their
    /// offsets. Throws `full` (nothing written) when they do not fit.
    @discardableResult
    public func append(_ payloads: [[UInt8]]) throws(SpoolError) -> [Int64] {
        try state.withLock { (state: inout State) throws(SpoolError) -> [Int64] in
            let incoming = payloads.reduce(0) { $0 + SpoolSegment.headerSize + $1.count }
            let used = state.segments[state.segments.count - 1].end - state.segments[0].base
            guard used + Int64(incoming) <= Int64(configuration.maxBytes) else {
                throw SpoolError(.full, "spool \(configuration.directory) is full (\(used) of \(configuration.maxBytes) bytes)")
            }
            if let tooBig = payloads.first(where: { $0.count > SpoolSegment.maxRecordSize }) {
                throw SpoolError(.io, "record of \(tooBig.count) bytes exceeds \(SpoolSegment.maxRecordSize)")
            }
            if state.segments[state.segments.count - 1].size >= Int64(configuration.segmentBytes) {
                try state.segments[state.segments.count - 1].sync()
                state.segments.append(try SpoolSegment.create(directory: configuration.directory, base: state.segments[state.segments.count - 1].end))
            }
            var framed: [UInt8] = []
            framed.reserveCapacity(incoming)
            var offsets: [Int64] = []
            var offset = state.segments[state.segments.count - 1].end
            for payload in payloads {
                offsets.append(offset)
                offset += Int64(SpoolSegment.headerSize + payload.count)
                SpoolSegment.frame(payload, into: &framed)
            }
            try state.segments[state.segments.count - 1].append(framed)
            state.dirty = true
            try applyPolicy(&state, force: false)
            return offsets
        }
    }

    /// Forces appended records to disk now (the `batch` timer and shutdown call it).
    public func sync() throws(SpoolError) {
        try state.withLock { (state: inout State) throws(SpoolError) in try applyPolicy(&state, force: true) }
    }

    private func applyPolicy(_ state: inout State, force: Bool) throws(SpoolError) {
        guard state.dirty else { return }
        let now = clock.monotonic()
        switch configuration.fsync {
        case .never where !force: return
        case .batch(let interval) where !force && now - state.lastSync < interval: return
        default: break
        }
        try state.segments[state.segments.count - 1].sync()
        state.dirty = false
        state.lastSync = now
    }

    /// Up to `maxRecords` records starting at `offset` (an offset returned by `append` or a `next`).
    public func read(from offset: Int64, maxRecords: Int) throws(SpoolError) -> [Record] {
        try state.withLock { (state: inout State) throws(SpoolError) -> [Record] in
            var records: [Record] = []
            var position = offset
            guard var index = state.segments.lastIndex(where: { $0.base <= position }) else { return [] }
            while records.count < maxRecords {
                let segment = state.segments[index]
                if position >= segment.end {
                    guard index + 1 < state.segments.count else { break }
                    index += 1
                    position = max(position, state.segments[index].base)
                    continue
                }
                let local = position - segment.base
                guard let (length, crc) = segment.header(at: local),
                    let payload = segment.read(at: local + Int64(SpoolSegment.headerSize), count: length),
                    CRC32.checksum(payload) == crc
                else { throw SpoolError(.io, "unreadable record at offset \(position) in \(segment.path)") }
                let next = position + Int64(SpoolSegment.headerSize + length)
                records.append(Record(offset: position, next: next, payload: payload))
                position = next
            }
            return records
        }
    }

    /// Everything before `offset` was delivered: moves the checkpoint and deletes segments that hold
    /// only delivered records.
    public func acknowledge(upTo offset: Int64) throws(SpoolError) {
        try state.withLock { (state: inout State) throws(SpoolError) in
            guard offset > state.acknowledged else { return }
            state.acknowledged = min(offset, state.segments[state.segments.count - 1].end)
            try writeCheckpoint(state.acknowledged)
            while state.segments.count > 1, state.segments[0].end <= state.acknowledged {
                let old = state.segments.removeFirst()
                old.close()
                unlink(old.path)
            }
        }
    }

    private func writeCheckpoint(_ offset: Int64) throws(SpoolError) {
        var bytes: [UInt8] = (0..<8).map { UInt8(truncatingIfNeeded: UInt64(bitPattern: offset) >> (8 * UInt64($0))) }
        let crc = CRC32.checksum(bytes)
        bytes += (0..<4).map { UInt8(truncatingIfNeeded: crc >> (8 * UInt32($0))) }
        let path = configuration.directory + "/checkpoint"
        let temporary = path + ".tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw SpoolError(.io, "cannot write \(temporary)") }
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress!, $0.count) }
        if configuration.fsync != .never { fdatasync(fd) }
        close(fd)
        guard written == bytes.count, rename(temporary, path) == 0 else { throw SpoolError(.io, "cannot replace \(path)") }
    }

    private static func readCheckpoint(_ directory: String) -> Int64? {
        guard let data = FileManager.default.contents(atPath: directory + "/checkpoint"), data.count == 12 else { return nil }
        let bytes = [UInt8](data)
        let crc = bytes[8..<12].enumerated().reduce(UInt32(0)) { $0 | UInt32($1.element) << (8 * UInt32($1.offset)) }
        guard CRC32.checksum(Array(bytes[0..<8])) == crc else { return nil }
        let raw = bytes[0..<8].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        return Int64(bitPattern: raw)
    }
}
