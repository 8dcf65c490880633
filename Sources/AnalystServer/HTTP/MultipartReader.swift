import Foundation
import NIOCore

/// An incremental `multipart/form-data` reader (RFC 7578 / RFC 2046) with bounded memory: feed it the body in
/// chunks of any size with `append`, pull events with `next()`. Part bodies come out as slices as soon as they
/// cannot be the start of a delimiter, so it never holds more than one input chunk plus a delimiter's length
/// (or one part's header section, at most `maxHeaderBytes`).
struct MultipartReader {
    /// What `next()` found.
    enum Event: Equatable {
        /// A part starts; its body follows as `bytes`, then `partEnd`.
        case part(PartHead)
        /// The next bytes of the current part's body.
        case bytes(ByteBuffer)
        /// The current part ended (its delimiter was seen).
        case partEnd
        /// The closing delimiter was seen; whatever follows is ignored.
        case end
        /// Call `append` (or `finishInput` at the end of the body) and ask again.
        case needMoreData
    }

    /// The headers of one part that matter for a form.
    struct PartHead: Equatable, Sendable {
        /// `name` of `Content-Disposition: form-data`.
        var name: String?
        /// `filename` of `Content-Disposition: form-data`, unchanged (callers sanitise it).
        var filename: String?
        /// The part's `Content-Type`.
        var contentType: String?
    }

    /// Why a body cannot be read; `message` says what to fix.
    enum Failure: Error, Equatable {
        case truncated
        case malformed(String)

        var message: String {
            switch self {
            case .truncated:
                "The multipart body ended before its closing boundary: send the complete form"
            case .malformed(let reason):
                "The multipart body is malformed: \(reason)"
            }
        }
    }

    /// The largest header section of one part.
    static let maxHeaderBytes = 16 * 1024
    /// The most transport padding (spaces, tabs) accepted after a delimiter.
    static let maxPadding = 256

    private enum State {
        case preamble, afterDelimiter, headers, body, epilogue
    }

    private var buffer: ByteBuffer
    private var state = State.preamble
    private var inputFinished = false
    /// `CRLF--boundary`: what ends a part body.
    private let delimiter: [UInt8]

    /// A reader for `boundary` (as in the Content-Type, without quotes or leading dashes).
    init(boundary: String) {
        delimiter = Array("\r\n--\(boundary)".utf8)
        // The first delimiter may open the body without a preceding CRLF; a virtual CRLF makes it match like
        // every other delimiter.
        buffer = ByteBuffer(bytes: [0x0D, 0x0A])
    }

    /// Adds the next chunk of the body.
    mutating func append(_ chunk: ByteBuffer) {
        guard state != .epilogue else { return }
        if buffer.readableBytes == 0 {
            buffer = chunk
            return
        }
        buffer.discardReadBytes()
        var chunk = chunk
        buffer.writeBuffer(&chunk)
    }

    /// Marks the end of the body: where more data would be needed, `next()` now throws `truncated`.
    mutating func finishInput() {
        inputFinished = true
    }

    /// The next event.
    mutating func next() throws(Failure) -> Event {
        while true {
            switch state {
            case .preamble:
                if let index = firstIndex(of: delimiter) {
                    buffer.moveReaderIndex(forwardBy: index + delimiter.count)
                    state = .afterDelimiter
                    continue
                }
                // Keep only what could still be the start of the first delimiter.
                let keep = delimiter.count - 1
                if buffer.readableBytes > keep {
                    buffer.moveReaderIndex(forwardBy: buffer.readableBytes - keep)
                }
                return try needMore()

            case .afterDelimiter:
                switch try readAfterDelimiter() {
                case .needMore: return try needMore()
                case .closed: return .end
                case .nextPart: continue
                }

            case .headers:
                guard let head = try readHeaders() else { return try needMore() }
                state = .body
                return .part(head)

            case .body:
                if let index = firstIndex(of: delimiter) {
                    if index > 0, let bytes = buffer.readSlice(length: index) {
                        return .bytes(bytes)
                    }
                    buffer.moveReaderIndex(forwardBy: delimiter.count)
                    state = .afterDelimiter
                    return .partEnd
                }
                let safe = buffer.readableBytes - (delimiter.count - 1)
                if safe > 0, let bytes = buffer.readSlice(length: safe) {
                    return .bytes(bytes)
                }
                return try needMore()

            case .epilogue:
                buffer.moveReaderIndex(to: buffer.writerIndex)
                return .end
            }
        }
    }

    private func needMore() throws(Failure) -> Event {
        if inputFinished { throw .truncated }
        return .needMoreData
    }

    private enum AfterDelimiter {
        case needMore, closed, nextPart
    }

    /// After `CRLF--boundary`: `--` closes the form, otherwise optional padding and CRLF open the next part.
    private mutating func readAfterDelimiter() throws(Failure) -> AfterDelimiter {
        let view = buffer.readableBytesView
        guard let first = view.first else { return .needMore }
        if first == UInt8(ascii: "-") {
            guard view.count >= 2 else { return .needMore }
            guard view[view.startIndex + 1] == UInt8(ascii: "-") else {
                throw .malformed("a boundary line is followed by \"-\" but not \"--\"")
            }
            state = .epilogue
            buffer.moveReaderIndex(to: buffer.writerIndex)
            return .closed
        }
        var index = view.startIndex
        while index < view.endIndex, view[index] == UInt8(ascii: " ") || view[index] == UInt8(ascii: "\t") {
            index += 1
        }
        guard index - view.startIndex <= MultipartReader.maxPadding else {
            throw .malformed("a boundary line is followed by too much padding")
        }
        guard view.endIndex - index >= 2 else { return .needMore }
        guard view[index] == 0x0D, view[index + 1] == 0x0A else {
            throw .malformed("a boundary line must end with CRLF (is the boundary in the Content-Type the one in the body?)")
        }
        buffer.moveReaderIndex(forwardBy: index + 2 - view.startIndex)
        state = .headers
        return .nextPart
    }

    /// A part's header section up to and including the empty line; `nil` when more bytes are needed.
    private mutating func readHeaders() throws(Failure) -> PartHead? {
        let view = buffer.readableBytesView
        if view.count >= 2, view[view.startIndex] == 0x0D, view[view.startIndex + 1] == 0x0A {
            buffer.moveReaderIndex(forwardBy: 2)
            return PartHead()
        }
        guard let end = firstIndex(of: [0x0D, 0x0A, 0x0D, 0x0A]) else {
            guard buffer.readableBytes <= MultipartReader.maxHeaderBytes else {
                throw .malformed("a part's headers are longer than \(MultipartReader.maxHeaderBytes) bytes")
            }
            return nil
        }
        guard end <= MultipartReader.maxHeaderBytes,
            let bytes = buffer.readBytes(length: end)
        else {
            throw .malformed("a part's headers are longer than \(MultipartReader.maxHeaderBytes) bytes")
        }
        buffer.moveReaderIndex(forwardBy: 4)
        guard let text = String(bytes: bytes, encoding: .utf8) else {
            throw .malformed("a part's headers are not UTF-8")
        }
        return try MultipartReader.parseHead(text)
    }

    /// The offset of `pattern` in the readable bytes, if it is there.
    private func firstIndex(of pattern: [UInt8]) -> Int? {
        buffer.withUnsafeReadableBytes { bytes -> Int? in
            guard let base = bytes.baseAddress, let first = pattern.first, bytes.count >= pattern.count else { return nil }
            let lastStart = bytes.count - pattern.count
            var offset = 0
            while offset <= lastStart {
                guard let hit = memchr(base + offset, Int32(first), lastStart - offset + 1) else { return nil }
                let found = base.distance(to: UnsafeRawPointer(hit))
                let matches = pattern.withUnsafeBytes { patternBytes in
                    patternBytes.baseAddress.map { memcmp(base + found, $0, pattern.count) == 0 } ?? false
                }
                if matches {
                    return found
                }
                offset = found + 1
            }
            return nil
        }
    }

    /// Reads `Content-Disposition` and `Content-Type` from a header section (lines separated by CRLF).
    static func parseHead(_ text: String) throws(Failure) -> PartHead {
        var head = PartHead()
        var lines: [String] = []
        for line in text.components(separatedBy: "\r\n") {
            if let first = line.first, first == " " || first == "\t", !lines.isEmpty {
                lines[lines.count - 1] += " " + line.trimmingCharacters(in: .whitespaces)  // obsolete line folding
            } else {
                lines.append(line)
            }
        }
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else {
                throw .malformed("the part header line \"\(line.prefix(80))\" has no colon")
            }
            let name = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            switch name {
            case "content-disposition":
                let (kind, parameters) = headerParameters(value)
                guard kind.lowercased() == "form-data" else {
                    throw .malformed("a part's Content-Disposition is \"\(kind)\", not form-data")
                }
                head.name = parameters["name"]
                head.filename = parameters["filename"]
            case "content-type":
                head.contentType = value
            default:
                break
            }
        }
        return head
    }

    /// Splits `value; key=token; key="quoted \" string"` into the value and its parameters (keys lower-cased,
    /// the first occurrence wins). In quoted values only `\"` and `\\` are escapes.
    static func headerParameters(_ header: String) -> (value: String, parameters: [String: String]) {
        var characters = Substring(header)
        func skipSpaces() {
            while let first = characters.first, first == " " || first == "\t" { characters.removeFirst() }
        }
        let value = characters.prefix { $0 != ";" }
        characters = characters.dropFirst(value.count)
        var parameters: [String: String] = [:]
        while !characters.isEmpty {
            characters.removeFirst()  // ";"
            skipSpaces()
            let key = characters.prefix { $0 != "=" && $0 != ";" }
            characters = characters.dropFirst(key.count)
            var parsed = ""
            if characters.first == "=" {
                characters.removeFirst()
                skipSpaces()
                if characters.first == "\"" {
                    characters.removeFirst()
                    while let character = characters.popFirst(), character != "\"" {
                        // Only \" and \\ are escapes: other backslashes are kept (Windows paths sent as they are).
                        if character == "\\", let next = characters.first, next == "\"" || next == "\\" {
                            parsed.append(next)
                            characters.removeFirst()
                        } else {
                            parsed.append(character)
                        }
                    }
                    characters = characters.drop { $0 != ";" }
                } else {
                    let token = characters.prefix { $0 != ";" }
                    characters = characters.dropFirst(token.count)
                    parsed = token.trimmingCharacters(in: .whitespaces)
                }
            }
            let name = key.trimmingCharacters(in: .whitespaces).lowercased()
            if !name.isEmpty, parameters[name] == nil {
                parameters[name] = parsed
            }
        }
        return (value.trimmingCharacters(in: .whitespaces), parameters)
    }

    /// The boundary of a `multipart/form-data` Content-Type, quoted or not.
    static func boundary(contentType: String?) -> Result<String, BoundaryProblem> {
        guard let contentType else { return .failure(.notMultipart(nil)) }
        let (type, parameters) = headerParameters(contentType)
        guard type.lowercased() == "multipart/form-data" else { return .failure(.notMultipart(type)) }
        guard let boundary = parameters["boundary"], !boundary.isEmpty else { return .failure(.missingBoundary) }
        guard boundary.utf8.count <= 70, !boundary.contains(where: { $0 == "\r" || $0 == "\n" }) else {
            return .failure(.invalidBoundary)
        }
        return .success(boundary)
    }

    /// Why a Content-Type gives no usable boundary.
    enum BoundaryProblem: Error, Equatable {
        case notMultipart(String?)
        case missingBoundary
        case invalidBoundary
    }
}
