import Data
import Foundation
import Research
import Testing
import Trading
import TSXLabTesting

@Suite("Combine rules as data: YAML files and the TopStepX presets")
struct CombineRulesTests {
    /// The reference's numbers, read from its text rather than copied here.
    struct Reference {
        var target: [Int: Int64] = [:], mll: [Int: Int64] = [:], dll: [Int: Int64] = [:], reset: [Int: Int64] = [:]
        var payoutCap: [Int: Int64] = [:]
        var consistency: Double = 0
        var winningDays = 0, winningDay: Int64 = 0

        init() throws {
            let path = URL(fileURLWithPath: SharedData.packageRoot).deletingLastPathComponent()
                .appendingPathComponent("shared/reference/topstepx-rules.md").path
            let text = try String(contentsOfFile: path, encoding: .utf8)
            func dollars(_ s: Substring) -> Int64 { Int64(s.filter(\.isNumber))! }
            /// The three size cells of the §2 table row starting with `label`.
            func row(_ label: String) throws -> [Int: Int64] {
                let line = try #require(text.split(separator: "\n").first { $0.hasPrefix("| \(label)") }, "row \(label)")
                let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
                return [50: dollars(cells[1].split(separator: " ")[0][...]), 100: dollars(cells[2].split(separator: " ")[0][...]),
                        150: dollars(cells[3].split(separator: " ")[0][...])]
            }
            target = try row("Profit Target (TC)")
            mll = try row("Maximum Loss Limit (MLL, trailing EOD)")
            dll = try row("Daily Loss Limit (DLL)")
            let resetLine = try #require(text.range(of: #"Reset 50K \$(\d+), 100K \$(\d+), 150K \$(\d+)"#, options: .regularExpression))
            let nums = text[resetLine].split(separator: "$").dropFirst().map { dollars($0.prefix { $0.isNumber }) }
            reset = [50: nums[0], 100: nums[1], 150: nums[2]]
            let consistencyLine = try #require(text.range(of: #"Consistency Target (\d+)%"#, options: .regularExpression))
            consistency = Double(text[consistencyLine].filter(\.isNumber))! / 100
            let caps = try #require(text.range(of: #"capped per request at \$[\d,]+ / \$[\d,]+ / \$[\d,]+"#, options: .regularExpression))
            let capNums = text[caps].split(separator: "$").dropFirst().map { dollars($0.prefix { $0.isNumber || $0 == "," }) }
            payoutCap = [50: capNums[0], 100: capNums[1], 150: capNums[2]]
            let payout = try #require(text.range(of: #"(\d+) winning days of ≥ \$(\d+)"#, options: .regularExpression))
            let p = text[payout]
            winningDays = Int(p.prefix { $0.isNumber })!
            winningDay = dollars(p.split(separator: "$")[1])
        }
    }

    @Test("every TopStepX preset file matches the numbers in topstepx-rules.md")
    func presetsMatchReference() throws {
        let ref = try Reference()
        #expect(ref.target[50] == 3000 && ref.reset[150] == 199)  // the reader itself read the right cells
        for size in [50, 100, 150] {
            for dll in [false, true] {
                let name = "topstep-\(size)k" + (dll ? "-dll" : "")
                let r = try CombineRules.load(name)
                let start = Int64(size) * 1000
                #expect(r.startBalance == Money(cents: start * 100), "\(name) start")
                #expect(r.profitTarget == Money(cents: ref.target[size]! * 100), "\(name) target")
                #expect(r.maxLoss == Money(cents: ref.mll[size]! * 100), "\(name) max loss")
                #expect(r.maxLossBasis == .eod && r.maxLossLock == .startBalance, "\(name): trails EOD, locks at the start")
                #expect(r.dailyLossLimit == (dll ? Money(cents: ref.dll[size]! * 100) : nil), "\(name) DLL")
                #expect(r.consistencyShare == ref.consistency && r.minDays == 0, "\(name) consistency")
                #expect(r.resetPrice == Money(cents: ref.reset[size]! * 100), "\(name) reset")
                let f = try #require(r.funded)
                #expect(f.startBalance == .zero && f.maxLoss == r.maxLoss && f.maxLossLock == .startBalance)
                #expect(f.payoutCap == Money(cents: ref.payoutCap[size]! * 100), "\(name) payout cap")
                #expect(f.payoutWinningDays == ref.winningDays && f.payoutWinningDay == Money(cents: ref.winningDay * 100))
                #expect(f.dailyLossLimit == r.dailyLossLimit)
            }
        }
    }

    /// The TopStepX numbers are written twice: as these preset files (Research) and as
    /// `RiskRules.topstepCombine` (Trading, which every mode's account rules come from and which
    /// has no YAML reader). Until they share one source, this pins them to each other.
    @Test("RiskRules.topstepCombine states the same Combine numbers as the preset files")
    func riskRulesMatchPresets() throws {
        for size in [50, 100, 150] {
            for dll in [false, true] {
                let name = "topstep-\(size)k" + (dll ? "-dll" : "")
                let preset = try CombineRules.load(name)
                let rules = try #require(RiskRules.topstepCombine(size, withDailyLossLimit: dll))
                #expect(rules.startingBalance == preset.startBalance && rules.profitTarget == preset.profitTarget, "\(name)")
                #expect(rules.maxLossDrawdown == preset.maxLoss && rules.maxLossLockLevel == preset.startBalance, "\(name)")
                #expect(rules.dailyLossLimit == preset.dailyLossLimit && rules.consistencyShare == preset.consistencyShare, "\(name)")
                #expect(rules.resetPrice == preset.resetPrice && rules.minimumTradingDays == preset.minDays, "\(name)")
            }
        }
    }

    @Test("consistency raises the target to best day / share (reference: 1,800 → 3,272.73)")
    func consistencyTarget() throws {
        let r = try CombineRules.load("topstep-50k")
        #expect(abs(r.requiredProfit(bestDay: Money(cents: 1800_00)) - 3272.727_272) < 1e-5)
        #expect(r.requiredProfit(bestDay: Money(cents: 1000_00)) == 3000)
    }

    let good = """
        start_balance: 25000
        profit_target: 1500
        daily_loss_limit: 500
        max_loss: 1500
        max_loss_basis: intraday
        max_loss_lock: none
        consistency_share: none
        min_days: 5
        reset_price: 85.50
        """

    @Test("another firm's evaluation reads from a file with every key")
    func otherFirm() throws {
        let r = try CombineRules.parse(yaml: good, source: "firm.yaml")
        #expect(r.startBalance == Money(cents: 25000_00) && r.dailyLossLimit == Money(cents: 500_00))
        #expect(r.maxLossBasis == .intraday && r.maxLossLock == .none && r.consistencyShare == nil)
        #expect(r.minDays == 5 && r.resetPrice == Money(cents: 85_50) && r.funded == nil)
    }

    @Test("a bad rules file is named by file, line and key")
    func badFiles() throws {
        func error(_ yaml: String) -> DataError? {
            do { _ = try CombineRules.parse(yaml: yaml, source: "firm.yaml"); return nil } catch let e as DataError { return e } catch { return nil }
        }
        #expect(error(good.replacingOccurrences(of: "max_loss_basis: intraday", with: "max_loss_basis: daily"))
                == .badInput(file: "firm.yaml", line: 5, field: "max_loss_basis", reason: "'daily' is not one of static, eod, intraday"))
        let typo = error(good.replacingOccurrences(of: "min_days: 5", with: "min_day: 5"))
        #expect(typo.map { "\($0)" }?.hasPrefix("firm.yaml:8 field 'min_day': unknown key") == true)
        let amount = error(good.replacingOccurrences(of: "profit_target: 1500", with: "profit_target: 1,500"))
        #expect(amount == .badInput(file: "firm.yaml", line: 2, field: "profit_target", reason: "'1,500' is not an amount in dollars (at most two decimals)"))
        let missing = error(good.replacingOccurrences(of: "reset_price: 85.50", with: ""))
        #expect(missing.map { "\($0)" }?.contains("field 'reset_price': missing") == true)
        let share = error(good.replacingOccurrences(of: "consistency_share: none", with: "consistency_share: 55"))
        #expect(share == .badInput(file: "firm.yaml", line: 7, field: "consistency_share", reason: "'55' must be a share in (0, 1], e.g. 0.55"))
        let funded = error(good + "\nfunded:\n  start_balance: 0\n  max_loss: -5\n")
        #expect(funded.map { "\($0)" }?.hasPrefix("firm.yaml:12 field 'funded.max_loss'") == true)
        let yaml = error("start_balance: [1, 2\n")
        #expect(yaml.map { "\($0)" }?.contains("not valid YAML") == true)
        #expect(throws: DataError.self) { try CombineRules.load("/no/such/rules.yaml") }
    }
}
