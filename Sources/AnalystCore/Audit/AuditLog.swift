import DuckDB
import Foundation
import Synchronization

/// Appends `AuditEntry`s to `audit_log` without slowing requests down: `record` only buffers (no I/O, no
/// await); `run()` writes the buffer with an appender at least every `flushInterval`, and `flush()` writes
/// what is left (the server calls it on shutdown, after the HTTP server has stopped).
public final class AuditLog: Sendable {
    public let system: SystemDatabase
    public let flushInterval: Duration
    private let buffer = Mutex<[AuditEntry]>([])
    /// The most recent flush; each flush waits for the one before, so when `flush()` returns, every entry
    /// recorded before the call has been written (not just the ones this call happened to take).
    private let lastFlush = Mutex<Task<Void, Error>?>(nil)

    public init(system: SystemDatabase, flushInterval: Duration = .seconds(1)) {
        self.system = system
        self.flushInterval = flushInterval
    }

    /// Buffers one entry; returns at once.
    public func record(_ entry: AuditEntry) {
        buffer.withLock { $0.append(entry) }
    }

    /// Writes every buffered entry. Entries that fail to write are put back for the next attempt.
    public func flush() async throws {
        let task = lastFlush.withLock { previous -> Task<Void, Error> in
            let before = previous
            let next = Task {
                _ = await before?.result
                try await self.writeBuffered()
            }
            previous = next
            return next
        }
        try await task.value
    }

    private func writeBuffered() async throws {
        let pending = buffer.withLock { entries -> [AuditEntry] in
            defer { entries.removeAll(keepingCapacity: true) }
            return entries
        }
        guard !pending.isEmpty else { return }
        do {
            try await system.withConnection { connection in
                let appender = try connection.appender(table: "audit_log")
                for entry in pending {
                    try appender.append(row: [
                        .varchar(entry.id), .timestamp(TimestampValue(entry.timestamp)),
                        entry.userID.map(Value.varchar) ?? .null, .varchar(entry.action),
                        entry.resource.map(Value.varchar) ?? .null, entry.params.map(Value.varchar) ?? .null,
                        .integer(Int32(clamping: entry.status)), .double(entry.durationMilliseconds),
                        entry.clientAddress.map(Value.varchar) ?? .null, entry.requestID.map(Value.varchar) ?? .null,
                        entry.path.map(Value.varchar) ?? .null,
                    ])
                }
                try appender.close()
            }
        } catch {
            buffer.withLock { $0.insert(contentsOf: pending, at: 0) }
            throw error
        }
    }

    /// Flushes every `flushInterval` until the task is cancelled. Call `flush()` once more afterwards, from a
    /// task that is not cancelled, to write what arrived last.
    public func flushPeriodically() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: flushInterval)
            if Task.isCancelled { break }
            try? await flush()
        }
    }

    /// Entries matching the filters, newest first: `resource` exactly, `path` as a prefix of the called path,
    /// `action` as a substring.
    public func search(
        userID: String? = nil, action: String? = nil, resource: String? = nil, path: String? = nil, since: Date? = nil,
        until: Date? = nil, limit: Int = 100
    ) async throws -> [AuditEntry] {
        var conditions: [String] = []
        var parameters: [Value] = []
        if let userID {
            conditions.append("user_id = ?")
            parameters.append(.varchar(userID))
        }
        if let action {
            conditions.append("action LIKE ?")
            parameters.append(.varchar("%" + action + "%"))
        }
        if let resource {
            conditions.append("resource = ?")
            parameters.append(.varchar(resource))
        }
        if let path {
            conditions.append("starts_with(path, ?)")
            parameters.append(.varchar(path))
        }
        if let since {
            conditions.append("timestamp >= ?")
            parameters.append(.timestamp(TimestampValue(since)))
        }
        if let until {
            conditions.append("timestamp <= ?")
            parameters.append(.timestamp(TimestampValue(until)))
        }
        parameters.append(.bigint(Int64(limit)))
        let sql = """
            SELECT id, timestamp, user_id, action, resource, params, status, duration_ms, client_address, request_id, path
            FROM audit_log \(conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND "))
            ORDER BY timestamp DESC LIMIT ?
            """
        let bound = parameters
        return try await system.withConnection { connection in
            try connection.query(sql, bound).rows().compactMap(AuditLog.entry(from:))
        }
    }

    /// Corporate memory's governance entries (`km_<action>`), newest first: exactly `action` when given, otherwise
    /// every `km_` action.
    public func governance(action: String?, limit: Int, offset: Int) async throws -> [AuditEntry] {
        let condition = action == nil ? "starts_with(action, 'km_')" : "action = ?"
        let parameters: [Value] = (action.map { [Value.varchar($0)] } ?? []) + [.bigint(Int64(limit)), .bigint(Int64(offset))]
        return try await system.withConnection { connection in
            try connection.query(
                """
                SELECT id, timestamp, user_id, action, resource, params, status, duration_ms, client_address, request_id, path
                FROM audit_log WHERE \(condition) ORDER BY timestamp DESC, id LIMIT ? OFFSET ?
                """, parameters
            ).rows().compactMap(AuditLog.entry(from:))
        }
    }

    static func entry(from row: [Value]) -> AuditEntry? {
        guard row.count == 11, case .varchar(let id) = row[0], case .timestamp(let timestamp) = row[1],
            case .varchar(let action) = row[3], case .integer(let status) = row[6], case .double(let duration) = row[7]
        else { return nil }
        func text(_ value: Value) -> String? {
            if case .varchar(let text) = value { return text }
            return nil
        }
        return AuditEntry(
            id: id, timestamp: timestamp.date, userID: text(row[2]), action: action, resource: text(row[4]), path: text(row[10]),
            params: text(row[5]), status: Int(status), durationMilliseconds: duration, clientAddress: text(row[8]),
            requestID: text(row[9]))
    }
}
