import CArgon2
import Foundation

/// Hashes and verifies passwords with argon2id, in the PHC string form the Python reference stored
/// (`$argon2id$v=19$m=65536,t=3,p=4$<salt>$<hash>`), so its users' passwords keep working.
///
/// Hashing costs ~64 MiB and tens of milliseconds of CPU, so it runs on the hasher's own threads (never on
/// Swift's cooperative pool), at most `concurrency` at a time.
public final class PasswordHasher: Sendable {
    /// argon2-cffi's defaults, which the reference used.
    public struct Parameters: Sendable, Equatable {
        public var timeCost: UInt32 = 3
        public var memoryKiB: UInt32 = 65_536
        public var parallelism: UInt32 = 4
        public var saltLength = 16
        public var hashLength = 32

        public init() {}
    }

    /// Passwords shorter than this are refused when set.
    public static let minimumLength = 10

    public let parameters: Parameters
    private let queue: OperationQueue

    public init(parameters: Parameters = Parameters(), concurrency: Int = max(1, ProcessInfo.processInfo.activeProcessorCount)) {
        self.parameters = parameters
        let queue = OperationQueue()
        queue.name = "password-hashing"
        queue.maxConcurrentOperationCount = concurrency
        self.queue = queue
    }

    /// A new salted argon2id hash of `password` in PHC string form.
    public func hash(_ password: String) async throws -> String {
        let parameters = self.parameters
        return try await run { try PasswordHasher.hashNow(password, parameters: parameters) }
    }

    /// Checks a new password against the rules (at least `minimumLength` characters), then hashes it.
    public func hashNewPassword(_ password: String) async throws -> String {
        guard password.count >= PasswordHasher.minimumLength else {
            throw PasswordError.tooShort(minimum: PasswordHasher.minimumLength)
        }
        return try await hash(password)
    }

    /// Whether `password` matches `encoded`. Anything that is not an argon2id PHC string never matches.
    public func verify(_ password: String, against encoded: String) async -> Bool {
        (try? await run { PasswordHasher.verifyNow(password, against: encoded) }) ?? false
    }

    private func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.addOperation {
                continuation.resume(with: Result { try work() })
            }
        }
    }

    static func hashNow(_ password: String, parameters: Parameters) throws -> String {
        let salt = Secrets.randomBytes(parameters.saltLength)
        let length = argon2_encodedlen(
            parameters.timeCost, parameters.memoryKiB, parameters.parallelism, UInt32(salt.count),
            UInt32(parameters.hashLength), Argon2_id)
        var encoded = [CChar](repeating: 0, count: length)
        let password = Array(password.utf8)
        let status = password.withUnsafeBytes { passwordBytes in
            salt.withUnsafeBytes { saltBytes in
                argon2id_hash_encoded(
                    parameters.timeCost, parameters.memoryKiB, parameters.parallelism, passwordBytes.baseAddress,
                    passwordBytes.count, saltBytes.baseAddress, saltBytes.count, parameters.hashLength, &encoded,
                    encoded.count)
            }
        }
        guard status == ARGON2_OK.rawValue else {
            throw PasswordError.hashingFailed(String(cString: argon2_error_message(status)))
        }
        return String(decoding: encoded.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func verifyNow(_ password: String, against encoded: String) -> Bool {
        guard encoded.hasPrefix("$argon2id$") else { return false }
        let password = Array(password.utf8)
        return password.withUnsafeBytes { bytes in
            argon2id_verify(encoded, bytes.baseAddress, bytes.count) == ARGON2_OK.rawValue
        }
    }
}

/// Password problems a user can act on.
public enum PasswordError: Error, CustomStringConvertible, Equatable {
    case tooShort(minimum: Int)
    case hashingFailed(String)

    public var description: String {
        switch self {
        case .tooShort(let minimum): return "the password must be at least \(minimum) characters long"
        case .hashingFailed(let reason): return "could not hash the password: \(reason)"
        }
    }
}
