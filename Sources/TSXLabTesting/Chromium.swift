import Foundation

/// Headless Chromium for page tests: loads a URL, lets its scripts run, and returns the DOM and
/// the browser's log (console messages appear there as `CONSOLE` lines).
public enum Chromium {
    public static let path = "/usr/bin/chromium"
    public static var installed: Bool { FileManager.default.isExecutableFile(atPath: path) }

    public static func dumpDOM(_ url: String, virtualTimeMs: Int = 4000) async throws -> (dom: String, log: String, status: Int32) {
        let profile = TestEnvironment.temporaryDirectory("chromium-profile")
        let out = try await Subprocess.run(path, ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                                            "--user-data-dir=" + profile, "--enable-logging=stderr", "--v=0",
                                            "--virtual-time-budget=\(virtualTimeMs)", "--dump-dom", url], timeout: 120)
        return (out.stdout, out.stderr, out.status)
    }

    /// Loads the page until its DOM satisfies `done` (each load a fresh page, after `beforeEach`),
    /// for up to `timeout` seconds of real time. `--dump-dom` does not wait for a WebSocket
    /// message: on a busy machine the dump can come before the first push (three loads were not
    /// always enough with two suites running side by side), so the page is loaded again until the
    /// push is in the DOM or the time is up. The last load's DOM is returned either way.
    public static func dumpDOM(_ url: String, timeout: Double = TestEnvironment.hangGuard, beforeEach: () -> Void = {},
                               until done: (String) -> Bool) async throws -> (dom: String, log: String, status: Int32) {
        let deadline = Date().addingTimeInterval(timeout)
        var k = 0
        while true {
            beforeEach()
            let last = try await dumpDOM(url, virtualTimeMs: 4000 * min(k + 1, 4))
            k += 1
            if done(last.dom) || Date() > deadline { return last }
        }
    }

    /// The console errors and uncaught exceptions in a log.
    public static func consoleProblems(_ log: String) -> [String] {
        log.split(separator: "\n").filter { $0.contains("CONSOLE") || $0.contains("Uncaught") }.map(String.init)
    }
}
