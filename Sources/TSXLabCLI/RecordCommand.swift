import ArgumentParser
import Data
import Foundation
import Jobs
import Live
import Logging
import Operations

struct RecordCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "record",
        abstract: "Keep the market hub's trade prints of some contracts in the store (the tape), without trading.",
        discussion: """
            Each contract's prints are kept under its CME code (ESZ25) with their time to the
            nanosecond as the venue sends it, price, size and aggressor (with --quotes and --depth
            its quotes and order-book updates too); `tsxlab data export --symbol ESZ25 --ticks`
            writes the prints out. Runs until SIGINT or SIGTERM, then writes what
            is left. Connection and credentials as for `tsxlab live`. `tsxlab live --record-tape`
            keeps the traded contract's tape while trading.
            """)
    @Argument(help: "Products (their front month) or dated contracts, e.g. ES or ESZ25.") var symbols: [String]
    @Flag(help: "Keep the quotes too (best bid, best ask, last price, session volume).") var quotes = false
    @Flag(help: "Keep the order book's updates too (the venue may need a market-depth subscription).") var depth = false
    @Flag(help: "Print the summary as JSON.") var json = false
    @OptionGroup var storeOptions: StoreOptions

    struct Output: Encodable {
        var contracts: [String]
        var received: Int
        var stored: Int
        var quotes: Int
        var depthUpdates: Int
        var storeFailures: Int
    }

    func run() async throws {
        // Signals are taken from the start: one during start-up ends the recording once it runs.
        let stop = stopSignals()
        let env = storeOptions.environment
        let (store, registry): (any BarStore, ContractRegistry)
        do { (store, registry) = (try storeOptions.openStore(), try storeOptions.registry()) } catch { throw reported(error) }
        guard let db = store as? any SQLDatabase else { throw reported(LiveCLIError.usage("this store has no tape tables; give a SQLite or PostgreSQL store")) }
        let (client, calls) = try connectProjectX(storeOptions, environment: env)
        try await runLive(calls) {
            var job = TapeRecording(client: client, db: db, registry: registry, rtcURL: LiveOptions.rtcURL(env))
            job.logger = Logger(label: "tsxlab.record") { LineLogHandler(label: $0, format: .text) }
            job.quotes = quotes
            job.depth = depth
            job.onProgress = { received, stored in
                Terminal.note("record: \(received.total) records received, \(stored.total) stored")
            }
            let s = try await job.run(symbols, until: stop)
            if json {
                try Terminal.printJSON(Output(contracts: s.contracts, received: s.received.prints, stored: s.stored.prints, quotes: s.stored.quotes,
                                              depthUpdates: s.stored.depth, storeFailures: s.failures))
            } else {
                print("recorded \(s.stored.prints) prints" + (quotes ? ", \(s.stored.quotes) quotes" : "") + (depth ? ", \(s.stored.depth) depth updates" : "")
                      + " of \(s.contracts.joined(separator: ", "))")
            }
            if s.stored.total < s.received.total {
                Terminal.error("the store kept \(s.stored.total) of \(s.received.total) records (\(s.failures) refused write(s); the last: \(s.lastError ?? "")): check the store, then record again")
                throw ExitCode(74)
            }
        }
    }
}
