import DuckDB
import Foundation
import JSONWriting
import Logging

/// A swift-log handler that writes one JSON object per line to standard error:
/// `{"ts":"…Z","level":"info","logger":"da-server","msg":"…", <metadata>}`. Machine-readable for log
/// shippers, still readable by people.
public struct JSONLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    private let label: String
    private let output: LogOutput

    public init(label: String, level: Logger.Level = .info, output: LogOutput = .standardError) {
        self.label = label
        self.logLevel = level
        self.output = output
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var fields: [(String, String)] = [
            ("ts", JSONLogHandler.timestamp()), ("level", event.level.rawValue), ("logger", label),
            ("msg", event.message.description),
        ]
        let merged = metadata.merging(event.metadata ?? [:]) { _, new in new }
        for (key, value) in merged.sorted(by: { $0.key < $1.key }) {
            fields.append((key, value.description))
        }
        if event.level >= .error {
            fields.append(("source", "\(event.file):\(event.line)"))
        }
        let line = "{" + fields.map { "\(JSONText.quote($0)):\(JSONText.quote($1))" }.joined(separator: ",") + "}\n"
        output.write(line)
    }

    static func timestamp() -> String {
        Date().formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }
}

/// Where log lines go: standard error, or a closure (tests).
public struct LogOutput: Sendable {
    let write: @Sendable (String) -> Void

    public init(write: @escaping @Sendable (String) -> Void) {
        self.write = write
    }

    public static let standardError = LogOutput { line in
        FileHandle.standardError.write(Data(line.utf8))
    }
}
