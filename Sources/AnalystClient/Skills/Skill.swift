/// A built-in guide shown by `da skills` (markdown, embedded in the binary so it works offline).
public struct Skill: Sendable {
    public let name: String
    public let summary: String
    public let markdown: String
}

extension Skill {
    /// Every built-in skill, in the order `da skills list` shows them.
    public static let all: [Skill] = [.setup, .sync, .query, .troubleshoot, .connectors, .corporateMemory, .notifications, .security]

    /// The skill called `name` (case-insensitive), if any.
    public static func named(_ name: String) -> Skill? { all.first { $0.name == name.lowercased() } }
}
