import AnalystClient
import ArgumentParser
import Foundation

/// `da notifications`: what your scripts sent (`list`) and, as they come, on this terminal (`listen`).
struct Notifications: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "notifications", abstract: "Show your scripts' notifications, or follow them as they arrive.",
        subcommands: [List.self, Listen.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "Your latest notifications.")

        @OptionGroup var options: ServerOptions
        @Option(help: "How many (1-500).") var limit = 20

        func run() async throws {
            guard (1...500).contains(limit) else { throw ValidationError("--limit must be from 1 to 500") }
            try await Scripts.reportingErrors {
                let answer = try await ScriptsClient(session: options.session()).notifications(limit: limit)
                if options.json { return JSONOutput.print(answer) }
                TextTable.print(
                    ["TIME", "SCRIPT", "TITLE", "MESSAGE"],
                    answer.value.notifications.map {
                        [TextTable.time($0.timestamp), $0.script ?? "-", $0.title ?? "", String($0.message.prefix(80))]
                    },
                    empty: "No notifications yet. A script sends one when it prints {\"notify\": true, ...} (da scripts).")
            }
        }
    }

    struct Listen: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "listen",
            abstract: "Print notifications as the server pushes them (WebSocket /ws/notifications); Ctrl-C to stop.")

        @OptionGroup var options: ServerOptions

        func run() async throws {
            let session = options.session()
            guard let token = try session.currentToken() else {
                Terminal.printError("Not logged in: run da auth login first")
                throw ExitCode(1)
            }
            let json = options.json
            do {
                try await NotificationListener(server: session.server, token: token).listen(
                    onSignedIn: { user in
                        Terminal.printError("Listening for \(user)'s notifications on \(session.server) (Ctrl-C to stop)")
                    },
                    onNotification: { text in
                        // Unbuffered, so a pipe or a file sees each notification as it arrives.
                        func emit(_ line: String) { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }
                        if json { return emit(text) }
                        guard let object = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] else { return }
                        let title = (object["title"] as? String).map { "\($0): " } ?? ""
                        let script = (object["script"] as? String).map { " [\($0)]" } ?? ""
                        emit("\(object["timestamp"] as? String ?? "")\(script) \(title)\(object["message"] as? String ?? "")")
                    })
            } catch let refusal as NotificationListener.Refused {
                Terminal.printError(refusal.description)
                throw ExitCode(1)
            }
        }
    }
}
