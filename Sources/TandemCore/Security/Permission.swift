/// A permission on a view or model, as Flask-AppBuilder stores it (`ab_permission_view`): `can_edit` on
/// `Contact`, or `can_edit_field` on `Contact.salary`.
public struct Permission: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var name: String
    public var viewMenu: String

    public init(_ name: String, on viewMenu: String) {
        self.name = name
        self.viewMenu = viewMenu
    }

    public static let show = "can_show"
    public static let edit = "can_edit"
    public static let comment = "can_comment"
    public static let editField = "can_edit_field"
    /// Deleting a record (REST `DELETE`); creating one again after that needs `can_edit`.
    public static let delete = "can_delete"
    /// Every permission name Tandem checks.
    public static let known = [show, edit, comment, editField, delete]
    /// Matches every view or model (the Admin role's grants).
    public static let anyView = "*"

    public var description: String { "\(name) on \(viewMenu)" }

    public static func < (lhs: Permission, rhs: Permission) -> Bool {
        (lhs.name, lhs.viewMenu) < (rhs.name, rhs.viewMenu)
    }
}

/// A named set of permissions (`Admin`, `Editor`, `Viewer`, or a deployment's own).
public struct Role: Sendable, Hashable {
    public var name: String
    public var permissions: Set<Permission>

    public init(name: String, permissions: Set<Permission>) {
        self.name = name
        self.permissions = permissions
    }

    /// Everything on every model, restricted fields and deletion included.
    public static let admin = Role(name: "Admin", permissions: [
        Permission(Permission.show, on: Permission.anyView), Permission(Permission.edit, on: Permission.anyView),
        Permission(Permission.comment, on: Permission.anyView),
        Permission(Permission.editField, on: Permission.anyView), Permission(Permission.delete, on: Permission.anyView),
    ])
    /// Show, edit and comment on every model; restricted fields stay read-only, and records are not deleted.
    public static let editor = Role(name: "Editor", permissions: [
        Permission(Permission.show, on: Permission.anyView), Permission(Permission.edit, on: Permission.anyView),
        Permission(Permission.comment, on: Permission.anyView),
    ])
    /// Show and comment; every join is read-only.
    public static let viewer = Role(name: "Viewer", permissions: [
        Permission(Permission.show, on: Permission.anyView), Permission(Permission.comment, on: Permission.anyView),
    ])
}
