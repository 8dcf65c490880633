extension Duration {
    /// The duration in milliseconds, with fractions (for logs and the audit log).
    public var milliseconds: Double {
        Double(components.seconds) * 1_000 + Double(components.attoseconds) / 1e15
    }

    /// The duration in whole milliseconds, rounded down (for API fields such as `duration_ms`).
    public var wholeMilliseconds: Int {
        Int(components.seconds * 1_000 + components.attoseconds / 1_000_000_000_000_000)
    }
}
