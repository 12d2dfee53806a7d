import CHiredis

/// One Redis reply, copied out of hiredis' `redisReply` (which is freed right after).
public enum RedisValue: Sendable, Hashable {
    case string(String)
    case status(String)
    case integer(Int64)
    case array([RedisValue])
    case null
    /// An error reply (`-ERR ...`, `-NOSCRIPT ...`): the command failed, the connection is fine.
    case error(String)

    /// Copies `reply` (not freeing it).
    init(copying reply: UnsafePointer<redisReply>) {
        let r = reply.pointee
        func text() -> String {
            guard let str = r.str else { return "" }
            return str.withMemoryRebound(to: UInt8.self, capacity: r.len) {
                String(decoding: UnsafeBufferPointer(start: $0, count: r.len), as: UTF8.self)
            }
        }
        switch r.type {
        case REDIS_REPLY_STRING: self = .string(text())
        case REDIS_REPLY_STATUS: self = .status(text())
        case REDIS_REPLY_ERROR: self = .error(text())
        case REDIS_REPLY_INTEGER: self = .integer(Int64(r.integer))
        case REDIS_REPLY_ARRAY:
            var items: [RedisValue] = []
            items.reserveCapacity(r.elements)
            for index in 0..<r.elements {
                if let element = r.element[index] { items.append(RedisValue(copying: element)) } else { items.append(.null) }
            }
            self = .array(items)
        default: self = .null
        }
    }

    /// The text of a string or status reply.
    public var text: String? {
        switch self {
        case .string(let s), .status(let s): s
        default: nil
        }
    }

    /// The elements of an array reply (empty for anything else).
    public var elements: [RedisValue] {
        if case .array(let items) = self { items } else { [] }
    }
}
