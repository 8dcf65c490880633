// swift-tools-version:6.0
import Foundation
import PackageDescription

// DuckDB 1.5.5 is provisioned by `scripts/setup-duckdb.sh` (run by `make`) into DUCKDB_HOME:
// include/duckdb.h, lib/libduckdb.so, extensions/. Every target gets its include path, and every
// linked product its library path and rpath, so `swift build` and `swift test` need no LD_LIBRARY_PATH.
let duckDBHome: String = {
    let environment = ProcessInfo.processInfo.environment
    if let home = environment["DUCKDB_HOME"], !home.isEmpty { return home }
    let cache =
        environment["XDG_CACHE_HOME"].flatMap { $0.isEmpty ? nil : $0 }
        ?? (environment["HOME"] ?? NSHomeDirectory()) + "/.cache"
    return cache + "/ai-data-analyst/duckdb-1.5.5"
}()
let duckDBInclude = duckDBHome + "/include"
let duckDBLib = duckDBHome + "/lib"

let package = Package(
    name: "ai-data-analyst",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "da-server", targets: ["da-server"]),
        .executable(name: "da", targets: ["da"]),
        .library(name: "DuckDB", targets: ["DuckDB"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.8.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
    ],
    targets: [
        .systemLibrary(name: "CDuckDB", path: "Sources/CDuckDB"),
        .systemLibrary(
            name: "CArgon2", path: "Sources/CArgon2", pkgConfig: "libargon2", providers: [.apt(["libargon2-dev"])]),
        .target(
            name: "DuckDB",
            dependencies: ["CDuckDB"]
        ),
        .target(
            name: "AnalystCore",
            dependencies: [
                "DuckDB",
                "CArgon2",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        .target(
            name: "AnalystServer",
            dependencies: [
                "AnalystCore",
                "DuckDB",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        .target(
            name: "AnalystClient",
            dependencies: [
                "AnalystCore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "_NIOFileSystem", package: "swift-nio"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        .executableTarget(
            name: "da-server",
            dependencies: [
                "AnalystServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "da",
            dependencies: [
                "AnalystClient",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .target(
            name: "TestSupport",
            dependencies: [
                "AnalystCore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/TestSupport",
            exclude: ["Fixtures"]
        ),
        .testTarget(name: "DuckDBTests", dependencies: ["DuckDB", "TestSupport"]),
        .testTarget(name: "AnalystCoreTests", dependencies: ["AnalystCore", "TestSupport"]),
        .testTarget(
            name: "AnalystServerTests",
            dependencies: [
                "AnalystServer", "TestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
        .testTarget(name: "AnalystClientTests", dependencies: ["AnalystClient", "TestSupport"]),
        .testTarget(
            name: "EndToEndTests",
            dependencies: ["TestSupport", "DuckDB", "AnalystCore", .product(name: "Crypto", package: "swift-crypto")]),
    ]
)

for target in package.targets where target.type != .system {
    var swiftSettings = target.swiftSettings ?? []
    swiftSettings.append(.unsafeFlags(["-Xcc", "-I\(duckDBInclude)"]))
    target.swiftSettings = swiftSettings
    var linkerSettings = target.linkerSettings ?? []
    linkerSettings.append(.unsafeFlags(["-L\(duckDBLib)", "-Xlinker", "-rpath", "-Xlinker", duckDBLib]))
    target.linkerSettings = linkerSettings
}
