import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A real SMTP server (Python's aiosmtpd, from Debian's python3-aiosmtpd) on a free loopback port, requiring
/// STARTTLS with a throw-away self-signed certificate for `localhost` and AUTH with `user`/`password`.
public final class SMTPServerProcess: @unchecked Sendable {
    public let port: Int
    public let user = "mailer"
    public let password = "mail-secret"
    /// The certificate to trust (PEM).
    public let certificatePath: String
    private let maildir: String
    private let process = Process()

    /// Starts the server; waits (without blocking a thread) until it listens.
    public init(in directory: TemporaryDirectory) async throws {
        port = try FreePort.find()
        maildir = directory.appending("maildir")
        try FileManager.default.createDirectory(atPath: maildir, withIntermediateDirectories: true)
        certificatePath = directory.appending("smtp-cert.pem")
        let keyPath = directory.appending("smtp-key.pem")
        let openssl = Process()
        openssl.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        openssl.arguments = [
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", keyPath, "-out", certificatePath, "-days", "1",
            "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
        ]
        openssl.standardOutput = FileHandle.nullDevice
        openssl.standardError = FileHandle.nullDevice
        try openssl.run()
        while openssl.isRunning { try await Task.sleep(for: .milliseconds(20)) }
        guard openssl.terminationStatus == 0 else { throw SMTPServerError.certificate }

        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/smtp_server.py").path
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = [script, String(port), maildir, certificatePath, keyPath, user, password]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        for _ in 0..<1_600 where !FileManager.default.fileExists(atPath: maildir + "/ready") {
            guard process.isRunning else { throw SMTPServerError.notStarted("see \(maildir)/server.log") }
            try await Task.sleep(for: .milliseconds(20))
        }
        guard FileManager.default.fileExists(atPath: maildir + "/ready") else {
            throw SMTPServerError.notStarted("not listening after 32 s; see \(maildir)/server.log")
        }
        // The server's own greeting on its port, before a test relies on it: a port another test's server took in
        // the meantime, or a server that does not answer, fails here with what was read and the server's log.
        let greeting = await SMTPServerProcess.banner(port: port)
        guard greeting.hasPrefix("220") else {
            let log = (try? String(contentsOfFile: maildir + "/server.log", encoding: .utf8)) ?? ""
            throw SMTPServerError.notStarted(
                "127.0.0.1:\(port) greeted with \(greeting.debugDescription) instead of 220; server log:\n\(log.suffix(2_000))")
        }
    }

    /// The first line a server at 127.0.0.1:`port` sends (up to 60 s; empty when none), read on a thread of its own.
    static func banner(port: Int) async -> String {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
                guard descriptor >= 0 else { return continuation.resume(returning: "") }
                defer { close(descriptor) }
                var timeout = timeval(tv_sec: 60, tv_usec: 0)
                setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
                var address = sockaddr_in()
                address.sin_family = sa_family_t(AF_INET)
                address.sin_port = in_port_t(UInt16(port).bigEndian)
                address.sin_addr.s_addr = inet_addr("127.0.0.1")
                let connected = withUnsafePointer(to: &address) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
                    }
                }
                guard connected else { return continuation.resume(returning: "") }
                var buffer = [UInt8](repeating: 0, count: 512)
                let count = recv(descriptor, &buffer, buffer.count, 0)
                continuation.resume(returning: count > 0 ? String(decoding: buffer[0..<count], as: UTF8.self) : "")
            }
        }
    }

    /// A received message: its raw text and what the server saw (`from`, `to`, `authenticated`, `tls`).
    public struct Received: Sendable {
        public let raw: String
        public let envelope: [String: String]
        public let recipients: [String]
        public let authenticated: Bool
        public let tls: Bool

        /// The decoded text body of a base64 text/plain message.
        public var body: String {
            let parts = raw.components(separatedBy: "\r\n\r\n")
            let encoded = parts.dropFirst().joined(separator: "\r\n\r\n").replacingOccurrences(of: "\r\n", with: "")
            return Data(base64Encoded: encoded).map { String(decoding: $0, as: UTF8.self) } ?? ""
        }
    }

    /// Waits for the `count`-th message (1-based) for up to `timeout`.
    public func message(_ count: Int = 1, timeout: Duration = .seconds(20)) async throws -> Received {
        let deadline = ContinuousClock.now + timeout
        let base = maildir + "/\(count)"
        while ContinuousClock.now < deadline {
            if let raw = try? String(contentsOfFile: base + ".eml", encoding: .utf8),
                let data = FileManager.default.contents(atPath: base + ".json"),
                let facts = try JSONSerialization.jsonObject(with: data) as? [String: Any]
            {
                return Received(
                    raw: raw, envelope: ["from": facts["from"] as? String ?? ""],
                    recipients: facts["to"] as? [String] ?? [], authenticated: facts["authenticated"] as? Bool ?? false,
                    tls: facts["tls"] as? Bool ?? false)
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw SMTPServerError.noMessage
    }

    deinit {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
    }
}

public enum SMTPServerError: Error {
    case certificate
    case notStarted(String)
    case noMessage
}
