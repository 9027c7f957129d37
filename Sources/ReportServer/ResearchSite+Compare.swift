import Reports

extension ResearchSite {
    /// The comparison of loaded runs. This build has no comparison page yet: a 501 saying so.
    func compared(_ runs: [RunReport]) -> ResearchResponse {
        page(501, ResearchPage.badRequest("comparing runs is not in this build of tsxlab yet"))
    }
}
