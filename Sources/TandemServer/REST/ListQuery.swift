import Hummingbird
import TandemCore

/// The arguments of `GET /api/v1/<resource>/`, as Flask-AppBuilder takes them: `page`, `page_size`,
/// `order_column`, `order_direction` and `filters`, either inside the rison `q` or (all but `filters`) as plain
/// query parameters. Every problem is a 400 naming the argument and what was wrong.
struct ListQuery: Sendable, Equatable {
    static let pageSizeDefault = 25
    static let pageSizeMax = 100

    struct Filter: Sendable, Equatable {
        var column: String
        var operation: FilterOperation
        var value: JSONValue
    }

    var page = 0
    var pageSize = pageSizeDefault
    var orderColumn: String?
    var descending = false
    var filters: [Filter] = []
    /// `columns` in `q`: the fields each row carries (all readable fields when nil); `id` is always there.
    var columns: [String]?

    /// Whether the page must be computed from every record (filtered or sorted), not read from the store's order.
    var needsScan: Bool { !filters.isEmpty || orderColumn != nil }

    static let risonKeys: Set<String> = ["page", "page_size", "order_column", "order_direction", "filters", "columns"]
    static let plainKeys: Set<String> = ["page", "page_size", "order_column", "order_direction", "q"]

    static func parse(_ parameters: [(String, String)], schema: ModelSchema) -> Result<ListQuery, HTTPRejection> {
        do throws(HTTPRejection) {
            return .success(try parsing(parameters, schema: schema))
        } catch {
            return .failure(error)
        }
    }

    private static func parsing(_ parameters: [(String, String)], schema: ModelSchema) throws(HTTPRejection) -> ListQuery {
        var arguments: [String: (value: JSONValue, source: String)] = [:]
        for (name, text) in parameters where name != "q" {
            guard plainKeys.contains(name) else { continue }
            guard arguments[name] == nil else { throw bad("\(name) is given twice") }
            let value: JSONValue = name == "page" || name == "page_size" ? (Int(text).map(JSONValue.int) ?? .string(text)) : .string(text)
            arguments[name] = (value, name)
        }
        let rison = parameters.filter { $0.0 == "q" }
        guard rison.count <= 1 else { throw bad("q is given twice") }
        if let text = rison.first?.1 {
            let value: JSONValue
            do throws(RisonParser.Failure) {
                value = try RisonParser.parse(text)
            } catch {
                throw bad("q is not valid rison: \(error.description)", extra: ["position": .int(error.position)])
            }
            guard case .object(let object) = value else {
                throw bad("q must be a rison object like (page:0,page_size:25), got \(value.typeName)")
            }
            for key in object.keys.sorted() {
                guard risonKeys.contains(key) else {
                    throw bad("q has an unknown key \"\(key)\" (known: \(risonKeys.sorted().joined(separator: ", ")))")
                }
                if arguments[key] != nil { throw bad("\(key) is given both in q and as a query parameter") }
                arguments[key] = (object[key]!, "q.\(key)")
            }
        }
        var query = ListQuery()
        if let (value, source) = arguments["page"] {
            guard let page = value.intValue, page >= 0 else {
                throw bad("\(source) must be a non-negative integer (pages count from 0), got \(value)")
            }
            query.page = page
        }
        if let (value, source) = arguments["page_size"] {
            guard let size = value.intValue, size >= 1 else {
                throw bad("\(source) must be a positive integer (at most \(pageSizeMax)), got \(value)")
            }
            query.pageSize = min(size, pageSizeMax)
        }
        if let (value, source) = arguments["order_column"] {
            guard let column = value.stringValue, column == "id" || schema.field(column) != nil else {
                throw bad("\(source) must be id or a field of \(schema.name) (\(fieldList(schema))), got \(value)")
            }
            query.orderColumn = column
        }
        if let (value, source) = arguments["order_direction"] {
            switch value.stringValue {
            case "asc"?: query.descending = false
            case "desc"?: query.descending = true
            default: throw bad("\(source) must be asc or desc, got \(value)")
            }
            if query.orderColumn == nil { query.orderColumn = "id" }
        }
        if let (value, source) = arguments["filters"] {
            query.filters = try filters(value, source: source, schema: schema)
        }
        if let (value, source) = arguments["columns"] {
            guard let items = value.arrayValue else { throw bad("\(source) must be an array like !(name,age)") }
            var columns: [String] = []
            for item in items {
                guard let name = item.stringValue, name == "id" || schema.field(name) != nil else {
                    throw bad("\(source) names \(item), which is not id or a field of \(schema.name) (\(fieldList(schema)))")
                }
                columns.append(name)
            }
            query.columns = columns
        }
        return query
    }

    private static func filters(_ value: JSONValue, source: String, schema: ModelSchema) throws(HTTPRejection) -> [Filter] {
        guard let items = value.arrayValue else {
            throw bad("\(source) must be an array like !((col:name,opr:eq,value:Ada)), got \(value.typeName)")
        }
        var filters: [Filter] = []
        for (number, item) in items.enumerated() {
            let here = "\(source)[\(number)]"
            guard let object = item.objectValue else { throw bad("\(here) must be an object (col:…,opr:…,value:…)") }
            if let extra = object.keys.sorted().first(where: { !["col", "opr", "value"].contains($0) }) {
                throw bad("\(here) has an unknown key \"\(extra)\" (a filter is (col:…,opr:…,value:…))")
            }
            guard let column = object["col"]?.stringValue else { throw bad("\(here) needs col: the column to filter on") }
            let type: FieldType?
            if column == "id" {
                type = nil
            } else if let field = schema.field(column) {
                type = field.type
            } else {
                throw bad("\(here).col \"\(column)\" is not id or a field of \(schema.name) (\(fieldList(schema)))")
            }
            guard let name = object["opr"]?.stringValue else { throw bad("\(here) needs opr: the operator, e.g. eq") }
            let allowed = FilterOperation.allowed(for: type)
            guard let operation = FilterOperation(rawValue: name), allowed.contains(operation) else {
                throw bad(
                    "\(here).opr \"\(name)\" is not an operator for \(column) (allowed: "
                        + "\(allowed.map(\.rawValue).joined(separator: ", ")))"
                )
            }
            guard let operand = object["value"] else { throw bad("\(here) needs value: what to compare with") }
            if let problem = operation.problem(with: operand) { throw bad("\(here).value \(problem)") }
            filters.append(Filter(column: column, operation: operation, value: column == "id" ? idOperand(operand) : operand))
        }
        return filters
    }

    /// An id operand as ids are written: `'7'` and `7` both mean the record "7".
    private static func idOperand(_ operand: JSONValue) -> JSONValue {
        switch operand {
        case .string(let text): return RecordRoutes.primaryKeyJSON(text)
        case .array(let items): return .array(items.map(idOperand))
        default: return operand
        }
    }

    private static func fieldList(_ schema: ModelSchema) -> String { schema.fields.keys.joined(separator: ", ") }

    private static func bad(_ message: String, extra: [String: JSONValue] = [:]) -> HTTPRejection {
        HTTPRejection(.badRequest, message, extra: extra)
    }

    // MARK: - Applying it

    /// The record's value for a column: its id (as the REST API writes it) or a field.
    static func value(of record: RecordState, column: String) -> JSONValue {
        column == "id" ? RecordRoutes.primaryKeyJSON(record.key.recordID) : (record.fields[column] ?? .null)
    }

    func matches(_ record: RecordState) -> Bool {
        filters.allSatisfy { $0.operation.matches(Self.value(of: record, column: $0.column), $0.value) }
    }

    /// Sorts by the order column, ties by id ascending; integer ids numerically (before other ids).
    func sorted(_ records: [RecordState]) -> [RecordState] {
        let column = orderColumn ?? "id"
        return records.sorted { left, right in
            let order = Self.compare(Self.value(of: left, column: column), Self.value(of: right, column: column))
            if order != 0 { return descending ? order > 0 : order < 0 }
            return Self.compare(Self.value(of: left, column: "id"), Self.value(of: right, column: "id")) < 0
        }
    }

    /// A total order on values: null, booleans, numbers, strings (bytewise), then anything else by its JSON text.
    static func compare(_ left: JSONValue, _ right: JSONValue) -> Int {
        func rank(_ value: JSONValue) -> Int {
            switch value {
            case .null: return 0
            case .bool: return 1
            case .number: return 2
            case .string: return 3
            case .array, .object: return 4
            }
        }
        switch (left, right) {
        case (.bool(let a), .bool(let b)): return a == b ? 0 : (!a ? -1 : 1)
        case (.number(let a), .number(let b)): return a == b ? 0 : (a < b ? -1 : 1)
        case (.string(let a), .string(let b)):
            return a == b ? 0 : (a.utf8.lexicographicallyPrecedes(b.utf8) ? -1 : 1)
        default:
            let (a, b) = (rank(left), rank(right))
            if a != b { return a < b ? -1 : 1 }
            let (x, y) = (left.description, right.description)
            return x == y ? 0 : (x.utf8.lexicographicallyPrecedes(y.utf8) ? -1 : 1)
        }
    }
}

/// Flask-AppBuilder's filter operators (`opr`), with its names for `_info`.
enum FilterOperation: String, Sendable, CaseIterable {
    case equal = "eq"
    case notEqual = "neq"
    case greater = "gt"
    case smaller = "lt"
    case startsWith = "sw"
    case notStartsWith = "nsw"
    case endsWith = "ew"
    case notEndsWith = "new"
    case contains = "ct"
    case notContains = "nct"
    case oneOf = "in"
    case notOneOf = "not_in"

    var label: String {
        switch self {
        case .equal: return "Equal to"
        case .notEqual: return "Not Equal to"
        case .greater: return "Greater than"
        case .smaller: return "Smaller than"
        case .startsWith: return "Starts with"
        case .notStartsWith: return "Not Starts with"
        case .endsWith: return "Ends with"
        case .notEndsWith: return "Not Ends with"
        case .contains: return "Contains"
        case .notContains: return "Not Contains"
        case .oneOf: return "In"
        case .notOneOf: return "Not In"
        }
    }

    /// The operators a column of this type takes (`nil`: the id).
    static func allowed(for type: FieldType?) -> [FilterOperation] {
        switch type {
        case nil, .number?: return [.equal, .notEqual, .greater, .smaller, .oneOf, .notOneOf]
        case .text?, .string?:
            return [
                .equal, .notEqual, .startsWith, .notStartsWith, .endsWith, .notEndsWith, .contains, .notContains, .oneOf,
                .notOneOf,
            ]
        case .datetime?: return [.equal, .notEqual, .greater, .smaller]
        case .bool?, .json?, .list?: return [.equal, .notEqual]
        }
    }

    /// What is wrong with an operand, or nil.
    func problem(with operand: JSONValue) -> String? {
        switch self {
        case .startsWith, .notStartsWith, .endsWith, .notEndsWith, .contains, .notContains:
            return operand.stringValue == nil ? "must be a string for \(rawValue), got \(operand.typeName)" : nil
        case .greater, .smaller:
            return operand.numberValue == nil && operand.stringValue == nil
                ? "must be a number or a string for \(rawValue), got \(operand.typeName)" : nil
        case .oneOf, .notOneOf:
            return operand.arrayValue == nil
                ? "must be an array like !(1,2) for \(rawValue), got \(operand.typeName)" : nil
        case .equal, .notEqual:
            return nil
        }
    }

    /// Whether a record's value passes. Text operators compare case-insensitively, as Flask-AppBuilder's
    /// `ilike` filters do; `gt`/`lt` compare numbers with numbers and strings with strings (bytewise), and
    /// are false for a value of another type.
    func matches(_ value: JSONValue, _ operand: JSONValue) -> Bool {
        switch self {
        case .equal: return value == operand
        case .notEqual: return value != operand
        case .oneOf: return operand.arrayValue?.contains(value) ?? false
        case .notOneOf: return !(operand.arrayValue?.contains(value) ?? false)
        case .greater, .smaller:
            let order: Int
            switch (value, operand) {
            case (.number, .number), (.string, .string): order = ListQuery.compare(value, operand)
            default: return false
            }
            return self == .greater ? order > 0 : order < 0
        case .startsWith, .notStartsWith, .endsWith, .notEndsWith, .contains, .notContains:
            guard let text = value.stringValue?.lowercased(), let part = operand.stringValue?.lowercased() else {
                return false
            }
            switch self {
            case .startsWith: return text.hasPrefix(part)
            case .notStartsWith: return !text.hasPrefix(part)
            case .endsWith: return text.hasSuffix(part)
            case .notEndsWith: return !text.hasSuffix(part)
            case .contains: return text.contains(part)
            default: return !text.contains(part)
            }
        }
    }
}
