/// A Zipf distribution over ranks 1…n, precomputed as a cumulative table and sampled by binary search.
///
/// P(k) = k^-s / H(n, s). Build it once per record set (O(n)); each sample costs one `next()` and
/// O(log n) comparisons. The table is computed with ``PortableMath`` so it is identical on every platform.
public struct ZipfTable: Sendable, Equatable {
    /// The exponent `s` (0 gives a uniform choice).
    public let exponent: Double
    /// cumulative[k − 1] = P(rank ≤ k); the last entry is exactly 1.
    public let cumulative: [Double]

    /// - Precondition: `count` in 1…``RecordSelection/recordCountMax``, `exponent` ≥ 0 and finite.
    public init(exponent: Double, count: Int) {
        precondition(count >= 1 && count <= RecordSelection.recordCountMax, "zipf needs 1…1,000,000 ranks")
        precondition(exponent >= 0 && exponent.isFinite, "zipf needs a finite exponent ≥ 0")
        var weights = [Double]()
        weights.reserveCapacity(count)
        var total = 0.0
        for rank in 1...count {
            total += PortableMath.pow(Double(rank), -exponent)
            weights.append(total)
        }
        var cumulative = weights.map { $0 / total }
        cumulative[count - 1] = 1
        self.exponent = exponent
        self.cumulative = cumulative
    }

    /// The number of ranks n.
    public var count: Int { cumulative.count }

    /// The probability of rank `rank` (1-based).
    public func probability(ofRank rank: Int) -> Double {
        precondition(rank >= 1 && rank <= count, "rank out of range")
        return rank == 1 ? cumulative[0] : cumulative[rank - 1] - cumulative[rank - 2]
    }

    /// A rank in 1…n: the first k with P(rank ≤ k) > U for U uniform in [0, 1).
    public func sampleRank(using generator: inout some RandomNumberGenerator) -> Int {
        let unit = generator.nextUnitHalfOpen()
        var low = 0
        var high = cumulative.count - 1
        while low < high {
            let middle = (low + high) / 2
            if cumulative[middle] > unit {
                high = middle
            } else {
                low = middle + 1
            }
        }
        return low + 1
    }
}

/// Picks which of a group's records a user works on, following `records.pick`.
///
/// Holds the precomputed ``ZipfTable`` when the pick is `zipf`; build one per group.
public struct RecordPicker: Sendable, Equatable {
    private enum Method: Sendable, Equatable {
        case zipf(ZipfTable)
        case other(Distribution)
    }

    /// How many records there are.
    public let count: Int
    private let method: Method

    public init(_ selection: RecordSelection) {
        count = selection.count
        if case .zipf(let exponent) = selection.pick {
            method = .zipf(ZipfTable(exponent: exponent, count: selection.count))
        } else {
            method = .other(selection.pick)
        }
    }

    /// A record rank in 1…count (rank 1 is the most popular under zipf).
    public func pickRank(using generator: inout some RandomNumberGenerator) -> Int {
        switch method {
        case .zipf(let table):
            return table.sampleRank(using: &generator)
        case .other(let distribution):
            return min(max(distribution.sampleCount(using: &generator), 1), count)
        }
    }
}
