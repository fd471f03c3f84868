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
        .library(name: "TandemRedis", targets: ["TandemRedis"]),
        .library(name: "TandemStore", targets: ["TandemStore"]),
        .library(name: "TandemLive", targets: ["TandemLive"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.1.0"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.0.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.1.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket.git", from: "2.8.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.0.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.6.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.6.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.80.0"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.0.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.21.0"),
        // TLS for the server (through HummingbirdTLS) and for the tests' and load client's certificates.
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.27.0"),
        // zlib for permessage-deflate frames the server compresses once per fan-out (also under HummingbirdWSCompression).
        .package(url: "https://github.com/adam-fowler/compress-nio.git", from: "1.5.0"),
        // Server-side only (the admin pages of TandemServer); the simulator side never links it.
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
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
        .systemLibrary(name: "CHiredis", providers: [.apt(["libhiredis-dev"])]),
        .target(
            name: "TandemRedis",
            dependencies: ["TandemEngine", "TandemCore", "TandemRuntime", "CHiredis",
                           .product(name: "Collections", package: "swift-collections")],
            swiftSettings: strict
        ),
        .target(
            name: "TandemScenario",
            dependencies: ["TandemCore", "TandemReport", "TandemRuntime", .product(name: "Yams", package: "Yams")],
            swiftSettings: strict
        ),
        .target(
            name: "TandemReport",
            dependencies: ["TandemRuntime", .product(name: "Histogram", package: "hdrhistogram-swift")],
            swiftSettings: strict
        ),
        .target(
            name: "TandemSim",
            dependencies: [
                "TandemCore", "TandemRuntime", "TandemEngine", "TandemScenario", "TandemReport", "TandemWire",
                .product(name: "Collections", package: "swift-collections"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "TandemServer",
            dependencies: [
                "TandemCore", "TandemWire", "TandemRuntime", "TandemEngine", "TandemStore", "TandemRedis",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "HummingbirdWSCompression", package: "hummingbird-websocket"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "Mustache", package: "swift-mustache"),
            ],
            // The admin pages' templates and the browser files served under /static/tandem/.
            resources: [.copy("Resources/templates"), .copy("Resources/static")],
            swiftSettings: strict
        ),
        .target(
            name: "TandemLive",
            dependencies: [
                "TandemScenario", "TandemRuntime", "TandemSim", "TandemCore", "TandemEngine", "TandemWire",
                "TandemReport", "TandemStore",
                .product(name: "Collections", package: "swift-collections"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .systemLibrary(name: "CSQLite", providers: [.apt(["libsqlite3-dev"])]),
        .target(
            name: "TandemStore",
            dependencies: [
                "TandemEngine", "TandemCore", "TandemRuntime", "CSQLite",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "store-crash-helper",
            dependencies: ["TandemStore", "TandemEngine", "TandemCore", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "tandem-server",
            dependencies: [
                "TandemServer", "TandemRuntime", "TandemStore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "tandem-load",
            dependencies: [
                "TandemCore", "TandemWire", "TandemRuntime", "TandemLive",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "HummingbirdWSCompression", package: "hummingbird-websocket"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "tandem-live",
            dependencies: [
                "TandemLive", "TandemScenario", "TandemSim", "TandemReport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "tandem",
            dependencies: [
                "TandemSim", "TandemScenario", "TandemReport", "TandemRuntime",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "redis-bench", dependencies: ["TandemRedis", "TandemEngine", "TandemCore", "TandemRuntime"],
            path: "Benchmarks/redis-bench",
            swiftSettings: strict
        ),
        .executableTarget(name: "runtime-bench", dependencies: ["TandemRuntime"], path: "Benchmarks/runtime-bench",
                          swiftSettings: strict),
        .executableTarget(
            name: "node-cost-bench",
            dependencies: ["TandemEngine", "TandemCore", "TandemRuntime", "TandemWire", "TandemScenario"],
            path: "Benchmarks/node-cost-bench",
            swiftSettings: strict
        ),
        .executableTarget(
            name: "ws-floor",
            dependencies: [
                "TandemCore", "TandemWire",
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"), .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            path: "Benchmarks/ws-floor",
            swiftSettings: strict
        ),
        .testTarget(
            name: "TandemCoreTests",
            dependencies: [
                "TandemCore", "TandemRuntime", .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            swiftSettings: strict
        ),
        .testTarget(name: "TandemWireTests", dependencies: ["TandemWire", "TandemRuntime"], swiftSettings: strict),
        .testTarget(
            name: "TandemRedisTests",
            dependencies: [
                "TandemTestSupport", "TandemCoreTestSupport", "TandemRedis", "TandemEngine", "TandemCore", "TandemRuntime",
            ],
            swiftSettings: strict
        ),
        .testTarget(name: "TandemRuntimeTests", dependencies: ["TandemRuntime"], swiftSettings: strict),
        .testTarget(
            name: "TandemScenarioTests",
            dependencies: ["TandemScenario", "TandemCore", "TandemRuntime"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "TandemReportTests",
            dependencies: ["TandemReport", "TandemRuntime", .product(name: "Histogram", package: "hdrhistogram-swift")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "TandemSimTests",
            dependencies: ["TandemSim", "TandemRuntime", "TandemEngine", "TandemCoreTestSupport"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "TandemLiveTests",
            dependencies: [
                "TandemLive", "TandemScenario", "TandemCore", "TandemReport", "TandemRuntime", "TandemCoreTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        // Test helpers on the values alone (no store, Redis or NIO), for test targets of any layer.
        .target(
            name: "TandemCoreTestSupport",
            dependencies: ["TandemCore"],
            path: "Tests/TandemCoreTestSupport",
            swiftSettings: strict
        ),
        .target(
            name: "TandemTestSupport",
            dependencies: [
                "TandemStore", "TandemRedis", "TandemLive", .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/TandemTestSupport",
            swiftSettings: strict
        ),
        .testTarget(
            name: "TandemServerTests",
            dependencies: [
                "TandemTestSupport", "TandemCoreTestSupport", "TandemServer", "TandemCore", "TandemWire", "TandemLive",
                "TandemEngine", "TandemStore", "TandemRedis",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "HummingbirdWSCompression", package: "hummingbird-websocket"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "TandemStoreTests",
            dependencies: [
                "TandemTestSupport", "TandemCoreTestSupport", "TandemStore", "TandemEngine", "TandemCore", "TandemRuntime",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "TandemEngineTests",
            dependencies: ["TandemCoreTestSupport", "TandemEngine", "TandemWire", "TandemRuntime"],
            swiftSettings: strict
        ),
    ]
)
