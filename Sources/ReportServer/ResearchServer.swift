import FlyingFox
import FlyingSocks
import Foundation
import HTTPServing

/// The research page served over HTTP (`tsxlab serve`): `ResearchSite`'s pages on one address.
/// On loopback anyone on this host may read it; beyond loopback the server refuses to start
/// without a token, and then answers only requests carrying it (`HTTPAccess`, the status page's
/// rule). Every answer forbids the browser to fetch anything (the report files' policy, as a
/// header) and to keep a copy (`Cache-Control: no-store`).
public final class ResearchServer: Sendable {
    let server: HTTPServer
    let access: HTTPAccess
    let port: UInt16

    /// - Throws: `HTTPAccessError.tokenRequired` for a host beyond loopback without a token;
    ///   `ResearchServerError.badAddress` for a host that is not an IPv4 address or `localhost`.
    public init(site: ResearchSite, host: String, port: UInt16, token: String?) throws {
        access = try HTTPAccess(host: host, token: token)
        let address: sockaddr_in
        do { address = try .inet(ip4: access.bindAddress, port: port) } catch {
            throw ResearchServerError.badAddress(host)
        }
        self.port = port
        server = HTTPServer(address: address, timeout: 60, pool: NoDelayPool(), logger: .disabled,
                            handler: ResearchHandler(site: site, access: access))
    }

    /// Starts listening and returns the port (the one picked when 0 was asked).
    ///
    /// - Throws: `ResearchServerError.cannotListen` (the port taken, an address not on this host).
    public func start() async throws -> UInt16 {
        let bound: UInt16?
        do { bound = try await server.listen() } catch let error as ListeningError { throw error } catch {
            throw ResearchServerError.cannotListen("\(access.host):\(port)", "\(error)")
        }
        guard let bound else { throw ResearchServerError.cannotListen("\(access.host):\(port)", "not an IPv4 address") }
        return bound
    }

    /// Stops listening, letting answers in flight finish (up to a second).
    public func stop() async { await server.stop(timeout: 1) }

    /// The headers of every answer.
    public static let headers: [HTTPHeader: String] = [
        HTTPHeader("Content-Security-Policy"): "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
        HTTPHeader("Cache-Control"): "no-store",
        HTTPHeader("X-Content-Type-Options"): "nosniff",
        HTTPHeader("Referrer-Policy"): "no-referrer",
    ]
}

/// Why the research page did not start.
public enum ResearchServerError: Error, Equatable, Sendable, CustomStringConvertible {
    case badAddress(String)
    case cannotListen(String, String)

    public var description: String {
        switch self {
        case .badAddress(let h): "--host '\(h)' is not an IPv4 address of this machine (e.g. 127.0.0.1, 0.0.0.0) or localhost"
        case .cannotListen(let a, let why): "cannot listen on \(a) (\(why)): is another process on that port? Pick another with --port (0 picks a free one)"
        }
    }
}

struct ResearchHandler: HTTPHandler {
    let site: ResearchSite
    let access: HTTPAccess

    func handleRequest(_ request: HTTPRequest) async throws -> HTTPResponse {
        guard access.admits(request) else {
            return answer(ResearchResponse(status: 401, contentType: "text/plain; charset=utf-8",
                                           body: "this address needs its token: add ?token=… to the URL\n"))
        }
        guard request.method == .GET || request.method == .HEAD else {
            return answer(ResearchResponse(status: 405, contentType: "text/plain; charset=utf-8", body: "the research page only answers GET\n"))
        }
        let r = site.respond(path: request.path, query: request.query.map { ($0.name, $0.value) })
        return answer(r, head: request.method == .HEAD)
    }

    func answer(_ r: ResearchResponse, head: Bool = false) -> HTTPResponse {
        var headers = ResearchServer.headers
        headers[.contentType] = r.contentType
        return HTTPResponse(statusCode: HTTPStatusCode(r.status, phrase: Self.phrase(r.status)), headers: HTTPHeaders(headers),
                            body: head ? Data() : Data(r.body.utf8))
    }

    static func phrase(_ status: Int) -> String {
        switch status {
        case 200: "OK"
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 501: "Not Implemented"
        default: "Internal Server Error"
        }
    }
}
