import Foundation

/// One fuzz target: a name for `scripts/fuzz.sh` and the function libFuzzer calls with each input.
/// A target checks properties beyond "no crash" and stops the run with `violated(_:)` when one
/// fails, so libFuzzer keeps the input as a crash artifact.
struct FuzzTarget: Sendable {
    let name: String
    let run: @Sendable (Data) -> Void
}

let targets: [FuzzTarget] = [webSocketTarget, signalRTarget, jsonTarget, csvTarget, yamlTarget, pinTarget, alertTarget]

/// The target chosen by `TSXLAB_FUZZ_TARGET` (one binary serves them all: one link, one build).
nonisolated(unsafe) var selected: FuzzTarget?

/// A property failed: say which, and crash so that the input is kept.
func violated(_ what: String, _ file: StaticString = #fileID, _ line: UInt = #line) -> Never {
    FileHandle.standardError.write(Data("property violated: \(what)\n".utf8))
    fatalError("property violated: \(what)", file: file, line: line)
}

@_cdecl("LLVMFuzzerInitialize")
public func fuzzerInitialize(_ argc: UnsafeMutablePointer<Int32>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>) -> Int32 {
    let name = ProcessInfo.processInfo.environment["TSXLAB_FUZZ_TARGET"] ?? ""
    guard let t = targets.first(where: { $0.name == name }) else {
        FileHandle.standardError.write(Data("TSXLAB_FUZZ_TARGET must be one of: \(targets.map(\.name).joined(separator: ", "))\n".utf8))
        exit(64)
    }
    selected = t
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzerTestOneInput(_ start: UnsafeRawPointer?, _ count: Int) -> Int32 {
    let data = start.map { Data(bytes: $0, count: count) } ?? Data()
    selected!.run(data)
    return 0
}

@_silgen_name("LLVMFuzzerRunDriver")
func runDriver(_ argc: UnsafeMutablePointer<Int32>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
               _ test: @convention(c) (UnsafeRawPointer?, Int) -> Int32) -> Int32

/// SwiftPM links an executable's entry point under this name (so that tests can link the
/// module); here it hands the process to libFuzzer's driver.
@_cdecl("TSXLabFuzz_main")
public func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    var argc = argc
    var argv = argv
    return runDriver(&argc, &argv) { fuzzerTestOneInput($0, $1) }
}
