#!/usr/bin/env bash
# Generates the wire types of openapi.yaml into Sources/AnalystAPI/GeneratedSources (committed; run after changing
# openapi.yaml or Sources/AnalystAPI/openapi-generator-config.yaml — ContractTests fails until then).
# Generated ahead of time instead of by the build plugin: building the generator was ~100 s of every clean build.
set -euo pipefail
cd "$(dirname "$0")/.."
target=Sources/AnalystAPI
# The generator is built in a package of its own (.build/generate-api): no target here depends on it.
tool=.build/generate-api
mkdir -p "$tool"
cat > "$tool/Package.swift" <<'SWIFT'
// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "generate-api",
    dependencies: [.package(url: "https://github.com/apple/swift-openapi-generator.git", from: "1.14.3")],
    targets: []
)
SWIFT
swift build --package-path "$tool" --product swift-openapi-generator
generator="$(swift build --package-path "$tool" --show-bin-path)/swift-openapi-generator"
output="$(mktemp -d)"
trap 'rm -rf "$output"' EXIT
"$generator" generate "$target/openapi.yaml" --config "$target/openapi-generator-config.yaml" \
    --additional-file-comment "swift-format-ignore-file" --output-directory "$output" >"$output/log" 2>&1 \
    || { cat "$output/log" >&2; exit 1; }
digest=$(cat "$target/openapi.yaml" "$target/openapi-generator-config.yaml" | sha256sum | cut -d' ' -f1)
cat > "$output/APIContract+Generated.swift" <<SWIFT
// swift-format-ignore-file
// Written by scripts/generate-api.sh (make generate-api) with the types beside it.

extension APIContract {
    /// The SHA-256 of openapi.yaml followed by openapi-generator-config.yaml, as they were when the types in
    /// GeneratedSources were generated (ContractTests compares it with the files as they are).
    public static let generatedFrom = "$digest"
}
SWIFT
rm -rf "$target/GeneratedSources"
mkdir -p "$target/GeneratedSources"
# The generator writes empty Client.swift and Server.swift when asked for types only.
find "$output" -name '*.swift' -size +0 -exec cp {} "$target/GeneratedSources/" \;
echo "generated $(ls "$target/GeneratedSources" | wc -l) files in $target/GeneratedSources (from openapi.yaml $digest)"
