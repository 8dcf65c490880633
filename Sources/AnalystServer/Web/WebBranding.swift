import AnalystCore
import Foundation

/// How the pages present this instance (`instance.yaml`): its name and subtitle (reference §2 `INSTANCE_NAME`,
/// `INSTANCE_SUBTITLE`) and the `theme.*` colours, fonts and radius as CSS custom properties.
///
/// Theme values end up in a style sheet, so each must look like what it is (a colour, a font list, a length):
/// a value that could close the rule and add another is refused at start with the key named.
struct WebBranding: Sendable {
    var name = "AI Data Analyst"
    var subtitle: String?
    /// CSS custom property → value, from `theme.*`.
    var theme: [(property: String, value: String)] = []

    /// `theme.<key>` → the CSS custom property it sets, and what kind of value it takes.
    static let themeKeys: [(key: String, property: String, kind: Kind)] = [
        ("primary", "--primary", .color), ("primary_dark", "--primary-dark", .color),
        ("primary_light", "--primary-light", .color), ("text_primary", "--text", .color),
        ("text_secondary", "--text-muted", .color), ("background", "--background", .color),
        ("surface", "--surface", .color), ("border", "--border", .color), ("success", "--success", .color),
        ("warning", "--warning", .color), ("error", "--error", .color), ("font_primary", "--font", .font),
        ("radius", "--radius", .length),
    ]

    /// What a theme value must look like.
    enum Kind: Sendable {
        case color, font, length

        func accepts(_ value: String) -> Bool {
            let pattern =
                switch self {
                case .color: #"^(#[0-9A-Fa-f]{3,8}|[a-zA-Z]{3,30}|(rgb|rgba|hsl|hsla)\([0-9., %/]{1,60}\))$"#
                case .font: #"^[A-Za-z0-9 ,'"-]{1,120}$"#
                case .length: #"^[0-9]{1,3}(\.[0-9]{1,3})?(px|rem|em|%)?$"#
                }
            return value.range(of: pattern, options: .regularExpression) != nil
        }

        var expectation: String {
            switch self {
            case .color: return "a CSS colour (#2459d6, rgb(…), a colour name)"
            case .font: return "a list of font names (letters, digits, spaces, commas, quotes)"
            case .length: return "a length (8px, 0.5rem)"
            }
        }
    }

    /// Reads `instance.name`, `instance.subtitle` and `theme.*`; throws the key and what it must be on a bad value.
    init(instance: InstanceConfig) throws {
        if let name = instance.string("instance.name")?.trimmingCharacters(in: .whitespaces), !name.isEmpty { self.name = name }
        subtitle = instance.string("instance.subtitle").flatMap { $0.isEmpty ? nil : $0 }
        for (key, property, kind) in WebBranding.themeKeys {
            guard let value = instance.string("theme." + key)?.trimmingCharacters(in: .whitespaces), !value.isEmpty else {
                continue
            }
            guard kind.accepts(value) else {
                throw ConfigError.invalidValue(key: "theme.\(key)", message: "must be \(kind.expectation), found \(value)")
            }
            theme.append((property, value))
        }
    }

    init() {}

    /// The theme as a style sheet (served as `theme.css` after the shipped `app.css`).
    var themeCSS: String {
        guard !theme.isEmpty else { return "/* no theme.* settings in instance.yaml */\n" }
        return ":root {\n" + theme.map { "  \($0.property): \($0.value);\n" }.joined() + "}\n"
    }
}
