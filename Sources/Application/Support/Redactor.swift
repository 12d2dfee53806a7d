/// Masks payment card numbers in text (PCI), and what the operator's `RedactionPatterns` match: 13 to 19 digits, optionally grouped by spaces or dashes,
/// that pass the Luhn check become `**** **** **** 1234`. A number read out as words, as a recogniser
/// writes it ("four one one one ...", "oh" for zero, digits and words mixed), counts too.
public enum Redactor {
    /// `text` with every card number masked, and the matches of the configured `RedactionPatterns`.
    public static func redact(_ text: String) -> String {
        RedactionPatterns.apply(mask(mask(text, written), spoken))
    }

    /// `text` with each run `scan` finds masked when it is a card number. A whole run is judged at once:
    /// a tail of a longer number is not a card number.
    private static func mask(_ text: String, _ scan: ([Character], Int) -> (end: Int, digits: [Int])?) -> String {
        let chars = Array(text)
        var out = ""
        var index = 0
        while index < chars.count {
            if let (end, digits) = scan(chars, index) {
                if (13...19).contains(digits.count) && luhn(digits) {
                    out += "**** **** **** " + digits.suffix(4).map(String.init).joined()
                } else {
                    out += String(chars[index..<end])
                }
                index = end
                continue
            }
            out.append(chars[index])
            index += 1
        }
        return out
    }

    /// A run of written digits starting at `index`.
    private static func written(_ chars: [Character], _ index: Int) -> (end: Int, digits: [Int])? {
        guard chars[index].isASCII, chars[index].isNumber else { return nil }
        return scanCandidate(chars, from: index)
    }

    static let digitWords: [String: Int] = [
        "zero": 0, "oh": 0, "o": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    ]

    /// A number read out, starting at the word at `index`: digit words (and digit groups) separated by
    /// spaces, commas, dashes or periods, with at least one word.
    private static func spoken(_ chars: [Character], _ index: Int) -> (end: Int, digits: [Int])? {
        let atWordStart = index == 0 || !(chars[index - 1].isLetter || chars[index - 1].isNumber)
        guard atWordStart, chars[index].isLetter || (chars[index].isASCII && chars[index].isNumber) else { return nil }
        return scanSpoken(chars, from: index)
    }

    /// The longest run of digit words and digit groups from `start` (which begins a word); nil unless
    /// it holds a word.
    private static func scanSpoken(_ chars: [Character], from start: Int) -> (end: Int, digits: [Int])? {
        var digits: [Int] = []
        var index = start
        var end = start
        var words = 0
        while index < chars.count {
            var token = index
            while token < chars.count, chars[token].isLetter || (chars[token].isASCII && chars[token].isNumber) { token += 1 }
            let text = String(chars[index..<token])
            if let value = digitWords[text.lowercased()] {
                digits.append(value)
                words += 1
            } else if !text.isEmpty, text.allSatisfy({ $0.isASCII && $0.isNumber }) {
                digits += text.compactMap(\.wholeNumberValue)
            } else {
                break
            }
            end = token
            // Up to two separators between tokens (", " or " - ").
            var next = token
            while next < chars.count, next - token < 3, " ,-.".contains(chars[next]) { next += 1 }
            guard next > token, next < chars.count else { break }
            index = next
        }
        return words > 0 ? (end, digits) : nil
    }

    /// Longest run of digits with single spaces/dashes between them, starting at `start`.
    private static func scanCandidate(_ chars: [Character], from start: Int) -> (end: Int, digits: [Int])? {
        var digits: [Int] = []
        var index = start
        var end = start
        while index < chars.count {
            let c = chars[index]
            if c.isASCII, let value = c.wholeNumberValue {
                digits.append(value)
                index += 1
                end = index
            } else if (c == " " || c == "-"), index + 1 < chars.count, chars[index + 1].isASCII, chars[index + 1].isNumber {
                index += 1
            } else {
                break
            }
        }
        return digits.isEmpty ? nil : (end, digits)
    }

    /// The Luhn checksum over `digits`.
    static func luhn(_ digits: [Int]) -> Bool {
        var sum = 0
        for (offset, digit) in digits.reversed().enumerated() {
            if offset % 2 == 1 {
                let doubled = digit * 2
                sum += doubled > 9 ? doubled - 9 : doubled
            } else {
                sum += digit
            }
        }
        return sum % 10 == 0
    }
}
