import Configuration

/// A strategy parameter set by name that no single enabled strategy takes (`--param` in
/// `backtest` and `sweep`; the CLI reports it as a usage error).
public struct ParameterTargetError: Error, CustomStringConvertible, Sendable {
    /// Where the assignment came from (`--param`), for the message.
    public var source: String
    /// The name as given (`fast` or `sma_bracket.fast`).
    public var name: String
    /// True when several enabled strategies could take it, false when none has it.
    public var ambiguous: Bool
    public var description: String {
        "\(source) \(name): \(ambiguous ? "several strategies are enabled; write strategy.name=value" : "no enabled strategy has it")"
    }
}

extension RunConfiguration {
    /// Sets `name=value` on the one enabled strategy that has it (`strategy.name=value` picks one);
    /// `symbol=MES` makes MES the one symbol traded.
    ///
    /// - Throws: `ParameterTargetError` when no or several enabled strategies match; the
    ///   parameter set's own error when the value does not parse.
    public mutating func setParameter(_ rawName: String, value: String, source: String) throws {
        if rawName == "symbol" {
            // The symbol traded, as a parameter: the one data symbol, traded by every enabled strategy.
            let symbol = value.trimmingCharacters(in: .whitespaces).uppercased()
            guard !symbol.isEmpty else { throw ParameterTargetError(source: source, name: rawName, ambiguous: false) }
            data.symbols = [symbol]
            for i in strategies.indices where strategies[i].enabled { strategies[i].symbols = [symbol] }
            return
        }
        var name = rawName
        var target = strategies.indices.filter { strategies[$0].enabled }
        if let dot = name.firstIndex(of: ".") {
            let sname = String(name[..<dot]).replacingOccurrences(of: "-", with: "_")
            target = target.filter { strategies[$0].name == sname }
            name = String(name[name.index(after: dot)...])
        }
        guard target.count == 1 else { throw ParameterTargetError(source: source, name: rawName, ambiguous: !target.isEmpty) }
        try strategies[target[0]].parameters.set(name, text: value, source: source)
    }
}
