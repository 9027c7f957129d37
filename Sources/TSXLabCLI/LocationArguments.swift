import ArgumentParser
import Foundation

/// Options and environment variables that name a file, a folder or a URL. An empty one (`--store ""`,
/// `TSXLAB_STORE=` from an unset variable in a script) is refused with exit 64 naming it, before
/// the command runs, so nothing is written anywhere: left alone it would silently mean the default,
/// and an import meant for PostgreSQL would land in the default SQLite store.
///
/// The check walks the parsed command (its option groups included) with `Mirror`, so a new
/// command is covered by naming its location options here, not by code in its `run()`.
enum LocationArguments {
    /// Property name → how the user spells it, for every option or argument that is a path or URL.
    static let options: [String: String] = [
        "store": "--store", "contractsFile": "--contracts-file", "config": "--config", "source": "--source",
        "envFile": "--env-file", "out": "--out", "csv": "--csv", "url": "--url", "equity": "--equity",
        "trades": "--trades", "files": "<files>", "html": "--html", "returns": "--returns",
        "historyTapes": "--history-tape", "dir": "--dir", "tsxlabPath": "--tsxlab-path", "tsxlabURL": "--tsxlab-url",
    ]

    /// Environment variables read as a path or URL by every command.
    static let everywhere = ["TSXLAB_DATA_DIR"]

    /// Environment variables read as a path or URL by the commands holding a value of the type.
    static func variables(of value: Any) -> [String] {
        switch value {
        case is StoreOptions: ["TSXLAB_STORE", "TSXLAB_CONTRACTS"]
        case is LiveOptions: ["PROJECTX_API_URL", "PROJECTX_RTC_URL", "PROJECTX_API_KEY_FILE"]
        case is ServeCommand: ["TSXLAB_HTTP_TOKEN_FILE"]
        case is LiveRun: ["TSXLAB_HTTP_TOKEN_FILE", "TSXLAB_ALERT_SECRET_FILE", "TSXLAB_DISCORD_WEBHOOK_FILE", "TSXLAB_WEBHOOK_URL_FILE"]
        default: []
        }
    }

    /// The problems of a parsed command: each empty location option or variable, and a store URL
    /// that names no file (`sqlite:`). Empty when there is nothing to refuse.
    static func problems(_ command: Any, environment: [String: String]) -> [String] {
        var problems: [String] = []
        var variables = everywhere
        func check(_ name: String, _ value: String?) {
            guard let value else { return }
            if value.trimmingCharacters(in: .whitespaces).isEmpty {
                problems.append("\(name) is empty (an unset variable?): give a path or URL, or leave it out")
            } else if name == "--store" || name == "TSXLAB_STORE", ["sqlite:", "sqlite://"].contains(value) {
                problems.append("\(name) '\(value)' names no file: use sqlite:PATH")
            }
        }
        func walk(_ value: Any, depth: Int) {
            guard depth < 8 else { return }
            variables += Self.variables(of: value)
            for child in Mirror(reflecting: value).children {
                let label = child.label.map { $0.hasPrefix("_") ? String($0.dropFirst()) : $0 }
                if let label, let flag = options[label] {
                    switch child.value {
                    case let o as Option<String?>: check(flag, o.wrappedValue)
                    case let o as Option<String>: check(flag, o.wrappedValue)
                    case let o as Option<[String]>: for v in o.wrappedValue { check(flag, v) }
                    case let a as Argument<[String]>: for v in a.wrappedValue { check(flag, v) }
                    case let a as Argument<String>: check(flag, a.wrappedValue)
                    default: walk(child.value, depth: depth + 1)
                    }
                } else {
                    walk(child.value, depth: depth + 1)
                }
            }
        }
        walk(command, depth: 0)
        for name in Set(variables).sorted() { check(name, environment[name]) }
        return problems
    }
}

extension TSXLab {
    /// Parses, refuses empty locations (exit 64), then runs: `AsyncParsableCommand.main()` with
    /// `LocationArguments` between parsing and running.
    static func main() async {
        do {
            var command = try parseAsRoot()
            let problems = LocationArguments.problems(command, environment: ProcessInfo.processInfo.environment)
            if !problems.isEmpty {
                let usage = usageString(for: type(of: command))
                FileHandle.standardError.write(Data(problems.map { "Error: \($0)\n" }.joined().appending("Usage: \(usage)\n").utf8))
                throw ExitCode.validationFailure
            }
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}
