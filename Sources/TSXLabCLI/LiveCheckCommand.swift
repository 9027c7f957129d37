import ArgumentParser
import Configuration
import Data
import Foundation
import Live

/// `tsxlab live check`: the promotion check `tsxlab live` makes before trading, on its own.
struct LiveCheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check that a live configuration is the one a stored run tested (its pin and hash); exit 65 if not.",
        discussion: """
            Loads the file (with the seed's environment variables and .env, as trading would),
            hashes its configuration without the `live:` section and compares it with the pinned
            run in the store. Refused: no pin, a hash no stored run tested, a hash changed since
            promotion, a pinned run missing from the store. --force reports these as warnings.
            """)

    @Option(help: "The live configuration file (written by `tsxlab promote`).") var config: String
    @Flag(help: "Report refusals as warnings and pass (trade an untested configuration knowingly).") var force = false
    @Flag(help: "Print the outcome as one JSON object.") var json = false
    @Option(help: ".env file whose values count as environment (default: ./.env when present).") var envFile: String?
    @OptionGroup var storeOptions: StoreOptions

    struct Outcome: Encodable {
        var ok: Bool
        var file: String
        var configHash: String
        var account: String?
        var pin: LivePin?
        var warnings: [String]
        var refusals: [String]
    }

    func run() throws {
        try runReportingErrors {
            var outcome: Outcome?
            do {
                let environment = RunConfiguration.environment(
                    process: storeOptions.environment,
                    dotEnvPath: envFile ?? (FileManager.default.fileExists(atPath: ".env") ? ".env" : nil))
                guard let text = try? String(contentsOfFile: config, encoding: .utf8) else {
                    throw DataError.noInput(path: config, reason: "cannot read the configuration file")
                }
                let cfg = try RunConfiguration.parse(yaml: text, source: config, environment: environment)
                let live = try LiveSection(fields: try RunConfiguration.liveSection(yaml: text, source: config) ?? [:], source: config)
                let store = try storeOptions.openStore()
                guard let db = store as? any SQLDatabase else {
                    throw DataError.badInput(file: store.displayURL, line: nil, field: nil, reason: "this store cannot hold runs (use a sqlite: or postgres:// store)")
                }
                outcome = Outcome(ok: false, file: config, configHash: cfg.hash, account: live.account, pin: live.pin, warnings: [], refusals: [])
                outcome!.warnings = try Promotion.verify(configHash: cfg.hash, pin: live.pin, db: db, force: force)
                if let pin = live.pin, pin.codeVersion != ProductVersion.string {
                    outcome!.warnings.append("tested with code version \(pin.codeVersion); this is \(ProductVersion.string)")
                }
                outcome!.ok = true
                if json {
                    try Terminal.printJSON(outcome!)
                } else {
                    for w in outcome!.warnings { Terminal.note("warning: " + w) }
                    if let pin = live.pin, outcome!.warnings.isEmpty || pin.configHash == cfg.hash {
                        print("OK: \(config) is run \(pin.runID)'s configuration (hash \(cfg.hash)), tested on \(pin.dataFrom ?? "?") → \(pin.dataTo ?? "?")"
                              + (live.account.map { "; account \($0)" } ?? ""))
                    } else {
                        print("OK (forced): \(config) (hash \(cfg.hash))")
                    }
                }
            } catch let e as PromotionError {
                if json, var o = outcome, case .refused(let refusals) = e {
                    o.refusals = refusals.map(\.description)
                    try Terminal.printJSON(o)
                }
                Terminal.error(e.description)
                throw ExitCode(e.exitCode)
            } catch let e as ConfigurationError {
                Terminal.error(e.description)
                throw ExitCode(e.exitCode)
            }
        }
    }
}
