// Indicators: moving averages, ATR, RSI and the session tools strategies read, in a streaming and
// a vectorised form, plus performance statistics. Imports Data (bars, sessions) only.
import Data
