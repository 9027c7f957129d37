import ArgumentParser
import Foundation
import Strategies
import Trading

struct StrategiesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "strategies",
        abstract: "List every registered strategy (built-in and your package's) with its parameters.",
        discussion: """
            Each parameter is a key of the strategy's section in the configuration file and a
            --param for backtest and sweep; the values shown are what it accepts.
            """)

    @Argument(help: "Show only this strategy.") var name: String?
    @Flag(help: "Print the list as JSON.") var json = false

    struct Listed: Encodable {
        struct Parameter: Encodable {
            var name: String
            var kind: String
            var allowed: String
            var unit: String?
            var `default`: String
            var environment: String?
            var help: String
        }
        var name: String
        var summary: String
        var enabledEnvironment: String?
        var parameters: [Parameter]
    }

    func run() throws {
        try runReportingErrors {
            let chosen = try name.map { [try StrategyCatalog.descriptor(named: $0)] } ?? StrategyCatalog.all
            let listed = chosen.map { d in
                Listed(name: d.name, summary: d.summary, enabledEnvironment: d.enabledEnvironment, parameters: d.parameters.map { p in
                    let kind = switch p.kind {
                    case .int: "int"
                    case .double: "number"
                    case .bool: "bool"
                    case .time: "time"
                    case .choice: "choice"
                    }
                    return .init(name: p.name, kind: kind, allowed: p.allowed, unit: p.unit, default: p.defaultValue.description,
                                 environment: p.environment, help: p.help)
                })
            }
            if json {
                let enc = JSONEncoder()
                enc.outputFormatting = [.prettyPrinted, .sortedKeys]
                print(String(decoding: try enc.encode(listed), as: UTF8.self))
                return
            }
            var lines: [String] = []
            for s in listed {
                if !lines.isEmpty { lines.append("") }
                lines.append("\(s.name): \(s.summary)")
                let width = s.parameters.map(\.name.count).max() ?? 0
                for p in s.parameters {
                    lines.append("  " + p.name.padding(toLength: width, withPad: " ", startingAt: 0)
                                 + "  \(p.default) (\(p.allowed)): \(p.help)")
                }
            }
            print(lines.joined(separator: "\n"))
        }
    }
}
