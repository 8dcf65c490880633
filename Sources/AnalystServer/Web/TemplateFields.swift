import Mustache

// Templates read values by name. By default swift-mustache reflects (`Mirror`) on every look-up, which dominates
// the render time of long lists (the catalog with 1,000 tables); the values below answer by a switch instead.
// A field missing from a `child(named:)` is invisible to templates: add every stored field.

/// `Optional` unwrapped for templates: `nil` for none (a section then does not show).
private func unwrapped<Value>(_ value: Value?) -> Any? { value.map { $0 } }

extension WebUI.Context: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "frame": frame
        case "page": page
        default: nil
        }
    }
}

extension WebUI.Frame: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "title": title
        case "instanceName": instanceName
        case "subtitle": unwrapped(subtitle)
        case "viewer": unwrapped(viewer)
        case "nav": nav
        case "formToken": unwrapped(formToken)
        case "styles": styles
        case "script": script
        case "favicon": favicon
        case "notice": unwrapped(notice)
        case "problem": unwrapped(problem)
        default: nil
        }
    }
}

extension WebUI.NavLink: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "label": label
        case "href": href
        case "current": current
        default: nil
        }
    }
}

extension WebFormat.Moment: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "iso": iso
        case "text": text
        default: nil
        }
    }
}

extension CatalogPages.Row: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "id": id
        case "href": href
        case "name": self.name
        case "description": unwrapped(description)
        case "source": source
        case "mode": mode
        case "remote": remote
        case "rows": unwrapped(rows)
        case "size": unwrapped(size)
        case "lastSync": unwrapped(lastSync)
        case "canRead": canRead
        case "requested": requested
        case "inputID": inputID
        default: nil
        }
    }
}

extension CatalogPages.Bucket: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "name": self.name
        case "anchor": anchor
        case "tables": tables
        default: nil
        }
    }
}

extension MemoryPages.Item: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "id": id
        case "title": title
        case "content": content
        case "category": category
        case "tags": unwrapped(tags)
        case "status": status
        case "mandatory": mandatory
        case "upvotes": upvotes
        case "downvotes": downvotes
        case "votedUp": votedUp
        case "votedDown": votedDown
        case "audience": audience
        case "contributors": unwrapped(contributors)
        case "updated": unwrapped(updated)
        case "reason": unwrapped(reason)
        case "sensitivity": unwrapped(sensitivity)
        case "revisionOf": unwrapped(revisionOf)
        case "editHref": editHref
        case "voteAction": voteAction
        case "checkboxID": checkboxID
        default: nil
        }
    }
}
