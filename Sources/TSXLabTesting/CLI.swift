import Foundation

/// Runs the built `tsxlab` executable as a user would, for end-to-end tests.
public enum CLI {
    public typealias Result = Subprocess.Output

    /// The executable: `TSXLAB_BIN`, else the debug build under the package root.
    public static var binary: String {
        if let b = ProcessInfo.processInfo.environment["TSXLAB_BIN"], !b.isEmpty { return b }
        return TestEnvironment.packageRoot + "/.build/debug/tsxlab"
    }

    /// Runs `tsxlab args…` with `environment` added to a minimal environment (no store or
    /// secret inherited from the caller).
    public static func run(_ args: [String], environment: [String: String] = [:], input: String? = nil) async throws -> Result {
        var env = ["PATH": "/usr/bin:/bin", "HOME": NSTemporaryDirectory()]
        for (k, v) in environment { env[k] = v }
        return try await Subprocess.run(binary, args, environment: env, input: input)
    }
}
