import Foundation

/// Headless Chromium for page tests: loads a URL, lets its scripts run, and returns the DOM and
/// the browser's log (console messages appear there as `CONSOLE` lines).
public enum Chromium {
    public static let path = "/usr/bin/chromium"
    public static var installed: Bool { FileManager.default.isExecutableFile(atPath: path) }

    public static func dumpDOM(_ url: String, virtualTimeMs: Int = 4000) throws -> (dom: String, log: String, status: Int32) {
        let profile = TestEnvironment.temporaryDirectory("chromium-profile")
        let out = try Subprocess.run(path, ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                                            "--user-data-dir=" + profile, "--enable-logging=stderr", "--v=0",
                                            "--virtual-time-budget=\(virtualTimeMs)", "--dump-dom", url], timeout: 120)
        return (out.stdout, out.stderr, out.status)
    }

    /// The console errors and uncaught exceptions in a log.
    public static func consoleProblems(_ log: String) -> [String] {
        log.split(separator: "\n").filter { $0.contains("CONSOLE") || $0.contains("Uncaught") }.map(String.init)
    }
}
