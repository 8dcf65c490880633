import Foundation

/// A script's notification as a chat receives it: `*title*` and the message as text, or as a photo's caption when
/// there is an image.
public struct TelegramNotification: Sendable, Equatable {
    public var title: String?
    /// The script's text, sent as Markdown as the reference did (Telegram's plain text when it does not parse).
    public var message: String
    /// A PNG or JPEG.
    public var image: Data?

    public init(title: String?, message: String, image: Data? = nil) {
        self.title = title
        self.message = message
        self.image = image
    }

    /// `*title*\nmessage` (the title escaped, so that it cannot break the markup), or the message alone.
    public var text: String {
        guard let title = title?.trimmingCharacters(in: .whitespacesAndNewlines), !title.isEmpty else { return message }
        return TelegramMarkdown.bold(title) + "\n" + message
    }

    /// A file name matching the image's format.
    var imageFilename: String {
        guard let image else { return "notification" }
        return TelegramClient.imageType(image) == "image/jpeg" ? "notification.jpg" : "notification.png"
    }
}
