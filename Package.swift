// swift-tools-version:6.1
import PackageDescription

// Dependencies point inwards only: Domain <- Application <- Adapters <- VoiceGatewayd.
// A wrong import does not compile because the target graph below does not allow it.

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "voicegatewayd",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "voicegatewayd", targets: ["VoiceGatewayd"]),
        .executable(name: "kafka-mock-cluster", targets: ["KafkaMockCluster"]),
        .executable(name: "bench-state-events", targets: ["BenchStateEvents"]),
        .executable(name: "bench-speech", targets: ["bench-speech"]),
        .executable(name: "bench-turn", targets: ["bench-turn"]),
        .executable(name: "bench-barge-in", targets: ["bench-barge-in"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/swift-websocket", from: "1.6.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/vapor/jwt-kit", from: "5.8.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
    ],
    targets: [
        // MARK: Core
        .target(name: "Domain", path: "Sources/Domain", swiftSettings: swiftSettings),
        .target(
            name: "Application",
            dependencies: [
                "Domain",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Sources/Application",
            swiftSettings: swiftSettings
        ),

        // MARK: C libraries (Debian packages)
        .systemLibrary(
            name: "CEspeakNG", path: "Sources/Adapters/C/CEspeakNG",
            providers: [.apt(["libespeak-ng-dev"])]
        ),
        .systemLibrary(
            name: "CPocketSphinx", path: "Sources/Adapters/C/CPocketSphinx", pkgConfig: "pocketsphinx",
            providers: [.apt(["libpocketsphinx-dev", "pocketsphinx-en-us"])]
        ),
        .systemLibrary(
            name: "CHiredis", path: "Sources/Adapters/C/CHiredis", pkgConfig: "hiredis",
            providers: [.apt(["libhiredis-dev"])]
        ),
        .systemLibrary(
            name: "CRdKafka", path: "Sources/Adapters/C/CRdKafka", pkgConfig: "rdkafka",
            providers: [.apt(["librdkafka-dev"])]
        ),
        .systemLibrary(
            name: "CSamplerate", path: "Sources/Adapters/C/CSamplerate", pkgConfig: "samplerate",
            providers: [.apt(["libsamplerate0-dev"])]
        ),
        .systemLibrary(
            name: "COpus", path: "Sources/Adapters/C/COpus", pkgConfig: "opus",
            providers: [.apt(["libopus-dev"])]
        ),
        // Batched UDP system calls for RTP (recvmmsg/sendmmsg need _GNU_SOURCE, which Glibc does not expose).
        .target(name: "CMediaIO", path: "Sources/Adapters/C/CMediaIO"),

        // MARK: Adapters
        .target(
            name: "AsteriskARI",
            dependencies: [
                "Domain", "AdapterSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "WSClient", package: "swift-websocket"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Sources/Adapters/AsteriskARI", swiftSettings: swiftSettings
        ),
        .target(
            name: "Media",
            dependencies: [
                "Domain", "AudioCodecs", "CSamplerate", "COpus", "CMediaIO",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "WSClient", package: "swift-websocket"),
            ],
            path: "Sources/Adapters/Media", swiftSettings: swiftSettings
        ),
        .target(
            name: "AdapterSupport",
            dependencies: [
                "Domain",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "WSClient", package: "swift-websocket"),
            ],
            path: "Sources/Adapters/Support", swiftSettings: swiftSettings
        ),
        .target(
            name: "Speech",
            dependencies: [
                "Domain", "AdapterSupport", "CEspeakNG", "CPocketSphinx",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "WSClient", package: "swift-websocket"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            path: "Sources/Adapters/Speech", swiftSettings: swiftSettings
        ),
        .target(
            name: "AudioCodecs", dependencies: ["CSamplerate"], path: "Sources/Adapters/AudioCodecs", swiftSettings: swiftSettings
        ),
        .target(
            name: "Agent",
            dependencies: [
                "Domain", "AdapterSupport", "AudioCodecs",
                .product(name: "WSClient", package: "swift-websocket"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Yams", package: "Yams"),
            ],
            path: "Sources/Adapters/Agent", swiftSettings: swiftSettings
        ),
        .target(
            name: "Directory",
            dependencies: [
                "Domain", "AdapterSupport",
                .product(name: "Yams", package: "Yams"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            path: "Sources/Adapters/Directory", swiftSettings: swiftSettings
        ),
        .target(
            name: "CallState",
            dependencies: [
                "Domain", "CHiredis",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Sources/Adapters/CallState", swiftSettings: swiftSettings
        ),
        .target(
            name: "Events",
            dependencies: [
                "Domain", "CRdKafka",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Sources/Adapters/Events", swiftSettings: swiftSettings
        ),
        .target(
            name: "ManagementAPI",
            dependencies: [
                "Domain", "Application",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Sources/Adapters/ManagementAPI",
            // The operator console's static files, served at /console (no build step).
            resources: [.copy("Console")],
            swiftSettings: swiftSettings
        ),

        // MARK: Executable (the composition root)
        .executableTarget(
            name: "VoiceGatewayd",
            dependencies: [
                "Domain", "Application", "AdapterSupport", "AsteriskARI", "Media", "Speech", "Agent", "Directory",
                "CallState", "Events", "ManagementAPI",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Yams", package: "Yams"),
            ],
            path: "Sources/VoiceGatewayd",
            // The default configuration, the one declaration of every key (etc/voicegatewayd.yaml links to it).
            resources: [.embedInCode("Resources/voicegatewayd.yaml")],
            swiftSettings: swiftSettings
        ),

        // MARK: Benchmarks
        .target(name: "CBatchIO", path: "Benchmarks/CBatchIO"),
        .target(name: "LoadSupport", path: "Benchmarks/LoadSupport", swiftSettings: swiftSettings),
        .executableTarget(
            name: "MediaLoad",
            dependencies: [
                "Domain", "Application", "Media", "CBatchIO", "LoadSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "Benchmarks/MediaLoad", swiftSettings: swiftSettings
        ),
        // MARK: Benchmarks (release builds: `make bench-speech`)
        .executableTarget(
            name: "bench-speech",
            dependencies: ["Domain", "AdapterSupport", "Speech", "TestSupport", .product(name: "Logging", package: "swift-log")],
            path: "Benchmarks/SpeechOverhead", swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "bench-turn",
            dependencies: [
                "Domain", "Application", "AdapterSupport", "Speech", "Agent", "TestSupport",
                .product(name: "Logging", package: "swift-log"), .product(name: "Metrics", package: "swift-metrics"),
            ],
            path: "Benchmarks/TurnLatency", swiftSettings: swiftSettings
        ),

        .executableTarget(
            name: "bench-calls",
            dependencies: [
                "Domain", "AudioCodecs", "Media", "LoadSupport", "TestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            path: "Benchmarks/CallLoad", swiftSettings: swiftSettings
        ),
        .target(
            name: "BargeInFixtures", dependencies: ["Domain", "Application", "AudioCodecs", "Media"],
            path: "Benchmarks/BargeInFixtures", swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "bench-barge-in", dependencies: ["Application", "BargeInFixtures"],
            path: "Benchmarks/BargeIn", swiftSettings: swiftSettings
        ),

        // MARK: Tests
        .target(
            name: "TestSupport",
            dependencies: [
                "Domain", "CRdKafka",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
            ],
            path: "Tests/Support", swiftSettings: swiftSettings
        ),
        .testTarget(name: "DomainTests", dependencies: ["Domain", "TestSupport"], swiftSettings: swiftSettings),
        .testTarget(
            name: "ApplicationTests",
            dependencies: [
                "Application", "TestSupport", "AsteriskARI", "Media", "CallState", "BargeInFixtures",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "AsteriskARITests",
            dependencies: [
                "AsteriskARI", "Application", "TestSupport", .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOEmbedded", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "MediaTests",
            dependencies: [
                "Media", "AsteriskARI", "Application", "TestSupport",
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SpeechTests",
            dependencies: [
                "Speech", "Media", "TestSupport", "CSamplerate",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "AgentTests", dependencies: ["Agent", "AdapterSupport", "TestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "AdapterSupportTests", dependencies: ["AdapterSupport", "TestSupport"], swiftSettings: swiftSettings),
        .testTarget(
            name: "DirectoryTests",
            dependencies: [
                "Directory", "AdapterSupport", "TestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "CallStateTests", dependencies: ["CallState", "Application", "TestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "EventsTests", dependencies: ["Events", "TestSupport", "CRdKafka"], swiftSettings: swiftSettings),
        .executableTarget(
            name: "KafkaMockCluster", dependencies: ["CRdKafka"], path: "Tests/Tools/KafkaMockCluster",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "BenchStateEvents",
            dependencies: [
                "Domain", "CallState", "Events", "TestSupport", .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/StateEvents", swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ManagementAPITests",
            dependencies: [
                "ManagementAPI", "Application", "CallState", "TestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "VoiceGatewaydTests",
            dependencies: [
                "VoiceGatewayd", "TestSupport", "Domain", "Media", "Speech", "Agent", "Application", "Directory", "ManagementAPI",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "WSClient", package: "swift-websocket"),
            ],
            swiftSettings: swiftSettings
        ),
    ],
    swiftLanguageModes: [.v6]
)
