import Domain
import Foundation
import Speech

extension ShippedFallbackPrompt {
    /// The shipped line as audio (decoded once).
    static let audio: AudioFrame = {
        guard let bytes = Data(base64Encoded: wavBase64, options: .ignoreUnknownCharacters), let frame = try? WAV.decode(Array(bytes)) else {
            preconditionFailure("the shipped fallback prompt does not decode")  // covered by a test
        }
        return frame
    }()
}
