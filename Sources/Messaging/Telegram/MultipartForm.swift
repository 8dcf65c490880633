import Foundation

/// A `multipart/form-data` body (RFC 7578) of text fields and one file, as `sendPhoto` uploads it.
struct MultipartForm {
    struct File {
        var name: String
        /// Already safe for a header (`TelegramClient.safeFilename`).
        var filename: String
        var contentType: String
        var data: Data
    }

    var fields: [(name: String, value: String)]
    var file: File
    /// Random, so no field's value can contain it by chance.
    let boundary = "da-telegram-" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()

    init(fields: [(String, String)], file: File) {
        self.fields = fields.map { (name: $0.0, value: $0.1) }
        self.file = file
    }

    func encoded() -> Data {
        var body = Data()
        func append(_ text: String) { body.append(Data(text.utf8)) }
        for field in fields {
            append("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(field.name)\"\r\n\r\n")
            append(field.value)
            append("\r\n")
        }
        append("--\(boundary)\r\n")
        append("Content-Disposition: form-data; name=\"\(file.name)\"; filename=\"\(file.filename)\"\r\n")
        append("Content-Type: \(file.contentType)\r\n\r\n")
        body.append(file.data)
        append("\r\n--\(boundary)--\r\n")
        return body
    }
}
