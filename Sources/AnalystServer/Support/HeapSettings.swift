import CMalloc

/// How the server's C heap gives memory back after a burst of work.
///
/// glibc raises its trim and `mmap` thresholds each time a large block is freed (up to 32 and 64 MB), so after a burst
/// of syncs and queries — manifests, profiles bundles, query results of megabytes — freed memory stayed resident at
/// the top of the per-thread arenas. Fixed thresholds of 1 MB keep blocks from 1 MB up in their own mappings
/// (returned when freed) and shrink an arena whose free top passes 1 MB. Measured under `make bench`'s load
/// (docs/performance.md): resident 60 s after it 208–220 MB instead of 231–257 MB.
enum HeapSettings {
    static let threshold: Int32 = 1 << 20

    /// Applies the fixed thresholds; call once, at start. Returns whether glibc took them (`false` elsewhere).
    @discardableResult
    static func apply() -> Bool {
        #if canImport(Glibc)
            return mallopt(M_TRIM_THRESHOLD, threshold) == 1 && mallopt(M_MMAP_THRESHOLD, threshold) == 1
        #else
            return false
        #endif
    }
}
