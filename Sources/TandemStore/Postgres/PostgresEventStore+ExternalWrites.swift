import PostgresNIO
import TandemCore

/// A write made in the database by another application, as the database announced it: the record and its version
/// after the write (`Migration.externalWrites`).
public struct ExternalWrite: Sendable, Hashable {
    public var key: RecordKey
    public var version: Int

    public init(key: RecordKey, version: Int) {
        self.key = key
        self.version = version
    }

    /// Reads a notification's payload, `{"model": …, "record_id": …, "version": n}`; nil for anything else.
    public init?(payload: String) {
        guard let object = (try? JSONValue(parsing: payload))?.objectValue,
              case .string(let model)? = object["model"], case .string(let recordID)? = object["record_id"],
              let version = object["version"]?.intValue, version > 0
        else { return nil }
        self.init(key: RecordKey(model: model, recordID: recordID), version: version)
    }
}

extension PostgresEventStore {
    /// Listens for writes from outside the engine on one of the pool's connections, until cancelled (returns) or the
    /// connection fails (throws a `StoreError`; listen again after a pause).
    ///
    /// `onListening` runs once the `LISTEN` is in place: anything committed before it is in the change log but was
    /// announced to nobody, so that is the moment to catch up. `onWrite` gets every announcement in commit order; a
    /// payload this build cannot read is logged and skipped.
    public func listenForExternalWrites(
        onListening: @escaping @Sendable () async -> Void,
        onWrite: @escaping @Sendable (ExternalWrite) async -> Void
    ) async throws {
        let channel = Migration.externalWriteChannel
        let logger = self.logger
        do {
            try await client.withConnection { connection in
                try await connection.listen(on: channel) { notifications in
                    // The LISTEN was queued before this query on the same connection: once it is answered, the
                    // LISTEN is in place.
                    _ = try await connection.query("SELECT 1", logger: logger).collect()
                    await onListening()
                    for try await notification in notifications {
                        guard let write = ExternalWrite(payload: notification.payload) else {
                            logger.warning("ignoring an unreadable notification on \(channel): \(notification.payload)")
                            continue
                        }
                        await onWrite(write)
                    }
                }
            }
        } catch is CancellationError {
            return
        } catch {
            if Task.isCancelled { return }
            throw PostgresFailure.storeError(error, "listen on \(channel) at \(url)")
        }
    }
}
