/// Where UTF-16 code units may be cut without splitting a surrogate pair.
///
/// Every text here comes from a Swift `String`, so its UTF-16 is well formed: a trail surrogate always
/// follows a lead one, and an offset is a scalar boundary exactly when the unit there is no trail surrogate.
enum UTF16Boundary {
    /// Whether `offset` (in `0...units.count`, counted from `units.startIndex`) falls on a scalar boundary.
    static func isScalarBoundary(_ units: ArraySlice<UInt16>, at offset: Int) -> Bool {
        offset <= 0 || offset >= units.count || !UTF16.isTrailSurrogate(units[units.startIndex + offset])
    }

    /// Whether `offset` (in `0...units.count`) falls on a scalar boundary.
    static func isScalarBoundary(_ units: [UInt16], at offset: Int) -> Bool {
        offset <= 0 || offset >= units.count || !UTF16.isTrailSurrogate(units[offset])
    }
}
