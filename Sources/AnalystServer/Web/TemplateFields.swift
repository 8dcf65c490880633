import Mustache

// Templates read values by name. By default swift-mustache reflects (`Mirror`) on every look-up, and
// `TemplateValues` reflects once per value; for the rows of long lists (the catalog's 1,000 tables) even that is
// too slow, so they answer by a switch. A field missing from a `child(named:)` is invisible to templates: add every
// stored field (`TemplateFieldsTests` checks).

/// `Optional` unwrapped for templates: `nil` for none (a section then does not show).
private func unwrapped<Value>(_ value: Value?) -> Any? { value.map { $0 } }

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

extension AdminTablesPages.Row: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "id": id
        case "name": self.name
        case "href": href
        case "source": source
        case "bucket": unwrapped(bucket)
        case "strategy": strategy
        case "schedule": schedule
        case "isPublic": isPublic
        case "lastStatus": unwrapped(lastStatus)
        case "lastSync": unwrapped(lastSync)
        case "lastError": unwrapped(lastError)
        default: nil
        }
    }
}

extension ActivityPages.AuditRow: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "when": unwrapped(when)
        case "who": who
        case "action": action
        case "resource": unwrapped(resource)
        case "status": status
        case "failed": failed
        case "params": unwrapped(params)
        default: nil
        }
    }
}
