// swift-tools-version: 6.1
import PackageDescription

// Coverage-guided fuzz targets (libFuzzer) for every parser that reads the network or a file.
// A package of its own so the fuzzer's instrumentation never touches the main build; build and run
// them with scripts/fuzz.sh, which passes -sanitize=fuzzer,address to every module.
let package = Package(
    name: "tsxlab-fuzz",
    platforms: [.macOS(.v15)],
    dependencies: [.package(name: "tsxlab", path: "..")],
    targets: [
        // The largest allocation made while a decoder runs (the address sanitizer's malloc hook).
        .target(name: "CFuzzAllocations"),
        .executableTarget(
            name: "TSXLabFuzz",
            dependencies: [
                "CFuzzAllocations",
                .product(name: "Data", package: "tsxlab"),
                .product(name: "ProjectX", package: "tsxlab"),
                .product(name: "Live", package: "tsxlab"),
                .product(name: "Configuration", package: "tsxlab"),
                .product(name: "Operations", package: "tsxlab"),
                .product(name: "Trading", package: "tsxlab"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
