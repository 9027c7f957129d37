/// Errors of the data layer. Each names the place (file, line, field or store) and says what to
/// do; `exitCode` is what the CLI exits with (sysexits: 65 bad input, 66 missing input,
/// 69 store unavailable, 70 internal failure).
public enum DataError: Error, Equatable, CustomStringConvertible, Sendable {
    /// Malformed or inconsistent input. `line` is 1-based, counting the header.
    case badInput(file: String, line: Int?, field: String?, reason: String)
    /// A symbol with no contract specification.
    case unknownSymbol(String, known: [String])
    /// An input file that cannot be opened.
    case noInput(path: String, reason: String)
    /// A store that cannot be reached or refused a statement.
    case store(url: String, operation: String, message: String)
    /// A bug or an impossible state.
    case `internal`(String)

    public var exitCode: Int32 {
        switch self {
        case .badInput, .unknownSymbol: 65
        case .noInput: 66
        case .store: 69
        case .internal: 70
        }
    }

    public var description: String {
        switch self {
        case let .badInput(file, line, field, reason):
            var place = file
            if let line { place += ":\(line)" }
            if let field { place += " field '\(field)'" }
            return "\(place): \(reason)"
        case let .unknownSymbol(s, known):
            return "unknown symbol '\(s)': no contract specification. Known: \(known.joined(separator: ", ")). "
                + "Add it with a contracts file (--contracts-file FILE or TSXLAB_CONTRACTS) or give --tick-size."
        case let .noInput(path, reason):
            return "\(path): cannot read input: \(reason)"
        case let .store(url, op, message):
            return "store \(url): \(op) failed: \(message)"
        case let .internal(m):
            return "internal error: \(m)"
        }
    }
}
