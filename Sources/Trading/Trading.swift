// Trading: the vocabulary shared by backtest and live (orders, brackets, fills, positions, the
// Broker and Strategy protocols, prop-firm risk rules, fees, FIFO trade consolidation).
import Data
