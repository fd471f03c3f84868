/// What happens when two changes to the same field race and the field's type cannot merge them.
///
/// `lastWriterWins` commits the later change and logs an auto-resolved conflict (so it can be rolled back);
/// `manual` commits nothing and hands the sender a `conflict_detected` to settle with
/// keep mine / use theirs / merge.
public enum ConflictPolicy: String, Sendable, Hashable, CaseIterable {
    case lastWriterWins = "last_writer_wins"
    case manual
}
