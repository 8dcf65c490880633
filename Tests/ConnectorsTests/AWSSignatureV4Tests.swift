import Foundation
import Testing

@testable import Connectors

/// The SigV4 signer against AWS's published example.
@Suite struct AWSSignatureV4Tests {
    /// "Example: GET Object" of the S3 API reference (Signature Version 4, header-based authentication): the first
    /// 10 bytes of `test.txt` in `examplebucket`, signed with the documentation's example credentials.
    @Test func signsAWSsPublishedGetObjectExample() throws {
        let signer = AWSSignatureV4(
            credentials: .init(
                accessKeyID: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", sessionToken: nil),
            region: "us-east-1", service: "s3")
        let url = try #require(URL(string: "https://examplebucket.s3.amazonaws.com/test.txt"))
        let date = Date(timeIntervalSince1970: 1_369_353_600)  // 2013-05-24T00:00:00Z
        let emptyHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        let headers = signer.signedHeaders(method: "GET", url: url, headers: [("Range", "bytes=0-9")], payloadHash: emptyHash, date: date)

        let canonical = AWSSignatureV4.canonicalRequest(
            method: "GET", url: url, headers: headers.filter { $0.0 != "Authorization" }, payloadHash: emptyHash)
        #expect(
            canonical.request == """
                GET
                /test.txt

                host:examplebucket.s3.amazonaws.com
                range:bytes=0-9
                x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
                x-amz-date:20130524T000000Z

                host;range;x-amz-content-sha256;x-amz-date
                e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
                """)
        #expect(
            headers.first { $0.0 == "Authorization" }?.1
                == "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
                + "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,"
                + "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")
    }

    @Test func aSessionTokenIsSentAndSignedAndKeysAreEncodedOnce() throws {
        let signer = AWSSignatureV4(
            credentials: .init(accessKeyID: "ASIAEXAMPLE", secretAccessKey: "secret", sessionToken: "session-token"),
            region: "eu-central-1", service: "s3")
        let url = try #require(URL(string: "http://127.0.0.1:9000/bucket/exp-2/a%20b%2Bc/part_00"))
        let headers = signer.signedHeaders(method: "GET", url: url, date: Date(timeIntervalSince1970: 0))
        #expect(headers.first { $0.0 == "host" }?.1 == "127.0.0.1:9000")
        #expect(headers.first { $0.0 == "x-amz-security-token" }?.1 == "session-token")
        #expect(headers.first { $0.0 == "x-amz-content-sha256" }?.1 == "UNSIGNED-PAYLOAD")
        let authorization = try #require(headers.first { $0.0 == "Authorization" }?.1)
        #expect(authorization.contains("SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-security-token,"))
        #expect(!authorization.contains("secret") && !authorization.contains("session-token"))
        let canonical = AWSSignatureV4.canonicalRequest(
            method: "GET", url: url, headers: headers.filter { $0.0 != "Authorization" }, payloadHash: "UNSIGNED-PAYLOAD")
        #expect(canonical.request.hasPrefix("GET\n/bucket/exp-2/a%20b%2Bc/part_00\n\n"))
        #expect(AWSSignatureV4.uriEncode("exp-2/a b+c/ü", keepSlash: true) == "exp-2/a%20b%2Bc/%C3%BC")
    }
}
