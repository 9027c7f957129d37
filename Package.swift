// swift-tools-version: 6.2
import PackageDescription

// Module graph (see ARCHITECTURE.md in the shared folder); an arrow is "imports":
//   tsxlab (its main) → TSXLabCLI (CLI: parse, wire, print) → Jobs, Reports, Live, Operations, ProjectXGateway, Configuration, …
//   Jobs (app services: backtest job, run recorder, sweeps local/shards/queue/walk-forward)
//       → Backtest, Strategies, Configuration, Store
//   ReportServer (the research page, `tsxlab serve`) → Reports, Store, HTTPServing (FlyingFox)
//   Reports → Backtest, Indicators;  Live → Trading, ProjectX, Store;  Operations → Live
//   Backtest → Trading, Indicators, CPrefetch;  Strategies → Trading, Indicators;  Trading, Indicators → Data
//   Store (runs, sweeps, sweep queue, live orders and account state; its own migrations) → Data
//   Data (bars, contracts, sessions, bar stores and cache; the SQL connection) → CSQLite, CLibPQ, CZlib
//   Strategies may import Trading and Indicators only: the compiler, not discipline, keeps a
//   strategy from reaching into Backtest or Live. Benchmark-only code lives in TSXLabBench.
// The bar loops (simulated exchange, engine, strategies) run tens of millions of iterations a
// second; dynamic exclusivity checks on class properties cost more there than the work itself.
// Static checking stays on; only the runtime check is dropped, and only in release builds.
let hotLoop: [SwiftSetting] = [.unsafeFlags(["-enforce-exclusivity=unchecked", "-cross-module-optimization"], .when(configuration: .release))]

let package = Package(
    name: "tsxlab",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "tsxlab", targets: ["tsxlab"]),
        .executable(name: "tsxlab-bench", targets: ["TSXLabBench"]),
        // For a trader's own package (docs/writing-a-strategy.md): the vocabulary, the built-in
        // strategies, the simulated exchange, the test helpers and the whole command line.
        .library(name: "Data", targets: ["Data"]),
        .library(name: "Indicators", targets: ["Indicators"]),
        .library(name: "Strategies", targets: ["Strategies"]),
        .library(name: "Backtest", targets: ["Backtest"]),
        .library(name: "TSXLabTesting", targets: ["TSXLabTesting"]),
        .library(name: "TSXLabCLI", targets: ["TSXLabCLI"]),
        // For the fuzz targets' package (Fuzz/), which builds them with the fuzzer's instrumentation.
        .library(name: "ProjectX", targets: ["ProjectX"]),
        .library(name: "Live", targets: ["Live"]),
        .library(name: "Configuration", targets: ["Configuration"]),
        .library(name: "Operations", targets: ["Operations"]),
        .library(name: "Trading", targets: ["Trading"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        // HTTP routes and WebSocket endpoints of the loopback gateway (15 s of first build).
        .package(url: "https://github.com/swhitty/FlyingFox", from: "0.27.0"),
        // Metrics API and its Prometheus back end for the runner's /metrics (small builds).
        .package(url: "https://github.com/apple/swift-metrics", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.0.0"),
        // The live runner's log (swift-log's `Logger`, text or JSON lines): a few seconds of build.
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        // The live run's services and their ordered shutdown on SIGTERM/SIGINT (`ServiceGroup`).
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
    ],
    targets: [
        // Thin module maps over the C libraries; each names the Debian package that provides it.
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        // A cache prefetch hint (header only), for the backtest's jumps over quiet bars.
        .systemLibrary(name: "CPrefetch"),

        // The CME holiday table ships as a resource file (one row per trade date, with its source).
        .target(name: "Data", dependencies: ["CSQLite", "CLibPQ", "CZlib"], resources: [.copy("Resources/cme-equity-holidays.csv")],
                swiftSettings: hotLoop),
        // The tables beside the bars: runs, sweeps and their queue, the live runner's orders and
        // account state, with a migration ledger of their own.
        .target(name: "Store", dependencies: ["Data"]),
        .target(name: "Indicators", dependencies: ["Data", "COpenBLAS"]),
        .target(name: "Trading", dependencies: ["Data"], swiftSettings: hotLoop),
        .target(name: "Strategies", dependencies: ["Trading", "Indicators"], swiftSettings: hotLoop),
        .target(name: "Backtest", dependencies: ["Trading", "Indicators", "Data", "CPrefetch"], swiftSettings: hotLoop),
        // The ProjectX wire format shared by the client and the loopback gateway: JSON shapes,
        // the SignalR JSON hub protocol and RFC 6455 frames.
        .target(name: "ProjectX", dependencies: ["Data"]),
        .target(name: "Live", dependencies: ["Trading", "Data", "Store", "ProjectX", "CCurl"]),
        // FlyingFox set up for small JSON answers on loopback (the gateway and the runner's address).
        .target(name: "HTTPServing", dependencies: [.product(name: "FlyingFox", package: "FlyingFox")]),
        // Running the live runner day to day: metrics (swift-metrics → Prometheus), the HTTP
        // endpoints beside the runner, notifications.
        .target(name: "Operations", dependencies: ["Live", "Trading", "Data", "ProjectX", "HTTPServing",
                                                   .product(name: "CoreMetrics", package: "swift-metrics"),
                                                   .product(name: "Prometheus", package: "swift-prometheus"),
                                                   .product(name: "Logging", package: "swift-log"),
                                                   .product(name: "FlyingFox", package: "FlyingFox")]),
        // A ProjectX gateway on 127.0.0.1 that fills orders with the simulated exchange.
        .target(name: "ProjectXGateway", dependencies: ["ProjectX", "Backtest", "Trading", "Data", "HTTPServing", .product(name: "FlyingFox", package: "FlyingFox")]),
        // Reads the YAML run configuration (plus the seed's environment variables) into typed
        // account rules, data selection, exchange settings and strategy parameters.
        .target(name: "Configuration", dependencies: ["Data", "Trading", "Strategies", .product(name: "Yams", package: "Yams")]),
        // Research on a run's results: the Combine's pass probability under rules read from YAML
        // (the TopStepX presets are resources), and the overfitting statistics of a sweep.
        .target(name: "Research", dependencies: ["Data", .product(name: "Yams", package: "Yams")],
                resources: [.copy("Rules")], swiftSettings: hotLoop),
        // The price chart of an HTML report embeds TradingView's Lightweight Charts (Apache-2.0),
        // shipped with its licence and notice.
        .target(name: "Reports", dependencies: ["Data", "Trading", "Indicators", "Backtest", "Research", "Store"],
                resources: [.copy("Resources")]),
        // The research page over a store (`tsxlab serve`): the report renderers' pages served on
        // demand, on loopback or behind the status page's token rule.
        .target(name: "ReportServer", dependencies: ["Reports", "Store", "Data", "HTTPServing", .product(name: "FlyingFox", package: "FlyingFox")]),
        // The application services the commands run, callable from tests and a trader's own
        // package: the backtest job, the run recorder, sweeps (local, shards, the PostgreSQL queue
        // worker, walk-forward, each sweep's overfitting statistics).
        // The sma-bracket sweep kernel: a second simulator of one strategy under the settings it
        // models, kept for its speed (800M bar-steps/s on the standard grid against 100M through
        // the engine with shared series and skipping, `tsxlab-bench sweep`); out of Trading and
        // Backtest so nothing else depends on it.
        .target(name: "SweepKernel", dependencies: ["Backtest", "Strategies", "Trading", "Data"], swiftSettings: hotLoop),
        .target(name: "Jobs", dependencies: ["SweepKernel", "Backtest", "Configuration", "Strategies", "Trading", "Data", "Store", "Research", "Live", "Operations", "ProjectX",
                                             .product(name: "Logging", package: "swift-log"),
                                             .product(name: "ServiceLifecycle", package: "swift-service-lifecycle")]),
        // The user documentation's generated pages: the configuration reference (from the
        // parser's own key tables) and the CLI reference (from the help the CLI hands it).
        .target(name: "Documentation", dependencies: ["Configuration", "Strategies", "Trading", "Live"]),
        // The command line as a library: the product's executable and a trader's own package
        // (`TSXLab.main(strategies:)`) run the same commands.
        .target(
            name: "TSXLabCLI",
            dependencies: [
                "Data", "Indicators", "Trading", "Strategies", "Backtest", "Live", "ProjectX", "ProjectXGateway", "Operations", "Reports", "Configuration", "Research",
                "Store", "Jobs", "Documentation", "ReportServer", "HTTPServing",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(name: "tsxlab", dependencies: ["TSXLabCLI"]),
        .executableTarget(name: "TSXLabBench", dependencies: ["Data", "Indicators", "Trading", "Strategies", "Backtest", "SweepKernel", "Reports", "Live", "ProjectX", "ProjectXGateway", "Operations", "Research", "Store", "COpenBLAS", "TSXLabTesting"], swiftSettings: hotLoop),
        .target(name: "TSXLabTesting", dependencies: ["Data", "Trading", "Store", "Backtest"]),
        .testTarget(name: "DataTests", dependencies: ["Data", "TSXLabTesting"], exclude: ["Fixtures"]),
        .testTarget(name: "CLITests", dependencies: ["TSXLabTesting", "Data"]),
        .testTarget(name: "TradingTests", dependencies: ["Trading", "Data", "TSXLabTesting"]),
        .testTarget(name: "BacktestTests", dependencies: ["Backtest", "Trading", "Data", "TSXLabTesting"]),
        .testTarget(name: "StrategiesTests", dependencies: ["Strategies", "Backtest", "SweepKernel", "Trading", "Indicators", "Data", "TSXLabTesting"]),
        .testTarget(name: "ConfigurationTests", dependencies: ["Configuration", "Documentation", "Strategies", "Trading", "Data", "TSXLabTesting"]),
        .testTarget(name: "ReportsTests", dependencies: ["Reports", "ReportServer", "Jobs", "Backtest", "Research", "Store", "Trading", "Data", "TSXLabTesting",
                                                     "HTTPServing", .product(name: "FlyingFox", package: "FlyingFox")]),
        .testTarget(name: "StoreTests", dependencies: ["Store", "Data", "TSXLabTesting"], exclude: ["Fixtures"]),
        .testTarget(name: "JobsTests", dependencies: ["Jobs", "Store", "Research", "Backtest", "Configuration", "Strategies", "Trading", "Data", "TSXLabTesting"]),
        .testTarget(name: "BenchTests", dependencies: ["TSXLabBench", "TSXLabTesting"]),
        .testTarget(name: "LiveTests", dependencies: ["Live", "Jobs", "Store", "Configuration", "ProjectX", "ProjectXGateway", "Operations", "Backtest", "Strategies", "Trading", "Data", "TSXLabTesting",
                                                  .product(name: "Logging", package: "swift-log")],
                    exclude: ["Support"]),
        .testTarget(name: "OperationsTests", dependencies: ["Operations", "Live", "Trading", "Data", "TSXLabTesting", "HTTPServing", .product(name: "FlyingFox", package: "FlyingFox")]),
        .testTarget(name: "ResearchTests", dependencies: ["Research", "Trading", "Data", "TSXLabTesting"], exclude: ["Fixtures"]),
        .testTarget(name: "IndicatorsTests", dependencies: ["Indicators", "Data", "TSXLabTesting"], exclude: ["Fixtures"]),
    ],
    swiftLanguageModes: [.v6]
)
