import Foundation
import Logging
import NIOCore
import NIOEmbedded
import NIOHTTP1
import TestSupport
import Testing

@testable import AnalystServer

/// `FileRegionWriter` on a test channel: the marked response's body becomes the file region, writes made while
/// the file opens keep their order, and a file that is gone closes the connection instead of sending a body.
struct FileRegionWriterTests {
    private func channel(root: String) async throws -> NIOAsyncTestingChannel {
        // The handler is not Sendable: it is made and added on the channel's event loop.
        let channel = try await NIOAsyncTestingChannel { channel in
            try channel.pipeline.syncOperations.addHandler(FileRegionWriter(root: root, logger: Logger(label: "test")))
        }
        try await channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 8000))
        return channel
    }

    /// A directory holding `table.parquet` with the ten bytes `0123456789`, and that file's path.
    private func tenByteFile() throws -> (TemporaryDirectory, String) {
        let directory = try TemporaryDirectory()
        let path = directory.appending("table.parquet")
        try Data("0123456789".utf8).write(to: URL(fileURLWithPath: path))
        return (directory, path)
    }

    /// Sends what Hummingbird sends for a marked download: the head (with the mark), the end, a flush.
    private func sendMarkedResponse(on channel: NIOAsyncTestingChannel, path: String, offset: Int, length: Int) {
        var head = HTTPResponseHead(version: .http1_1, status: .partialContent)
        head.headers.add(name: "content-length", value: String(length))
        head.headers.add(name: FileRegionMark.field.rawName, value: FileRegionMark.value(path: path, offset: offset, length: length))
        channel.write(HTTPServerResponsePart.head(head), promise: nil)
        channel.write(HTTPServerResponsePart.end(nil), promise: nil)
        channel.flush()
    }

    @Test func aMarkedResponseCarriesTheFileRegionInOrder() async throws {
        let (directory, path) = try tenByteFile()
        defer { directory.remove() }
        let channel = try await channel(root: directory.path + "/")

        sendMarkedResponse(on: channel, path: path, offset: 2, length: 5)

        guard case .head(let head) = try await channel.waitForOutboundWrite(as: HTTPServerResponsePart.self) else {
            Issue.record("the head comes first")
            return
        }
        #expect(head.status == .partialContent)
        #expect(head.headers[FileRegionMark.field.rawName].isEmpty)
        guard case .body(.fileRegion(let region)) = try await channel.waitForOutboundWrite(as: HTTPServerResponsePart.self)
        else {
            Issue.record("then the file region")
            return
        }
        let (start, end) = (region.readerIndex, region.endIndex)
        #expect(start == 2 && end == 7)
        guard case .end = try await channel.waitForOutboundWrite(as: HTTPServerResponsePart.self) else {
            Issue.record("then the end")
            return
        }
        let stillOpen = channel.isActive
        #expect(stillOpen)
        // An unmarked response passes untouched.
        try await channel.writeAndFlush(HTTPServerResponsePart.head(HTTPResponseHead(version: .http1_1, status: .ok)))
        guard case .head(let plain) = try await channel.waitForOutboundWrite(as: HTTPServerResponsePart.self) else {
            Issue.record("an unmarked head passes")
            return
        }
        #expect(plain.status == .ok)
        _ = try await channel.finish(acceptAlreadyClosed: true)
    }

    /// A `Connection: close` response is closed right after its writes are queued, usually while the file is
    /// still opening: the close must wait for them.
    @Test func aCloseWaitsForTheHeldWrites() async throws {
        let (directory, path) = try tenByteFile()
        defer { directory.remove() }
        let channel = try await channel(root: directory.path + "/")

        sendMarkedResponse(on: channel, path: path, offset: 0, length: 10)
        channel.close(promise: nil)
        try await channel.closeFuture.get()
        var kinds: [String] = []
        while let part = try await channel.readOutbound(as: HTTPServerResponsePart.self) {
            switch part {
            case .head: kinds.append("head")
            case .body(.fileRegion): kinds.append("file")
            case .body: kinds.append("bytes")
            case .end: kinds.append("end")
            }
        }
        #expect(kinds == ["head", "file", "end"])
    }

    @Test(arguments: ["missing.parquet", "short.parquet"])
    func aFileThatIsGoneOrShorterClosesTheConnection(name: String) async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try Data("0123".utf8).write(to: URL(fileURLWithPath: directory.appending("short.parquet")))
        let channel = try await channel(root: directory.path + "/")

        sendMarkedResponse(on: channel, path: directory.appending(name), offset: 0, length: 10)
        try await channel.closeFuture.get()
        let sent = try await channel.readOutbound(as: HTTPServerResponsePart.self)
        #expect(sent == nil)
    }

    @Test func aMarkOutsideTheRootIsRefused() async throws {
        let channel = try await channel(root: "/data/extracts/")
        sendMarkedResponse(on: channel, path: "/etc/passwd", offset: 0, length: 10)
        try await channel.closeFuture.get()
        let sent = try await channel.readOutbound(as: HTTPServerResponsePart.self)
        #expect(sent == nil)
    }
}
