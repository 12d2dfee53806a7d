import Foundation
import JWTKit

/// The keys that verify API tokens: an HS256 secret, and RS256 / ES256 public keys from a PEM file (one
/// or more `PUBLIC KEY` blocks) or a JWKS file. Each key is kept with its algorithm, so a token is only
/// ever checked with a key of the algorithm its header names (no HS/RS confusion).
public struct APIKeys: Sendable {
    /// One key: the algorithm it verifies, its `kid` (PEM keys are `pem-0`, `pem-1`... in file order), and
    /// a key collection holding only it.
    struct Verifier: Sendable {
        let algorithm: String
        let kid: String?
        let keys: JWTKeyCollection
    }

    let verifiers: [Verifier]

    /// No keys: every `/v1` request is answered 503.
    public static let none = APIKeys(verifiers: [])

    public var isEmpty: Bool { verifiers.isEmpty }

    /// The key for a token whose header names `algorithm` and `kid`: the key with that kid, if it is of
    /// that algorithm; without a kid, the first key of that algorithm.
    func verifier(algorithm: String, kid: String?) -> Verifier? {
        if let kid { return verifiers.first { $0.kid == kid && $0.algorithm == algorithm } }
        return verifiers.first { $0.algorithm == algorithm }
    }

    /// Why keys could not be loaded (names the configuration key).
    public struct LoadError: Error, Sendable, CustomStringConvertible {
        public let key: String
        public let message: String
        public var description: String { "\(key): \(message)" }
    }

    /// Keys from an HS256 secret (at least 32 bytes) and the contents of a public-key file (PEM or JWKS).
    public static func load(hs256Secret: String?, publicKeys: String?) async throws(LoadError) -> APIKeys {
        var verifiers: [Verifier] = []
        if let secret = hs256Secret, !secret.isEmpty {
            guard secret.utf8.count >= 32 else {
                throw LoadError(key: "http.auth.hs256_secret", message: "must be at least 32 bytes (it is \(secret.utf8.count))")
            }
            let keys = await JWTKeyCollection().add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
            verifiers.append(Verifier(algorithm: "HS256", kid: nil, keys: keys))
        }
        guard let text = publicKeys?.trimmingCharacters(in: .whitespacesAndNewlines), !text.isEmpty else {
            return APIKeys(verifiers: verifiers)
        }
        let file = "http.auth.public_keys_file"
        do {
            if text.hasPrefix("{") {
                let jwks = try JSONDecoder().decode(JWKS.self, from: Data(text.utf8))
                guard !jwks.keys.isEmpty else { throw LoadError(key: file, message: "the JWKS has no keys") }
                for jwk in jwks.keys {
                    guard let kid = jwk.keyIdentifier else { throw LoadError(key: file, message: "every JWKS key needs a kid") }
                    let algorithm: String
                    if jwk.keyType == .rsa {
                        algorithm = "RS256"
                    } else if jwk.keyType == .ecdsa {
                        algorithm = "ES256"
                    } else {
                        throw LoadError(key: file, message: "only RSA and EC (P-256) keys are accepted")
                    }
                    let keys = try await JWTKeyCollection().add(jwk: jwk, isDefault: true)
                    verifiers.append(Verifier(algorithm: algorithm, kid: kid.string, keys: keys))
                }
            } else {
                let blocks = pemBlocks(text)
                guard !blocks.isEmpty else { throw LoadError(key: file, message: "no PEM PUBLIC KEY block and not a JWKS document") }
                for (index, block) in blocks.enumerated() {
                    let kid = "pem-\(index)"
                    if let rsa = try? Insecure.RSA.PublicKey(pem: block) {
                        verifiers.append(Verifier(algorithm: "RS256", kid: kid, keys: await JWTKeyCollection().add(rsa: rsa, digestAlgorithm: .sha256)))
                    } else if let ec = try? ES256PublicKey(pem: block) {
                        verifiers.append(Verifier(algorithm: "ES256", kid: kid, keys: await JWTKeyCollection().add(ecdsa: ec)))
                    } else {
                        throw LoadError(key: file, message: "PEM block \(index + 1) is neither an RSA nor a P-256 public key")
                    }
                }
            }
        } catch let error as LoadError {
            throw error
        } catch {
            throw LoadError(key: file, message: "unreadable: \(error)")
        }
        return APIKeys(verifiers: verifiers)
    }

    /// The `-----BEGIN PUBLIC KEY-----` ... `-----END PUBLIC KEY-----` blocks of `text`.
    static func pemBlocks(_ text: String) -> [String] {
        var blocks: [String] = []
        var current: [Substring]?
        for line in text.split(whereSeparator: \.isNewline) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("-----BEGIN ") && trimmed.hasSuffix("PUBLIC KEY-----") {
                current = [line]
            } else if trimmed.hasPrefix("-----END "), var block = current {
                block.append(line)
                blocks.append(block.joined(separator: "\n"))
                current = nil
            } else {
                current?.append(line)
            }
        }
        return blocks
    }
}
