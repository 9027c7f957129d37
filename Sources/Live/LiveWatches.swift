import Data
import Foundation

/// `live.feed`: how the live runner watches its market and user feeds (`LiveRunner.watchFeed`).
public struct FeedWatch: Hashable, Sendable {
    /// `silent_seconds`: no trade print or quote this long while the market is open reconnects the market
    /// hub (0: never).
    public var silentSeconds: Double = 60
    /// `loss_seconds`: a hub down, or the feed frozen, this long is given notice and acted on
    /// (0: never).
    public var lossSeconds: Double = 120
    /// `on_loss`: `flatten` (cancel, close and halt) or `keep` (notice only).
    public var flattenOnLoss = true
    public init() {}

    /// The keys under `live.feed` with what each means (the configuration reference's text).
    public static let keyHelp: [(key: String, help: String)] = [
        ("silent_seconds", "Seconds without a trade print or quote while the market is open after which the market feed counts as frozen and the market hub is reconnected; 0 switches it off (default 60)."),
        ("loss_seconds", "Seconds a hub may stay down, or the feed frozen, before the runner gives notice and acts by `on_loss`; 0 switches it off (default 120)."),
        ("on_loss", "`flatten` (default): cancel working orders, close positions and take no new order until restarted; `keep`: notice only."),
    ]
    static let keys = keyHelp.map(\.key)

    /// Reads `live.feed.*` (`fields` keyed below `feed`); every bad value is named.
    init(fields: [String: String], source: String) throws {
        var r = SettingReader(section: "live.feed", fields: fields, known: Self.keys)
        silentSeconds = r.seconds("silent_seconds", silentSeconds)
        lossSeconds = r.seconds("loss_seconds", lossSeconds)
        flattenOnLoss = r.choice("on_loss", flattenOnLoss, ["flatten": true, "keep": false])
        try r.finish(source: source)
    }
}

/// `live.venue`: how the live runner compares the venue's view of the account (its positions and
/// balance, from the user hub's position and account events and a periodic REST snapshot) with
/// its own ledger (`LiveRunner.watchVenue`).
public struct VenueWatch: Hashable, Sendable {
    /// `check_seconds`: a REST snapshot of the account's positions and balance this often, and
    /// soon after a position or account event that disagrees with the ledger (0: never compared).
    public var checkSeconds: Double = 60
    /// `on_mismatch`: `flatten` (cancel, close and halt) or `keep` (notice only).
    public var flattenOnMismatch = true
    public init() {}

    /// The keys under `live.venue` with what each means (the configuration reference's text).
    public static let keyHelp: [(key: String, help: String)] = [
        ("check_seconds", "Seconds between REST snapshots of the account's positions and balance, compared with the runner's ledger (also checked soon after a position or account event that disagrees); 0 switches the comparison off (default 60)."),
        ("on_mismatch", "`flatten` (default): a position the runner did not open, or a balance that moved by more than the fees apart from the ledger, cancels working orders, closes every position and takes no new order until restarted; `keep`: notice only."),
    ]
    static let keys = keyHelp.map(\.key)

    /// Reads `live.venue.*` (`fields` keyed below `venue`); every bad value is named.
    init(fields: [String: String], source: String) throws {
        var r = SettingReader(section: "live.venue", fields: fields, known: Self.keys)
        checkSeconds = r.seconds("check_seconds", checkSeconds)
        flattenOnMismatch = r.choice("on_mismatch", flattenOnMismatch, ["flatten": true, "keep": false])
        try r.finish(source: source)
    }
}

/// Reads one `live.*` section's values, collecting every problem with its full key.
struct SettingReader {
    let section: String
    let fields: [String: String]
    let known: [String]
    var problems: [String] = []

    init(section: String, fields: [String: String], known: [String]) {
        self.section = section; self.fields = fields; self.known = known
    }

    mutating func seconds(_ key: String, _ current: Double) -> Double {
        guard let v = fields[key] else { return current }
        guard let d = Double(v), d.isFinite, d >= 0 else {
            problems.append("\(section).\(key): '\(v)' is not a number of seconds (0 or more; 0 switches it off)"); return current
        }
        return d
    }

    mutating func choice(_ key: String, _ current: Bool, _ words: KeyValuePairs<String, Bool>) -> Bool {
        guard let v = fields[key] else { return current }
        if let hit = words.first(where: { $0.key == v.lowercased() }) { return hit.value }
        problems.append("\(section).\(key): '\(v)' is neither \(words.map(\.key).joined(separator: " nor "))")
        return current
    }

    /// Throws `PromotionError.badSetting` naming every bad value and unknown key.
    mutating func finish(source: String) throws {
        for k in fields.keys.sorted() where !known.contains(k) {
            problems.append("\(section).\(k): unknown setting (known: \(known.joined(separator: ", ")))")
        }
        if !problems.isEmpty { throw PromotionError.badSetting(source: source, problems: problems) }
    }
}

/// The venue's view of the account against the runner's ledger: what differs, in the trader's
/// words. Positions are compared by contract (signed contracts); the balance by how far each has
/// moved since the baseline (the first comparison at which the positions agreed), which may
/// differ by at most the fees the ledger counted since then (the venue's fee schedule may not be
/// the configured one).
public struct VenueComparison: Sendable, Equatable {
    /// Signed contracts by contract id (long positive), and the realised balance.
    public struct Book: Sendable, Equatable {
        public var positions: [String: Int64]
        public var balance: Money?
        /// Fees the ledger counted (the ledger's book only).
        public var fees: Money = .zero
        public init(positions: [String: Int64], balance: Money?, fees: Money = .zero) {
            self.positions = positions.filter { $0.value != 0 }; self.balance = balance; self.fees = fees
        }
    }

    /// The venue's balance less the ledger's, and the ledger's fees, when the positions last agreed first.
    public struct Baseline: Sendable, Equatable {
        public var offset: Money
        public var fees: Money
    }

    /// What differs (empty: they agree), and the baseline to keep for the next comparison.
    public static func differences(venue: Book, ledger: Book, baseline: Baseline?) -> (problems: [String], baseline: Baseline?) {
        func words(_ q: Int64) -> String { q == 0 ? "flat" : q > 0 ? "long \(q)" : "short \(-q)" }
        var problems: [String] = []
        for contract in Set(venue.positions.keys).union(ledger.positions.keys).sorted() {
            let v = venue.positions[contract] ?? 0, l = ledger.positions[contract] ?? 0
            guard v != l else { continue }
            let what = l == 0 ? "a position the runner did not open" : v == 0 ? "a position the venue does not hold" : "a position of another size"
            problems.append("\(contract): the venue is \(words(v)), the runner's ledger \(words(l)) (\(what))")
        }
        guard let vb = venue.balance, let lb = ledger.balance else { return (problems, baseline) }
        guard let base = baseline else {
            return (problems, problems.isEmpty ? Baseline(offset: vb - lb, fees: ledger.fees) : nil)
        }
        let drift = (vb - lb) - base.offset
        let allowed = ledger.fees - base.fees
        if drift.cents.magnitude > allowed.cents.magnitude {
            problems.append("balance: the venue's moved $\(drift) apart from the runner's fills since the comparison began "
                            + "(venue $\(vb), ledger $\(lb); fees counted since then $\(allowed))")
        }
        return (problems, base)
    }
}
