// swift-tools-version:6.1
import PackageDescription

// Layers, lowest first: Core (sans-IO values) → Wire (JSON frames) → Runtime (deterministic executor,
// clocks, spawn) → Engine (the node actor) → Sim / Scenario / Report → the `tandem` CLI.
// The simulator side must build without Hummingbird, NIO, GRDB or postgres-nio, so that the README's main
// job is quick on a fresh machine.
let strict: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "Tandem",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "TandemCore", targets: ["TandemCore"]),
        .library(name: "TandemWire", targets: ["TandemWire"]),
        .library(name: "TandemRuntime", targets: ["TandemRuntime"]),
        .library(name: "TandemEngine", targets: ["TandemEngine"]),
        .library(name: "TandemScenario", targets: ["TandemScenario"]),
        .library(name: "TandemReport", targets: ["TandemReport"]),
        .library(name: "TandemSim", targets: ["TandemSim"]),
        .executable(name: "tandem", targets: ["tandem"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.1.0"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.0.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.1.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
    ],
    targets: [
        .target(
            name: "TandemCore",
            dependencies: [.product(name: "Collections", package: "swift-collections")],
            swiftSettings: strict
        ),
        .target(name: "TandemWire", dependencies: ["TandemCore"], swiftSettings: strict),
        .target(name: "TandemRuntime", swiftSettings: strict),
        .target(
            name: "TandemEngine",
            dependencies: ["TandemCore", "TandemRuntime", .product(name: "Collections", package: "swift-collections")],
            swiftSettings: strict
        ),
        .target(
            name: "TandemScenario",
            dependencies: ["TandemReport", .product(name: "Yams", package: "Yams")],
            swiftSettings: strict
        ),
        .target(
            name: "TandemReport",
            dependencies: [.product(name: "Histogram", package: "hdrhistogram-swift")],
            swiftSettings: strict
        ),
        .target(
            name: "TandemSim",
            dependencies: [
                "TandemCore", "TandemRuntime", "TandemEngine", "TandemScenario", "TandemReport",
                .product(name: "Collections", package: "swift-collections"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "tandem",
            dependencies: [
                "TandemSim", "TandemScenario", "TandemReport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(name: "runtime-bench", dependencies: ["TandemRuntime"], path: "Benchmarks/runtime-bench",
                          swiftSettings: strict),
        .testTarget(
            name: "TandemCoreTests",
            dependencies: ["TandemCore", .product(name: "PropertyBased", package: "swift-property-based")],
            swiftSettings: strict
        ),
        .testTarget(name: "TandemWireTests", dependencies: ["TandemWire"], swiftSettings: strict),
        .testTarget(name: "TandemRuntimeTests", dependencies: ["TandemRuntime"], swiftSettings: strict),
        .testTarget(name: "TandemScenarioTests", dependencies: ["TandemScenario"], swiftSettings: strict),
        .testTarget(name: "TandemReportTests", dependencies: ["TandemReport"], swiftSettings: strict),
        .testTarget(name: "TandemSimTests", dependencies: ["TandemSim", "TandemRuntime"], swiftSettings: strict),
        .testTarget(
            name: "TandemEngineTests",
            dependencies: ["TandemEngine", "TandemWire", "TandemRuntime"],
            swiftSettings: strict
        ),
    ]
)
