import Jobs

/// The backtest job of `Jobs`, under the name the commands use (a file of the target that
/// does not import `Jobs` itself still sees it; `live --paper` builds one).
typealias BacktestJob = Jobs.BacktestJob
