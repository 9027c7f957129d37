import Foundation
import Data
import Live
import ProjectX
import ProjectXGateway
import TSXLabTesting

/// `tsxlab data pull`'s rate against a loopback gateway in this process (real sockets on
/// 127.0.0.1), into a new SQLite store: three months of ES minute bars (January to March 2019)
/// served as ESH19.
///
/// - rate limits off: 20,000-bar pages as fast as the gateway answers them — bounded by the
///   per-bar work of a page (the gateway building and encoding it, the client decoding it and
///   turning times and Decimal prices into ticks: each measured alone), not by the store's writes;
/// - rate limits on (50 calls / 30 s on both sides, the venue's budget): 20,000-bar pages, then
///   1,000-bar pages, where the budget is what bounds the pull: past 50 calls it waits for the window.
func benchPull() throws {
    let spec = try ContractRegistry.builtIn.spec(for: "ES")
    let tape = try SharedData.loadBars("ES_1m_2019.csv.gz", symbol: "ES", tickSize: spec.tickSize,
                                       from: Timestamp(year: 2019, month: 1, day: 1), to: Timestamp(year: 2019, month: 3, day: 14))
    let window = (Timestamp(year: 2019, month: 1, day: 1), Timestamp(year: 2019, month: 3, day: 14))
    print("== pull: \(tape.count) ES 1m bars as ESH19 from a loopback gateway into SQLite")
    let dir = TestEnvironment.temporaryDirectory("tsxlab-bench-pull")
    defer { try? FileManager.default.removeItem(atPath: dir) }

    func run(_ label: String, limited: Bool, pageBars: Int) throws {
        var config = GatewayConfig()
        config.rules = .unlimited()
        config.historyLimit = limited ? (50, 30) : (1_000_000, 1)
        config.generalLimit = limited ? (200, 60) : (1_000_000, 1)
        let server = try GatewayServer(config: config, tape: GatewayTape(series: tape, contract: ContractID(cme: "ESH19")!))
        let port = try waitFor { try await server.start() }
        defer { _ = try? waitFor { await server.stop() } }
        _ = try waitFor { await server.venue.step(tape.count) }
        let counter = HistoryCallCounter()
        let client = ProjectXClient(baseURL: "http://127.0.0.1:\(port)", credentials: APICredentials(userName: "bench", apiKey: Secret("bench")), calls: counter,
                                    historyLimit: limited ? (50, 30) : (1_000_000, 1), generalLimit: limited ? (200, 60) : (1_000_000, 1))
        let store = try SQLiteBarStore(path: "\(dir)/\(label.replacingOccurrences(of: " ", with: "-")).sqlite")
        let pull = HistoryPull(client: client, store: store, registry: .builtIn, counter: counter)
        var request = PullRequest(symbol: "ESH19", timeframe: .oneMinute, from: window.0, to: window.1)
        request.pageBars = pageBars
        let t0 = now()
        let frozen = request
        let report = try waitFor { try await pull.run(frozen) }
        let seconds = now() - t0
        let bound = limited ? "budget bound \(fmt(50.0 * Double(pageBars) / 30, 0)) bars/s" : "bound: the per-bar JSON, time and Decimal work above"
        line("pull, rate limits \(limited ? "on" : "off"), \(pageBars)-bar pages", "\(fmt(Double(report.bars) / seconds / 1000, 1))k bars/s",
             "(\(report.bars) bars, \(report.calls) calls, \(fmt(seconds, 1)) s; \(bound))")
    }
    // What bounds the unlimited pull: the store's share, writing the same bars in 20,000-bar transactions.
    let writeStore = try SQLiteBarStore(path: "\(dir)/writes.sqlite")
    var renamed = tape
    renamed.symbol = "ESH19"
    let writes = try measure(1) {
        var i = 0
        while i < renamed.count { _ = try writeStore.write(renamed.slice(i..<min(renamed.count, i + 20_000)), coverage: nil); i += 20_000 }
    }
    line("pull's store share: the same bars written in 20,000-bar pages", "\(fmt(Double(tape.count) / writes[0] / 1000, 1))k bars/s", "(\(fmt(writes[0], 2)) s)")
    // The rest of one 20,000-bar page, step by step: the gateway building and encoding it, the
    // client decoding it (Decimal prices) and turning it into ticks.
    var config = GatewayConfig()
    config.rules = .unlimited()
    let venue = GatewayVenue(config: config, tape: GatewayTape(series: tape, contract: ContractID(cme: "ESH19")!))
    _ = try waitFor { await venue.step(tape.count) }
    let request = PXRetrieveBarsRequest(contractId: ContractID(cme: "ESH19")!.projectXID(), live: false, startTime: PXTime.request(window.0),
                                        endTime: PXTime.request(window.1), unit: 2, unitNumber: 1, limit: 20_000, includePartialBar: false)
    var answer = PXRetrieveBarsResponse(bars: [])
    let build = try measure(5) { answer = try waitFor { await venue.bars(request) } }
    var body = Data()
    let encode = try measure(5) { body = try JSONEncoder().encode(answer) }
    var decoded = answer
    let decode = try measure(5) { decoded = try JSONDecoder().decode(PXRetrieveBarsResponse.self, from: body) }
    let key = SeriesKey(symbol: "ESH19", timeframe: .oneMinute)
    let convert = try measure(5) { _ = try ProjectXBarSource.series(decoded.bars ?? [], key, spec.tickSize) }
    let page = Double(answer.bars?.count ?? 0)
    for (what, times) in [("gateway: slice and build", build), ("gateway: JSON encode", encode), ("client: JSON decode", decode), ("client: prices to ticks", convert)] {
        line("pull's page costs, \(what)", "\(fmt(page / median(times) / 1000, 1))k bars/s", "(\(fmt(median(times) * 1000, 1)) ms for \(Int(page)) bars, \(body.count / 1024) KiB)")
    }
    try run("off 20000", limited: false, pageBars: 20_000)
    try run("off 1000", limited: false, pageBars: 1_000)
    try run("on 20000", limited: true, pageBars: 20_000)
    try run("on 1000", limited: true, pageBars: 1_000)
}
