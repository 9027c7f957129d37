import Backtest
import SweepKernel
import Data
import Foundation
import ProjectX
import Store
import Trading

extension SweepJob {
    /// What an ask/tell sweep is registered under in the store (its `space`), and part of its identity.
    static let askTellSpace = "ask-tell"

    /// A sweep whose configurations arrive one at a time (`AskTell`): the bars, contract and base
    /// configuration of `backtest`, no axes. Its identity is the base configuration and the bars'
    /// span, so the same command again adds to the same sweep in the store.
    ///
    /// - Throws: `SweepSetupError` without exactly one enabled strategy; the job's errors when
    ///   bars, contract or configuration are wrong.
    public static func askTell(backtest: BacktestJob) throws -> SweepJob {
        try SweepJob(backtest: backtest, space: SweepSpace(axes: []), cells: [], identity: askTellSpace)
    }

    /// A line an ask/tell session could not evaluate: its number (from 1), the parameter it
    /// concerns when there is one, and what to send instead.
    public struct AskTellError: Error, Hashable, Sendable, CustomStringConvertible {
        public var line: Int
        public var field: String?
        public var reason: String
        public var description: String { "line \(line)\(field.map { " (\($0))" } ?? ""): \(reason)" }
        /// The answer on standard output: `{"line": N, "error": "…"}`.
        public var json: String { "{\"line\": \(line), \"error\": \(AskTell.quoted(reason))}" }
    }

    /// Search that any optimiser can drive: configurations arrive as JSON objects, one a line
    /// (`{"fast": 10, "slow": 30}`, parameter names as `--param` takes them, values as JSON
    /// numbers, booleans or strings as the strategy's `ParameterSpec` declares), and each gets one
    /// line back: the configuration's parameters again, then the fields of `results.csv` with the
    /// same text (a number bare, `config_hash` quoted, an empty cell `null`).
    ///
    /// Each configuration goes through `SweepJob.evaluate`, the grid's own path (the
    /// `SMABracketKernel` where it models the settings, grown pair by pair with
    /// `SMABracketKernel.preparing`; otherwise the engine), so it gives the same fields as the
    /// same configuration in a grid. Results are recorded in the store as a sweep (space
    /// `ask-tell`, each distinct configuration a cell in order of arrival, with its end-of-session
    /// balances), so `tsxlab report SWEEP_ID` shows them. A line that cannot be evaluated answers
    /// `{"line": N, "error": "…"}` and the session goes on.
    public struct AskTell: Sendable {
        public let job: SweepJob
        /// Every configuration through the engine, even where the kernel applies.
        public let engineOnly: Bool
        private var kernel: SMABracketKernel?
        private let tables: SweepTables?
        private let daily = DailyBalances()
        /// The cell of each configuration the sweep holds (this session's and earlier ones').
        private var cellByHash: [String: Int]
        private var lines = 0
        /// Lines answered with a result, and with an error.
        public private(set) var evaluated = 0
        public private(set) var failed = 0

        /// Registers the sweep in the store (once) and picks up the configurations it already holds.
        public init(job: SweepJob, engineOnly: Bool = false) throws {
            self.job = job; self.engineOnly = engineOnly
            tables = try job.database.map { db in try StoreSchema.migrate(db); return SweepTables(db: db) }
            cellByHash = [:]
            if let tables {
                try tables.register(SweepRow(sweepID: job.sweepID, createdAt: SweepTables.now(), strategy: job.strategy.name,
                                             symbol: job.series.symbol, timeframe: job.series.timeframe.description,
                                             dataFrom: job.series.first!.time.description, dataTo: job.series.last!.time.description,
                                             space: SweepJob.askTellSpace, baseConfig: job.base.canonicalText, cells: 0))
                for r in try tables.results(job.sweepID) { cellByHash[r.configHash] = r.cell }
            }
        }

        /// How many distinct configurations the sweep holds.
        public var configurations: Int { cellByHash.count }

        /// The answer to the next line: its result, or why it was not evaluated (`AskTellError.json`
        /// is then the line to print).
        public mutating func answer(_ line: String) -> Result<String, AskTellError> {
            lines += 1
            do {
                let (cell, echo) = try ask(line)
                let outcome = try tell(cell)
                evaluated += 1
                let fields = zip(SweepJob.resultColumns, SweepJob.resultFields(outcome)).map { name, text in
                    "\(Self.quoted(name)): \(name == "config_hash" ? Self.quoted(text) : Self.number(text))"
                }
                return .success("{" + (echo + fields).joined(separator: ", ") + "}")
            } catch let e as AskTellError {
                failed += 1
                return .failure(e)
            } catch {
                failed += 1
                return .failure(AskTellError(line: lines, field: nil, reason: "the configuration did not run: \(error)"))
            }
        }

        /// The line as a cell (values as the parameters' specs parse them) and its parameters as
        /// JSON members, in the strategy's declaration order.
        private func ask(_ line: String) throws -> (SweepCell, [String]) {
            let n = lines
            let specs = job.strategy.parameters.specs
            let example = "{" + specs.prefix(2).map { "\(Self.quoted($0.name)): \(Self.json($0.defaultValue))" }.joined(separator: ", ") + "}"
            let object: [String: JSONValue]
            guard !line.allSatisfy(\.isWhitespace) else {
                throw AskTellError(line: n, field: nil, reason: "an empty line: send one object a line, e.g. \(example)")
            }
            do {
                switch try JSONValue.parse(Data(line.utf8)) {
                case .object(let o): object = o
                case let other:
                    throw AskTellError(line: n, field: nil, reason: "a JSON \(Self.kind(other)), not an object: send one object a line, parameter names as keys, e.g. \(example)")
                }
            } catch let e as JSONParseError {
                throw AskTellError(line: n, field: nil, reason: "not JSON (\(e)): send one object a line, e.g. \(example)")
            }
            var values: [String: String] = [:]
            var echo: [(order: Int, member: String)] = []
            for (name, value) in object {
                var bare = name
                if let dot = name.firstIndex(of: "."),
                   name[..<dot].replacingOccurrences(of: "-", with: "_") == job.strategy.name {
                    bare = String(name[name.index(after: dot)...])
                }
                guard let order = specs.firstIndex(where: { $0.name == bare }) else {
                    throw AskTellError(line: n, field: name, reason: "unknown parameter \(Self.quoted(name)): \(job.strategy.name) takes \(specs.map(\.name).joined(separator: ", "))")
                }
                let spec = specs[order]
                let text: String
                switch (spec.kind, value) {
                case (.int, .number(let d)), (.double, .number(let d)): text = d.description
                case (.bool, .bool(let b)): text = String(b)
                case (.time, .string(let s)), (.choice, .string(let s)): text = s
                default:
                    let wanted = switch spec.kind {
                    case .int, .double: "a JSON number"
                    case .bool: "true or false"
                    case .time, .choice: "a JSON string"
                    }
                    throw AskTellError(line: n, field: name, reason: "\(Self.quoted(name)) takes \(wanted) (\(spec.allowed)), not a \(Self.kind(value)): send e.g. {\(Self.quoted(name)): \(Self.json(spec.defaultValue))}")
                }
                do {
                    _ = try spec.parse(text, source: "line \(n)")
                } catch let DataError.badInput(_, _, _, reason) {
                    throw AskTellError(line: n, field: name, reason: "\(Self.quoted(name)): \(reason); \(spec.name) takes \(spec.allowed)")
                }
                values[name] = text
                echo.append((order, "\(Self.quoted(name)): \(Self.json(text, kind: spec.kind))"))
            }
            let cell = SweepCell(index: -1, values: values)
            return (cell, echo.sorted { ($0.order, $0.member) < ($1.order, $1.member) }.map(\.member))
        }

        /// Evaluates the cell as a grid does and records it in the store (a configuration the sweep
        /// already holds keeps its first result).
        private mutating func tell(_ asked: SweepCell) throws -> SweepOutcome {
            var cell = asked
            let hash = try job.configuration(for: cell).hash
            cell.index = cellByHash[hash] ?? (cellByHash.values.max() ?? -1) + 1
            var kernel: SMABracketKernel?
            if !engineOnly, let p = try job.kernelParameters(for: [cell]) {
                self.kernel = self.kernel.map { $0.preparing(p) } ?? SMABracketKernel(series: job.series, instrument: job.instrument,
                                                                                      rules: job.base.account, config: job.backtest.exchangeConfig(),
                                                                                      parameters: p)
                kernel = self.kernel
            }
            let outcome = try job.evaluate(cell, kernel: kernel, daily: daily)
            let isNew = cellByHash[hash] == nil
            cellByHash[hash] = cell.index
            if let tables {
                let balances = job.dailyBalancesRow(cell: cell.index, configHash: hash, sessions: daily.sessions(of: cell.index) ?? [])
                let count = cellByHash.count
                try tables.db.transaction {
                    try tables.insert(SweepJob.row(outcome), sweepID: job.sweepID, ignoringDuplicate: true)
                    try tables.insert(balances, sweepID: job.sweepID, ignoringDuplicate: true)
                    if isNew { try tables.setCells(job.sweepID, cells: count) }
                }
            }
            return outcome
        }

        static func quoted(_ s: String) -> String { JSONText.string(s) }

        /// A `results.csv` cell as a JSON value: a finite number bare, nothing as `null`, anything
        /// else (`inf`) quoted.
        static func number(_ text: String) -> String {
            if text.isEmpty { return "null" }
            return Double(text).map(\.isFinite) == true ? text : quoted(text)
        }

        static func json(_ text: String, kind: ParameterSpec.Kind) -> String {
            switch kind {
            case .int, .double, .bool: text
            case .time, .choice: quoted(text)
            }
        }

        static func json(_ v: ParameterValue) -> String {
            switch v {
            case .int, .double, .bool: v.description
            case .string, .time: quoted(v.description)
            }
        }

        static func kind(_ v: JSONValue) -> String {
            switch v {
            case .null: "null"
            case .bool: "boolean"
            case .number: "number"
            case .string: "string"
            case .array: "array"
            case .object: "object"
            }
        }
    }
}
