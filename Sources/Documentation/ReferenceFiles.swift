import Foundation

/// The generated reference pages and where they live below the documentation folder: written by
/// `tsxlab docs generate`, compared by `tsxlab docs generate --check` (and a test) so a page
/// that no longer matches the code fails the suite.
public struct ReferenceFiles: Sendable {
    /// Relative path below the reference folder → contents.
    public let files: [(name: String, text: String)]

    public init(commands: [CommandHelp]) {
        files = [
            ("configuration.md", ConfigurationReference.markdown()),
            ("cli.md", CLIReference.markdown(commands)),
        ]
    }

    /// Writes every page into `directory` (created if missing); returns the paths written.
    public func write(to directory: String) throws -> [String] {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        return try files.map { f in
            let path = directory + "/" + f.name
            try f.text.write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }
    }

    /// The pages in `directory` that are missing or differ from what the code generates now.
    public func stale(in directory: String) -> [String] {
        files.compactMap { f in
            let path = directory + "/" + f.name
            let current = try? String(contentsOfFile: path, encoding: .utf8)
            return current == f.text ? nil : path
        }
    }
}
