import Data
import Foundation

/// Locations and services the tests and benchmarks share.
public enum TestEnvironment {
    /// The package root (the folder holding Package.swift).
    public static let packageRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url.path }
        }
        return FileManager.default.currentDirectoryPath
    }()

    /// `../shared/datasets` beside the package root (or `TSXLAB_DATASETS`); see `SharedData`.
    public static var sharedDatasets: String { SharedData.datasetsDirectory }

    /// A file of the shared datasets folder.
    public static func sharedDataset(_ name: String) -> String { sharedDatasets + "/" + name }

    /// The datasets shipped inside the repository.
    public static func shippedDataset(_ name: String) -> String { packageRoot + "/datasets/" + name }

    /// The throw-away PostgreSQL the test command starts (`TSXLAB_TEST_PG_URL`), or nil when none
    /// runs. Under CI (`CI=true`) a missing database is a failure, not a skip: see `requirePostgres`.
    public static var postgresURL: String? {
        let v = ProcessInfo.processInfo.environment["TSXLAB_TEST_PG_URL"]
        return (v?.isEmpty ?? true) ? nil : v
    }

    /// How long a test waits for something that should happen (a server listening, a webhook
    /// delivered, a socket reconnected) before calling it a hang. It is no timing assertion: the
    /// suites run in parallel on a shared pool of as many threads as the host has cores, and one
    /// suite's long synchronous work can hold every async test in the process up for a minute on
    /// a 2-core machine.
    public static let hangGuard: Double = 300

    public static var isCI: Bool { ProcessInfo.processInfo.environment["CI"] == "true" }

    /// A fresh folder under the system temp directory.
    public static func temporaryDirectory(_ label: String = "tsxlab") -> String {
        let path = NSTemporaryDirectory() + "\(label)-\(UUID().uuidString.prefix(8))"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// A new, empty PostgreSQL schema on the test server, with a URL that selects it, so tests
    /// never see each other's tables.
    public static func freshPostgresURL() throws -> String? {
        guard let base = postgresURL else { return nil }
        let schema = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased()
        let admin = try PostgresBarStore(url: base)
        try admin.execute("CREATE SCHEMA \(schema)")
        let sep = base.contains("?") ? "&" : "?"
        return base + sep + "options=-csearch_path%3D\(schema)"
    }
}
