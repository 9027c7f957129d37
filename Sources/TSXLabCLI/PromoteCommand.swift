import ArgumentParser
import Configuration
import Data
import Foundation
import Live

struct PromoteCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "promote",
        abstract: "Write a live configuration pinned to a tested run: its configuration, hash, data range, code version and headline statistics.",
        discussion: """
            RUN_ID is a run id printed by `tsxlab backtest` (or `latest`). The file is the run's
            configuration as YAML plus a `live:` section naming the account and the pinned run;
            `tsxlab live` refuses it once a setting that affects results is edited, until the edited
            configuration is backtested and promoted again.
              tsxlab backtest --config overnight.yaml --json
              tsxlab promote 20261125-120007-4147499c --account PRAC-V2-12345
              tsxlab live check --config live-20261125-120007-4147499c.yaml
            """)

    @Argument(help: ArgumentHelp("A run id, or `latest`.", valueName: "run-id")) var runID: String
    @Option(help: "The TopStepX account to trade (its name as the gateway lists it).") var account: String
    @Option(help: "The file to write. Default: live-<run id>.yaml in the working folder.") var out: String?
    @Flag(help: "Overwrite the file if it exists.") var force = false
    @Flag(help: "Print what was pinned as one JSON object.") var json = false
    @OptionGroup var storeOptions: StoreOptions

    struct Promoted: Encodable {
        var file: String
        var account: String
        var pin: LivePin
    }

    func run() throws {
        try runReportingErrors {
            do {
                let store = try storeOptions.openStore()
                guard let db = store as? any SQLDatabase else {
                    throw DataError.badInput(file: store.displayURL, line: nil, field: nil, reason: "this store cannot hold runs (use a sqlite: or postgres:// store)")
                }
                let (text, pin) = try Promotion.promote(runID: runID, account: account, db: db)
                let path = out ?? "live-\(pin.runID).yaml"
                // The file must load back to exactly the configuration the run tested.
                let loaded = try RunConfiguration.parse(yaml: text, source: path, environment: [:])
                guard loaded.hash == pin.configHash else {
                    throw DataError.internal("run \(pin.runID)'s configuration written as YAML hashes to \(loaded.hash), not its recorded \(pin.configHash); nothing was written")
                }
                if FileManager.default.fileExists(atPath: path) && !force {
                    Terminal.error("\(path) exists; pass --force to overwrite it, or choose another file with --out")
                    throw ExitCode(64)
                }
                do { try text.write(toFile: path, atomically: true, encoding: .utf8) } catch {
                    throw DataError.noInput(path: path, reason: "cannot write the live configuration: \(error.localizedDescription)")
                }
                // The seed's variables and a .env file override the file when trading; say so now
                // rather than at the open.
                let environment = RunConfiguration.environment(
                    process: storeOptions.environment, dotEnvPath: FileManager.default.fileExists(atPath: ".env") ? ".env" : nil)
                if let seen = try? RunConfiguration.parse(yaml: text, source: path, environment: environment), seen.hash != pin.configHash {
                    Terminal.note("warning: with this environment (its *_ENABLED / strategy variables or ./.env) the file hashes to \(seen.hash), not the pinned \(pin.configHash); `tsxlab live` will refuse it unless those variables are unset")
                }
                if json {
                    try Terminal.printJSON(Promoted(file: path, account: account, pin: pin))
                } else {
                    print(Self.describe(pin, file: path, account: account))
                }
            } catch let e as PromotionError {
                Terminal.error(e.description)
                throw ExitCode(e.exitCode)
            } catch let e as ConfigurationError {
                Terminal.error(e.description)
                throw ExitCode(e.exitCode)
            }
        }
    }

    static func describe(_ p: LivePin, file: String, account: String) -> String {
        func f(_ v: Double?, _ d: Int = 2) -> String { v.map { String(format: "%.\(d)f", $0) } ?? "n/a" }
        return [
            "pinned run \(p.runID) to \(file) for account \(account)",
            "  configuration hash \(p.configHash)",
            "  tested on \(p.dataFrom ?? "?") → \(p.dataTo ?? "?") with code version \(p.codeVersion)",
            "  trades \(p.trades), net P&L \(p.netPnlUsd) USD, win rate \(f(p.winRate * 100, 1))%, profit factor \(f(p.profitFactor)), Sharpe \(f(p.sharpe)), max drawdown \(f(p.maxDrawdownUsd)) USD",
        ].joined(separator: "\n")
    }
}
