/// Walks every node of a `json_serialize_sql` statement, refusing what it does not know and collecting the
/// tables it reads.
///
/// Objects are recognised by their `class` (expressions) or `type` (query nodes, table references, result
/// modifiers, order terms, type descriptions); an object whose `class` or `type` is not listed in
/// `SandboxRules` is refused, so a node added by a future DuckDB cannot slip through. Every member of every
/// object is visited, whatever its name. Query nodes and table references must also have only the members
/// listed for them, because those are where names of tables live.
struct ParseTreeWalker {
    /// A table named by the query that is not one of its CTEs, as written (case kept).
    struct TableReference: Equatable, Sendable {
        let catalog: String
        let schema: String
        let name: String

        /// The name as written, with its qualifiers.
        var displayName: String {
            [catalog, schema, name].filter { !$0.isEmpty }.joined(separator: ".")
        }
    }

    /// JSON nesting the walker follows; a query nested deeper is refused. Foundation's decoder stops at the same
    /// depth; either allows about 250 chained operators (`a + b + …`) or 170 nested subqueries.
    static let maximumDepth = 512

    let allowedTableFunctions: Set<String>
    private(set) var tableReferences: [TableReference] = []

    init(allowedTableFunctions: Set<String>) {
        self.allowedTableFunctions = allowedTableFunctions
    }

    /// Visits `node` and everything below it; `scope` holds the CTE names visible there, case-folded.
    mutating func visit(_ node: ParseTree, scope: Set<String>, depth: Int) throws(SandboxError) {
        guard depth <= Self.maximumDepth else { throw .tooComplex }
        switch node {
        case .array(let elements):
            for element in elements {
                try visit(element, scope: scope, depth: depth + 1)
            }
        case .object(let members):
            try visitObject(members, scope: scope, depth: depth)
        case .null, .bool, .number, .string:
            break
        }
    }

    private mutating func visitObject(_ members: [String: ParseTree], scope: Set<String>, depth: Int) throws(SandboxError) {
        let type = members["type"]?.string
        if let expressionClass = members["class"]?.string {
            try checkExpression(expressionClass: expressionClass, type: type, members)
        } else if let type {
            try checkNode(type: type, members, scope: scope)
        }

        var inner = scope
        if let cteMap = members["cte_map"] {
            inner = try visitCommonTableExpressions(cteMap, scope: scope, depth: depth + 1)
        }
        // Sorted, so that a query with several faults always reports the same one.
        for key in members.keys.sorted() where key != "cte_map" {
            guard let child = members[key] else { continue }
            switch (type, key) {
            case ("RECURSIVE_CTE_NODE", "right"):
                // Only the recursive term sees the CTE itself; in the anchor the name is the real table.
                var recursive = inner
                if let name = members["cte_name"]?.string { recursive.insert(SandboxRules.foldCase(name)) }
                try visit(child, scope: recursive, depth: depth + 1)
            case ("TABLE_FUNCTION", "function"):
                // The call itself was checked against the allow-list; its arguments are visited like any expression.
                guard case .object(let call) = child else { throw .unsupported(construct: "a malformed table function") }
                for argumentKey in call.keys.sorted() {
                    if let argument = call[argumentKey] { try visit(argument, scope: inner, depth: depth + 2) }
                }
            default:
                try visit(child, scope: inner, depth: depth + 1)
            }
        }
    }

    /// Visits the bodies of a `WITH` clause and returns `scope` extended by its names.
    ///
    /// DuckDB resolves a name in a CTE body to the CTEs defined before it, never to itself or later ones (except in
    /// the recursive term of a recursive CTE): `WITH a AS (FROM salaries), salaries AS (…)` reads the real table.
    private mutating func visitCommonTableExpressions(
        _ cteMap: ParseTree, scope: Set<String>, depth: Int
    ) throws(SandboxError) -> Set<String> {
        guard case .object(let members) = cteMap, Set(members.keys).isSubset(of: ["map"]) else {
            throw .unsupported(construct: "a WITH clause of an unknown shape")
        }
        var visible = scope
        for entry in members["map"]?.elements ?? [] {
            guard let name = entry["key"]?.string, let body = entry["value"] else {
                throw .unsupported(construct: "a WITH clause of an unknown shape")
            }
            try visit(body, scope: visible, depth: depth + 1)
            visible.insert(SandboxRules.foldCase(name))
        }
        return visible
    }

    private func checkExpression(expressionClass: String, type: String?, _ members: [String: ParseTree]) throws(SandboxError) {
        guard let type, SandboxRules.expressionTypes[expressionClass]?.contains(type) == true else {
            throw .unsupported(construct: "the expression \(expressionClass.lowercased()) \(type?.lowercased() ?? "")")
        }
        switch expressionClass {
        case "PARAMETER":
            throw .parametersNotAllowed
        case "FUNCTION", "WINDOW":
            try checkFunction(members)
        default:
            break
        }
    }

    /// Scalar, aggregate and window functions: not qualified by another database or schema, not on the deny-list.
    private func checkFunction(_ members: [String: ParseTree]) throws(SandboxError) {
        let name = members["function_name"]?.string ?? ""
        let catalog = members["catalog"]?.string ?? ""
        let schema = members["schema"]?.string ?? ""
        let qualified = [catalog, schema, name].filter { !$0.isEmpty }.joined(separator: ".")
        guard catalog.isEmpty, schema.isEmpty || SandboxRules.foldCase(schema) == "main", !SandboxRules.isDeniedFunction(name) else {
            throw .functionNotAllowed(name: qualified)
        }
    }

    private mutating func checkNode(type: String, _ members: [String: ParseTree], scope: Set<String>) throws(SandboxError) {
        if let knownMembers = SandboxRules.nodeMembers[type] {
            if let unknown = members.keys.sorted().first(where: { !knownMembers.contains($0) }) {
                throw .unsupported(construct: "\(type.lowercased()) with \(unknown)")
            }
        } else if !SandboxRules.leafTypes.contains(type) && !type.hasSuffix("_TYPE_INFO") {
            // Type descriptions (`DECIMAL_TYPE_INFO` …) read no data; their members are still visited.
            throw .unsupported(construct: "\(type.lowercased())")
        }
        switch type {
        case "BASE_TABLE":
            let catalog = members["catalog_name"]?.string ?? ""
            let schema = members["schema_name"]?.string ?? ""
            let name = members["table_name"]?.string ?? ""
            if catalog.isEmpty, schema.isEmpty, scope.contains(SandboxRules.foldCase(name)) { return }
            tableReferences.append(TableReference(catalog: catalog, schema: schema, name: name))
        case "TABLE_FUNCTION":
            let call = members["function"]
            let name = call?["function_name"]?.string ?? ""
            let catalog = call?["catalog"]?.string ?? ""
            let schema = call?["schema"]?.string ?? ""
            guard call?["class"]?.string == "FUNCTION", catalog.isEmpty, schema.isEmpty,
                allowedTableFunctions.contains(SandboxRules.foldCase(name))
            else {
                throw .tableFunctionNotAllowed(name: [catalog, schema, name].filter { !$0.isEmpty }.joined(separator: "."))
            }
        case "SHOW_REF":
            // DESCRIBE and SUMMARIZE of a query (`DESCRIBE orders` is `DESCRIBE SELECT * FROM orders`) are fine:
            // the query is visited like any other. SHOW TABLES, SHOW DATABASES, bare DESCRIBE … name no query.
            let showType = members["show_type"]?.string ?? ""
            guard showType == "DESCRIBE" || showType == "SUMMARY", let query = members["query"], !query.isNull,
                (members["table_name"]?.string ?? "").isEmpty, (members["catalog_name"]?.string ?? "").isEmpty,
                (members["schema_name"]?.string ?? "").isEmpty
            else {
                throw .catalogListingNotAllowed
            }
        case "PIVOT":
            // PIVOT without an IN list names an ENUM type made by an extra statement; it never gets here, but a
            // pivot that names one is refused all the same.
            for pivot in members["pivots"]?.elements ?? [] where !(pivot["pivot_enum"]?.string ?? "").isEmpty {
                throw .unsupported(construct: "a PIVOT without an IN list")
            }
        default:
            break
        }
    }
}
