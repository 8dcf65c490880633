import Foundation

/// Where one slice of a sliced export is, as the manifest names it: a signed https URL, or an object in the stack's
/// cloud storage (`s3://bucket/key`, `gs://bucket/key`, `azure://account.blob.core.windows.net/container/name`) that
/// is read with the file's temporary credentials.
enum KeboolaSliceLocation: Sendable, Equatable {
    case url(URL)
    case s3(bucket: String, key: String)
    case gcs(bucket: String, key: String)
    case azure(container: String, name: String)

    /// The location a manifest entry names; `nil` for anything else (another scheme, no bucket or no key).
    init?(manifestEntry text: String) {
        guard let schemeEnd = text.range(of: "://") else { return nil }
        let scheme = text[..<schemeEnd.lowerBound].lowercased()
        switch scheme {
        case "https", "http":
            guard let url = URL(string: text) else { return nil }
            self = .url(url)
        case "s3", "gs", "azure":
            // The object name is everything after the authority, taken as written: a key may hold any character.
            let rest = text[schemeEnd.upperBound...]
            guard let slash = rest.firstIndex(of: "/") else { return nil }
            let authority = String(rest[..<slash])
            let path = String(rest[rest.index(after: slash)...])
            guard !authority.isEmpty, !path.isEmpty else { return nil }
            switch scheme {
            case "s3": self = .s3(bucket: authority, key: path)
            case "gs": self = .gcs(bucket: authority, key: path)
            default:
                guard let split = path.firstIndex(of: "/") else { return nil }
                let container = String(path[..<split])
                let name = String(path[path.index(after: split)...])
                guard !container.isEmpty, !name.isEmpty else { return nil }
                self = .azure(container: container, name: name)
            }
        default:
            return nil
        }
    }

    /// The store's name for messages.
    var store: String {
        switch self {
        case .url: "its signed URL"
        case .s3: "S3"
        case .gcs: "Google Cloud Storage"
        case .azure: "Azure Blob Storage"
        }
    }
}
