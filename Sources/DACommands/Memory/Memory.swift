import AnalystAPI
import AnalystClient
import ArgumentParser
import Foundation

/// `da memory`: the team's corporate memory — what analysts learned, reviewed by km_admins. Approved and mandatory
/// items reach `.claude/rules/` with `da sync`.
struct Memory: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "memory", abstract: "Browse, search, propose and vote on corporate memory.",
        subcommands: [List.self, Search.self, Show.self, Add.self, Vote.self])

    /// `da memory list`.
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List the knowledge items meant for you.")

        @OptionGroup var options: ServerOptions
        @Option(help: "Only items with this status: pending, approved, mandatory, rejected, revoked.")
        var status: String?
        @Option(help: "Only items of this category.")
        var category: String?
        @OptionGroup var paging: PagingOptions

        func run() async throws {
            try await Memory.listing(options, status: status, category: category, search: nil, paging: paging)
        }
    }

    /// `da memory search TEXT`.
    struct Search: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "search", abstract: "Find knowledge items by words in their title, content or tags.")

        @OptionGroup var options: ServerOptions
        @Argument(help: "What to look for.")
        var text: String
        @OptionGroup var paging: PagingOptions

        func run() async throws {
            try await Memory.listing(options, status: nil, category: nil, search: text, paging: paging)
        }
    }

    /// `da memory show ID`.
    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "Show one knowledge item in full.")

        @OptionGroup var options: ServerOptions
        @Argument(help: "The item's id.")
        var id: String

        func run() async throws {
            try await reportingAdminErrors(notFound: "No such item, or it is not meant for you: see da memory list") {
                let answer = try await MemoryClient(session: options.session()).item(id)
                if options.json { return JSONOutput.print(answer) }
                let item = answer.value
                print("\(item.title)  [\(item.status.rawValue), \(item.category)]")
                print("id \(item.id) · score \(item.score) (+\(item.upvotes)/-\(item.downvotes)) · by \(item.sourceUser ?? "?")")
                if !item.tags.isEmpty { print("tags: \(item.tags.joined(separator: ", "))") }
                if item.audience != "all" { print("audience: \(item.audience)") }
                print()
                print(item.content)
            }
        }
    }

    /// `da memory add`.
    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "add", abstract: "Propose a knowledge item (a km_admin reviews it).")

        @OptionGroup var options: ServerOptions
        @Option(help: "A short title.")
        var title: String
        @Option(help: "The knowledge itself (or - to read it from standard input).")
        var content: String
        @Option(help: "A category, e.g. metrics, data-quality, business-rules.")
        var category: String
        @Option(help: "A tag (repeatable).")
        var tag: [String] = []

        func run() async throws {
            let text = content == "-" ? String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self) : content
            try await reportingAdminErrors {
                let answer = try await MemoryClient(session: options.session()).propose(
                    .init(title: title, content: text, category: category, tags: tag.isEmpty ? nil : tag))
                if options.json { return JSONOutput.print(answer) }
                print("Proposed \(answer.value.id): pending until a km_admin reviews it.")
            }
        }
    }

    /// `da memory vote ID up|down`.
    struct Vote: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "vote", abstract: "Vote a knowledge item up or down.")

        @OptionGroup var options: ServerOptions
        @Argument(help: "The item's id.")
        var id: String
        @Argument(help: "up or down.")
        var direction: String

        func validate() throws {
            guard ["up", "down"].contains(direction) else { throw ValidationError("vote up or down, not \"\(direction)\"") }
        }

        func run() async throws {
            try await reportingAdminErrors(notFound: "No such item, or it is not meant for you: see da memory list") {
                let answer = try await MemoryClient(session: options.session()).vote(id, direction == "up" ? 1 : -1)
                if options.json { return JSONOutput.print(answer) }
                print("Voted \(direction): +\(answer.value.upvotes)/-\(answer.value.downvotes)")
            }
        }
    }

    /// `--page` and `--per-page` of the listing commands.
    struct PagingOptions: ParsableArguments {
        @Option(help: "Page (from 1).")
        var page = 1
        @Option(help: "Items per page (1–200).")
        var perPage = 50
    }

    static func listing(_ options: ServerOptions, status: String?, category: String?, search: String?, paging: PagingOptions) async throws {
        try await reportingAdminErrors {
            let answer = try await MemoryClient(session: options.session()).list(
                status: status, category: category, search: search, page: paging.page, perPage: paging.perPage)
            if options.json { return JSONOutput.print(answer) }
            let list = answer.value
            print("Knowledge items: \(list.total) (page \(list.page), \(list.count) shown)")
            guard !list.items.isEmpty else { return }
            TextTable.print(
                ["ID", "STATUS", "CATEGORY", "SCORE", "TITLE"],
                list.items.map { [$0.id, $0.status.rawValue, $0.category, String($0.score), $0.title] })
        }
    }
}
