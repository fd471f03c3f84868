/// Decides what a user may do with a model and its fields, from the roles they hold.
///
/// The checks mirror Flask-AppBuilder: `can_show` to join (see) a record, `can_edit` to change it (without
/// it a join is read-only), `can_comment` to comment, `can_delete` to delete a record, and `can_edit_field` on
/// `Model.field` for a field the model marks restricted. A grant on `*` matches every model.
public struct AccessPolicy: Sendable, Hashable {
    public var roles: [String: Role]

    public init(roles: [Role]) {
        self.roles = [:]
        for role in roles { self.roles[role.name] = role }
    }

    public static let standard = AccessPolicy(roles: [.admin, .editor, .viewer])

    public func has(_ user: UserIdentity, _ permission: String, on viewMenu: String) -> Bool {
        for roleName in user.roles {
            guard let role = roles[roleName] else { continue }
            if role.permissions.contains(Permission(permission, on: viewMenu))
                || role.permissions.contains(Permission(permission, on: Permission.anyView))
            {
                return true
            }
        }
        return false
    }

    public func canShow(_ user: UserIdentity, model: String) -> Bool { has(user, Permission.show, on: model) }

    public func canEdit(_ user: UserIdentity, model: String) -> Bool {
        canShow(user, model: model) && has(user, Permission.edit, on: model)
    }

    /// Whether `user` may delete a record of `model` (`can_delete`, as Flask-AppBuilder's delete view checks it).
    public func canDelete(_ user: UserIdentity, model: String) -> Bool {
        canShow(user, model: model) && has(user, Permission.delete, on: model)
    }

    public func canComment(_ user: UserIdentity, model: String) -> Bool {
        canShow(user, model: model) && has(user, Permission.comment, on: model)
    }

    /// Whether `user` may change `field` of `model`: model edit rights, plus the field grant when restricted.
    public func canEdit(_ user: UserIdentity, model: ModelSchema, field: FieldSchema) -> Bool {
        guard canEdit(user, model: model.name) else { return false }
        return !field.restricted || has(user, Permission.editField, on: "\(model.name).\(field.name)")
    }
}
