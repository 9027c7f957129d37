// Strategies: the overnight-range breakout, mean reversion, trend following and the reference
// sma-bracket. Imports Trading and Indicators only, so a strategy cannot reach Backtest or Live.
import Trading
import Indicators
