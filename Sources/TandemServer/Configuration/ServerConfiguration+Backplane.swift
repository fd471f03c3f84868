extension ServerConfiguration {
    static let backplaneKeys = [
        "url", "stream_key", "stream_length_max", "read_block", "reconnect_delay_min", "reconnect_delay_max",
    ]

    /// `backplane:` — the URL and, for Redis, the stream and its timings. A reconnect delay pair in the wrong
    /// order is reported at `reconnect_delay_max` when the file sets it, else at `reconnect_delay_min`.
    mutating func applyBackplane(_ section: ConfigValue) throws(ConfigurationError) {
        var delayMinValue: ConfigValue?
        var delayMaxValue: ConfigValue?
        for (key, value) in try section.mapping(allowed: Self.backplaneKeys) {
            switch key {
            case "url": backplaneURL = try value.text()
            case "stream_key":
                redis.streamKey = try value.text()
                if let problem = RedisBackplaneSettings.streamKeyProblem(redis.streamKey) { throw value.error(problem) }
            case "stream_length_max":
                redis.streamLengthMax = try value.integer(in: RedisBackplaneSettings.streamLengthRange)
            case "read_block": redis.readBlock = try value.duration()
            case "reconnect_delay_min":
                redis.reconnectDelayMin = try value.duration()
                delayMinValue = value
            case "reconnect_delay_max":
                redis.reconnectDelayMax = try value.duration()
                delayMaxValue = value
            default: break
            }
        }
        if let problem = redis.reconnectDelayProblem {
            throw (delayMaxValue ?? delayMinValue ?? section).error(problem)
        }
    }

    /// Applies one `TANDEM_REDIS_*` variable that tunes the Redis backplane (`TANDEM_REDIS_URL` excepted).
    mutating func applyRedisEnvironment(_ name: String, _ raw: String) throws(ConfigurationError) {
        func bad(_ message: String) -> ConfigurationError {
            ConfigurationError(file: "environment", line: 0, key: name, message: message)
        }
        func duration() throws(ConfigurationError) -> Duration {
            guard let value = ServerDurationText.parsePositive(raw) else {
                throw bad("expected \(ServerDurationText.positiveExpectation), found '\(raw)'")
            }
            return value
        }
        switch name {
        case "TANDEM_REDIS_STREAM_KEY":
            if let problem = RedisBackplaneSettings.streamKeyProblem(raw) { throw bad(problem) }
            redis.streamKey = raw
        case "TANDEM_REDIS_STREAM_LENGTH_MAX":
            let range = RedisBackplaneSettings.streamLengthRange
            guard let value = Int(raw.filter { $0 != "_" }), range.contains(value) else {
                throw bad("expected a whole number \(range.lowerBound)…\(range.upperBound), found '\(raw)'")
            }
            redis.streamLengthMax = value
        case "TANDEM_REDIS_READ_BLOCK": redis.readBlock = try duration()
        case "TANDEM_REDIS_RECONNECT_DELAY_MIN": redis.reconnectDelayMin = try duration()
        case "TANDEM_REDIS_RECONNECT_DELAY_MAX": redis.reconnectDelayMax = try duration()
        default: break
        }
    }

    /// After the environment: a reconnect delay pair it put in the wrong order names the variable it set
    /// (`TANDEM_REDIS_RECONNECT_DELAY_MAX` when both).
    func checkRedisEnvironment(_ environment: [String: String]) throws(ConfigurationError) {
        let names = ["TANDEM_REDIS_RECONNECT_DELAY_MAX", "TANDEM_REDIS_RECONNECT_DELAY_MIN"]
        guard let problem = redis.reconnectDelayProblem, let name = names.first(where: { environment[$0] != nil })
        else { return }
        throw ConfigurationError(file: "environment", line: 0, key: name, message: problem)
    }
}
