import Testing
import Data

/// The two pieces of a pull's plan that need no venue: which dated contract serves which part of
/// a window (the roll rule `data roll` stitches with), and which trading time a store lacks.
@Suite("pull plan: contract segments at the roll dates, holes in the trading sessions")
struct PullPlanTests {
    static func t(_ s: String) -> Timestamp { Timestamp(iso8601: s)! }

    @Test("a window across the December 2013 roll: ESZ13 up to the session open of 2013-12-12, ESH14 from it")
    func segmentsAcrossRoll() {
        let s = ContinuousSeries.segments(symbol: "ES", cycle: "HMUZ", window: TimeWindow(from: Self.t("2013-11-18"), to: Self.t("2013-12-21")))
        #expect(s.map(\.contract.cmeCode) == ["ESZ13", "ESH14"])
        #expect(s.map(\.window) == [TimeWindow(from: Self.t("2013-11-18"), to: Self.t("2013-12-11T23:00:00Z")),
                                    TimeWindow(from: Self.t("2013-12-11T23:00:00Z"), to: Self.t("2013-12-21"))])
    }

    @Test("over two years the segments tile the window, one contract each, each ending where stitch rolls")
    func segmentsTile() {
        let w = TimeWindow(from: Self.t("2019-01-01"), to: Self.t("2021-01-01"))
        let s = ContinuousSeries.segments(symbol: "ES", cycle: "HMUZ", window: w)
        #expect(s.count == 9 && s.first?.contract.cmeCode == "ESH19" && s.last?.contract.cmeCode == "ESH21")
        #expect(s.first?.window.from == w.from && s.last?.window.to == w.to)
        for (a, b) in zip(s, s.dropFirst()) {
            #expect(a.window.to == b.window.from && a.window.to == ContinuousSeries.rollStart(after: a.contract))
            #expect(b.contract == a.contract.next(in: "HMUZ"))
        }
    }

    @Test("a hole is the trading time between fetched windows; a weekend or a holiday alone is none")
    func holes() {
        let covered = [TimeWindow(from: Self.t("2013-11-18"), to: Self.t("2013-11-19")), TimeWindow(from: Self.t("2013-12-02"), to: Self.t("2013-12-04"))]
        #expect(SeriesCoverage.holes(coverage: covered, within: TimeWindow(from: Self.t("2013-11-18"), to: Self.t("2013-12-04")))
                == [TimeWindow(from: Self.t("2013-11-19"), to: Self.t("2013-12-02"))])
        // Friday's close (16:15 CT in 2013) to Sunday's open (17:00 CT): closed all along.
        #expect(SeriesCoverage.holes(coverage: [], within: TimeWindow(from: Self.t("2013-11-22T22:15:00Z"), to: Self.t("2013-11-24T23:00:00Z"))).isEmpty)
        // Christmas Day 2013 is closed: from the early close on the 24th to the reopen on the evening of the 25th.
        let christmas = SeriesCoverage.holes(coverage: [], within: TimeWindow(from: Self.t("2013-12-24T18:15:00Z"), to: Self.t("2013-12-26T00:00:00Z")))
        #expect(christmas == [TimeWindow(from: Self.t("2013-12-25T23:00:00Z"), to: Self.t("2013-12-26T00:00:00Z"))], "\(christmas)")
    }
}
