import OpeningRange
import TSXLabCLI

// The whole tsxlab command line, with the opening-range breakout beside the built-in strategies.
await TSXLab.main(strategies: [OpeningRangeBreakout.self])
