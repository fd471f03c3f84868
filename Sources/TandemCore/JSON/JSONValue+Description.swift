extension JSONValue: CustomStringConvertible {
    /// The value's compact JSON text, exactly as `JSONWriter` writes it (sorted keys); non-finite numbers,
    /// which have no JSON form, appear as `null`.
    public var description: String {
        (try? JSONWriter(nonFiniteNumberPolicy: .writeNull).string(self)) ?? "null"
    }
}
