import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// An HTTP/1.1 server on 127.0.0.1 that answers every request with one canned answer and records what it was sent:
/// enough to see what the client makes of an answer, without a real server.
final class CannedHTTPServer: Sendable {
    /// One request as received: the request line and the body.
    struct Request: Sendable {
        var line: String
        var body: String
    }

    /// The requests received so far.
    final class Recorder: Sendable {
        let requests = Mutex<[Request]>([])
    }

    let port: Int
    let recorder = Recorder()
    private let descriptor: Int32

    var url: String { "http://127.0.0.1:\(port)" }
    var requests: [Request] { recorder.requests.withLock { $0 } }

    /// Starts answering `status` with `body` (as JSON) to every request.
    init(status: Int = 200, body: String) throws {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, length) == 0 && getsockname(descriptor, $0, &length) == 0
            }
        }
        guard descriptor >= 0, bound, listen(descriptor, 8) == 0 else {
            close(descriptor)
            throw POSIXError(.EADDRNOTAVAIL)
        }
        self.descriptor = descriptor
        port = Int(UInt16(bigEndian: address.sin_port))
        let answer = Array(
            ("HTTP/1.1 \(status) Canned\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n"
                + "Connection: close\r\n\r\n" + body).utf8)
        let recorder = recorder
        Thread.detachNewThread {
            while true {
                let client = accept(descriptor, nil, nil)
                guard client >= 0 else { return }
                if let request = CannedHTTPServer.read(client) { recorder.requests.withLock { $0.append(request) } }
                _ = answer.withUnsafeBytes { send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                close(client)
            }
        }
    }

    deinit {
        shutdown(descriptor, Int32(SHUT_RDWR))
        close(descriptor)
    }

    /// Reads one request: the head, then as many body bytes as `Content-Length` says.
    static func read(_ client: Int32) -> Request? {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        let separator = Array("\r\n\r\n".utf8)
        while true {
            if let end = bytes.firstRange(of: separator) {
                let head = String(decoding: bytes[..<end.lowerBound], as: UTF8.self)
                let lines = head.components(separatedBy: "\r\n")
                let length =
                    lines.compactMap { line -> Int? in
                        let parts = line.split(separator: ":", maxSplits: 1)
                        guard parts.count == 2, parts[0].lowercased() == "content-length" else { return nil }
                        return Int(parts[1].trimmingCharacters(in: .whitespaces))
                    }.first ?? 0
                if bytes.count - end.upperBound >= length {
                    let body = String(decoding: bytes[end.upperBound..<end.upperBound + length], as: UTF8.self)
                    return Request(line: lines.first ?? "", body: body)
                }
            }
            let count = recv(client, &chunk, chunk.count, 0)
            guard count > 0 else { return nil }
            bytes += chunk[..<count]
        }
    }
}
