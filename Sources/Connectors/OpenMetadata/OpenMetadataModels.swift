import Foundation

/// A tag on an entity or column (OpenMetadata's `TagLabel`): `tagFQN` is `Classification.Tag`, e.g. `Tier.Tier1`,
/// `PII.Sensitive`, or a glossary term's name.
struct OpenMetadataTagLabel: Decodable, Sendable {
    var tagFQN: String
    var name: String?
}

/// A reference to another entity (`EntityReference`), as owners are given.
struct OpenMetadataEntityReference: Decodable, Sendable {
    var name: String?
    var displayName: String?
    var type: String?

    /// The name shown for an owner: its name, else its display name.
    var label: String? { [name, displayName].compactMap { $0 }.first { !$0.isEmpty } }
}

/// A column of `GET /api/v1/tables/name/{fqn}?fields=columns,tags,owners`.
struct OpenMetadataColumn: Decodable, Sendable {
    var name: String
    var dataType: String?
    var description: String?
    var tags: [OpenMetadataTagLabel]?
}

/// A table entity, as far as the catalog enrichment reads it. Servers before 1.4 name a single `owner`; later ones
/// a list of `owners`; both are read.
struct OpenMetadataTable: Decodable, Sendable {
    var name: String
    var fullyQualifiedName: String?
    var description: String?
    var columns: [OpenMetadataColumn]?
    var tags: [OpenMetadataTagLabel]?
    var owners: [OpenMetadataEntityReference]?
    var owner: OpenMetadataEntityReference?
}

/// A metric entity (`GET /api/v1/metrics?fields=tags,owners`, OpenMetadata 1.6+).
struct OpenMetadataMetric: Decodable, Sendable {
    /// `metricExpression`: the formula and its language.
    struct Expression: Decodable, Sendable {
        var language: String?
        var code: String?
    }

    var name: String
    var fullyQualifiedName: String?
    var displayName: String?
    var description: String?
    var metricExpression: Expression?
    var metricType: String?
    var unitOfMeasurement: String?
    var customUnitOfMeasurement: String?
    var granularity: String?
    var tags: [OpenMetadataTagLabel]?
    var owners: [OpenMetadataEntityReference]?
}

/// One page of a list endpoint: `{"data": [...], "paging": {"after": "...", "total": n}}`.
struct OpenMetadataPage<Entity: Decodable & Sendable>: Decodable, Sendable {
    struct Paging: Decodable, Sendable {
        var after: String?
        var total: Int?
    }

    var data: [Entity]
    var paging: Paging?
}
