import Domain

/// Collects one entry of keyed digits for a `DigitRequest`: ends at the maximum length, at the
/// terminator, or when the caller stops keying (first-digit or inter-digit timeout, on the monotonic
/// times it is given). A plain value; the turn-taking machine owns it.
public struct DigitCollector: Sendable, Hashable {
    /// Why an entry ended.
    public enum Completion: String, Sendable, Hashable {
        case maxDigits = "max_digits"
        case terminator
        case interDigitTimeout = "inter_digit_timeout"
        case firstDigitTimeout = "first_digit_timeout"
    }

    /// A finished entry: the digits (without the terminator) and why it ended.
    public struct Entry: Sendable, Hashable {
        public var digits: String
        public var completion: Completion

        public init(digits: String, completion: Completion) {
            self.digits = digits
            self.completion = completion
        }
    }

    public let request: DigitRequest
    private let firstDigitTimeout: Duration
    private let interDigitTimeout: Duration
    /// The digits keyed so far.
    public private(set) var digits = ""
    /// When the entry started, or the last digit came.
    private var lastActivity: Duration

    /// Starts an entry at `now`; the request's own timeouts win over the defaults given.
    public init(_ request: DigitRequest, firstDigitTimeout: Duration, interDigitTimeout: Duration, now: Duration) {
        self.request = request
        self.firstDigitTimeout = request.firstDigitTimeout ?? firstDigitTimeout
        self.interDigitTimeout = request.interDigitTimeout ?? interDigitTimeout
        self.lastActivity = now
    }

    /// A key pressed at `now`; returns the entry when it completes it.
    public mutating func key(_ digit: String, now: Duration) -> Entry? {
        lastActivity = now
        if let terminator = request.terminator, digit == terminator { return Entry(digits: digits, completion: .terminator) }
        digits += digit
        return digits.count >= max(1, request.maxDigits) ? Entry(digits: digits, completion: .maxDigits) : nil
    }

    /// Keys pressed before the entry started (typed ahead), in order; returns the entry if they complete
    /// it. Keys after the completing one are left in `rest`.
    public mutating func keyAll(_ keys: String, now: Duration, rest: inout String) -> Entry? {
        var remaining = Substring(keys)
        while let key = remaining.first {
            remaining = remaining.dropFirst()
            if let entry = self.key(String(key), now: now) {
                rest = String(remaining)
                return entry
            }
        }
        rest = ""
        return nil
    }

    /// The entry, when the caller has stopped keying by `now`.
    public func expired(now: Duration) -> Entry? {
        if digits.isEmpty {
            return now - lastActivity >= firstDigitTimeout ? Entry(digits: "", completion: .firstDigitTimeout) : nil
        }
        return now - lastActivity >= interDigitTimeout ? Entry(digits: digits, completion: .interDigitTimeout) : nil
    }
}
