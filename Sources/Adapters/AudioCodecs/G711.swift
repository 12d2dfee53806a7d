/// G.711 mu-law and A-law (ITU-T G.711), table-driven both ways.
///
/// Decoding is a 256-entry lookup; encoding a 64 Ki-entry lookup indexed by the 16-bit sample, so both
/// directions cost one load per sample on the hot path.
public enum G711 {
    /// Decodes one mu-law byte.
    @inlinable public static func ulawDecode(_ byte: UInt8) -> Int16 { ulawDecodeTable[Int(byte)] }
    /// Encodes one sample to mu-law.
    @inlinable public static func ulawEncode(_ sample: Int16) -> UInt8 { ulawEncodeTable[Int(UInt16(bitPattern: sample))] }
    /// Decodes one A-law byte.
    @inlinable public static func alawDecode(_ byte: UInt8) -> Int16 { alawDecodeTable[Int(byte)] }
    /// Encodes one sample to A-law.
    @inlinable public static func alawEncode(_ sample: Int16) -> UInt8 { alawEncodeTable[Int(UInt16(bitPattern: sample))] }

    @usableFromInline static let ulawDecodeTable: [Int16] = (0...255).map { computeUlawDecode(UInt8($0)) }
    @usableFromInline static let alawDecodeTable: [Int16] = (0...255).map { computeAlawDecode(UInt8($0)) }
    /// Encodes `samples` through `table` (`ulawEncodeTable` or `alawEncodeTable`) into one new array.
    public static func encode(_ samples: UnsafeBufferPointer<Int16>, table: [UInt8]) -> [UInt8] {
        table.withUnsafeBufferPointer { t in
            [UInt8](unsafeUninitializedCapacity: samples.count) { out, initialised in
                for i in 0..<samples.count { out[i] = t[Int(UInt16(bitPattern: samples[i]))] }
                initialised = samples.count
            }
        }
    }

    /// The decode tables as floats, for the upsampler's input (exact: every value fits a Float).
    public static let ulawDecodeFloatTable: [Float] = ulawDecodeTable.map(Float.init)
    public static let alawDecodeFloatTable: [Float] = alawDecodeTable.map(Float.init)
    public static let ulawEncodeTable: [UInt8] = (0...65535).map { computeUlawEncode(Int16(bitPattern: UInt16($0))) }
    public static let alawEncodeTable: [UInt8] = (0...65535).map { computeAlawEncode(Int16(bitPattern: UInt16($0))) }

    @usableFromInline static func computeUlawDecode(_ byte: UInt8) -> Int16 {
        let u = ~byte
        let exponent = Int((u >> 4) & 0x07)
        let mantissa = Int(u & 0x0F)
        let magnitude = ((mantissa << 3) + 0x84) << exponent
        let value = magnitude - 0x84
        return Int16(u & 0x80 != 0 ? -value : value)
    }

    @usableFromInline static func computeUlawEncode(_ sample: Int16) -> UInt8 {
        let bias = 0x84
        let clip = 32635
        var value = Int(sample)
        let sign: UInt8 = value < 0 ? 0x80 : 0
        if value < 0 { value = -value }
        value = min(value, clip) + bias
        var exponent = 7
        var mask = 0x4000
        while exponent > 0 && value & mask == 0 {
            exponent -= 1
            mask >>= 1
        }
        let mantissa = (value >> (exponent + 3)) & 0x0F
        return ~(sign | UInt8(exponent << 4) | UInt8(mantissa))
    }

    @usableFromInline static func computeAlawDecode(_ byte: UInt8) -> Int16 {
        let a = byte ^ 0x55
        let exponent = Int((a >> 4) & 0x07)
        let mantissa = Int(a & 0x0F)
        var value = (mantissa << 4) + 8
        if exponent != 0 { value = (value + 0x100) << (exponent - 1) }
        return Int16(a & 0x80 != 0 ? value : -value)
    }

    @usableFromInline static func computeAlawEncode(_ sample: Int16) -> UInt8 {
        var value = Int(sample)
        let sign: UInt8 = value >= 0 ? 0x80 : 0
        if value < 0 { value = -value - 1 }
        value = min(value, 32767)
        var exponent = 7
        var mask = 0x4000
        while exponent > 0 && value & mask == 0 {
            exponent -= 1
            mask >>= 1
        }
        let mantissa = exponent == 0 ? (value >> 4) & 0x0F : (value >> (exponent + 3)) & 0x0F
        return (sign | UInt8(exponent << 4) | UInt8(mantissa)) ^ 0x55
    }
}
