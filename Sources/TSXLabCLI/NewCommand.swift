import ArgumentParser
import Foundation
import Strategies

struct NewCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "new",
        abstract: "Start something of your own: `new strategy NAME` writes a Swift package for a strategy.",
        subcommands: [NewStrategyCommand.self])
}

struct NewStrategyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "strategy",
        abstract: "Write a Swift package with a strategy of your own, its test, an example configuration and its own tsxlab executable.",
        discussion: """
            NAME in any case (MyBreakout, my-breakout, my_breakout) names the strategy type
            (MyBreakout), its configuration section (my_breakout) and the package folder and
            executable (my-breakout). The package depends on tsxlab by path (--tsxlab-path, a
            checkout) or by git URL and version (--tsxlab-url with --tsxlab-version). It builds,
            and its test passes, as written: edit the strategy from there.
            """)

    @Argument(help: "The strategy's name, e.g. MyBreakout or my-breakout.") var name: String
    @Option(help: "Folder to write the package folder in.") var dir: String = "."
    @Option(help: ArgumentHelp("A tsxlab checkout to depend on by path.", valueName: "dir")) var tsxlabPath: String?
    @Option(help: ArgumentHelp("tsxlab's git URL to depend on, with --tsxlab-version.", valueName: "url")) var tsxlabURL: String?
    @Option(help: ArgumentHelp("The tsxlab version to depend on from --tsxlab-url, e.g. 1.0.0.", valueName: "x.y.z")) var tsxlabVersion: String?

    func run() throws {
        try runReportingErrors {
            guard let names = StrategyTemplate.Names(name) else {
                throw ValidationError("'\(name)' is not a strategy name: letters and digits, words joined by case, - or _, a letter first (e.g. MyBreakout)")
            }
            guard !StrategyCatalog.all.contains(where: { $0.name == names.snake }) else {
                throw ValidationError("a strategy named \(names.snake) already exists; choose another name")
            }
            let dependency: StrategyTemplate.Dependency
            switch (tsxlabPath, tsxlabURL, tsxlabVersion) {
            case (let path?, nil, nil):
                let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
                guard FileManager.default.fileExists(atPath: absolute + "/Package.swift") else {
                    throw ValidationError("--tsxlab-path \(path) holds no Package.swift; give a tsxlab checkout")
                }
                dependency = .path(absolute)
            case (nil, let url?, let version?):
                dependency = .url(url, version: version)
            default:
                throw ValidationError("say where tsxlab comes from: --tsxlab-path DIR (a checkout), or --tsxlab-url URL with --tsxlab-version X.Y.Z")
            }
            let folder = URL(fileURLWithPath: dir).appendingPathComponent(names.kebab).standardizedFileURL.path
            guard !FileManager.default.fileExists(atPath: folder) else {
                throw ValidationError("\(folder) exists already; choose another --dir or name")
            }
            let files = StrategyTemplate.files(names, dependency: dependency)
            for (path, text) in files {
                let url = URL(fileURLWithPath: folder + "/" + path)
                try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try text.write(to: url, atomically: true, encoding: .utf8)
            }
            print("wrote \(folder): the strategy \(names.type) (configuration section \(names.snake)), its test, \(names.kebab).yaml and the \(names.kebab) executable")
            print("next:\n  cd \(folder)\n  swift test")
        }
    }
}

/// The files of a new strategy package.
enum StrategyTemplate {
    struct Names {
        let type: String, snake: String, kebab: String

        init?(_ raw: String) {
            // Words from case changes, dashes and underscores.
            var words: [String] = []
            var current = ""
            for c in raw {
                if c == "-" || c == "_" || c == " " {
                    if !current.isEmpty { words.append(current); current = "" }
                } else if c.isUppercase && !current.isEmpty && !(current.last!.isUppercase) {
                    words.append(current); current = String(c)
                } else {
                    current.append(c)
                }
            }
            if !current.isEmpty { words.append(current) }
            guard let first = words.first?.first, first.isLetter,
                  words.allSatisfy({ $0.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) } }) else { return nil }
            let lower = words.map { $0.lowercased() }
            type = lower.map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
            snake = lower.joined(separator: "_")
            kebab = lower.joined(separator: "-")
        }
    }

    enum Dependency {
        case path(String)
        case url(String, version: String)

        var manifest: String {
            switch self {
            case .path(let p): ".package(name: \"tsxlab\", path: \"\(p)\")"
            case .url(let u, let v): ".package(url: \"\(u)\", from: \"\(v)\")"
            }
        }

        /// Where the shipped sample data is, seen from the package folder.
        var datasets: String {
            switch self {
            case .path(let p): p + "/datasets"
            case .url: ".build/checkouts/tsxlab/datasets"
            }
        }
    }

    static func files(_ n: Names, dependency d: Dependency) -> [(String, String)] {
        [
            ("Package.swift", manifest(n, d)),
            ("Sources/\(n.type)Strategy/\(n.type).swift", strategy(n)),
            ("Sources/\(n.kebab)/main.swift", """
                import \(n.type)Strategy
                import TSXLabCLI

                // The whole tsxlab command line, with \(n.type) beside the built-in strategies.
                await TSXLab.main(strategies: [\(n.type).self])

                """),
            ("Tests/\(n.type)StrategyTests/\(n.type)Tests.swift", test(n)),
            ("\(n.kebab).yaml", """
                # \(n.type) on the continuous ES series, under a TopStepX 50K Combine's rules.
                account:
                  rules: topstep-50k
                data:
                  symbol: ES
                  timeframe: 1m
                strategies:
                  \(n.snake):
                    lookback: 20
                    stop_ticks: 12
                    target_ticks: 24

                """),
            (".gitignore", ".build/\nPackage.resolved\n"),
            ("README.md", readme(n, d)),
        ]
    }

    static func manifest(_ n: Names, _ d: Dependency) -> String {
        """
        // swift-tools-version: 6.2
        import PackageDescription

        let package = Package(
            name: "\(n.kebab)",
            platforms: [.macOS(.v15)],
            dependencies: [
                \(d.manifest),
            ],
            targets: [
                // The strategy, in a library its tests and the executable share.
                .target(name: "\(n.type)Strategy", dependencies: [
                    .product(name: "Data", package: "tsxlab"),
                    .product(name: "Trading", package: "tsxlab"),
                    .product(name: "Strategies", package: "tsxlab"),
                ]),
                // `\(n.kebab)`: the tsxlab command line with the strategy registered.
                .executableTarget(name: "\(n.kebab)", dependencies: ["\(n.type)Strategy", .product(name: "TSXLabCLI", package: "tsxlab")]),
                .testTarget(name: "\(n.type)StrategyTests", dependencies: [
                    "\(n.type)Strategy",
                    .product(name: "TSXLabTesting", package: "tsxlab"),
                ]),
            ],
            swiftLanguageModes: [.v6]
        )

        """
    }

    static func strategy(_ n: Names) -> String {
        """
        import Data
        import Strategies
        import Trading

        /// Buys at the market when a bar closes above the highest high of the `lookback` bars
        /// before it, with a fixed bracket; one position at a time. A starting point: change the
        /// rule in `onBar`, the parameters in `descriptor`.
        public final class \(n.type): CatalogStrategy {
            public let name = "\(n.snake)"
            public let symbols: [String]
            let lookback: Int, stop: Int64, target: Int64, quantity: Int64
            var highs: [Int64] = []

            public init(symbol: String, _ p: ParameterSet) {
                symbols = [symbol]
                lookback = Int(p.int("lookback")); stop = p.int("stop_ticks"); target = p.int("target_ticks"); quantity = p.int("quantity")
            }

            /// Called with each finished bar; orders placed here work from the next bar on.
            public func onBar(_ bar: Bar, symbol: String, broker: any Broker) {
                defer {
                    highs.append(bar.high.ticks)
                    if highs.count > lookback { highs.removeFirst() }
                }
                guard highs.count == lookback, let highest = highs.max(), bar.close.ticks > highest,
                      broker.position(symbol).quantity == 0, broker.openOrders().isEmpty else { return }
                _ = broker.place(OrderRequest(symbol: symbol, side: .buy, quantity: quantity, kind: .market,
                                              bracket: Bracket(stopLoss: .ticks(stop), takeProfit: .ticks(target))))
            }

            /// The parameters, declared once: the configuration keys and their checks, `--param`,
            /// the configuration hash, reports, promotion and `strategies` all come from here.
            public static let descriptor = StrategyDescriptor(
                name: "\(n.snake)", summary: "a close above the recent highs, bought with a bracket",
                enabledEnvironment: nil,
                parameters: [
                    ParameterSpec("lookback", .int(1...1000), default: .int(20), unit: "bars", help: "bars whose highest high a close must clear"),
                    ParameterSpec("stop_ticks", .int(1...1000), default: .int(12), unit: "ticks", help: "stop distance from the fill"),
                    ParameterSpec("target_ticks", .int(1...1000), default: .int(24), unit: "ticks", help: "target distance from the fill"),
                    ParameterSpec("quantity", .int(1...100), default: .int(1), unit: "contracts", help: "contracts per trade"),
                ],
                make: { symbol, p in \(n.type)(symbol: symbol, p) })
        }

        """
    }

    static func test(_ n: Names) -> String {
        """
        import Data
        import Testing
        import Trading
        import TSXLabTesting
        import \(n.type)Strategy

        @Suite("\(n.type) on a hand-built morning")
        struct \(n.type)Tests {
            @Test("a close above the last three highs buys at the next open; the target fills 8 ticks up")
            func breakout() throws {
                // One-minute ES bars from 2019-03-05 14:30Z (the 09:30 New York cash open), prices
                // in ticks of 0.25: highs 402, 403, 402, then a close at 404 above them.
                var b = BarBuilder(symbol: "ES")
                b.bar(400, 402, 399, 401)
                b.bar(401, 403, 400, 402)
                b.bar(402, 402, 398, 399)
                b.bar(399, 405, 399, 404)
                b.bar(404, 406, 404, 405)
                b.bar(405, 413, 405, 412)
                var p = \(n.type).descriptor.defaults()
                try p.set("lookback", text: "3", source: "test")
                try p.set("stop_ticks", text: "4", source: "test")
                try p.set("target_ticks", text: "8", source: "test")
                let r = try StrategyHarness.backtest(\(n.type)(symbol: "ES", p), b.series)
                #expect(StrategyHarness.lines(r, tick: b.series.tickSize) == [
                    "long 1 2019-03-05T14:34:00Z 101.00 → 2019-03-05T14:35:00Z 103.00 target",
                ])
            }
        }

        """
    }

    static func readme(_ n: Names, _ d: Dependency) -> String {
        """
        # \(n.kebab)

        \(n.type), a strategy of your own, with the whole tsxlab command line as `\(n.kebab)`.

        ```bash
        swift test
        swift run \(n.kebab) data import \(d.datasets)/ESZ13_1m_lean.csv.gz --symbol ES --timeframe 1m
        swift run \(n.kebab) backtest --config \(n.kebab).yaml
        swift run \(n.kebab) sweep --config \(n.kebab).yaml --param lookback=10,20,40 --param target_ticks=16,24,32
        ```

        The first runs the strategy's test (`Tests/`), the second stores the sample bars, the third
        backtests the strategy on them, the fourth sweeps two of its parameters. Edit the rule in
        `Sources/\(n.type)Strategy/\(n.type).swift` and its test with it; `swift run \(n.kebab) --help` lists
        every command (report, promote, live, gateway, …) and `swift run \(n.kebab) strategies \(n.snake)`
        the parameters.

        """
    }
}
