import Foundation
import Mustache

/// A struct's fields by name, for templates. A class: the engine asks every value it meets whether it is one of its
/// protocols, and a class answers that faster than a dictionary (a conditional conformance).
final class TemplateObject: MustacheParent, @unchecked Sendable {
    /// Immutable after `TemplateValues.prepare` made it.
    let fields: [String: Any]

    init(_ fields: [String: Any]) { self.fields = fields }

    func child(named name: String) -> Any? { fields[name] }
}

/// A page's values made ready for the templates: every struct becomes a `TemplateObject` of its stored fields, once.
///
/// swift-mustache reads a struct's field by reflecting on it (`Mirror`) at every look-up, and a long list (the
/// catalog's 1,000 tables, each row read a dozen times, most look-ups climbing through the enclosing values)
/// spent most of its time there. Reflecting once per value and reading dictionaries after gives the same names and
/// the same rules: an absent optional is an absent key (a section does not show), arrays stay lists.
enum TemplateValues {
    static func prepare(_ value: Any) -> Any? {
        switch value {
        case let dictionary as [String: Any]:
            return TemplateObject(dictionary.compactMapValues { prepare($0) })
        // Values that answer by a switch (`TemplateFields.swift`, the rows of long lists) are used as they are.
        case let parent as MustacheParent: return parent
        case let text as String: return text
        case let flag as Bool: return flag
        case let number as Int: return number
        case let number as Int64: return number
        case let number as Double: return number
        default: break
        }
        let mirror = Mirror(reflecting: value)
        switch mirror.displayStyle {
        case .optional:
            return mirror.children.first.flatMap { prepare($0.value) }
        case .collection, .set:
            if let list = value as? [any MustacheParent] { return list }
            return mirror.children.compactMap { prepare($0.value) }
        case .dictionary:
            var fields: [String: Any] = [:]
            for pair in mirror.children {
                let entry = Array(Mirror(reflecting: pair.value).children)
                guard entry.count == 2, let key = entry[0].value as? String else { continue }
                fields[key] = prepare(entry[1].value)
            }
            return TemplateObject(fields)
        case .struct, .class, .tuple:
            var fields: [String: Any] = [:]
            for child in mirror.children {
                guard let label = child.label else { continue }
                fields[label] = prepare(child.value)
            }
            return TemplateObject(fields)
        default:
            return value
        }
    }
}
