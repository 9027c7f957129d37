import Configuration
import Foundation
import Live

/// The YAML run configuration (`RunConfiguration.parse`, over Yams) and its consistency check.
///
/// Properties: a refused file is a `ConfigurationError` naming the file, with at least one problem
/// and none empty; an accepted one passes or fails `checkConsistency()` without crashing.
let yamlTarget = FuzzTarget(name: "yaml") { data in
    let text = String(decoding: data, as: UTF8.self)
    do {
        let cfg = try RunConfiguration.parse(yaml: text, source: "fuzz.yaml", environment: [:])
        _ = try? cfg.checkConsistency()
        _ = cfg.enabledStrategies
    } catch let e as ConfigurationError {
        if e.source != "fuzz.yaml" || e.problems.isEmpty || e.problems.contains(where: \.isEmpty) {
            violated("a refusal that does not say where: \(e)")
        }
    } catch {
        if "\(error)".isEmpty { violated("a refusal that says nothing") }
    }
}

/// The promotion pin of a live configuration: `live:` read by `RunConfiguration.liveSection` and
/// `LiveSection(fields:source:)`.
///
/// Properties: a refusal names the file (and each problem its key); an accepted pin written back
/// with `LiveSection.yaml` reads back as the same pin.
let pinTarget = FuzzTarget(name: "pin") { data in
    let text = String(decoding: data, as: UTF8.self)
    let section: LiveSection
    do {
        guard let fields = try RunConfiguration.liveSection(yaml: text, source: "live.yaml") else { return }
        section = try LiveSection(fields: fields, source: "live.yaml")
    } catch let e as ConfigurationError {
        if e.source != "live.yaml" || e.problems.isEmpty { violated("a refusal that does not say where: \(e)") }
        return
    } catch {
        let text = "\(error)"
        if !text.contains("live.yaml") { violated("a refused pin does not name the file: \(text)") }
        return
    }
    do {
        guard let again = try RunConfiguration.liveSection(yaml: section.yaml, source: "again.yaml") else {
            violated("the pin written back has no live section:\n\(section.yaml)")
        }
        let reread = try LiveSection(fields: again, source: "again.yaml")
        if reread != section { violated("the pin written back reads differently:\n\(section.yaml)") }
    } catch {
        violated("the pin written back is refused: \(error)\n\(section.yaml)")
    }
}
