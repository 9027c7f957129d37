import Configuration
import Data
import Testing
import Trading

@Suite("Run configuration: YAML, environment and .env")
struct ConfigurationTests {
    let yaml = """
        account:
          rules: topstep-50k
          daily_loss_limit: 1000
        data:
          symbol: es
          timeframe: 1m
          from: 2013-10-06
        exchange:
          path_model: worst
          commission_per_side: 2.50
        strategies:
          sma_bracket:
            fast: 5
            slow: 60
        """

    @Test("a file gives typed, range-checked values and a stable hash")
    func parses() throws {
        let c = try RunConfiguration.parse(yaml: yaml, source: "run.yaml", environment: [:])
        #expect(c.account.name == "TopStepX 50K Combine" && c.account.dailyLossLimit == Money(cents: 1000_00))
        #expect(c.data.symbol == "ES" && c.data.from == Timestamp(year: 2013, month: 10, day: 6))
        #expect(c.exchange.pathModel == "worst" && c.exchange.commissionPerSide == Money(cents: 250))
        let s = try #require(c.enabledStrategies.first)
        #expect(s.name == "sma_bracket" && s.parameters.int("fast") == 5 && s.parameters.int("stop_ticks") == 20)
        #expect(c.hash == (try RunConfiguration.parse(yaml: yaml, source: "other.yaml", environment: [:])).hash)
        let changed = try RunConfiguration.parse(yaml: yaml.replacingOccurrences(of: "fast: 5", with: "fast: 6"), source: "x", environment: [:])
        #expect(changed.hash != c.hash)
    }

    @Test("every problem is named at once, with its key and line")
    func problems() {
        let bad = """
            account:
              rules: topstep-75k
            data:
              timeframe: 7q
            strategies:
              sma_bracket:
                fast: zero
                slow_period: 30
            """
        do {
            _ = try RunConfiguration.parse(yaml: bad, source: "bad.yaml", environment: [:])
            Issue.record("accepted a bad configuration")
        } catch let e as ConfigurationError {
            #expect(e.problems.count == 4, "\(e.problems)")
            #expect(e.description.contains("account.rules: 'topstep-75k' is not a preset"))
            #expect(e.description.contains("data.timeframe (line 4): '7q' is not a timeframe"))
            #expect(e.description.contains("strategies.sma_bracket.fast (line 7): 'zero' is not a whole number"))
            #expect(e.description.contains("strategies.sma_bracket.slow_period (line 8): unknown key"))
        } catch { Issue.record("wrong error \(error)") }
    }

    @Test(".env values apply under the real environment, which wins")
    func dotEnv() {
        let env = RunConfiguration.parseDotEnv("""
            # seed bot settings
            export OVERNIGHT_ENABLED=true
            OVERNIGHT_SYMBOL="MNQ"
            OVERNIGHT_ATR_PERIOD=14 # days
            """)
        #expect(env == ["OVERNIGHT_ENABLED": "true", "OVERNIGHT_SYMBOL": "MNQ", "OVERNIGHT_ATR_PERIOD": "14"])
    }
}
