/// The Bot API's objects the bot reads and writes (https://core.telegram.org/bots/api), with the API's own names.
/// Fields the bot does not use are left out; decoding ignores them.
public enum Telegram {
    /// How Telegram reads the text of a message or caption.
    public enum ParseMode: String, Sendable, Codable {
        /// The legacy Markdown the reference used: `*bold*`, `_italic_`, `` `code` ``, `[text](url)`.
        case markdown = "Markdown"
        case markdownV2 = "MarkdownV2"
        case html = "HTML"
    }

    /// One incoming update: a message or a callback query (other kinds are not asked for).
    public struct Update: Codable, Sendable, Equatable {
        public var updateID: Int64
        public var message: Message?
        public var callbackQuery: CallbackQuery?

        public init(updateID: Int64, message: Message? = nil, callbackQuery: CallbackQuery? = nil) {
            self.updateID = updateID
            self.message = message
            self.callbackQuery = callbackQuery
        }

        enum CodingKeys: String, CodingKey {
            case updateID = "update_id"
            case message
            case callbackQuery = "callback_query"
        }
    }

    public struct Message: Codable, Sendable, Equatable {
        public var messageID: Int64
        public var from: User?
        public var chat: Chat
        /// Unix time.
        public var date: Int64
        public var text: String?
        public var caption: String?

        public init(messageID: Int64, from: User? = nil, chat: Chat, date: Int64 = 0, text: String? = nil, caption: String? = nil) {
            self.messageID = messageID
            self.from = from
            self.chat = chat
            self.date = date
            self.text = text
            self.caption = caption
        }

        enum CodingKeys: String, CodingKey {
            case messageID = "message_id"
            case from, chat, date, text, caption
        }
    }

    public struct Chat: Codable, Sendable, Equatable {
        public var id: Int64
        /// `private`, `group`, `supergroup` or `channel`.
        public var type: String
        public var username: String?
        public var title: String?

        public init(id: Int64, type: String = "private", username: String? = nil, title: String? = nil) {
            self.id = id
            self.type = type
            self.username = username
            self.title = title
        }

        public var isPrivate: Bool { type == "private" }
    }

    /// A Telegram account (the Bot API's `User`).
    public struct User: Codable, Sendable, Equatable {
        public var id: Int64
        public var isBot: Bool
        public var firstName: String
        public var lastName: String?
        public var username: String?

        public init(id: Int64, isBot: Bool = false, firstName: String, lastName: String? = nil, username: String? = nil) {
            self.id = id
            self.isBot = isBot
            self.firstName = firstName
            self.lastName = lastName
            self.username = username
        }

        enum CodingKeys: String, CodingKey {
            case id
            case isBot = "is_bot"
            case firstName = "first_name"
            case lastName = "last_name"
            case username
        }
    }

    /// A press on an inline keyboard button.
    public struct CallbackQuery: Codable, Sendable, Equatable {
        public var id: String
        public var from: User
        /// The message the button was on (absent when it is too old for Telegram to send).
        public var message: Message?
        /// The button's `callback_data`.
        public var data: String?

        public init(id: String, from: User, message: Message? = nil, data: String? = nil) {
            self.id = id
            self.from = from
            self.message = message
            self.data = data
        }
    }

    /// Buttons under a message, row by row.
    public struct InlineKeyboardMarkup: Codable, Sendable, Equatable {
        public var inlineKeyboard: [[InlineKeyboardButton]]

        public init(inlineKeyboard: [[InlineKeyboardButton]]) {
            self.inlineKeyboard = inlineKeyboard
        }

        enum CodingKeys: String, CodingKey {
            case inlineKeyboard = "inline_keyboard"
        }
    }

    public struct InlineKeyboardButton: Codable, Sendable, Equatable {
        public var text: String
        /// Sent back in the callback query; at most 64 bytes (Telegram's limit).
        public var callbackData: String?

        public init(text: String, callbackData: String?) {
            self.text = text
            self.callbackData = callbackData
        }

        /// Telegram's limit on `callback_data`, in UTF-8 bytes.
        public static let callbackDataLimit = 64

        enum CodingKeys: String, CodingKey {
            case text
            case callbackData = "callback_data"
        }
    }
}
