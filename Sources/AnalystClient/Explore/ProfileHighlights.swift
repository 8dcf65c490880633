import Foundation

/// The parts of a stored table profile that `da explore` shows. Profiles are free-form in the contract
/// (`TableProfile`, `CatalogProfile`): each field is read when it is there with the expected type, and ignored
/// otherwise, so a profiler that writes more, or less, never breaks `da explore`.
struct ProfileHighlights: Decodable, Sendable {
    /// A profiled column.
    struct Column: Decodable, Sendable {
        var name: String?
        var type: String?
        var completenessPct: Double?
        /// The most frequent values as text, with their share when the profile has it: `web (55%)`.
        var topValues: [String] = []

        enum CodingKeys: String, CodingKey {
            case name, type, completenessPct = "completeness_pct", stringStats = "string_stats", sampleValues = "sample_values"
        }

        enum StatsKeys: String, CodingKey {
            case topValues = "top_values"
        }

        /// One of `string_stats.top_values`.
        struct TopValue: Decodable, Sendable {
            var value: JSONValue?
            var pct: JSONValue?
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            name = try? container.decodeIfPresent(String.self, forKey: .name)
            type = try? container.decodeIfPresent(String.self, forKey: .type)
            completenessPct = try? container.decodeIfPresent(Double.self, forKey: .completenessPct)
            let stats = try? container.nestedContainer(keyedBy: StatsKeys.self, forKey: .stringStats)
            if let top = try? stats?.decodeIfPresent([TopValue].self, forKey: .topValues) {
                topValues = top.compactMap { entry in
                    guard let text = entry.value?.text else { return nil }
                    return entry.pct.flatMap(\.text).map { "\(text) (\($0)%)" } ?? text
                }
            } else {
                topValues = ((try? container.decodeIfPresent([JSONValue].self, forKey: .sampleValues)) ?? []).compactMap(\.text)
            }
        }
    }

    /// One alert: only its message is shown.
    struct Alert: Decodable, Sendable {
        var message: String?

        enum CodingKeys: String, CodingKey {
            case message
        }

        init(from decoder: any Decoder) throws {
            message = (try? decoder.container(keyedBy: CodingKeys.self).decodeIfPresent(String.self, forKey: .message)).flatMap { $0 }
        }
    }

    var description: String?
    var alerts: [String] = []
    var profiledAt: String?
    var rowCount: Int64?
    var columns: [Column] = []
    var sampleRows: [[String: JSONValue]] = []
    /// The OpenMetadata enrichment the server adds to the profile (`catalog`), when it has one.
    var catalog: CatalogHighlights?

    enum CodingKeys: String, CodingKey {
        case description, alerts, profiledAt = "profiled_at", lastSync = "last_sync", rowCount = "row_count", columns
        case sampleRows = "sample_rows", catalog
    }

    init(from decoder: any Decoder) throws {
        guard let container = try? decoder.container(keyedBy: CodingKeys.self) else { return }
        description = (try? container.decodeIfPresent(String.self, forKey: .description)).flatMap { $0 }
        alerts = ((try? container.decodeIfPresent([Alert].self, forKey: .alerts)) ?? []).compactMap(\.message)
        profiledAt =
            (try? container.decodeIfPresent(String.self, forKey: .profiledAt)).flatMap { $0 }
            ?? (try? container.decodeIfPresent(String.self, forKey: .lastSync)).flatMap { $0 }
        rowCount = (try? container.decodeIfPresent(Int64.self, forKey: .rowCount)).flatMap { $0 }
        columns = ((try? container.decodeIfPresent([Column].self, forKey: .columns)) ?? []).filter { $0.name != nil }
        sampleRows = (try? container.decodeIfPresent([[String: JSONValue]].self, forKey: .sampleRows)) ?? []
        catalog = (try? container.decodeIfPresent(CatalogHighlights.self, forKey: .catalog)).flatMap { $0 }
    }

    /// Adds these highlights to `overview`; columns it does not have yet are taken from the profile.
    func apply(to overview: inout TableOverview) {
        overview.description = description.flatMap { $0.isEmpty ? nil : $0 }
        overview.alerts = alerts
        overview.profiledAt = profiledAt
        for entry in columns {
            guard let name = entry.name else { continue }
            let top = Array(entry.topValues.prefix(5))
            if let index = overview.columns.firstIndex(where: { $0.name == name }) {
                overview.columns[index].completenessPct = entry.completenessPct
                overview.columns[index].topValues = top
            } else {
                var column = TableOverview.Column(name: name, type: entry.type ?? "", nullable: nil)
                column.completenessPct = entry.completenessPct
                column.topValues = top
                overview.columns.append(column)
            }
        }
        catalog?.apply(to: &overview)
    }
}
