import TSXLabCLI

// The product's own executable: the command line with the built-in strategies.
await TSXLab.main(strategies: [])
