import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A TCP port on 127.0.0.1 that accepts connections (in the kernel's backlog) but never says a word:
/// for testing that clients give up instead of hanging.
public final class SilentServer: @unchecked Sendable {
    public let port: Int
    private let descriptor: Int32

    public init() throws {
        (descriptor, port) = try FreePort.bindLoopback()
        // Fully initialised from here: a throw runs deinit, which closes the descriptor.
        guard listen(descriptor, 8) == 0 else { throw FreePortError.bindFailed }
    }

    deinit {
        close(descriptor)
    }
}
