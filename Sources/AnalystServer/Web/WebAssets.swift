import Crypto
import Foundation
import HTTPTypes
import Hummingbird

/// The pages' static files (`Web/Resources/Public`: CSS, JavaScript, images) and the theme's CSS, held in memory
/// and served at `/static/<name>.<hash>.<extension>`: the content hash in the name lets browsers keep a file for a
/// year, and a changed file gets a new name. The ETag answers revalidation with 304.
struct WebAssets: Sendable {
    /// One file as served.
    struct Asset: Sendable {
        let path: String
        let body: ByteBuffer
        let contentType: String
        let etag: String
    }

    private let byPath: [String: Asset]
    /// The served path of each source file, by its plain name (`app.css` → `/static/app.1a2b3c4d.css`).
    private let paths: [String: String]

    static let contentTypes = [
        "css": "text/css; charset=utf-8", "js": "text/javascript; charset=utf-8", "svg": "image/svg+xml",
        "png": "image/png", "ico": "image/x-icon",
    ]

    /// The files of `directory` plus `generated` (name → text, e.g. the theme); fails on an unknown file type.
    init(directory: URL, generated: [String: String] = [:]) throws {
        var files: [String: Data] = generated.mapValues { Data($0.utf8) }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        for name in names where !name.hasPrefix(".") {
            files[name] = try Data(contentsOf: directory.appendingPathComponent(name))
        }
        var byPath: [String: Asset] = [:], paths: [String: String] = [:]
        for (name, data) in files {
            let dot = name.lastIndex(of: ".") ?? name.endIndex
            let stem = name[..<dot], fileExtension = String(name[dot...].dropFirst())
            guard let contentType = WebAssets.contentTypes[fileExtension] else {
                throw WebTemplates.TemplateError(description: "\(directory.path)/\(name): not a file type the pages serve")
            }
            let hash = SHA256.hash(data: data).prefix(6).map { String(format: "%02x", $0) }.joined()
            let path = "/static/\(stem).\(hash).\(fileExtension)"
            byPath[path] = Asset(path: path, body: ByteBuffer(bytes: data), contentType: contentType, etag: "\"\(hash)\"")
            paths[name] = path
        }
        self.byPath = byPath
        self.paths = paths
    }

    /// The shipped files in the bundle, with the theme's CSS as `theme.css`.
    static func bundled(theme: String) throws -> WebAssets {
        guard let directory = Bundle.module.url(forResource: "Public", withExtension: nil, subdirectory: "Resources") else {
            throw WebTemplates.TemplateError(description: "Resources/Public is not in the AnalystServer resources")
        }
        return try WebAssets(directory: directory, generated: ["theme.css": theme])
    }

    /// The served path of `name` (`app.css`); the plain name if there is no such file (a broken link shows in tests).
    func path(_ name: String) -> String { paths[name] ?? "/static/\(name)" }

    /// `GET /static/:file`.
    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("static/:file") { request, context in
            let file = try context.parameters.require("file")
            guard let asset = byPath["/static/" + file] else { throw APIError(.notFound, "No such file") }
            var headers: HTTPFields = [
                .contentType: asset.contentType, .eTag: asset.etag, .cacheControl: "public, max-age=31536000, immutable",
                .xContentTypeOptions: "nosniff",
            ]
            if request.headers[.ifNoneMatch]?.contains(asset.etag) == true {
                headers[.contentType] = nil
                return Response(status: .notModified, headers: headers)
            }
            headers[.contentLength] = String(asset.body.readableBytes)
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: asset.body))
        }
    }
}

extension HTTPField.Name {
    /// `Referrer-Policy`, `X-Frame-Options`: security headers HTTPTypes does not name.
    static let referrerPolicy = named("Referrer-Policy")
    static let xFrameOptions = named("X-Frame-Options")

    private static func named(_ name: String) -> HTTPField.Name {
        guard let field = HTTPField.Name(name) else { preconditionFailure("\(name) is not a header name") }
        return field
    }
}
