import Configuration
import Data
import Testing
import Trading

@Suite("Run configuration: Combine attempts")
struct AttemptsConfigurationTests {
    let base = """
        account:
          rules: topstep-50k
        data:
          symbol: ES
        strategies:
          sma_bracket:
            fast: 5
        """

    @Test("account.attempts, min_days and reset_price are read; the hash of a run without attempts is what it was")
    func reads() throws {
        let plain = try RunConfiguration.parse(yaml: base, source: "run.yaml", environment: [:])
        #expect(!plain.attempts && plain.account.resetPrice == Money(cents: 49_00) && plain.account.minimumTradingDays == 0)
        #expect(!plain.canonicalText.contains("attempts"))
        let yaml = base.replacingOccurrences(of: "  rules: topstep-50k", with: "  rules: topstep-50k\n  attempts: true\n  min_days: 2\n  reset_price: 59")
        let c = try RunConfiguration.parse(yaml: yaml, source: "run.yaml", environment: [:])
        #expect(c.attempts && c.account.minimumTradingDays == 2 && c.account.resetPrice == Money(cents: 59_00))
        #expect(c.canonicalText.contains("account.attempts=true\n") && c.canonicalText.contains("account.min_days=2\n"))
        #expect(c.hash != plain.hash)
        try c.checkConsistency()
    }

    @Test("attempts under rules that can neither pass nor fail are refused, and bad values are named")
    func refused() throws {
        let yaml = base.replacingOccurrences(of: "  rules: topstep-50k", with: "  rules: unlimited\n  attempts: true")
        let c = try RunConfiguration.parse(yaml: yaml, source: "run.yaml", environment: [:])
        #expect(throws: ConfigurationError.self) { try c.checkConsistency() }
        do { try c.checkConsistency() } catch let e as ConfigurationError {
            #expect(e.problems == ["account.attempts: the rules 'unlimited' have neither a profit target nor a maximum loss, so no attempt can pass or fail; choose rules such as topstep-50k"])
        }
        let bad = base.replacingOccurrences(of: "  rules: topstep-50k", with: "  attempts: sometimes\n  min_days: -1")
        do {
            _ = try RunConfiguration.parse(yaml: bad, source: "bad.yaml", environment: [:])
            Issue.record("accepted a bad configuration")
        } catch let e as ConfigurationError {
            #expect(e.problems.count == 2, "\(e.problems)")
            #expect(e.description.contains("account.attempts (line 2): 'sometimes' is not true or false"))
            #expect(e.description.contains("account.min_days (line 3): '-1' is not a whole number of days, 0 or more"))
        }
    }
}
