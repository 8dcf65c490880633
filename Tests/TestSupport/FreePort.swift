import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Finds a free TCP port on 127.0.0.1 for a server another process will start.
public enum FreePort {
    /// Ports below Linux's ephemeral range (32768–60999): the kernel never hands them to outgoing connections, so a
    /// port found free is not taken by some test's client socket before the server binds it (a port the kernel
    /// picked for `bind(0)` was, under CI load: "Address already in use").
    static let range = 20_000..<32_768

    public static func find() throws -> Int {
        for _ in 0..<200 {
            let port = Int.random(in: range)
            if let descriptor = try? bindLoopback(port: port) {
                close(descriptor.descriptor)
                return port
            }
        }
        let (descriptor, port) = try bindLoopback()
        close(descriptor)
        return port
    }

    /// A TCP socket bound to 127.0.0.1 on `port` (0: one the kernel picks); the caller owns the descriptor.
    static func bindLoopback(port: Int = 0) throws -> (descriptor: Int32, port: Int) {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw FreePortError.socketFailed }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, length) == 0 && getsockname(descriptor, $0, &length) == 0
            }
        }
        guard bound else {
            close(descriptor)
            throw FreePortError.bindFailed
        }
        return (descriptor, Int(UInt16(bigEndian: address.sin_port)))
    }
}

enum FreePortError: Error {
    case socketFailed, bindFailed
}
