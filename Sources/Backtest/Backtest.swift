// Backtest: the simulated exchange (a Broker), its fill model with drill-down to finer bars, the
// event loop that feeds bars in time order, runs and sweeps.
import Trading
