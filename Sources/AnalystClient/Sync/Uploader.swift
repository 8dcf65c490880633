import AnalystAPI
import Foundation

/// Sends the analyst's own files to the server for corporate memory: new or changed Claude Code sessions
/// (`user/sessions/*.jsonl`, `POST /api/upload/sessions`) and `.claude/CLAUDE.local.md` (`POST /api/upload/local-md`).
/// A file counts as changed when its size or modification time differs from when it was last sent.
struct Uploader: Sendable {
    let client: APIClient
    let workspace: Workspace

    /// What was sent.
    struct Report: Sendable {
        var sessions: [String] = []
        var localNotes = false
        var errors: [(file: String, error: String)] = []
    }

    /// Uploads what changed (or, with `dryRun`, only lists it) and records what was sent in `state`.
    func upload(state: inout LocalSyncState, dryRun: Bool) async -> Report {
        var report = Report()
        var sent = state.sessions ?? [:]
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: workspace.sessionsDirectory.path)) ?? [])
            .filter { $0.hasSuffix(".jsonl") && !$0.hasPrefix(".") }.sorted()
        for name in names {
            let file = workspace.sessionsDirectory.appendingPathComponent(name)
            guard let stamp = Uploader.stamp(file), sent[name] != stamp else { continue }
            if dryRun {
                report.sessions.append(name)
                continue
            }
            do {
                guard let data = FileManager.default.contents(atPath: file.path) else {
                    throw ClientError.badLocalFile(path: file.path, reason: "unreadable")
                }
                let (body, contentType) = Uploader.multipart(file: data, named: name)
                _ = try await client.send(.POST, "/api/upload/sessions", body: body, contentType: contentType, timeout: .seconds(300))
                sent[name] = stamp
                report.sessions.append(name)
            } catch {
                report.errors.append((name, "\(error)"))
            }
        }
        state.sessions = sent.isEmpty ? nil : sent
        let notes = workspace.localNotes
        if let stamp = Uploader.stamp(notes), state.local_md != stamp {
            if dryRun {
                report.localNotes = true
            } else {
                do {
                    guard let data = FileManager.default.contents(atPath: notes.path), let content = String(data: data, encoding: .utf8)
                    else {
                        throw ClientError.badLocalFile(path: notes.path, reason: "not UTF-8 text")
                    }
                    _ = try await client.send(
                        .POST, "/api/upload/local-md", body: Schemas.LocalMarkdownRequest(content: content), timeout: .seconds(60))
                    state.local_md = stamp
                    report.localNotes = true
                } catch {
                    report.errors.append((".claude/CLAUDE.local.md", "\(error)"))
                }
            }
        }
        return report
    }

    /// Size and modification time of a regular file.
    static func stamp(_ url: URL) -> LocalSyncState.Upload? {
        var info = stat()
        guard stat(url.path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
        #if canImport(Darwin)
            let modified = info.st_mtimespec
        #else
            let modified = info.st_mtim
        #endif
        return LocalSyncState.Upload(size: Int64(info.st_size), mtime: Double(modified.tv_sec) + Double(modified.tv_nsec) / 1e9)
    }

    /// A `multipart/form-data` body with one part `file` (what the reference's upload API reads).
    static func multipart(file: Data, named name: String) -> (Data, String) {
        let boundary = "da-\(UUID().uuidString)"
        let safeName = name.replacingOccurrences(of: "\"", with: "%22").replacingOccurrences(of: "\r", with: "%0D")
            .replacingOccurrences(of: "\n", with: "%0A")
        var body = Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\(safeName)\"\r\n".utf8)
        body.append(Data("Content-Type: application/octet-stream\r\n\r\n".utf8))
        body.append(file)
        body.append(Data("\r\n--\(boundary)--\r\n".utf8))
        return (body, "multipart/form-data; boundary=\(boundary)")
    }
}
