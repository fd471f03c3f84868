/// The engine's version: what reports record (`identity.engine_version`) and what a calibration profile must
/// match (a profile fitted to another engine's costs is refused).
public enum EngineVersion {
    public static let current = "0.1.0"
}
