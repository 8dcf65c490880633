import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Finds a free TCP port on 127.0.0.1 by binding port 0 and reading what the kernel chose.
public enum FreePort {
    public static func find() throws -> Int {
        let (descriptor, port) = try bindLoopback()
        close(descriptor)
        return port
    }

    /// A TCP socket bound to 127.0.0.1 on a port the kernel picks; the caller owns the descriptor.
    static func bindLoopback() throws -> (descriptor: Int32, port: Int) {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw FreePortError.socketFailed }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
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
