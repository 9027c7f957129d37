import Reports

extension ResearchSite {
    /// The loaded runs side by side: the page `tsxlab report RUN_A RUN_B …` writes.
    func compared(_ runs: [RunReport]) -> ResearchResponse {
        ResearchResponse(status: 200, body: reports.comparisonHTML(runs))
    }
}
