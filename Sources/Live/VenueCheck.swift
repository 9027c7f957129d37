import Data
import Foundation
import ProjectX

/// The venue's view of the account as the runner last heard it, and where the comparison with
/// the ledger stands.
struct VenueState {
    /// Positions and balance from the user hub's events and the last REST snapshot.
    var book = VenueComparison.Book(positions: [:], balance: nil)
    var baseline: VenueComparison.Baseline?
    /// A difference seen once, waiting for a second snapshot to confirm it: what, the ledger's
    /// fill count then, and when.
    var suspect: (problems: [String], fills: Int, at: Date)?
    /// When the next REST snapshot is due (at once on start).
    var due = Date.distantPast
    var checking = false
    /// The difference last acted on (notified once, not at every check).
    var declared: String?
}

/// The venue's view of the account against the ledger (issue: "the venue's view reconciled").
///
/// Position and account events from the user hub update `venue.book`; one that disagrees with
/// the ledger brings the next REST snapshot forward to a second later. Every `venueCheckEvery`
/// seconds, and then, a REST snapshot (open positions, the account's balance) is compared with
/// the ledger while nothing is in flight. A difference counts once two snapshots
/// `venueConfirmAfter` seconds apart, with no fill between, both show it (a fill on its way shows
/// at the venue first). A confirmed difference is noted (a notification), shown on the status
/// page and, with `flattenOnVenueMismatch`, everything is cancelled and closed (the positions the
/// ledger knows of and those only the venue holds) and no new order is taken.
extension LiveRunner {
    /// A position or account event came: if the venue now disagrees with the ledger, look soon.
    func venueEventSeen() {
        guard settings.venueCheckEvery > 0, let gateway else { return }
        let (problems, _) = VenueComparison.differences(venue: venue.book, ledger: gateway.venueBook(), baseline: venue.baseline)
        if !problems.isEmpty { venue.due = min(venue.due, Date().addingTimeInterval(1)) }
    }

    /// One step of the comparison, from the watchdog four times a second; does nothing until due.
    func watchVenue() async {
        guard settings.venueCheckEvery > 0, let gateway, !venue.checking, Date() >= venue.due else { return }
        // Orders on their way make the two views of different moments.
        guard inFlight == 0, !gateway.hasWork else { return }
        venue.checking = true
        defer { venue.checking = false; published.set(stats) }
        let fills = gateway.fillCount
        let snapshot: VenueComparison.Book
        do {
            snapshot = try await venueSnapshot()
        } catch {
            note("venue check: cannot read the account's positions and balance: \(error)")
            venue.due = Date().addingTimeInterval(settings.venueCheckEvery)
            return
        }
        stats.venueChecks += 1
        // A fill or an order came meanwhile: not one moment; again in a second.
        guard inFlight == 0, !gateway.hasWork, gateway.fillCount == fills else {
            venue.due = Date().addingTimeInterval(1)
            return
        }
        venue.book = snapshot
        let (problems, baseline) = VenueComparison.differences(venue: snapshot, ledger: gateway.venueBook(), baseline: venue.baseline)
        venue.baseline = baseline
        let now = Date()
        guard !problems.isEmpty else {
            venue.suspect = nil
            venue.declared = nil
            stats.venueMismatch = nil
            venue.due = now.addingTimeInterval(settings.venueCheckEvery)
            return
        }
        if let s = venue.suspect, s.fills == fills, s.problems == problems, now.timeIntervalSince(s.at) >= settings.venueConfirmAfter {
            venue.suspect = nil
            venue.due = now.addingTimeInterval(settings.venueCheckEvery)
            venueDiffers(problems, venueHolds: snapshot.positions)
        } else {
            if venue.suspect.map({ $0.fills != fills || $0.problems != problems }) ?? true {
                venue.suspect = (problems, fills, now)
            }
            venue.due = now.addingTimeInterval(settings.venueConfirmAfter)
        }
    }

    /// On start, after the reconcile and before any market data: a difference is confirmed (or
    /// cleared) before the strategies see a live bar, so a position a killed run left at the
    /// venue unknown to the ledger is acted on before a new decision is made beside it.
    func checkVenueAtStart() async throws {
        guard settings.venueCheckEvery > 0 else { return }
        venue.due = .distantPast
        await watchVenue()
        guard venue.suspect != nil else { return }
        try await Task.sleep(for: .seconds(settings.venueConfirmAfter))
        try await reconcile()
        venue.due = .distantPast
        await watchVenue()
    }

    /// The account's open positions and balance, over REST.
    func venueSnapshot() async throws -> VenueComparison.Book {
        async let positions = client.openPositions(accountId: settings.accountID)
        async let accounts = client.searchAccounts(onlyActive: false)
        var held: [String: Int64] = [:]
        for p in try await positions where p.accountId == settings.accountID && p.size != 0 {
            held[p.contractId, default: 0] += Int64(p.signedSize)
        }
        let balance = try await accounts.first { $0.id == settings.accountID }.map { Money(decimal: $0.balance) }
        return VenueComparison.Book(positions: held, balance: balance)
    }

    /// A confirmed difference: noted once, shown, and acted on by `live.venue.on_mismatch`.
    func venueDiffers(_ problems: [String], venueHolds: [String: Int64]) {
        let text = problems.joined(separator: "; ")
        stats.venueMismatch = text
        guard text != venue.declared, let gateway else { return }
        venue.declared = text
        guard settings.flattenOnVenueMismatch else {
            note("the venue's view of the account differs from the runner's: \(text); trading on (live.venue.on_mismatch: keep)")
            return
        }
        note("the venue's view of the account differs from the runner's: \(text): cancelling working orders, closing every position and halting "
             + "(live.venue.on_mismatch: flatten); check the account at the venue, then restart the runner")
        let known = gateway.venueBook().positions
        halt("the venue's view differs", status: "venue mismatch: \(text)", alsoClosing: venueHolds.keys.filter { known[$0] == nil }.sorted())
    }
}
