/// What one load client does, on either kind of socket (`LoopClient`, `LoadClient`): which record it joins, when
/// it sends, and the frames it sends.
struct LoadPlan: Sendable {
    let index: Int
    let host: String
    let port: Int
    let token: String
    let record: Int
    let interval: Duration
    let firstDelay: Duration
    let runFor: Duration
    /// 0: each change sets `age` to a number; else `settings` to `{"text": …}` of about this many bytes of prose.
    let valueBytes: Int

    var joinFrame: String {
        #"{"type":"join_collaboration","model":"Contact","record_id":\#(record),"rid":1}"#
    }

    /// Change number `sequence` (from 1), based on `base`, with the change id `load-<index>-<sequence>`.
    func changeFrame(sequence: Int, base: Int) -> String {
        let (field, value) = valueBytes == 0 ? ("age", "\(sequence)") : ("settings", Self.prose(sequence, valueBytes))
        return #"{"type":"field_change","session_id":"Contact:\#(record)","field":"\#(field)","base_version":\#(base),"value":\#(value),"change_id":"load-\#(index)-\#(sequence)","rid":\#(sequence + 1)}"#
    }

    /// `{"text": "<sequence>: …"}` with about `bytes` bytes of English-like text (words drawn by the sequence, so
    /// consecutive values differ), for measuring compression on messages the size of a form's free text.
    static func prose(_ sequence: Int, _ bytes: Int) -> String {
        let words = [
            "the", "record", "was", "updated", "by", "our", "team", "after", "a", "call", "with", "customer", "about",
            "delivery", "dates", "and", "open", "invoices", "for", "next", "quarter", "please", "check", "notes",
        ]
        var text = "\(sequence):"
        var state = UInt64(truncatingIfNeeded: sequence) &* 0x9E37_79B9_7F4A_7C15 | 1
        while text.utf8.count < bytes {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            text += " " + words[Int(state % UInt64(words.count))]
        }
        return #"{"text":"\#(text)"}"#
    }
}
