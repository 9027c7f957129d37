import Configuration
import Documentation
import Strategies
import Testing

/// The key tables the parser reads are the ones the configuration reference is written from:
/// every listed key is accepted with its example value, and the reference names every key.
@Suite("configuration keys: the table, the parser and the reference agree")
struct ConfigurationKeysTests {
    @Test("every key of account, data and exchange is accepted with its example value")
    func examplesParse() throws {
        for section in ConfigurationSection.fixed {
            for key in section.keys {
                let yaml = "\(section.name):\n  \(key.name): \"\(key.example)\"\n"
                #expect(throws: Never.self, "\(section.name).\(key.name): \(key.example)") {
                    try RunConfiguration.parse(yaml: yaml, source: "example.yaml", environment: [:])
                }
            }
        }
        for d in StrategyCatalog.all {
            for key in ConfigurationSection.strategyCommonKeys {
                let yaml = "strategies:\n  \(d.name):\n    \(key.name): \"\(key.example)\"\n"
                #expect(throws: Never.self, "strategies.\(d.name).\(key.name)") {
                    try RunConfiguration.parse(yaml: yaml, source: "example.yaml", environment: [:])
                }
            }
        }
    }

    @Test("a key the table does not list is refused, naming the table's keys")
    func unknownKeyRefused() {
        #expect {
            try RunConfiguration.parse(yaml: "exchange:\n  path_modle: worst\n", source: "x.yaml", environment: [:])
        } throws: { error in
            "\(error)".contains("exchange.path_modle") && "\(error)".contains(ConfigurationSection.exchange.keyNames.joined(separator: ", "))
        }
    }

    @Test("the configuration reference lists every key of every section and strategy, and every strategy variable")
    func referenceListsEveryKey() {
        let page = ConfigurationReference.markdown()
        for section in ConfigurationSection.fixed {
            #expect(page.contains("## `\(section.name)`"))
            for key in section.keys { #expect(page.contains("| `\(key.name)` |"), "\(section.name).\(key.name)") }
        }
        for d in StrategyCatalog.all {
            #expect(page.contains("### `strategies.\(d.name)`"))
            for p in d.parameters {
                #expect(page.contains("| `\(p.name)` |"), "\(d.name).\(p.name)")
                if let env = p.environment { #expect(page.contains("`\(env)`"), "\(env)") }
            }
        }
        for key in ["account", "pinned.run_id", "pinned.config_hash", "pinned.max_drawdown_usd"] {
            #expect(page.contains("| `\(key)` |"), "live.\(key)")
        }
    }
}
