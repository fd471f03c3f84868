/// The client side of one OT-edited `text` field: ot.js's `Client` state machine as a sans-IO value.
///
/// It is in one of three phases, as in ot.js: `synchronized` (nothing in flight), `awaitingConfirm`
/// (one op sent, not yet acknowledged) and `awaitingWithBuffer` (one op in flight plus local edits composed
/// into a buffer that is sent when the ack comes). Each event returns what to do as a value: an op to
/// send with its base version, or an op to apply to the local text. Nothing here does I/O.
///
/// `version` is the last record version this client has seen. Record versions also count changes to
/// other fields, so versions may skip: report those with ``advance(toVersion:)``.
///
/// - Warning: server events must arrive in version order, the ack of an op after every `model_changed`
///   committed before it, as the protocol guarantees for one connection.
public struct OTClientState: Sendable, Hashable {
    /// What this client is waiting for.
    public enum Phase: Sendable, Hashable {
        /// No local op is in flight: the local text equals the server's at ``OTClientState/version``.
        case synchronized
        /// One op has been sent and waits for its ack.
        case awaitingConfirm(outstanding: TextOperation)
        /// One op waits for its ack and later local edits wait, composed, to be sent after it.
        case awaitingWithBuffer(outstanding: TextOperation, buffer: TextOperation)
    }

    /// An op for the transport to send as a `field_change` with `base_version`.
    public struct Send: Sendable, Hashable {
        public var baseVersion: Int
        public var operation: TextOperation

        public init(baseVersion: Int, operation: TextOperation) {
            self.baseVersion = baseVersion
            self.operation = operation
        }
    }

    /// The last record version this client has seen (ot.js's `revision`).
    public private(set) var version: Int
    public private(set) var phase: Phase

    /// A client whose local text equals the server's at `version`.
    public init(version: Int) {
        self.version = version
        self.phase = .synchronized
    }

    /// Records a local edit (already applied to the local text); returns the op to send now, if any.
    ///
    /// - Throws: when `operation` does not follow the buffered edits (length mismatch).
    public mutating func applyClient(_ operation: TextOperation) throws(TextOperationError) -> Send? {
        switch phase {
        case .synchronized:
            phase = .awaitingConfirm(outstanding: operation)
            return Send(baseVersion: version, operation: operation)
        case .awaitingConfirm(let outstanding):
            phase = .awaitingWithBuffer(outstanding: outstanding, buffer: operation)
            return nil
        case .awaitingWithBuffer(let outstanding, let buffer):
            phase = .awaitingWithBuffer(outstanding: outstanding, buffer: try buffer.compose(operation))
            return nil
        }
    }

    /// Takes another participant's committed op at `version`; returns the op to apply to the local text.
    ///
    /// - Throws: when `version` does not move forward, or `operation` does not fit the server's text.
    public mutating func applyServer(
        _ operation: TextOperation, version: Int
    ) throws(TextOperationError) -> TextOperation {
        try checkForward(version)
        let local: TextOperation
        switch phase {
        case .synchronized:
            local = operation
        case .awaitingConfirm(let outstanding):
            let (outstandingPrime, operationPrime) = try TextOperation.transform(outstanding, operation)
            phase = .awaitingConfirm(outstanding: outstandingPrime)
            local = operationPrime
        case .awaitingWithBuffer(let outstanding, let buffer):
            let (outstandingPrime, operationPrime) = try TextOperation.transform(outstanding, operation)
            let (bufferPrime, operationPrimePrime) = try TextOperation.transform(buffer, operationPrime)
            phase = .awaitingWithBuffer(outstanding: outstandingPrime, buffer: bufferPrime)
            local = operationPrimePrime
        }
        self.version = version
        return local
    }

    /// Takes the ack of the outstanding op, committed at `version`; returns the buffered op to send next, if any.
    ///
    /// - Throws: when nothing is outstanding, or `version` does not move forward.
    public mutating func serverAck(version: Int) throws(TextOperationError) -> Send? {
        try checkForward(version)
        switch phase {
        case .synchronized:
            throw TextOperationError(message: "There is no pending operation.")
        case .awaitingConfirm:
            self.version = version
            phase = .synchronized
            return nil
        case .awaitingWithBuffer(_, let buffer):
            self.version = version
            phase = .awaitingConfirm(outstanding: buffer)
            return Send(baseVersion: version, operation: buffer)
        }
    }

    /// Notes that the record reached `version` through a change to another field.
    ///
    /// A version at or below the current one is ignored: it says nothing new.
    public mutating func advance(toVersion version: Int) {
        self.version = max(self.version, version)
    }

    /// The op to send again after a reconnect (ot.js's `resend`), if one is outstanding.
    ///
    /// - Warning: the op may have been committed with its ack lost; the transport must resync first and
    ///   deduplicate by `rid`, or the edit is applied twice.
    public func resend() -> Send? {
        switch phase {
        case .synchronized:
            return nil
        case .awaitingConfirm(let outstanding), .awaitingWithBuffer(let outstanding, _):
            return Send(baseVersion: version, operation: outstanding)
        }
    }

    /// Moves an index from the server's text at ``version`` into the local text (ot.js's
    /// `transformSelection`): another participant's cursor, shifted past the local edits not yet acknowledged.
    public func transformIndex(_ index: Int) -> Int {
        switch phase {
        case .synchronized:
            return index
        case .awaitingConfirm(let outstanding):
            return outstanding.transformIndex(index)
        case .awaitingWithBuffer(let outstanding, let buffer):
            return buffer.transformIndex(outstanding.transformIndex(index))
        }
    }

    private func checkForward(_ newVersion: Int) throws(TextOperationError) {
        guard newVersion > version else {
            throw TextOperationError(message: "Version \(newVersion) does not follow version \(version).")
        }
    }
}
