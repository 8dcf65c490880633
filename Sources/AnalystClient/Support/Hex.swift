extension Sequence where Element == UInt8 {
    /// Lower-case hex, two digits a byte (how SHA-256 hashes appear in the manifest).
    var hexString: String {
        var text = ""
        for byte in self {
            text += String(byte >> 4, radix: 16) + String(byte & 0x0f, radix: 16)
        }
        return text
    }
}
