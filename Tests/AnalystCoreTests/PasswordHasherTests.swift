import AnalystCore
import Testing

struct PasswordHasherTests {
    let hasher = PasswordHasher()

    @Test func hashesInTheReferencesPHCFormAndVerifies() async throws {
        let encoded = try await hasher.hash("correct horse battery staple")
        #expect(encoded.hasPrefix("$argon2id$v=19$m=65536,t=3,p=4$"))
        #expect(encoded.split(separator: "$").count == 5)
        #expect(await hasher.verify("correct horse battery staple", against: encoded))
        #expect(!(await hasher.verify("correct horse battery stapl", against: encoded)))
        let again = try await hasher.hash("correct horse battery staple")
        #expect(again != encoded, "every hash has its own salt")
    }

    /// Made by the reference's hasher (Python argon2-cffi `PasswordHasher().hash(...)`).
    @Test func verifiesAHashWrittenByTheReference() async {
        let fromReference = "$argon2id$v=19$m=65536,t=3,p=4$b8Xlx5joGVtE8si6wnzyQA$mU6fIn0Ax0YAnO8KiTU+WGMUkRNbDVaPR1lrBYR3L20"
        #expect(await hasher.verify("correct horse battery staple", against: fromReference))
        #expect(!(await hasher.verify("Correct horse battery staple", against: fromReference)))
    }

    @Test func neverMatchesAnythingButArgon2id() async {
        #expect(!(await hasher.verify("x", against: "")))
        #expect(!(await hasher.verify("x", against: "$argon2id$garbage")))
        // The reference's fallback stored sha256(password) hex when argon2 was missing; we do not accept it.
        #expect(!(await hasher.verify("password", against: "5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8")))
    }
}
