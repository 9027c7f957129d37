// swift-tools-version: 6.2
import PackageDescription

// A trader's own strategy package: the strategy in a library, `orb` (the whole tsxlab command
// line with the strategy registered) and its tests. Inside the tsxlab repository it depends on
// the checkout by path; elsewhere, by git URL and version:
//   .package(url: "https://github.com/<owner>/tsxlab.git", from: "1.0.0")
let package = Package(
    name: "opening-range",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "tsxlab", path: "../.."),
    ],
    targets: [
        .target(name: "OpeningRange", dependencies: [
            .product(name: "Data", package: "tsxlab"),
            .product(name: "Trading", package: "tsxlab"),
            .product(name: "Strategies", package: "tsxlab"),
        ]),
        .executableTarget(name: "orb", dependencies: ["OpeningRange", .product(name: "TSXLabCLI", package: "tsxlab")]),
        .testTarget(name: "OpeningRangeTests", dependencies: [
            "OpeningRange",
            .product(name: "TSXLabTesting", package: "tsxlab"),
            .product(name: "Strategies", package: "tsxlab"),
        ]),
    ],
    swiftLanguageModes: [.v6]
)
