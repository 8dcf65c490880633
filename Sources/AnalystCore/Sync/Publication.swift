import DuckDB
import Foundation
import Logging

/// What follows a rebuild: the manifest cache is refreshed from `sync_state`, docs and profiles.
public struct Publication: Sendable {
    let manifest: SyncManifest
    let syncState: SyncStateStore
    let system: SystemDatabase
    let directory: DataDirectory
    let profiles: TableProfiles
    let registry: TableRegistry
    let logger: Logger

    public init(
        manifest: SyncManifest, syncState: SyncStateStore, system: SystemDatabase, directory: DataDirectory,
        profiles: TableProfiles, registry: TableRegistry, logger: Logger
    ) {
        self.manifest = manifest
        self.syncState = syncState
        self.system = system
        self.directory = directory
        self.profiles = profiles
        self.registry = registry
        self.logger = logger
    }

    /// Profiles tables whose file changed (of `only`, when given; giving way as `TableProfiles.refresh` says), then
    /// updates the manifest's profiles hash.
    public func refreshProfiles(only: Set<String>? = nil, giveWay: @Sendable () -> Bool = { false }) async -> TableProfiles.Pass {
        do {
            let pass = try await profiles.refresh(
                published: try await syncState.all(), registry: try await registry.list(), only: only, giveWay: giveWay)
            manifest.update(profilesHash: try await profilesHash())
            return pass
        } catch {
            logger.error("could not refresh profiles", metadata: ["error": "\(error)"])
            return TableProfiles.Pass(errors: ["profiles": "\(error)"])
        }
    }

    /// Reloads the manifest cache (published tables, docs hash, profiles hash).
    public func refreshManifest() async throws {
        let tables = try await syncState.all()
        let docsHash = SyncManifest.directoryHash(directory.docs)
        manifest.update(tables: tables, docsHash: docsHash, profilesHash: try await profilesHash())
    }

    /// A hash over every stored profile's table and time; `nil` when there are none.
    func profilesHash() async throws -> String? {
        let rows = try await system.withConnection { connection in
            try connection.query(
                "SELECT string_agg(table_id || '@' || CAST(profiled_at AS VARCHAR), ',' ORDER BY table_id) FROM table_profiles"
            ).scalar()
        }
        guard let text = rows?.stringValue, !text.isEmpty else { return nil }
        return Secrets.storedHash(of: text)
    }
}
