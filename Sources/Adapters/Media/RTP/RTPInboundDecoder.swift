import AudioCodecs
import Domain

/// Caller audio over RTP: jitter buffer, then decode to 20 ms frames of 16 kHz PCM16 (G.711 through the
/// half-band upsampler, slin16 as is, Opus decoded at 16 kHz). Loss is concealed with silence for
/// G.711/L16 and with Opus PLC/FEC. Not thread-safe: the session owns it under its lock.
struct RTPInboundDecoder {
    /// Why a packet was dropped (metric label values).
    enum Drop: String {
        case unknownPayloadType = "unknown_payload_type"
        case badPayloadSize = "bad_payload_size"
        case duplicateOrLate = "duplicate_or_late"
    }

    private(set) var jitter: JitterBuffer<RTPPacket>
    private var format: RTPPayloadFormat
    private var ssrc: UInt32?
    private var upsampler = Upsampler2x()
    private var opus: OpusDecoder?
    private let depth: Duration
    /// Reused between packets so that the common case allocates nothing here.
    private var releasedScratch: [JitterOutput<RTPPacket>] = []

    init(format: RTPPayloadFormat, depth: Duration) {
        self.format = format
        self.depth = depth
        jitter = JitterBuffer(depth: depth, clockRate: format.clockRate)
    }

    /// Takes one parsed packet; calls `frame` for every 16 kHz frame it releases. Returns why the packet
    /// was dropped, if it was.
    mutating func receive(_ packet: RTPPacket, at now: Duration, frame: (AudioFrame) -> Void) -> Drop? {
        guard let packetFormat = RTPPayloadFormat(payloadType: packet.payloadType) else { return .unknownPayloadType }
        guard Self.validSize(packet.payload.count, packetFormat) else { return .badPayloadSize }
        if packet.ssrc != ssrc || packetFormat.clockRate != format.clockRate {
            if ssrc != nil { jitter.reset() }
            if packetFormat.clockRate != format.clockRate {
                jitter = JitterBuffer(depth: depth, clockRate: packetFormat.clockRate)
            }
            ssrc = packet.ssrc
        }
        format = packetFormat
        let before = jitter.statistics
        var released: [JitterOutput<RTPPacket>] = []
        swap(&released, &releasedScratch)
        released.removeAll(keepingCapacity: true)
        jitter.insert(sequence: packet.sequenceNumber, timestamp: packet.timestamp, payload: packet, arrival: now) { released.append($0) }
        for output in released { decode(output, frame: frame) }
        releasedScratch = released
        let after = jitter.statistics
        if after.late != before.late || after.duplicates != before.duplicates { return .duplicateOrLate }
        return nil
    }

    /// Conceals gaps that waited too long (from the pacing tick).
    mutating func poll(now: Duration, frame: (AudioFrame) -> Void) {
        guard jitter.count > 0 else { return }
        var released: [JitterOutput<RTPPacket>] = []
        swap(&released, &releasedScratch)
        released.removeAll(keepingCapacity: true)
        jitter.poll(now: now) { released.append($0) }
        for output in released { decode(output, frame: frame) }
        releasedScratch = released
    }

    private mutating func decode(_ output: JitterOutput<RTPPacket>, frame: (AudioFrame) -> Void) {
        switch output {
        case .frame(let packet):
            guard let packetFormat = RTPPayloadFormat(payloadType: packet.payloadType) else { return }
            switch packetFormat {
            case .ulaw, .alaw:
                let table = packetFormat == .ulaw ? G711.ulawDecodeFloatTable : G711.alawDecodeFloatTable
                let samples = packet.payload.withUnsafeBytes { upsampler.process(g711: $0, table: table) }
                frame(AudioFrame(samples: samples, sampleRate: 16_000))
            case .slin16:
                frame(AudioFrame(samples: L16.decodeBigEndian(packet.payload), sampleRate: 16_000))
            case .opus:
                if opus == nil { opus = OpusDecoder(outputRate: 16_000) }
                // A corrupt Opus packet is concealed like a lost one.
                let samples = opus?.decode(packet.payload) ?? opus?.conceal() ?? []
                if !samples.isEmpty { frame(AudioFrame(samples: samples, sampleRate: 16_000)) }
            }
        case .lost(let next):
            switch format {
            case .ulaw, .alaw:
                frame(AudioFrame(samples: upsampler.process([Int16](repeating: 0, count: 160)), sampleRate: 16_000))
            case .slin16:
                frame(AudioFrame.silence())
            case .opus:
                if opus == nil { opus = OpusDecoder(outputRate: 16_000) }
                let samples = opus?.conceal(next: next.flatMap { RTPPayloadFormat(payloadType: $0.payloadType) == .opus ? $0.payload : nil }) ?? []
                frame(AudioFrame(samples: samples.isEmpty ? [Int16](repeating: 0, count: 320) : samples, sampleRate: 16_000))
            }
        }
    }

    static func validSize(_ bytes: Int, _ format: RTPPayloadFormat) -> Bool {
        switch format {
        case .ulaw, .alaw: (1...480).contains(bytes)
        case .slin16: bytes >= 2 && bytes % 2 == 0 && bytes <= 1920
        case .opus: (1...1275).contains(bytes)
        }
    }
}
