import Foundation
import Testing

@testable import Connectors

/// How manifest entries name their store, and which requests the downloader builds (and refuses) for them.
@Suite struct KeboolaSliceDownloaderTests {
    @Test func manifestEntriesNameTheirStore() throws {
        #expect(KeboolaSliceLocation(manifestEntry: "s3://kbc-files/exp-2/1/part_00") == .s3(bucket: "kbc-files", key: "exp-2/1/part_00"))
        #expect(KeboolaSliceLocation(manifestEntry: "gs://kbc-files/exp-2/1/part_00") == .gcs(bucket: "kbc-files", key: "exp-2/1/part_00"))
        #expect(
            KeboolaSliceLocation(manifestEntry: "azure://acc.blob.core.windows.net/exp-15/a/b.gz")
                == .azure(container: "exp-15", name: "a/b.gz"))
        #expect(
            KeboolaSliceLocation(manifestEntry: "https://x.example/a?sig=1") == .url(try #require(URL(string: "https://x.example/a?sig=1")))
        )
        for unusable in ["ftp://x/y", "s3://bucket", "s3:///key", "file:///etc/passwd", "azure://acc/container", "nothing"] {
            #expect(KeboolaSliceLocation(manifestEntry: unusable) == nil, "\(unusable)")
        }
    }

    @Test func slicesAreReadOnlyWithinTheExportsBucketAndFromSafeEndpoints() throws {
        let json = """
            {"id": 7, "url": "https://kbc.example/manifest?X-Amz-Signature=abc", "isSliced": true, "provider": "aws",
             "region": "eu-central-1", "s3Path": {"bucket": "kbc-files", "key": "exp-2/7/manifest"},
             "credentials": {"AccessKeyId": "ASIA1", "SecretAccessKey": "the-secret-key", "SessionToken": "the-session-token"}}
            """
        let file = try JSONDecoder().decode(KeboolaFile.self, from: Data(json.utf8))
        let now = Date()
        let downloader = KeboolaSliceDownloader(file: file, endpoints: .init(environment: [:]))
        let request = try downloader.request(for: .s3(bucket: "kbc-files", key: "exp-2/7/p 0"), table: "t", now: now)
        #expect(request.url.absoluteString == "https://kbc-files.s3.eu-central-1.amazonaws.com/exp-2/7/p%200")
        #expect(request.headers.contains { $0.0 == "x-amz-security-token" && $0.1 == "the-session-token" })
        #expect(throws: KeboolaError.self) { try downloader.request(for: .s3(bucket: "other-bucket", key: "k"), table: "t", now: now) }
        #expect(throws: KeboolaError.self) { try downloader.request(for: .s3(bucket: "evil.com/x#", key: "k"), table: "t", now: now) }
        #expect(throws: KeboolaError.self) { try downloader.request(for: .gcs(bucket: "kbc-files", key: "k"), table: "t", now: now) }
        #expect(throws: KeboolaError.self) {
            try downloader.request(for: .url(try #require(URL(string: "http://169.254.169.254/latest"))), table: "t", now: now)
        }
        // A custom endpoint is path-style, and must be https or loopback http.
        let local = KeboolaSliceDownloader(file: file, endpoints: .init(environment: ["AWS_ENDPOINT_URL": "http://127.0.0.1:9000/"]))
        #expect(
            try local.request(for: .s3(bucket: "kbc-files", key: "k"), table: "t", now: now).url.absoluteString
                == "http://127.0.0.1:9000/kbc-files/k")
        let remote = KeboolaSliceDownloader(
            file: file, endpoints: .init(environment: ["AWS_ENDPOINT_URL_S3": "http://minio.internal:9000"]))
        #expect(throws: KeboolaError.self) { try remote.request(for: .s3(bucket: "kbc-files", key: "k"), table: "t", now: now) }
        // Every credential is scrubbed.
        let client = KeboolaClient(settings: KeboolaSettings(url: try #require(URL(string: "https://kbc.example"))), token: "storage-token")
        #expect(
            downloader.scrub("the-secret-key the-session-token storage-token X-Amz-Signature=abc", client: client) == "*** *** *** ***")
    }

    @Test func cloudStorageAndAzureSlicesCarryTheirOwnCredentials() throws {
        let json = """
            {"id": 8, "url": "https://kbc.example/manifest", "isSliced": true, "provider": "gcp",
             "gcsPath": {"bucket": "kbc-files", "key": "exp-2/8/manifest"},
             "gcsCredentials": {"access_token": "ya29.the-access-token", "expires_in": 3599, "token_type": "Bearer"},
             "absPath": {"container": "exp-15", "name": "exp-2/8/manifest"},
             "absCredentials": {"SASConnectionString":
               "BlobEndpoint=https://acc.blob.core.windows.net;SharedAccessSignature=sv=2021-08-06&sp=r&sig=the%2Bsignature"}}
            """
        let file = try JSONDecoder().decode(KeboolaFile.self, from: Data(json.utf8))
        let downloader = KeboolaSliceDownloader(file: file, endpoints: .init(environment: [:]))
        let gcs = try downloader.request(for: .gcs(bucket: "kbc-files", key: "exp-2/8/a b"), table: "t", now: Date())
        #expect(gcs.url.absoluteString == "https://storage.googleapis.com/storage/v1/b/kbc-files/o/exp-2%2F8%2Fa%20b?alt=media")
        #expect(gcs.headers.map(\.1) == ["Bearer ya29.the-access-token"])
        let azure = try downloader.request(for: .azure(container: "exp-15", name: "exp-2/8/part_00"), table: "t", now: Date())
        #expect(
            azure.url.absoluteString
                == "https://acc.blob.core.windows.net/exp-15/exp-2/8/part_00?sv=2021-08-06&sp=r&sig=the%2Bsignature")
        #expect(throws: KeboolaError.self) {
            try downloader.request(for: .azure(container: "other", name: "x"), table: "t", now: Date())
        }
        let emulated = KeboolaSliceDownloader(file: file, endpoints: .init(environment: ["STORAGE_EMULATOR_HOST": "localhost:4443"]))
        #expect(
            try emulated.request(for: .gcs(bucket: "kbc-files", key: "k"), table: "t", now: Date()).url.absoluteString
                == "http://localhost:4443/storage/v1/b/kbc-files/o/k?alt=media")
        let client = KeboolaClient(settings: KeboolaSettings(url: try #require(URL(string: "https://kbc.example"))), token: "storage-token")
        #expect(downloader.scrub("ya29.the-access-token the%2Bsignature the+signature", client: client) == "*** *** ***")
    }
}
