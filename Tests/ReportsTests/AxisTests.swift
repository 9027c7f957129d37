import Data
import Foundation
import Reports
import Testing

@Suite("Chart axes: nice value ticks, trade-date ticks, histogram bins")
struct AxisTests {
    @Test("value ticks step by 1, 2 or 5 × 10ⁿ, enclose the data and stay within the tick budget", arguments: [3, 4, 5, 6, 8])
    func niceProperties(maxTicks: Int) {
        var rng = SeededGenerator(seed: UInt64(maxTicks))
        for _ in 0..<2000 {
            let a = Double(Int64.random(in: -5_000_000...5_000_000, using: &rng)) / Double([1, 10, 100, 1000][Int.random(in: 0...3, using: &rng)])
            let b = a + Double(Int64.random(in: 0...2_000_000, using: &rng)) / Double([1, 10, 100, 1000, 100_000][Int.random(in: 0...4, using: &rng)])
            let s = NiceScale(a, b, maxTicks: maxTicks)
            let ticks = s.ticks
            #expect(ticks.count >= 2 && ticks.count <= maxTicks, "\(a)…\(b): \(ticks)")
            #expect(s.lower <= a && s.upper >= b, "\(a)…\(b) not inside \(s.lower)…\(s.upper)")
            let mantissa = s.step / pow(10, log10(s.step).rounded(.down))
            #expect([1, 2, 5, 10].contains { abs(mantissa - Double($0)) < 1e-9 }, "step \(s.step)")
            #expect(ticks.first == s.lower && abs(ticks.last! - s.upper) < s.step * 1e-9)
        }
    }

    @Test("hand-checked value ticks")
    func niceExamples() {
        #expect(NiceScale(-2003.86, 0, maxTicks: 4).ticks == [-3000, -2000, -1000, 0])
        #expect(NiceScale(49135.66, 51139.52, maxTicks: 6).ticks == [49000, 49500, 50000, 50500, 51000, 51500])
        #expect(NiceScale(0, 51, maxTicks: 5, integer: true).ticks == [0, 20, 40, 60])
        #expect(NiceScale(0, 1, maxTicks: 5, integer: true).ticks == [0, 1])
        // An empty range still gets an axis around the value.
        let flat = NiceScale(50000, 50000)
        #expect(flat.lower < 50000 && flat.upper > 50000)
        #expect(NiceScale(0.1, 0.35, maxTicks: 6).decimals == 2)
    }

    @Test("trade-date ticks: every other day over two weeks, months over a year, years over a decade")
    func dateTicks() {
        let d = { (s: String) in TradeDate(s)!.dayNumber }
        let two = DateTicks.ticks(first: d("2023-09-25"), last: d("2023-10-09"), maxTicks: 8)
        #expect(two.step == .days(2))
        #expect(two.ticks.count <= 8 && two.ticks.allSatisfy { $0.day >= d("2023-09-25") && $0.day <= d("2023-10-09") })
        #expect(two.ticks.first?.label == "Sep 26" && two.ticks.contains { $0.label == "Oct 2" })
        let year = DateTicks.ticks(first: d("2019-01-02"), last: d("2019-12-31"), maxTicks: 8)
        #expect(year.step == .months(2))
        #expect(year.ticks.map(\.label) == ["Mar 2019", "May 2019", "Jul 2019", "Sep 2019", "Nov 2019"])
        let decade = DateTicks.ticks(first: d("2013-10-07"), last: d("2024-06-28"), maxTicks: 8)
        #expect(decade.step == .years(2))
        #expect(decade.ticks.map(\.label) == ["2014", "2016", "2018", "2020", "2022", "2024"])
        let week = DateTicks.ticks(first: d("2024-01-01"), last: d("2024-03-01"), maxTicks: 8)
        #expect(week.step == .weeks(2) && week.ticks.allSatisfy { TradeDate(dayNumber: $0.day).weekday == 1 })
        // One day still gets its label.
        #expect(DateTicks.ticks(first: d("2023-09-25"), last: d("2023-09-25")).ticks.map(\.label) == ["Sep 25"])
    }

    @Test("histogram bins count every value once; the maximum closes the last bin")
    func bins() {
        let values: [Double] = [-203.78, -203.78, 196.22, 0, 196.22, -12.5, 100]
        let (edges, counts) = SVGChart.bins(values, target: 4)
        #expect(counts.reduce(0, +) == values.count)
        #expect(edges.count == counts.count + 1)
        #expect(edges.first! <= values.min()! && edges.last! >= values.max()!)
        let edge = SVGChart.bins([0, 10, 20, 30, 40], target: 4)
        #expect(edge.edges == [0, 10, 20, 30, 40] && edge.counts == [1, 1, 1, 2])
        #expect(SVGChart.bins([5, 5, 5]).counts.reduce(0, +) == 3)
        #expect(SVGChart.bins([]).counts.isEmpty)
    }
}
