import AnalystClient
import ArgumentParser

extension Setup {
    /// `da setup verify`: check the instance end to end.
    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "verify",
            abstract: "Check the instance end to end: server, auth, data, users, web UI, API docs.",
            discussion: "Exit code 1 when a check fails; warnings (e.g. no tables yet) still exit 0.")

        @OptionGroup var options: ServerOptions

        func run() async throws {
            let report = await SetupClient(session: options.session()).verify()
            if options.json {
                try JSONOutput.print(report)
            } else {
                let labels: [VerifyReport.Status: String] = [.pass: "OK", .warn: "WARN", .fail: "FAIL", .skip: "SKIP"]
                for check in report.checks {
                    print("  [\(TextTable.pad(labels[check.status] ?? "", 4))] \(check.name): \(check.detail)")
                }
                switch report.overall {
                case .fail: print("Some checks FAILED. See above for details.")
                case .warn: print("The instance is running but some items need attention.")
                case .pass, .skip: print("All checks passed! The instance is ready.")
                }
            }
            if report.overall == .fail { throw ExitCode(1) }
        }
    }
}
