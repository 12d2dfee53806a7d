@testable import Application
import Domain
import Testing

@Suite("What the caller heard of a sentence")
struct HeardTextTests {
    @Test func wholeWhenPlayedToTheEndElseTheWordsMostlyPlayed() {
        let text = "one two three four"
        #expect(HeardText.prefix(of: text, played: .completed(sent: .seconds(2)), audio: .seconds(2)) == text)
        #expect(HeardText.prefix(of: text, played: .interrupted(sent: .milliseconds(1000)), audio: .seconds(2)) == "one two")
        #expect(HeardText.prefix(of: text, played: .interrupted(sent: .milliseconds(700)), audio: .seconds(2)) == "one")
        #expect(HeardText.prefix(of: text, played: .interrupted(sent: .milliseconds(1950)), audio: .seconds(2)) == text, "the tail is silence")
        #expect(HeardText.prefix(of: text, played: .interrupted(sent: .zero), audio: .seconds(2)) == "")
        #expect(HeardText.prefix(of: text, played: nil, audio: .seconds(2)) == "")
    }
}
