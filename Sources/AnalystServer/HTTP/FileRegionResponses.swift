import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix

/// Zero-copy file responses: the kernel sends a file's bytes to the socket (`sendfile(2)`) instead of the server
/// reading them into memory and writing them out again.
///
/// Hummingbird's response bodies are byte buffers only, so a route asks for a file region by marking its
/// (body-less) response with `FileRegionMark.field`; `FileRegionWriter`, placed in the channel pipeline next to
/// NIO's HTTP/1 encoder by `FileRegionInstaller`, removes the mark, opens the file off the event loop and writes
/// the region after the response head. Only plain-TCP HTTP/1 connections carry file regions (TLS cannot).
enum FileRegionMark {
    /// The internal response header naming the region; it never leaves the server.
    static let field: HTTPField.Name = {
        guard let name = HTTPField.Name("x-analyst-file-region") else { preconditionFailure("not a header name") }
        return name
    }()

    /// The mark for `length` bytes of the file at `path` from `offset`.
    static func value(path: String, offset: Int, length: Int) -> String {
        let encoded = path.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? path
        return "\(offset) \(length) \(encoded)"
    }

    /// The region a mark names, or `nil` for anything else: the path must be absolute, inside `root` and free of
    /// `..`, the offset and length non-negative.
    static func region(from value: String, root: String) -> (path: String, offset: Int, length: Int)? {
        let parts = value.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, let offset = Int(parts[0]), let length = Int(parts[1]), offset >= 0, length >= 0,
            let path = String(parts[2]).removingPercentEncoding, path.hasPrefix(root), root.hasSuffix("/"),
            !path.split(separator: "/").contains("..")
        else { return nil }
        return (path, offset, length)
    }
}

/// Added through Hummingbird's `additionalChannelHandlers`; puts a `FileRegionWriter` right after NIO's
/// `HTTPResponseEncoder`, where response bodies may still be file regions, and otherwise does nothing.
final class FileRegionInstaller: ChannelInboundHandler, RemovableChannelHandler {
    /// Whatever passes (NIO requires a handler to be inbound or outbound); it is forwarded untouched.
    typealias InboundIn = NIOAny

    private let root: String
    private let logger: Logger

    /// `root`: the only directory (ending in `/`) whose files may be sent.
    init(root: String, logger: Logger) {
        self.root = root
        self.logger = logger
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let pipeline = context.pipeline.syncOperations
        guard let encoder = try? pipeline.handler(type: HTTPResponseEncoder.self) else { return }
        try? pipeline.addHandler(FileRegionWriter(root: root, logger: logger), position: .after(encoder))
    }
}

/// Replaces a marked response's empty body with the file region the mark names (see `FileRegionMark`).
///
/// Writes, a flush and a close that arrive while the file opens are held and passed on in order afterwards (a
/// `Connection: close` response is closed right after its last write is queued). If the file cannot be
/// opened or is now shorter than the region, nothing of the response is sent and the connection is closed, so
/// the client sees a failed download rather than wrong bytes.
final class FileRegionWriter: ChannelOutboundHandler, RemovableChannelHandler {
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private let root: String
    private let logger: Logger
    private let fileIO = NonBlockingFileIO(threadPool: .singleton)
    /// Writes received while a file opens (nil when none is opening, or once the handler is removed), and
    /// whether a flush and a close came meanwhile.
    private var held: [(part: HTTPServerResponsePart, promise: EventLoopPromise<Void>?)]?
    private var flushHeld = false
    private var closeHeld: (mode: CloseMode, promise: EventLoopPromise<Void>?)?

    init(root: String, logger: Logger) {
        self.root = root
        self.logger = logger
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let part = unwrapOutboundIn(data)
        if held != nil {
            held?.append((part, promise))
            return
        }
        guard case .head(var head) = part, let mark = head.headers[FileRegionMark.field.rawName].first else {
            context.write(data, promise: promise)
            return
        }
        head.headers.remove(name: FileRegionMark.field.rawName)
        guard let region = FileRegionMark.region(from: mark, root: root) else {
            logger.error("a download named a file outside the extracts; connection closed", metadata: ["mark": "\(mark)"])
            promise?.fail(ChannelError.inappropriateOperationForState)
            context.close(promise: nil)
            return
        }
        held = []
        fileIO.openFile(_deprecatedPath: region.path, eventLoop: context.eventLoop).assumeIsolated().whenComplete {
            result in
            self.opened(result, head: head, region: region, promise: promise, context: context)
        }
    }

    func flush(context: ChannelHandlerContext) {
        if held != nil {
            flushHeld = true
        } else {
            context.flush()
        }
    }

    func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        if held != nil, closeHeld == nil {
            closeHeld = (mode, promise)
        } else {
            context.close(mode: mode, promise: promise)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        let pending = held ?? []
        held = nil
        for write in pending { write.promise?.fail(ChannelError.ioOnClosedChannel) }
        closeHeld?.promise?.fail(ChannelError.alreadyClosed)
        closeHeld = nil
    }

    private func opened(
        _ result: Result<(NIOFileHandle, FileRegion), Error>, head: HTTPResponseHead,
        region: (path: String, offset: Int, length: Int), promise: EventLoopPromise<Void>?, context: ChannelHandlerContext
    ) {
        // Opening sets `held`; only `handlerRemoved` clears it before the file is open.
        guard let pending = held else {
            if case .success(let (handle, _)) = result { try? handle.close() }
            promise?.fail(ChannelError.ioOnClosedChannel)
            return
        }
        held = nil
        switch result {
        case .success(let (handle, whole)) where whole.endIndex >= region.offset + region.length:
            context.write(wrapOutboundOut(.head(head)), promise: promise)
            let file = FileRegion(fileHandle: handle, readerIndex: region.offset, endIndex: region.offset + region.length)
            let sent = context.eventLoop.makePromise(of: Void.self)
            sent.futureResult.whenComplete { _ in try? handle.close() }
            context.write(wrapOutboundOut(.body(.fileRegion(file))), promise: sent)
            for write in pending { context.write(wrapOutboundOut(write.part), promise: write.promise) }
            if flushHeld {
                flushHeld = false
                context.flush()
            }
            if let close = closeHeld {
                closeHeld = nil
                context.close(mode: close.mode, promise: close.promise)
            }
        case .success(let (handle, whole)):
            try? handle.close()
            logger.warning(
                "a download's file shrank before it was sent; connection closed",
                metadata: ["path": "\(region.path)", "size": "\(whole.endIndex)", "needed": "\(region.offset + region.length)"])
            fail(promise: promise, pending: pending, context: context)
        case .failure(let error):
            logger.warning(
                "a download's file could not be opened; connection closed",
                metadata: ["path": "\(region.path)", "error": "\(error)"])
            fail(promise: promise, pending: pending, context: context)
        }
    }

    private func fail(
        promise: EventLoopPromise<Void>?, pending: [(part: HTTPServerResponsePart, promise: EventLoopPromise<Void>?)],
        context: ChannelHandlerContext
    ) {
        flushHeld = false
        promise?.fail(ChannelError.ioOnClosedChannel)
        for write in pending { write.promise?.fail(ChannelError.ioOnClosedChannel) }
        let close = closeHeld
        closeHeld = nil
        context.close(promise: close?.promise)
    }
}
