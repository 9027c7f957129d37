import Testing
import Data
import Trading
import TSXLabTesting

/// The numbered cases of the `Broker` conformance suite (`BrokerConformanceTests`). Prices in
/// points on ES (tick 0.25); bar `m` is `m` minutes after 2013-10-07 14:00 UTC (09:00 Chicago).
/// A script's action after bar k works from bar k + 1 on.
enum ConformanceCases {
    /// `n` quiet bars around 1700, one a minute from the start.
    static func flat(_ n: Int = 4) -> [(Int64, Double, Double, Double, Double)] {
        (0..<Int64(n)).map { ($0, 1700, 1700.5, 1699.5, 1700) }
    }

    static func rules(_ edit: (inout RiskRules) -> Void) -> RiskRules {
        var r = ConformanceCase.plainRules
        edit(&r)
        return r
    }

    static let all: [ConformanceCase] = [
        ConformanceCase(number: 1, title: "a market order is accepted and fills at the next bar's open",
                        bars: flat(2) + [(2, 1701, 1702, 1700.75, 1701.5), (3, 1701.5, 1702, 1701, 1701.5)],
                        script: { $0.at(1) { $0.place(req(.buy, .market)) } },
                        check: { o in
                            #expect(o.fills == ["b2 buy 1 @1701.00 entry"])
                            #expect(o.position == 1)
                        }),
        ConformanceCase(number: 2, title: "a buy limit works until the market trades at its price, and fills there",
                        bars: flat(2) + [(2, 1700, 1700.5, 1699.25, 1699.5), (3, 1699.5, 1700, 1698.5, 1699), (4, 1699, 1699.5, 1698.75, 1699)],
                        script: { $0.at(1) { $0.place(req(.buy, .limit(px(1698.75)))) } },
                        check: { o in #expect(o.fills == ["b3 buy 1 @1698.75 entry"]) }),
        ConformanceCase(number: 3, title: "a sell stop triggers when the market trades through it and fills at the stop",
                        bars: flat(2) + [(2, 1700, 1700.25, 1699.25, 1699.5), (3, 1699.5, 1699.75, 1698, 1698.5)],
                        script: { $0.at(1) { $0.place(req(.sell, .stop(px(1699)))) } },
                        check: { o in #expect(o.fills == ["b3 sell 1 @1699.00 entry"]) }),
        ConformanceCase(number: 4, title: "a bar that gaps through a stop fills it at the open",
                        bars: flat(2) + [(2, 1702.5, 1703, 1702, 1702.5), (3, 1702.5, 1703, 1702, 1702.5)],
                        script: { $0.at(1) { $0.place(req(.buy, .stop(px(1701)))) } },
                        check: { o in #expect(o.fills == ["b2 buy 1 @1702.50 entry"]) }),
        ConformanceCase(number: 5, title: "a zero quantity is refused with the reason, before anything is sent",
                        bars: flat(3),
                        script: { $0.at(0) { $0.place(req(.buy, .market, qty: 0)) } },
                        check: { o in
                            #expect(o.refusals == ["quantity 0 must be a positive whole number of contracts"])
                            #expect(o.answers == ["rejected: quantity 0 must be a positive whole number of contracts"])
                            #expect(o.fills.isEmpty)
                        }),
        ConformanceCase(number: 6, title: "an unknown symbol is refused, naming it",
                        bars: flat(3),
                        script: { $0.at(0) { $0.place(req(.buy, .market, symbol: "ZZ")) } },
                        check: { o in #expect(o.refusals == ["unknown symbol ZZ"]) }),
        ConformanceCase(number: 7, title: "a buy stop at or below the last price is refused by the venue with its reason",
                        bars: flat(3),
                        script: { $0.at(0) { $0.place(req(.buy, .stop(px(1699.5)))) } },
                        check: { o in
                            #expect(o.refusals.count == 1 && o.refusals[0].contains("buy stop 1699.50 is at or below the last price 1700.00"))
                            #expect(o.orders.allSatisfy { $0.contains("rejected") })
                        }),
        ConformanceCase(number: 8, title: "a bracket's exits come alive with the entry's fill and its target's fill cancels the stop",
                        bars: flat(2) + [(2, 1700, 1700.5, 1699.75, 1700.25), (3, 1700.25, 1702.5, 1700, 1702), (4, 1702, 1702.5, 1701.5, 1702)],
                        script: { $0.at(1) { $0.place(req(.buy, .market, bracket: Bracket(stopLoss: .ticks(8), takeProfit: .ticks(8)))) } },
                        check: { o in
                            #expect(o.fills == ["b2 buy 1 @1700.00 entry", "b3 sell 1 @1702.00 target"])
                            #expect(o.orders == ["entry buy filled 1/1", "stop sell cancelled 0/1", "target sell filled 1/1"])
                            #expect(o.position == 0)
                        }),
        ConformanceCase(number: 9, title: "a bracket's stop fills and cancels the target",
                        bars: flat(2) + [(2, 1700, 1700.5, 1699.75, 1700), (3, 1700, 1700.25, 1697.5, 1698), (4, 1698, 1698.5, 1697.5, 1698)],
                        script: { $0.at(1) { $0.place(req(.buy, .market, bracket: Bracket(stopLoss: .ticks(8), takeProfit: .ticks(8)))) } },
                        check: { o in
                            #expect(o.fills == ["b2 buy 1 @1700.00 entry", "b3 sell 1 @1698.00 stop"])
                            #expect(o.orders == ["entry buy filled 1/1", "stop sell filled 1/1", "target sell cancelled 0/1"])
                        }),
        ConformanceCase(number: 10, title: "an entry cancelled before it fills takes its bracket's exits with it",
                        bars: flat(4),
                        script: { st in
                            st.at(0) { $0.place(req(.buy, .limit(px(1690)), bracket: Bracket(stopLoss: .ticks(8), takeProfit: .ticks(8)))) }
                            st.at(2) { b in b.cancel(b.openOrders().first { $0.request.purpose == .entry }!.id) }
                        },
                        check: { o in
                            #expect(o.fills.isEmpty)
                            #expect(o.orders.filter { $0.hasPrefix("entry") } == ["entry buy cancelled 0/1"])
                            #expect(!o.orders.contains { $0.contains("working") || $0.contains("suspended") })
                        }),
        ConformanceCase(number: 11, title: "two entries in one OCO group: the first fill cancels the other",
                        bars: flat(2) + [(2, 1700, 1701.5, 1699.75, 1701), (3, 1701, 1701.5, 1700.5, 1701)],
                        script: { st in
                            st.at(1) { $0.place(req(.buy, .stop(px(1701)), oco: "range")) }
                            st.at(1) { $0.place(req(.sell, .stop(px(1699)), oco: "range")) }
                        },
                        check: { o in
                            #expect(o.fills == ["b2 buy 1 @1701.00 entry"])
                            #expect(o.orders == ["entry buy filled 1/1", "entry sell cancelled 0/1"])
                        }),
        ConformanceCase(number: 12, title: "a working limit moved closer fills at its new price",
                        bars: flat(3) + [(3, 1700, 1700.25, 1699, 1699.5), (4, 1699.5, 1700, 1699.25, 1699.5)],
                        script: { st in
                            st.at(0) { $0.place(req(.buy, .limit(px(1698)))) }
                            st.at(2) { b in b.modify(b.openOrders()[0].id, OrderChange(limitPrice: px(1699.25))) }
                        },
                        check: { o in #expect(o.fills == ["b3 buy 1 @1699.25 entry"]) }),
        ConformanceCase(number: 13, title: "a cancelled order never fills, though the market later trades through it",
                        bars: flat(3) + [(3, 1700, 1700.25, 1697, 1697.5)],
                        script: { st in
                            st.at(0) { $0.place(req(.buy, .limit(px(1698)))) }
                            st.at(1) { b in b.cancel(b.openOrders()[0].id) }
                        },
                        check: { o in
                            #expect(o.fills.isEmpty)
                            #expect(o.orders == ["entry buy cancelled 0/1"])
                        }),
        ConformanceCase(number: 14, title: "a cancel sent after the bar that filled the order finds it filled: the fill stands",
                        bars: flat(2) + [(2, 1700, 1700.25, 1698.5, 1699), (3, 1699, 1699.5, 1698.75, 1699)],
                        script: { st in
                            st.at(1) { $0.place(req(.buy, .limit(px(1699)))) }
                            st.at(2) { b in
                                // The fill of bar 2 is known by now on both brokers; the cancel is refused.
                                b.cancel(OrderID(1))
                            }
                        },
                        check: { o in
                            #expect(o.fills == ["b2 buy 1 @1699.00 entry"])
                            #expect(o.answers.last?.hasPrefix("rejected: order") == true)
                        }),
        ConformanceCase(number: 15, title: "flatten cancels the working orders and closes the position at the next open",
                        bars: flat(2) + [(2, 1700, 1700.5, 1699.5, 1700.25), (3, 1700.5, 1701, 1700.25, 1700.5), (4, 1700.5, 1701, 1700, 1700.5)],
                        script: { st in
                            st.at(1) { $0.place(req(.buy, .market, qty: 2)) }
                            st.at(1) { $0.place(req(.sell, .limit(px(1705)))) }
                            st.at(2) { $0.flatten(nil, reason: "manual") }
                        },
                        check: { o in
                            #expect(o.fills == ["b2 buy 2 @1700.00 entry", "b3 sell 2 @1700.50 manual"])
                            #expect(o.position == 0)
                            #expect(o.orders.contains("entry sell cancelled 0/1"))
                        }),
        ConformanceCase(number: 16, title: "the same request under a tag already used is the same order; another request under it is refused",
                        bars: flat(4),
                        script: { st in
                            st.at(0) { $0.place(req(.buy, .limit(px(1690)), tag: "t-1")) }
                            st.at(1) { $0.place(req(.buy, .limit(px(1690)), tag: "t-1")) }
                            st.at(1) { $0.place(req(.buy, .limit(px(1691)), tag: "t-1")) }
                        },
                        check: { o in
                            #expect(o.answers[0] == "accepted" && o.answers[1] == "accepted")
                            #expect(o.answers[2].hasPrefix("rejected: tag 't-1' already used by order"))
                            #expect(o.orders == ["entry buy working 0/1"])
                        }),
        ConformanceCase(number: 17, title: "a trailing stop follows the high and fills when the market falls back by its distance",
                        bars: flat(2) + [(2, 1700, 1701, 1699.75, 1701), (3, 1701, 1703, 1700.75, 1702.75), (4, 1702.75, 1703, 1701, 1701.25), (5, 1701.25, 1701.5, 1700.5, 1701)],
                        script: { st in
                            st.at(1) { $0.place(req(.buy, .market)) }
                            st.at(2) { $0.place(req(.sell, .trailingStop(distance: 4), tif: .gtc)) }
                        },
                        check: { o in
                            #expect(o.fills.count == 2)
                            #expect(o.fills.last == "b4 sell 1 @1702.00 entry")
                        }),
        ConformanceCase(number: 18, title: "a fill that happens while the sockets are down is booked once after the reconnect",
                        bars: flat(2) + [(2, 1700, 1700.25, 1698.5, 1699), (3, 1699, 1699.5, 1698.75, 1699), (4, 1699, 1699.5, 1698.75, 1699)],
                        faults: [2: ["dropSockets": true]],
                        script: { $0.at(1) { $0.place(req(.buy, .limit(px(1699)))) } },
                        check: { o in
                            #expect(o.fills == ["b2 buy 1 @1699.00 entry"])
                            #expect(o.position == 1)
                        }),
        ConformanceCase(number: 19, title: "the daily loss limit: met inside a bar, everything is closed at the level and new entries are refused for the day",
                        bars: flat(2) + [(2, 1700, 1700.25, 1699.5, 1699.75), (3, 1699.75, 1700, 1696, 1696.5), (4, 1696.5, 1697, 1696, 1696.5)],
                        rules: rules { $0.dailyLossLimit = Money(cents: 100_00) },
                        script: { st in
                            st.at(1) { $0.place(req(.buy, .market, qty: 2)) }
                            st.at(3) { $0.place(req(.buy, .market)) }
                        },
                        check: { o in
                            #expect(o.breaches == ["b3 daily loss limit"])
                            #expect(o.fills.last?.hasSuffix("daily_loss_limit") == true)
                            #expect(o.refusals.last == "daily loss limit: trading is locked for the rest of the day")
                            #expect(o.position == 0)
                        }),
        // Without the day-1 close moving the level up (to the lock at the starting balance), the
        // day-2 drop of 2.5 points on two contracts would stay above 50,000 − 150.
        ConformanceCase(number: 20, title: "the trailing maximum loss (end-of-day basis) trails a winning day's close up to its lock and ends the account when met the next day",
                        bars: [(0, 1700, 1700.5, 1699.5, 1700), (1, 1700, 1700.5, 1699.5, 1700), (2, 1700, 1704, 1699.75, 1704), (3, 1704, 1704.5, 1703.5, 1704),
                               // The next trade day (Tuesday 09:00 Chicago).
                               (1440, 1704, 1704.5, 1703.5, 1704), (1441, 1704, 1704.5, 1703.5, 1704), (1442, 1704, 1704.25, 1701.5, 1702), (1443, 1702, 1702.5, 1701.5, 1702)],
                        rules: rules { $0.maxLossDrawdown = Money(cents: 150_00); $0.maxLossLockLevel = $0.startingBalance },
                        script: { st in
                            st.at(1) { $0.place(req(.buy, .market)) }
                            st.at(3) { $0.flatten(nil, reason: "day") }
                            st.at(5) { $0.place(req(.buy, .market, qty: 2)) }
                            st.at(6) { $0.place(req(.buy, .market)) }
                        },
                        check: { o in
                            #expect(o.breaches == ["b6 maximum loss limit"])
                            #expect(o.fills.last?.hasSuffix("max_loss_limit") == true)
                            #expect(o.refusals.last == "maximum loss limit: the account breached its maximum loss limit; no further orders")
                        }),
        ConformanceCase(number: 21, title: "the size limit counts working entries: an order that would take the worst case over it is refused",
                        bars: flat(4),
                        rules: rules { $0.maxMiniEquivalents = 3 },
                        script: { st in
                            st.at(0) { $0.place(req(.buy, .limit(px(1690)), qty: 2)) }
                            st.at(1) { $0.place(req(.buy, .limit(px(1689)), qty: 2)) }
                            st.at(1) { $0.place(req(.sell, .limit(px(1710)), qty: 3)) }
                        },
                        check: { o in
                            #expect(o.refusals == ["size would reach 4 mini-equivalents, above the limit of 3"])
                            #expect(o.orders.filter { $0.contains("working") }.count == 2)
                        }),
        ConformanceCase(number: 22, title: "the consistency governor: a day's profit that reaches its stop flattens and ends trading for the day",
                        bars: flat(2) + [(2, 1700, 1700.5, 1699.75, 1700.25), (3, 1700.25, 1706, 1700, 1705.5), (4, 1705.5, 1706, 1705, 1705.5), (5, 1705.5, 1706, 1705, 1705.5)],
                        rules: rules { $0.profitTarget = Money(cents: 400_00); $0.consistencyShare = 0.55; $0.consistencyGovernor = true },
                        script: { st in
                            st.at(1) { $0.place(req(.buy, .market, qty: 2, bracket: Bracket(stopLoss: .ticks(20), takeProfit: .ticks(12)))) }
                            st.at(4) { $0.place(req(.buy, .market)) }
                        },
                        check: { o in
                            #expect(o.breaches == ["b3 consistency"])
                            #expect(o.refusals.last == "consistency: trading is locked for the rest of the day")
                            #expect(o.position == 0)
                        }),
        ConformanceCase(number: 23, title: "end-of-day flatten: at the flatten time the position is closed and working orders cancelled",
                        bars: [(360, 1700, 1700.5, 1699.5, 1700), (361, 1700, 1700.5, 1699.5, 1700), (362, 1700, 1700.5, 1699.5, 1700.25),
                               (363, 1700.25, 1700.75, 1700, 1700.5), (364, 1700.5, 1701, 1700.25, 1700.75), (365, 1701, 1701.25, 1700.5, 1701)],
                        rules: rules { $0.flattenTime = LocalTime(hour: 15, minute: 5, zone: .chicago) },
                        script: { st in
                            st.at(1) { $0.place(req(.buy, .market)) }
                            st.at(1) { $0.place(req(.sell, .limit(px(1710)))) }
                        },
                        check: { o in
                            #expect(o.fills == ["b2 buy 1 @1700.00 entry", "b5 sell 1 @1701.00 eod"])
                            #expect(o.orders.contains("entry sell cancelled 0/1"))
                            #expect(o.position == 0)
                        }),
        ConformanceCase(number: 24, title: "no new entries at and after the cut-off time; an exit is still taken",
                        bars: [(358, 1700, 1700.5, 1699.5, 1700), (359, 1700, 1700.5, 1699.5, 1700), (360, 1700, 1700.5, 1699.5, 1700), (361, 1700, 1700.5, 1699.5, 1700), (362, 1700, 1700.5, 1699.5, 1700)],
                        rules: rules { $0.noNewEntriesAfter = LocalTime(hour: 15, minute: 0, zone: .chicago) },
                        script: { st in
                            st.at(0) { $0.place(req(.buy, .market)) }
                            st.at(2) { $0.place(req(.buy, .market)) }
                            st.at(2) { $0.place(req(.sell, .market)) }
                        },
                        check: { o in
                            #expect(o.refusals == ["end-of-day flatten: no new entries after 15:00 America/Chicago"])
                            #expect(o.position == 0)
                        }),
        ConformanceCase(number: 25, title: "near the daily loss limit an entry's size is cut to the reduced quantity",
                        bars: flat(2) + [(2, 1700, 1700.25, 1699, 1699.25), (3, 1699.25, 1699.5, 1699, 1699.25), (4, 1699.25, 1699.5, 1699, 1699.25), (5, 1699.25, 1699.5, 1699, 1699.25)],
                        rules: rules { $0.dailyLossLimit = Money(cents: 300_00); $0.safetyBuffer = Money(cents: 250_00); $0.reducedQuantity = 1 },
                        script: { st in
                            st.at(1) { $0.place(req(.buy, .market, qty: 2)) }
                            st.at(3) { $0.place(req(.buy, .market, qty: 3)) }
                        },
                        check: { o in
                            #expect(o.fills == ["b2 buy 2 @1700.00 entry", "b4 buy 1 @1699.25 entry"])
                            #expect(o.position == 3)
                        }),
        ConformanceCase(number: 26, title: "a day order left working expires when the next trade day starts",
                        bars: [(0, 1700, 1700.5, 1699.5, 1700), (1, 1700, 1700.5, 1699.5, 1700), (1440, 1700, 1700.5, 1699.5, 1700), (1441, 1700, 1700.5, 1699.5, 1700)],
                        // (The gateway has no time in force: its orders are day orders.)
                        script: { st in
                            st.at(0) { $0.place(req(.buy, .limit(px(1690)))) }
                            st.at(0) { $0.place(req(.sell, .limit(px(1710)))) }
                        },
                        check: { o in #expect(o.orders == ["entry buy expired 0/1", "entry sell expired 0/1"]) }),
        ConformanceCase(number: 27, title: "modifying or cancelling an order that is no longer working is refused, naming its state",
                        bars: flat(2) + [(2, 1700, 1700.5, 1699.5, 1700), (3, 1700, 1700.5, 1699.5, 1700)],
                        script: { st in
                            st.at(0) { $0.place(req(.buy, .market)) }
                            st.at(2) { $0.modify(OrderID(1), OrderChange(quantity: 2)) }
                            st.at(2) { $0.cancel(OrderID(99)) }
                        },
                        check: { o in
                            #expect(o.answers[1] == "rejected: order #1 is filled")
                            #expect(o.answers[2] == "rejected: no order #99")
                        }),
    ]
}
