import Foundation
import HTTPTypes
import Hummingbird
import Synchronization

extension FakeTelegram {
    /// What the route handler shares with the fake: its state and the one accepted token.
    final class State: Sendable {
        let store = Mutex(Store())
        let token: String

        init(token: String) {
            self.token = token
        }

        func handle(_ request: Request, bot: String, method: String) async throws -> Response {
            guard bot == "bot" + token else {
                return FakeTelegram.failure(401, "Unauthorized")
            }
            let body = Data(try await request.body.collect(upTo: 64 << 20).readableBytesView)
            let contentType = request.headers[.contentType] ?? ""
            let form = FakeTelegram.Form(body: body, contentType: contentType)
            if method == "getUpdates" { return await getUpdates(form) }
            var call = FakeTelegram.Call(
                method: method, status: 200, fields: form.fields, chatID: form.fields["chat_id"].flatMap { Int64($0) },
                text: form.fields["text"], parseMode: form.fields["parse_mode"], photo: form.file?.data,
                photoFilename: form.file?.filename, photoContentType: form.file?.contentType, caption: form.fields["caption"],
                replyMarkup: form.fields["reply_markup"], callbackQueryID: form.fields["callback_query_id"])
            let (response, status) = answer(&call)
            call.status = status
            store.withLock { $0.calls.append(call) }
            return response
        }

        /// The answer to one call other than getUpdates, and its status.
        private func answer(_ call: inout FakeTelegram.Call) -> (Response, Int) {
            let scripted: FakeTelegram.Failure? = store.withLock { store in
                guard var queue = store.failures[call.method], !queue.isEmpty else { return nil }
                let first = queue.removeFirst()
                store.failures[call.method] = queue
                return first
            }
            if let scripted { return FakeTelegram.render(scripted) }
            switch call.method {
            case "sendMessage", "sendPhoto":
                return send(call)
            case "answerCallbackQuery":
                guard call.callbackQueryID != nil else { return FakeTelegram.refusal(400, "Bad Request: query id is required") }
                return (FakeTelegram.success("true"), 200)
            case "setWebhook":
                guard let url = call.fields["url"], url.hasPrefix("https://") || url.hasPrefix("http://127.") else {
                    return FakeTelegram.refusal(400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook")
                }
                store.withLock { $0.webhook = (url, call.fields["secret_token"]) }
                return (FakeTelegram.success("true"), 200)
            case "deleteWebhook":
                store.withLock { $0.webhook = nil }
                return (FakeTelegram.success("true"), 200)
            case "getMe":
                let me = FakeTelegram.json([
                    "id": FakeTelegram.botID, "is_bot": true, "first_name": "Fake", "username": FakeTelegram.botUsername,
                ])
                return (FakeTelegram.success(me), 200)
            default:
                return FakeTelegram.refusal(404, "Not Found")
            }
        }

        private func send(_ call: FakeTelegram.Call) -> (Response, Int) {
            guard let chatID = call.chatID else { return FakeTelegram.refusal(400, "Bad Request: chat_id is empty") }
            if store.withLock({ $0.blocked.contains(chatID) }) { return FakeTelegram.render(.blocked) }
            let isPhoto = call.method == "sendPhoto"
            let text = isPhoto ? call.caption : call.text
            if isPhoto {
                guard let photo = call.photo, !photo.isEmpty else {
                    return FakeTelegram.refusal(400, "Bad Request: there is no photo in the request")
                }
                if let caption = call.caption, caption.utf16.count > 1024 {
                    return FakeTelegram.refusal(400, "Bad Request: message caption is too long")
                }
            } else {
                guard let text = call.text, !text.isEmpty else { return FakeTelegram.refusal(400, "Bad Request: message text is empty") }
                guard text.utf16.count <= 4096 else { return FakeTelegram.refusal(400, "Bad Request: message is too long") }
            }
            if call.buttons.contains(where: { ($0.callbackData?.utf8.count ?? 0) > 64 }) {
                return FakeTelegram.refusal(400, "Bad Request: BUTTON_DATA_INVALID")
            }
            if call.parseMode == "Markdown", let text, let offset = FakeTelegram.markdownError(text) {
                return FakeTelegram.refusal(
                    400, "Bad Request: can't parse entities: Can't find end of the entity starting at byte offset \(offset)")
            }
            let messageID = store.withLock { store -> Int64 in
                store.nextMessageID += 1
                return store.nextMessageID
            }
            var message: [String: Any] = [
                "message_id": messageID, "date": Int(Date().timeIntervalSince1970),
                "chat": FakeTelegram.chat(chatID, type: chatID < 0 ? "group" : "private"),
            ]
            if isPhoto {
                message["photo"] = [["file_id": "photo-\(messageID)", "file_unique_id": "u\(messageID)", "width": 1, "height": 1]]
                if let text { message["caption"] = text }
            } else {
                message["text"] = text ?? ""
            }
            return (FakeTelegram.success(FakeTelegram.json(message)), 200)
        }

        private func getUpdates(_ form: FakeTelegram.Form) async -> Response {
            let offset = form.fields["offset"].flatMap { Int64($0) }
            let timeout = max(0, min(form.fields["timeout"].flatMap { Int($0) } ?? 0, 50))
            let scripted: FakeTelegram.Failure? = store.withLock { store in
                if let offset { store.updates.removeAll { $0.id < offset } }
                guard var queue = store.failures["getUpdates"], !queue.isEmpty else { return nil }
                let first = queue.removeFirst()
                store.failures["getUpdates"] = queue
                return first
            }
            if let scripted {
                store.withLock { $0.polls.append(FakeTelegram.Poll(offset: offset, timeout: timeout, returned: [])) }
                return FakeTelegram.render(scripted).0
            }
            let deadline = ContinuousClock.now + .seconds(timeout)
            store.withLock { $0.pollsInFlight += 1 }
            defer { store.withLock { $0.pollsInFlight -= 1 } }
            while true {
                let (ready, stopped) = store.withLock { store in
                    (Array(store.updates.filter { $0.id >= (offset ?? Int64.min) }.prefix(100)), store.stopped)
                }
                if !ready.isEmpty || stopped || ContinuousClock.now >= deadline {
                    store.withLock { $0.polls.append(FakeTelegram.Poll(offset: offset, timeout: timeout, returned: ready.map(\.id))) }
                    return FakeTelegram.success("[" + ready.map(\.json).joined(separator: ",") + "]")
                }
                try? await Task.sleep(for: .milliseconds(10))
            }
        }
    }

    // MARK: - Answers

    static func success(_ resultJSON: String) -> Response {
        response(200, #"{"ok":true,"result":\#(resultJSON)}"#)
    }

    static func failure(_ status: Int, _ description: String, retryAfter: Int? = nil) -> Response {
        var object: [String: Any] = ["ok": false, "error_code": status, "description": description]
        if let retryAfter { object["parameters"] = ["retry_after": retryAfter] }
        return response(status, json(object))
    }

    static func refusal(_ status: Int, _ description: String) -> (Response, Int) {
        (failure(status, description), status)
    }

    static func render(_ failure: Failure) -> (Response, Int) {
        switch failure {
        case .tooManyRequests(let seconds):
            return (Self.failure(429, "Too Many Requests: retry after \(seconds)", retryAfter: seconds), 429)
        case .blocked:
            return refusal(403, "Forbidden: bot was blocked by the user")
        case .chatNotFound:
            return refusal(400, "Bad Request: chat not found")
        case .cantParseEntities:
            return refusal(400, "Bad Request: can't parse entities: Can't find end of the entity starting at byte offset 0")
        case .status(let status, let description):
            return refusal(status, description)
        }
    }

    static func response(_ status: Int, _ body: String) -> Response {
        Response(
            status: .init(code: status), headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: Data(body.utf8))))
    }

    /// The byte offset of an entity legacy Markdown leaves open, or `nil` when the text parses. Outside an entity `\`
    /// escapes the next character; inside one nothing is escaped and only the same character closes it.
    static func markdownError(_ text: String) -> Int? {
        let bytes = Array(text.utf8)
        var index = 0
        var open: (byte: UInt8, offset: Int)?
        let starters: Set<UInt8> = [UInt8(ascii: "*"), UInt8(ascii: "_"), UInt8(ascii: "`")]
        while index < bytes.count {
            let byte = bytes[index]
            if let current = open {
                if byte == current.byte { open = nil }
            } else if byte == UInt8(ascii: "\\") {
                index += 1
            } else if starters.contains(byte) {
                open = (byte, index)
            }
            index += 1
        }
        return open?.offset
    }

    // MARK: - Request bodies

    /// A request's fields: a JSON object's members (objects and arrays as JSON text), or multipart/form-data parts
    /// (one of which may be a file).
    struct Form {
        struct File {
            var name: String
            var filename: String?
            var contentType: String?
            var data: Data
        }

        var fields: [String: String] = [:]
        var file: File?

        init(body: Data, contentType: String) {
            if contentType.lowercased().hasPrefix("multipart/form-data") {
                parseMultipart(body, contentType: contentType)
            } else if let object = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] {
                for (key, value) in object {
                    switch value {
                    case let text as String: fields[key] = text
                    case let number as NSNumber: fields[key] = number.stringValue
                    case is NSNull: continue
                    default: fields[key] = FakeTelegram.json(value)
                    }
                }
            }
        }

        private mutating func parseMultipart(_ body: Data, contentType: String) {
            guard let range = contentType.range(of: "boundary=") else { return }
            let boundary = contentType[range.upperBound...].split(separator: ";").first.map {
                $0.trimmingCharacters(in: CharacterSet(charactersIn: "\" "))
            }
            guard let boundary, !boundary.isEmpty else { return }
            let delimiter = Data("--\(boundary)".utf8)
            let separator = Data("\r\n\r\n".utf8)
            var cursor = body.startIndex
            while let start = body.range(of: delimiter, in: cursor..<body.endIndex) {
                var partStart = start.upperBound
                // `--boundary--` closes the body.
                if body[partStart...].starts(with: Data("--".utf8)) { break }
                if body[partStart...].starts(with: Data("\r\n".utf8)) { partStart += 2 }
                guard let next = body.range(of: Data("\r\n".utf8) + delimiter, in: partStart..<body.endIndex),
                    let headerEnd = body.range(of: separator, in: partStart..<next.lowerBound)
                else { break }
                let headers = String(decoding: body[partStart..<headerEnd.lowerBound], as: UTF8.self)
                let content = Data(body[headerEnd.upperBound..<next.lowerBound])
                addPart(headers: headers, content: content)
                cursor = next.lowerBound + 2
            }
        }

        private mutating func addPart(headers: String, content: Data) {
            var name: String?
            var filename: String?
            var type: String?
            for line in headers.components(separatedBy: "\r\n") {
                let lower = line.lowercased()
                if lower.hasPrefix("content-disposition:") {
                    name = Form.parameter("name", in: line)
                    filename = Form.parameter("filename", in: line)
                } else if lower.hasPrefix("content-type:") {
                    type = line.dropFirst("content-type:".count).trimmingCharacters(in: .whitespaces)
                }
            }
            guard let name else { return }
            if filename != nil {
                file = File(name: name, filename: filename, contentType: type, data: content)
            } else {
                fields[name] = String(decoding: content, as: UTF8.self)
            }
        }

        /// `name="value"` in a Content-Disposition line.
        static func parameter(_ key: String, in line: String) -> String? {
            for piece in line.split(separator: ";") {
                let trimmed = piece.trimmingCharacters(in: .whitespaces)
                guard trimmed.hasPrefix(key + "=") else { continue }
                return String(trimmed.dropFirst(key.count + 1)).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            }
            return nil
        }
    }
}
