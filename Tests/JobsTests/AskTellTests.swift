import Backtest
import Data
import Foundation
import Jobs
import Store
import Testing
import TSXLabTesting

@Suite("Ask/tell sweeps through the library")
struct AskTellTests {
    /// `results.csv` text as rows by column name (no quoted fields in a sweep's file).
    static func rows(_ csv: String) -> [[String: String]] {
        let lines = csv.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        return lines.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(lines[0], $0)) }
    }

    @Test("each answer carries the fields of the grid's results.csv row for the same configuration, text for text, through the sweep kernel grown one (fast, slow) pair at a time, and the engine agrees; the session is a sweep in the store")
    func answersEqualTheGrid() async throws {
        let (job, _) = try JobsLibraryTests.setUp("asktell-grid")
        let space = SweepSpace(axes: [try SweepAxis.parse("fast=5,8"), try SweepAxis.parse("slow=20,30"),
                                      try SweepAxis.parse("stop_ticks,target_ticks=8:16,20:40")])
        let grid = try SweepJob(backtest: job, space: space)
        let pending = try grid.register()
        let kernel = try #require(try grid.kernel(for: pending), "the reference settings take the kernel")
        try await grid.runLocally(pending, workers: 2, kernel: kernel, isCancelled: { false })
        let want = Self.rows(SweepJob.csv(try grid.results(), names: space.names))
        #expect(want.count == 8 && want.contains { $0["trades"] != "0" })

        let askTell = try SweepJob.askTell(backtest: job)
        #expect(askTell.sweepID != grid.sweepID)
        var session = try SweepJob.AskTell(job: askTell)
        var engine = try SweepJob.AskTell(job: askTell, engineOnly: true)
        for row in want {
            let line = "{" + space.names.map { "\"\($0)\": \(row[$0]!)" }.joined(separator: ", ") + "}"
            let answer = try session.answer(line).get()
            #expect(try FlatJSON.fields(answer) == row, "\(line)")
            #expect(try engine.answer(line).get() == answer, "the engine gives the kernel's answer: \(line)")
            #expect(answer.hasPrefix(line.dropLast() + ", \"trades\": "), "the parameters again, in the line's (declaration) order")
        }
        #expect(session.evaluated == 8 && session.failed == 0 && session.configurations == 8)

        // Recorded as a sweep: its rows are the answers, its page's listing counts them, and a
        // session over the same settings later picks them up (the same configuration keeps its cell).
        let db = try #require(askTell.database)
        let head = try #require(try SweepTables(db: db).sweeps(withPrefix: askTell.sweepID).first)
        #expect(head.space == "ask-tell" && head.cells == 8 && head.strategy == "sma_bracket")
        let stored = try askTell.results()
        #expect(stored.count == 8 && stored.map(\.cell.index) == Array(0..<8))
        #expect(try SweepTables(db: db).dailyBalances(askTell.sweepID).count == 8)
        var again = try SweepJob.AskTell(job: try SweepJob.askTell(backtest: job))
        #expect(again.configurations == 8)
        _ = try again.answer("{\"fast\": 5, \"slow\": 20, \"stop_ticks\": 8, \"target_ticks\": 16}").get()
        _ = try again.answer("{\"fast\": 3, \"slow\": 12}").get()
        let cells = try askTell.results().map(\.cell.index)
        #expect(again.configurations == 9 && cells == Array(0..<9))
    }

    @Test("a bad line answers {\"line\": N, \"error\": …} naming the field and what to send, and the session goes on")
    func badLines() throws {
        let (job, _) = try JobsLibraryTests.setUp("asktell-errors")
        var session = try SweepJob.AskTell(job: try SweepJob.askTell(backtest: job))
        let lines: [(String, String)] = [
            ("nope", #"{"line": 1, "error": "not JSON (expected 'null' at byte 0): send one object a line, e.g. {\"fast\": 10, \"slow\": 30}"}"#),
            ("", #"{"line": 2, "error": "an empty line: send one object a line, e.g. {\"fast\": 10, \"slow\": 30}"}"#),
            ("[5, 20]", #"{"line": 3, "error": "a JSON array, not an object: send one object a line, parameter names as keys, e.g. {\"fast\": 10, \"slow\": 30}"}"#),
            (#"{"fasst": 5}"#, #"{"line": 4, "error": "unknown parameter \"fasst\": sma_bracket takes fast, slow, stop_ticks, target_ticks, quantity"}"#),
            (#"{"fast": 0}"#, #"{"line": 5, "error": "\"fast\": 0 is outside 1…10000; fast takes whole number 1 … 10000 bars"}"#),
            (#"{"fast": 7.5}"#, #"{"line": 6, "error": "\"fast\": '7.5' is not a whole number (bars in the fast SMA); fast takes whole number 1 … 10000 bars"}"#),
            (#"{"slow": "30"}"#, #"{"line": 7, "error": "\"slow\" takes a JSON number (whole number 2 … 10000 bars), not a string: send e.g. {\"slow\": 30}"}"#),
            (#"{"fast": 40, "slow": 30}"#, #"{"line": 8, "error": "the configuration did not run: sma_bracket field 'fast': fast (40) must be below slow (30)"}"#),
        ]
        for (line, error) in lines {
            guard case .failure(let e) = session.answer(line) else { Issue.record("\(line) was evaluated"); continue }
            #expect(e.json == error)
            #expect(e.description.hasPrefix("line \(e.line)"))
        }
        // The session goes on: the next line is answered, under its own number.
        let answer = try session.answer(#"{"sma_bracket.fast": 5, "slow": 20}"#).get()
        #expect(try FlatJSON.fields(answer)["sma_bracket.fast"] == "5")
        #expect(session.evaluated == 1 && session.failed == lines.count && session.configurations == 1)
        guard case .failure(let e) = session.answer("{") else { Issue.record("a broken line was evaluated"); return }
        #expect(e.line == lines.count + 2)
    }
}
