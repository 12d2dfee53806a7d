/// An error raised by the `Call` aggregate or by a use case acting on calls.
///
/// The code is backed by a private enum so that new codes never break callers that switch on it.
public struct CallError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What went wrong, as a stable machine-readable code.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case invalidTransition = "invalid_transition"
            case notFound = "not_found"
            case conflict
            case alreadyExists = "already_exists"
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// The state machine does not allow this transition.
        public static let invalidTransition = Code(.invalidTransition)
        /// No call with this id.
        public static let notFound = Code(.notFound)
        /// A concurrent writer changed the call (optimistic concurrency).
        public static let conflict = Code(.conflict)
        /// A call with this id exists already.
        public static let alreadyExists = Code(.alreadyExists)

        public var description: String { base.rawValue }
    }

    public let code: Code
    public let callID: CallID?
    public let message: String

    public init(_ code: Code, callID: CallID? = nil, _ message: String) {
        self.code = code
        self.callID = callID
        self.message = message
    }

    public var description: String {
        "\(code)\(callID.map { " (call \($0))" } ?? ""): \(message)"
    }
}
