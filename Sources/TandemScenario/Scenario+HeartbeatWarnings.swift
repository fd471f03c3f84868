extension Scenario {
    /// Why this scenario's presence check may find users who are gone, one line per cause; empty when there is none.
    ///
    /// A `disconnect` without `reconnect_after` leaves its clients' sockets silent, not closed, and a server lets a
    /// silent connection go only when its heartbeat finds it silent for the timeout: at most `at` + timeout +
    /// interval into the run. When that is after the checks (`duration` + `settle`), those users are still shown there
    /// (`presence.ghosts_after_settle`), as real servers would show them. The run is right to count them; this says so
    /// before it starts, with the settle that would outlast them.
    public var heartbeatWarnings: [String] {
        let timeout = topology.effectiveHeartbeatTimeout
        let interval = topology.effectiveHeartbeatInterval
        let checks = totalDuration
        return faults.enumerated().compactMap { index, fault in
            guard case .disconnect(let disconnect) = fault.kind, disconnect.reconnectAfter == nil else { return nil }
            let gone = fault.at + timeout + interval
            guard gone > checks else { return nil }
            return "faults[\(index)] (disconnect at \(DurationText.format(fault.at)), no reconnect_after): the servers "
                + "let those connections go only after the heartbeat timeout (\(DurationText.format(timeout)), checked "
                + "every \(DurationText.format(interval))), up to \(DurationText.format(gone)) into the run, after the "
                + "checks at \(DurationText.format(checks)): they will be counted in presence.ghosts_after_settle, as "
                + "real servers would show them. For a run without them, give settle at least "
                + "\(DurationText.format(gone - duration)) or a shorter topology.heartbeat."
        }
    }
}
