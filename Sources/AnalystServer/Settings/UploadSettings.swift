import AnalystCore

/// `data.*` upload limits. The defaults live here only; the launcher starts from them.
public struct UploadSettings: Sendable, Equatable {
    /// The largest table file an admin may upload (`data.max_upload_mb`).
    public var maxTableBytes: Int64 = 1024 << 20
    /// The largest file any user may upload to `/api/upload` (`USER_UPLOAD_MAX_MB`, `data.max_user_upload_mb`).
    public var maxUserFileBytes: Int64 = 50 << 20

    public init() {}

    /// The largest limit accepted: 1 TB, far from overflowing a byte count.
    static let maxMegabytes = 1 << 20

    /// The upload keys of `instance.yaml`, with their environment override; a value out of range is refused.
    static func resolve(_ instance: InstanceConfig, environment: [String: String]) throws -> UploadSettings {
        var settings = UploadSettings()
        if let megabytes = instance.int("data.max_upload_mb") {
            guard (1...maxMegabytes).contains(megabytes) else {
                throw LaunchError.invalidSetting("data.max_upload_mb must be from 1 to \(maxMegabytes), got \(megabytes)")
            }
            settings.maxTableBytes = Int64(megabytes) << 20
        }
        if let text = environment["USER_UPLOAD_MAX_MB"], !text.isEmpty {
            guard let megabytes = Int(text), (1...maxMegabytes).contains(megabytes) else {
                throw LaunchError.invalidSetting(
                    "USER_UPLOAD_MAX_MB must be a whole number of megabytes from 1 to \(maxMegabytes), got \"\(text)\"")
            }
            settings.maxUserFileBytes = Int64(megabytes) << 20
        } else if let megabytes = instance.int("data.max_user_upload_mb") {
            guard (1...maxMegabytes).contains(megabytes) else {
                throw LaunchError.invalidSetting("data.max_user_upload_mb must be from 1 to \(maxMegabytes), got \(megabytes)")
            }
            settings.maxUserFileBytes = Int64(megabytes) << 20
        }
        return settings
    }
}
