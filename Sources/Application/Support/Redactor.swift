/// Masks payment card numbers in text (PCI): 13 to 19 digits, optionally grouped by spaces or dashes,
/// that pass the Luhn check become `**** **** **** 1234`.
public enum Redactor {
    /// `text` with every card number masked.
    public static func redact(_ text: String) -> String {
        let chars = Array(text)
        var out = ""
        var index = 0
        while index < chars.count {
            if chars[index].isASCII, chars[index].isNumber, let (end, digits) = scanCandidate(chars, from: index) {
                // A whole run of digits is judged at once: a suffix of a number is not a card number.
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
