/// The product's version, shown by `da --version`, `da-server --version` and the API.
public enum AnalystVersion {
    public static let current = "0.1.0"
}
