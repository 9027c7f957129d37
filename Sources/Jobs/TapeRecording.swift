import Data
import Foundation
import Live
import Logging
import ProjectX
import ServiceLifecycle

/// `tsxlab record SYMBOL…`: the market hub's trade prints of some contracts kept in the store's
/// tape, without trading. The hub client reconnects and subscribes again by itself; every print
/// it delivers is stored once (`TapeRecorder`).
public struct TapeRecording: Sendable {
    public let client: ProjectXClient
    public let db: any SQLDatabase
    public let registry: ContractRegistry
    public let rtcURL: String
    public var logger = Logger(label: "tsxlab.record")
    /// Called every `progressEvery` seconds with the records received and stored so far.
    public var onProgress: @Sendable (_ received: TapeRecorder.Tally, _ stored: TapeRecorder.Tally) -> Void = { _, _ in }
    /// Keep the quotes (best bid, best ask, last) too.
    public var quotes = false
    /// Keep the order book's updates too (the venue may need a depth subscription for them).
    public var depth = false
    public var progressEvery: Double = 10

    public init(client: ProjectXClient, db: any SQLDatabase, registry: ContractRegistry, rtcURL: String) {
        self.client = client; self.db = db; self.registry = registry; self.rtcURL = rtcURL
    }

    /// What a recording kept.
    public struct Summary: Sendable {
        public var contracts: [String]
        public var received: TapeRecorder.Tally
        public var stored: TapeRecorder.Tally
        public var failures: Int
        public var lastError: String?
    }

    /// Records `symbols` (products, for their front month, or dated contracts such as `ESZ25`)
    /// until `stop` yields; returns what was kept.
    public func run(_ symbols: [String], until stop: AsyncStream<Void>? = nil) async throws -> Summary {
        var contracts: [String: (code: String, tick: TickSize)] = [:]
        for s in symbols {
            let (contract, spec) = try await client.contract(for: s, registry: registry)
            let code = ContractID(projectX: contract.id, registry: registry)?.cmeCode ?? contract.id
            contracts[contract.id] = (code, spec.tickSize)
        }
        let recorder = TapeRecorder(tape: TapeStore(db: db))
        let client = self.client
        let hub = HubClient(url: rtcURL + "/hubs/market") { try await client.token(replacing: $0) }
        let known = contracts
        await hub.deliver { event in
            guard case .message(let target, let args) = event, args.count >= 2, let id = args[0].string, let c = known[id] else { return }
            let items: [JSONValue] = if case .array(let a) = args[1] { a } else { [args[1]] }
            switch target {
            case "GatewayTrade":
                recorder.record(items.compactMap { try? PXTradePrint(json: $0) }.compactMap { $0.tapePrint(tick: c.tick) }, symbol: c.code, tickSize: c.tick)
            case "GatewayQuote":
                recorder.record(items.compactMap { try? PXQuote(json: $0) }.compactMap { $0.tapeQuote(tick: c.tick) }, symbol: c.code, tickSize: c.tick)
            case "GatewayDepth":
                recorder.record(items.compactMap { DepthUpdate(json: $0, tick: c.tick) }, symbol: c.code, tickSize: c.tick)
            default:
                break
            }
        }
        try await hub.start()
        let streams = ["SubscribeContractTrades"] + (quotes ? ["SubscribeContractQuotes"] : []) + (depth ? ["SubscribeContractMarketDepth"] : [])
        for id in contracts.keys.sorted() {
            for s in streams { try await hub.subscribe(s, [.string(id)]) }
        }
        let codes = contracts.values.map(\.code).sorted()
        logger.notice("record: the tape of \(codes.joined(separator: ", ")) into the store; SIGINT or SIGTERM stops")

        let service = RecordService(recorder: recorder, every: progressEvery, onProgress: onProgress)
        try await runServiceGroup([.init(service: service)], logger: logger, until: stop)
        await hub.stop()
        await recorder.finish()
        let c = recorder.counts, t = recorder.tallies
        return Summary(contracts: codes, received: t.received, stored: t.stored, failures: c.failures, lastError: c.lastError)
    }
}

/// Reports progress until the graceful shutdown.
struct RecordService: Service {
    let recorder: TapeRecorder
    let every: Double
    let onProgress: @Sendable (TapeRecorder.Tally, TapeRecorder.Tally) -> Void

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(every))
                let t = recorder.tallies
                onProgress(t.received, t.stored)
            }
        }
    }
}
