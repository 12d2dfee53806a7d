import Domain
import Testing

@Suite("Value types")
struct ValueTests {
    @Test func timestampFormatsRFC3339WithMilliseconds() {
        #expect(Timestamp(millisecondsSinceEpoch: 0).rfc3339 == "1970-01-01T00:00:00.000Z")
        #expect(Timestamp(millisecondsSinceEpoch: 1_795_340_170_404).rfc3339 == "2026-11-22T09:36:10.404Z")
        #expect(Timestamp(millisecondsSinceEpoch: 951_782_400_001).rfc3339 == "2000-02-29T00:00:00.001Z")
        #expect(Timestamp(millisecondsSinceEpoch: -1).rfc3339 == "1969-12-31T23:59:59.999Z")
    }

    @Test func timestampParsesAsteriskAndRFC3339Forms() {
        #expect(Timestamp(rfc3339: "2026-11-22T09:36:10.404Z")?.millisecondsSinceEpoch == 1_795_340_170_404)
        // Asterisk writes "+0000" offsets.
        #expect(Timestamp(rfc3339: "2026-11-22T09:36:10.404+0000")?.millisecondsSinceEpoch == 1_795_340_170_404)
        #expect(Timestamp(rfc3339: "2026-11-22T10:36:10.4+01:00")?.millisecondsSinceEpoch == 1_795_340_170_400)
        #expect(Timestamp(rfc3339: "2026-11-22T09:36:10Z")?.millisecondsSinceEpoch == 1_795_340_170_000)
        #expect(Timestamp(rfc3339: "2026-13-22T09:36:10Z") == nil)
        #expect(Timestamp(rfc3339: "yesterday") == nil)
        #expect(Timestamp(rfc3339: "2026-11-22T09:36:10.Z") == nil)
        #expect(Timestamp(rfc3339: "2026-11-22T09:36:10.123456789Z")?.millisecondsSinceEpoch == 1_795_340_170_123)
    }

    @Test func timestampRoundTripsAcrossYears() {
        var t: Int64 = -2_000_000_000_000
        while t < 4_000_000_000_000 {
            let stamp = Timestamp(millisecondsSinceEpoch: t)
            #expect(Timestamp(rfc3339: stamp.rfc3339) == stamp)
            t += 86_400_000 * 97 + 3_723_456
        }
    }

    @Test func uuidsAreVersion4AndDistinct() {
        let a = UUIDv4.random()
        let b = UUIDv4.random()
        #expect(a != b)
        #expect(UUIDv4.isValid(a))
        #expect(Array(a)[14] == "4")
        #expect("89ab".contains(Array(a)[19]))
        #expect(!UUIDv4.isValid("not-a-uuid"))
    }

    @Test func phoneNumbersAreE164() throws {
        #expect(try PhoneNumber("+1 (555) 123-4567").e164 == "+15551234567")
        #expect(try PhoneNumber("0044 20 7946 0000").e164 == "+442079460000")
        #expect(throws: PhoneNumber.Invalid.self) { try PhoneNumber("5551234567") }
        #expect(throws: PhoneNumber.Invalid.self) { try PhoneNumber("+0123") }
        #expect(throws: PhoneNumber.Invalid.self) { try PhoneNumber("+1234567890123456") }
        #expect(throws: PhoneNumber.Invalid.self) { try PhoneNumber("+1555abc") }
    }

    @Test func audioFormatFrameSizes() {
        #expect(AudioFormat.internal16k.samplesPerFrame == 320)
        #expect(AudioFormat.ulaw8k.samplesPerFrame == 160)
        #expect(AudioFrame.silence().samples.count == 320)
        #expect(AudioFrame(samples: [Int16](repeating: 0, count: 441), sampleRate: 22_050).duration == .milliseconds(20))
    }
}
