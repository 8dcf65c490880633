import AnalystClient
import AnalystCore
import ArgumentParser

@main
struct DACommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "da",
        abstract: "AI Data Analyst CLI: sync the data you may see into a local DuckDB and query it offline.",
        discussion: """
            Configuration: \(ClientEnvironment.configurationSummary)
            """,
        version: AnalystVersion.current
    )
}
