import AnalystClient
import ArgumentParser

extension Setup {
    /// `da setup test-connection`: the server's health, service by service.
    struct TestConnection: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "test-connection", abstract: "Check that the server answers and show the state of its services.")

        @OptionGroup var options: ServerOptions

        func run() async throws {
            let session = options.session()
            try await reportingErrors {
                let health = try await SetupClient(session: session).health()
                if options.json { return JSONOutput.print(health) }
                let status = health.value.status.rawValue
                print("Server \(session.server): \(status)")
                for (name, service) in health.value.services.byName {
                    print("  \(name): \(service.status.rawValue)" + (service.detail.map { " (\($0))" } ?? ""))
                }
                print(status == "healthy" ? "Server is healthy." : "Server has issues; see the services above.")
                print("Next: da setup first-sync")
            }
        }
    }
}
