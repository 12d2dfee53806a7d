import NIOCore

/// Splits the AMI byte stream into messages: first the banner line (`Asterisk Call Manager/11.0.0`,
/// delivered as `Banner: ...`), then blocks ending in a blank line. A block over 1 MiB is an error (the
/// connection is closed and reopened).
struct AMIFrameDecoder: ByteToMessageDecoder {
    typealias InboundOut = AMIMessage
    private var sawBanner = false
    static let limit = 1 << 20

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        let separator: [UInt8] = sawBanner ? [13, 10, 13, 10] : [13, 10]
        guard let end = Self.find(separator, in: buffer) else {
            if buffer.readableBytes > Self.limit { throw AMIFrameTooLarge() }
            return .needMoreData
        }
        let text = buffer.readString(length: end) ?? ""
        buffer.moveReaderIndex(forwardBy: separator.count)
        if sawBanner {
            context.fireChannelRead(wrapInboundOut(AMIMessage.parse(Substring(text))))
        } else {
            sawBanner = true
            context.fireChannelRead(wrapInboundOut(AMIMessage([("Banner", text)])))
        }
        return .continue
    }

    /// The offset of `separator` from the reader index, if present.
    static func find(_ separator: [UInt8], in buffer: ByteBuffer) -> Int? {
        let bytes = buffer.readableBytesView
        guard bytes.count >= separator.count else { return nil }
        var index = bytes.startIndex
        let last = bytes.endIndex - separator.count
        while index <= last {
            if bytes[index] == separator[0] {
                var matched = true
                for offset in 1..<separator.count where bytes[index + offset] != separator[offset] {
                    matched = false
                    break
                }
                if matched { return index - bytes.startIndex }
            }
            index += 1
        }
        return nil
    }
}

/// An AMI message larger than `AMIFrameDecoder.limit`.
struct AMIFrameTooLarge: Error {}
