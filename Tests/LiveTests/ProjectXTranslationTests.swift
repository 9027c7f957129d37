import Testing
import Foundation
import Data
import Trading
import ProjectX
@testable import Live

@Suite("The ProjectX translation table")
struct ProjectXTranslationTests {
    @Test("every pair of our status and the gateway's gives the lifecycle steps the simulated exchange would take")
    func table() {
        typealias S = ProjectXTranslation.Step
        let live: [OrderStatus] = [.suspended, .working, .partiallyFilled]
        for venue: PXOrderStatus in [.open, .pending, .pendingCancellation] {
            #expect(ProjectXTranslation.steps(local: .pending, venue: venue) == [.accept(suspended: false)])
            #expect(ProjectXTranslation.steps(local: .suspended, venue: venue) == [.activate])
            #expect(ProjectXTranslation.steps(local: .working, venue: venue) == [.reprice])
            #expect(ProjectXTranslation.steps(local: .partiallyFilled, venue: venue) == [.reprice])
        }
        #expect(ProjectXTranslation.steps(local: .pending, venue: .suspended) == [.accept(suspended: true)])
        #expect(ProjectXTranslation.steps(local: .pending, venue: .cancelled) == [.accept(suspended: false), .cancel])
        #expect(ProjectXTranslation.steps(local: .pending, venue: .expired) == [.accept(suspended: false), .expire])
        #expect(ProjectXTranslation.steps(local: .pending, venue: .rejected) == [.reject])
        #expect(ProjectXTranslation.steps(local: .pending, venue: .filled) == [.accept(suspended: false)])
        for l in live {
            #expect(ProjectXTranslation.steps(local: l, venue: .cancelled) == [.cancel])
            #expect(ProjectXTranslation.steps(local: l, venue: .expired) == [.expire])
            #expect(ProjectXTranslation.steps(local: l, venue: .rejected) == [.cancel])
            #expect(ProjectXTranslation.steps(local: l, venue: .filled) == [S]())
            #expect(ProjectXTranslation.steps(local: l, venue: .suspended) == [S]())
        }
        // News of an order that has ended changes nothing.
        for ended: OrderStatus in [.filled, .cancelled, .rejected, .expired] {
            for venue: PXOrderStatus in [.none, .open, .filled, .cancelled, .expired, .rejected, .pending, .pendingCancellation, .suspended] {
                #expect(ProjectXTranslation.steps(local: ended, venue: venue).isEmpty)
            }
        }
        // Each step applies to the order as the order's own state machine allows.
        for local: OrderStatus in [.pending, .suspended, .working, .partiallyFilled] {
            for venue: PXOrderStatus in [.none, .open, .filled, .cancelled, .expired, .rejected, .pending, .pendingCancellation, .suspended] {
                var o = Order(id: OrderID(1), request: OrderRequest(symbol: "ES", side: .buy, quantity: 2, kind: .limit(Price(ticks: 100))),
                              status: .pending, createdAt: Timestamp(seconds: 0), tradeDay: 0)
                switch local {
                case .pending: break
                case .suspended: o.apply(.accept(suspended: true), at: o.createdAt)
                case .working: o.apply(.accept(suspended: false), at: o.createdAt)
                default: o.apply(.accept(suspended: false), at: o.createdAt); o.apply(.fill(quantity: 1, price: Price(ticks: 100)), at: o.createdAt)
                }
                for step in ProjectXTranslation.steps(local: local, venue: venue) {
                    // A repricing is a modification, which the lifecycle allows in every live state.
                    let event: OrderEvent = switch step {
                    case .accept(let s): .accept(suspended: s)
                    case .activate: .activate
                    case .cancel: .cancel(.requested)
                    case .expire: .expire
                    case .reject: .reject
                    case .reprice: .modify(OrderChange(limitPrice: Price(ticks: 101)))
                    }
                    if case .invalid = o.apply(event, at: o.createdAt) { Issue.record("\(local) + gateway \(venue): \(step) is not a lifecycle move") }
                }
            }
        }
    }

    @Test("a trade fills at most what is left, at its price on the grid, at its time and fee; off the grid it fills nothing")
    func trades() {
        let tick = TickSize("0.25")!
        let t = PXTrade(id: 7, accountId: 1, contractId: "C", creationTimestamp: "2013-10-07T14:01:30Z", price: Decimal(string: "1700.25")!,
                        profitAndLoss: nil, fees: Decimal(string: "2.09")!, side: 0, size: 3, voided: false, orderId: 9)
        let f = ProjectXTranslation.fill(t, remaining: 2, tick: tick, clock: Timestamp(seconds: 0))
        #expect(f?.quantity == 2 && f?.price.ticks == 6801 && f?.time == Timestamp(iso8601: "2013-10-07T14:01:30Z") && f?.fee == Money(cents: 209))
        var off = t
        off.price = Decimal(string: "1700.1")!
        #expect(ProjectXTranslation.fill(off, remaining: 2, tick: tick, clock: Timestamp(seconds: 0)) == nil)
        #expect(ProjectXTranslation.fill(t, remaining: 0, tick: tick, clock: Timestamp(seconds: 0)) == nil)
    }
}
