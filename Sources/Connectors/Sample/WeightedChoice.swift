import AnalystCore

/// A categorical distribution: values (already SQL literals) with relative weights, turned into a `CASE`
/// expression over a uniform number in [0, 1).
struct WeightedChoice {
    let values: [String]
    let weights: [Double]

    /// String values, quoted as SQL literals.
    init(_ entries: KeyValuePairs<String, Double>) {
        self.values = entries.map { Identifier.literal($0.key) }
        self.weights = entries.map(\.value)
    }

    /// Integer values.
    init(integers entries: KeyValuePairs<Int, Double>) {
        self.values = entries.map { String($0.key) }
        self.weights = entries.map(\.value)
    }

    /// Values that are SQL literals already (numbers, expressions).
    init(literals entries: [(String, Double)]) {
        self.values = entries.map(\.0)
        self.weights = entries.map(\.1)
    }

    /// The raw values (for string choices, without quotes), for documentation and tests.
    var names: [String] {
        values.map { value in
            value.hasPrefix("'") ? String(value.dropFirst().dropLast()).replacingOccurrences(of: "''", with: "'") : value
        }
    }

    /// `CASE WHEN x < c1 THEN v1 WHEN x < c2 THEN v2 … ELSE vn END`, where the thresholds are the cumulative
    /// weights divided by their total and `uniform` is an SQL expression uniform on [0, 1).
    func sql(_ uniform: String) -> String {
        let total = weights.reduce(0, +)
        guard values.count > 1, total > 0 else { return values.first ?? "NULL" }
        var cumulative = 0.0
        var branches: [String] = []
        for (value, weight) in zip(values, weights).dropLast() {
            cumulative += weight
            branches.append("WHEN \(uniform) < \(cumulative / total) THEN \(value)")
        }
        return "CASE " + branches.joined(separator: " ") + " ELSE \(values[values.count - 1]) END"
    }
}
