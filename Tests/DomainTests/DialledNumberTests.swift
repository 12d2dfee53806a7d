import Domain
import Testing

@Suite("Dialled numbers and trunks")
struct DialledNumberTests {
    @Test(arguments: [
        ("+1 (555) 123-4567", "+15551234567"),
        ("+44 20 7946 0018", "+442079460018"),
        ("0015551234567", "+15551234567"),
        ("00 44 20.7946.0018", "+442079460018"),
        ("100", "100"),
        ("5551234567", "5551234567"),  // national, but no default country code
        ("s", "s"),
        ("acme-support", "acme-support"),
        ("*98", "*98"),
        ("+", "+"),
        ("", ""),
        ("+1-555-CALL-NOW", "+1-555-CALL-NOW"),
    ])
    func withoutACountryCode(_ text: String, _ expected: String) {
        #expect(DialledNumberNormaliser.international.normalise(text) == expected)
    }

    @Test(arguments: [
        ("1", "5551234567", "+15551234567"),
        ("1", "1 555 123 4567", "+15551234567"),
        ("1", "(555) 123-4567", "+15551234567"),
        ("1", "+15551234567", "+15551234567"),
        ("1", "011 44 20 7946 0018", "+442079460018"),  // 011: North America's international prefix
        ("1", "12345678", "12345678"),  // neither 10 nor 11-with-1 digits: kept
        ("1", "1000", "1000"),  // an extension
        ("+1", "5551234567", "+15551234567"),
        ("44", "020 7946 0018", "+442079460018"),
        ("44", "2079460018", "+442079460018"),
        ("44", "00442079460018", "+442079460018"),
        ("49", "030 1234567", "+49301234567"),
        ("39", "06 1234 5678", "+390612345678"),  // Italy keeps the leading 0
        ("7", "8 495 123 45 67", "+74951234567"),
        ("36", "06 1 234 5678", "+3612345678"),
        ("44", "12345", "12345"),  // short: an extension
        ("44", "123456", "123456"),
    ])
    func withADefaultCountryCode(_ code: String, _ text: String, _ expected: String) throws {
        #expect(try DialledNumberNormaliser(defaultCountryCode: code).normalise(text) == expected)
    }

    @Test func normalisingTwiceChangesNothing() throws {
        let normaliser = try DialledNumberNormaliser(defaultCountryCode: "44")
        for text in ["020 7946 0018", "+1 555 123 4567", "100", "s", "0015551234567"] {
            let once = normaliser.normalise(text)
            #expect(normaliser.normalise(once) == once, "\(text)")
        }
    }

    @Test(arguments: ["0", "1234", "+", "x1", "+0"])
    func badCountryCodesAreRefused(_ code: String) {
        #expect(throws: PhoneNumber.Invalid.self) { try DialledNumberNormaliser(defaultCountryCode: code) }
    }

    @Test func anEmptyCountryCodeIsNone() throws {
        #expect(try DialledNumberNormaliser(defaultCountryCode: "").defaultCountryCode == nil)
        #expect(try DialledNumberNormaliser(defaultCountryCode: "+49").defaultCountryCode == "49")
    }

    @Test(arguments: [
        ("PJSIP/trunk-name-0000002a", "trunk-name"),
        ("PJSIP/acme-00000001", "acme"),
        ("PJSIP/carrier.example.com-0000ffff", "carrier.example.com"),
        ("SIP/trunk-00000001", "trunk"),
    ])
    func sipChannelsNameTheirTrunk(_ name: String, _ trunk: String) {
        #expect(ChannelTrunk.endpoint(ofChannelNamed: name) == trunk)
        #expect(IncomingChannel(id: "c", name: name, state: "Ring").trunk == trunk)
    }

    @Test(arguments: [
        "Local/100@inbound-00000000;2", "WebSocket/INCOMING/0x7f5974012ff0",
        "UnicastRTP/127.0.0.1:40000-0x7fc3d8002070", "AudioSocket/127.0.0.1:40100-23552f43-34b3-4b6a-91c9-09419dc6696d",
        "PJSIP/-0000002a", "PJSIP/trunk", "PJSIP/trunk-2a", "PJSIP/trunk-0000002g", "pjsip/trunk-0000002a", "",
    ])
    func otherChannelsHaveNoTrunk(_ name: String) {
        #expect(ChannelTrunk.endpoint(ofChannelNamed: name) == nil)
    }
}
