import Crypto
import Foundation

/// What an analyst's Claude Code should follow: the approved and mandatory items meant for them, one markdown file
/// per category (`corporate-memory-<category>.md`, mandatory items first and marked), and a hash over the files that
/// the sync manifest carries so `da sync` fetches them only when they changed.
public struct KnowledgeRules: Sendable, Equatable {
    /// One rules file.
    public struct File: Sendable, Equatable {
        /// `corporate-memory-<slug>.md`: lower-case letters, digits, `-` and `_` only.
        public var name: String
        public var category: String
        public var content: String
    }

    public var files: [File]
    /// SHA-256 over the files' names and contents; `nil` when there are none.
    public var hash: String?

    /// The prefix every file `da sync` writes carries, so it never mistakes an analyst's own rules file for its own.
    public static let filePrefix = "corporate-memory-"

    /// The rules made of `items` (already limited to what applies to the user).
    public init(items: [KnowledgeItem]) {
        var byFile: [String: (category: String, items: [KnowledgeItem])] = [:]
        for item in items where item.status == .approved || item.status == .mandatory {
            let name = KnowledgeRules.fileName(for: item.category)
            byFile[name, default: (item.category, [])].items.append(item)
        }
        files = byFile.keys.sorted().compactMap { name in
            guard let group = byFile[name] else { return nil }
            let ordered = group.items.sorted {
                ($0.status == .mandatory ? 0 : 1, -$0.score, $0.title, $0.id) < (
                    $1.status == .mandatory ? 0 : 1, -$1.score, $1.title, $1.id
                )
            }
            var text = "# \(group.category)\n\n"
            text += "<!-- Written by da sync from the team's corporate memory. Edits here are replaced on the next sync; "
            text += "propose changes with `da memory add`. -->\n"
            for item in ordered {
                text += "\n## \(item.title)\(item.status == .mandatory ? " (mandatory)" : "")\n\n"
                text += item.content.trimmingCharacters(in: .whitespacesAndNewlines) + "\n"
            }
            return File(name: name, category: group.category, content: text)
        }
        if files.isEmpty {
            hash = nil
        } else {
            var hasher = SHA256()
            for file in files {
                hasher.update(data: Data("\(file.name)\0\(file.content)\0".utf8))
            }
            hash = hasher.finalize().map { String(format: "%02x", $0) }.joined()
        }
    }

    /// `corporate-memory-<slug>.md` for a category: lower-cased, runs of other characters as one `-`.
    public static func fileName(for category: String) -> String {
        var slug = ""
        for scalar in category.lowercased().unicodeScalars {
            if scalar.isASCII, CharacterSet.alphanumerics.contains(scalar) || scalar == "_" {
                slug.unicodeScalars.append(scalar)
            } else if !slug.hasSuffix("-") {
                slug += "-"
            }
        }
        slug = String(slug.trimmingCharacters(in: CharacterSet(charactersIn: "-")).prefix(60))
        return filePrefix + (slug.isEmpty ? "general" : slug) + ".md"
    }
}

extension KnowledgeStore {
    /// The rules for `user`: approved and mandatory items whose audience names them (a km_admin's or admin's own
    /// rules follow the audience like anyone's; governing every item is not being its audience).
    /// Kept in the system database's `rulesCache` until the next write to the knowledge tables.
    public func rules(for user: User) async throws -> KnowledgeRules {
        let cache = system.rulesCache
        let key = user.role.rawValue + " " + user.email
        if let cached = cache.lookup(key) { return cached }
        let generation = cache.generation
        let (audience, parameters) = KnowledgeStore.audienceCondition(email: user.email, role: user.role)
        let items = try await system.withConnection { connection in
            try connection.query(
                """
                SELECT \(KnowledgeStore.columns) FROM knowledge_items k \(KnowledgeStore.votes)
                WHERE k.status IN ('approved', 'mandatory') AND \(audience)
                """, parameters
            ).rows().compactMap(KnowledgeStore.item)
        }
        let rules = KnowledgeRules(items: items)
        cache.store(rules, for: key, readAt: generation)
        return rules
    }
}
