import PostgresNIO
import TandemEngine

/// Turns PostgresNIO's errors into `StoreError`s that name the operation and table.
///
/// `PSQLError`'s own description hides the server's message on purpose (it may quote data); the store shows the
/// SQLSTATE and the server's message text, which for Tandem's tables carry no secrets beyond what the log holds.
enum PostgresFailure {
    static func storeError(_ error: any Error, _ context: String) -> StoreError {
        switch error {
        case let error as StoreError:
            return error
        case let error as PostgresTransactionError:
            if let inner = error.closureError ?? error.beginError ?? error.commitError {
                return storeError(inner, context)
            }
            return StoreError("\(context): the transaction failed")
        case let error as PSQLError:
            if let server = error.serverInfo {
                let detail = server[.detail].map { " (\($0))" } ?? ""
                return StoreError(
                    "\(context): postgres \(server[.sqlState] ?? "?"): \(server[.message] ?? "")\(detail)"
                )
            }
            let underlying = error.underlying.map { ": \($0)" } ?? ""
            return StoreError("\(context): postgres \(error.code)\(underlying)")
        case is CancellationError:
            return StoreError("\(context): cancelled")
        default:
            return StoreError("\(context): \(error)")
        }
    }

}
