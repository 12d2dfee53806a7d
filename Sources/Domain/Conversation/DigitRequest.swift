/// What an agent asks for when it wants the caller to key digits (a PIN, a card or account number, a
/// menu choice): how many at most, the key that ends the entry early, and how long to wait.
public struct DigitRequest: Sendable, Hashable {
    /// The entry ends once this many digits are keyed (1...32).
    public var maxDigits: Int
    /// The key that ends the entry early (`#` usually); it is not part of the digits. nil: none.
    public var terminator: String?
    /// How long to wait for the first digit after the prompt; nil: the daemon's
    /// `conversation.first_digit_timeout_ms`.
    public var firstDigitTimeout: Duration?
    /// How long to wait for each further digit; nil: the daemon's `conversation.inter_digit_timeout_ms`.
    public var interDigitTimeout: Duration?

    public init(maxDigits: Int, terminator: String? = nil, firstDigitTimeout: Duration? = nil, interDigitTimeout: Duration? = nil) {
        self.maxDigits = maxDigits
        self.terminator = terminator
        self.firstDigitTimeout = firstDigitTimeout
        self.interDigitTimeout = interDigitTimeout
    }

    /// The keys a caller can press.
    public static let keys: Set<Character> = Set("0123456789*#ABCD")

    /// A terminator given by an agent: its first character if that is a key, else none.
    public static func terminator(_ raw: String?) -> String? {
        guard let first = raw?.first, keys.contains(first) else { return nil }
        return String(first)
    }
}
