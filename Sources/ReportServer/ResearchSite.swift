import Data
import Foundation
import Reports

/// What one request is answered with, before HTTP: the status, the content type and the page.
public struct ResearchResponse: Sendable, Equatable {
    public var status: Int
    public var contentType: String
    public var body: String

    public init(status: Int, contentType: String = "text/html; charset=utf-8", body: String) {
        self.status = status; self.contentType = contentType; self.body = body
    }
}

/// The research page's routes over one store, without sockets (the server hands each request
/// here; tests may call it directly). Every page is rendered on demand from the store, by the
/// same renderers as the report files, and passed through the secret scrubber:
///
/// - `/`: every backtest run and every sweep (`ResearchPage`);
/// - `/runs/<id>` (or `/runs/latest`): the run's report, as `tsxlab report <id>` writes it;
/// - `/sweeps/<id>`: the sweep's heatmap and top configurations, as `tsxlab report <id>` writes it;
/// - `/compare?runs=A,B,…`: the runs side by side (`CompareHTML`).
///
/// An id the store does not hold is a 404 page naming it; a store that fails is a 500 page with
/// its message.
public struct ResearchSite: Sendable {
    public let reports: StoredReports

    public init(reports: StoredReports) { self.reports = reports }

    var store: String { reports.catalog.storeName }

    /// The answer to `GET path?query` (`path` percent-encoded as it arrived; `query` decoded).
    public func respond(path rawPath: String, query: [(name: String, value: String)]) -> ResearchResponse {
        let path = rawPath.removingPercentEncoding ?? rawPath
        do {
            if path == "/" || path.isEmpty { return try listing() }
            if let id = Self.id(in: path, under: "/runs/") { return try run(id) }
            if let id = Self.id(in: path, under: "/sweeps/") { return try sweep(id) }
            if path == "/compare" { return try compare(query.first { $0.name == "runs" }?.value) }
            return page(404, ResearchPage.notFound(kind: "page", id: path, store: store))
        } catch {
            return page(500, ResearchPage.failure("\(error)"))
        }
    }

    /// The id after `prefix` when it is one non-empty path segment.
    static func id(in path: String, under prefix: String) -> String? {
        guard path.hasPrefix(prefix) else { return nil }
        let id = String(path.dropFirst(prefix.count))
        return id.isEmpty || id.contains("/") ? nil : id
    }

    func page(_ status: Int, _ html: String) -> ResearchResponse {
        ResearchResponse(status: status, body: reports.scrubber.scrub(html))
    }

    func listing() throws -> ResearchResponse {
        page(200, ResearchPage.render(runs: try reports.catalog.listRuns(), sweeps: try reports.catalog.listSweeps(), store: store))
    }

    func run(_ id: String) throws -> ResearchResponse {
        do {
            return ResearchResponse(status: 200, body: reports.runHTML(try reports.run(id)))
        } catch ReportError.unknownRun(let missing, _, _) {
            return page(404, ResearchPage.notFound(kind: "run", id: missing, store: store))
        } catch ReportError.noRuns {
            return page(404, ResearchPage.notFound(kind: "run", id: id, store: store))
        }
    }

    func sweep(_ id: String) throws -> ResearchResponse {
        // Whole ids only: a prefix that happens to match one sweep today would name another tomorrow.
        guard let sweep = try reports.sweep(id), sweep.id == id else {
            return page(404, ResearchPage.notFound(kind: "sweep", id: id, store: store))
        }
        return ResearchResponse(status: 200, body: try reports.sweepHTML(sweep))
    }

    func compare(_ list: String?) throws -> ResearchResponse {
        let ids = (list ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard ids.count >= 2 else {
            return page(400, ResearchPage.badRequest("/compare needs two or more runs to compare: /compare?runs=RUN_A,RUN_B"))
        }
        var runs: [RunReport] = []
        for id in ids {
            do {
                runs.append(try reports.run(id))
            } catch ReportError.unknownRun(let missing, _, _) {
                return page(404, ResearchPage.notFound(kind: "run", id: missing, store: store))
            }
        }
        return compared(runs)
    }
}
