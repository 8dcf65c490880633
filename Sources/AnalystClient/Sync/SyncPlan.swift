import Foundation

/// What a sync will do, decided from the manifest, the local state and the files on disk — before anything changes.
public struct SyncPlan: Sendable, Equatable {
    /// Tables to download: new, changed (another hash), or whose local file is missing or of the wrong size.
    public var download: [String] = []
    /// Tables already up to date.
    public var skipped: [String] = []
    /// Remote tables: no file, no view; queried with `da query --remote`.
    public var remote: [String] = []
    /// Tables to delete locally: no longer offered (deleted on the server or access revoked), or now remote.
    public var remove: [String] = []
    /// `--table` names the server does not offer to this user.
    public var unknown: [String] = []

    /// Decides the plan. `only` restricts the sync to those tables (`--table`); `tablesToo: false` is `--docs-only`.
    public static func make(
        manifest: Manifest, state: LocalSyncState, workspace: Workspace, only: [String] = [], includeTables: Bool = true
    ) -> SyncPlan {
        var plan = SyncPlan()
        guard includeTables else { return plan }
        let selected = only.isEmpty ? nil : Set(only)
        // With `--table`, only the named tables are looked at (not every table of the manifest).
        let offered =
            selected.map { ids in ids.sorted().compactMap { id in manifest.tables[id].map { (key: id, value: $0) } } }
            ?? manifest.tables.sorted(by: { $0.key < $1.key })
        for (id, table) in offered {
            if table.isRemote {
                plan.remote.append(id)
            } else if let local = state.tables[id], local.hash == table.hash, workspace.parquetSize(id) == table.size_bytes,
                workspace.hasPartitions(id, table.partitions)
            {
                plan.skipped.append(id)
            } else {
                plan.download.append(id)
            }
        }
        plan.unknown = only.filter { manifest.tables[$0] == nil }.sorted()
        // Local tables: those the state knows and any parquet file left in server/parquet (sync owns that folder).
        var local = Set(state.tables.keys)
        if let names = try? FileManager.default.contentsOfDirectory(atPath: workspace.parquetDirectory.path) {
            local.formUnion(names.filter { $0.hasSuffix(".parquet") }.map { String($0.dropLast(".parquet".count)) })
            local.formUnion(names.filter { !$0.contains(".") && workspace.isPartitionDirectory($0) })
        }
        plan.remove = local.filter { id in
            guard selected?.contains(id) ?? true else { return false }
            return manifest.tables[id].map(\.isRemote) ?? true
        }.sorted()
        return plan
    }

    /// Whether the plan changes any table.
    public var changesTables: Bool { !download.isEmpty || !remove.isEmpty }
}
