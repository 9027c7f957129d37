import FlyingFox

/// Who may use one of our local HTTP addresses (the live runner's status page, the research
/// page): on loopback (`127.0.0.1`, `localhost`) anyone on this host; beyond it only a request
/// carrying the token, as `?token=` or `Authorization: Bearer`. An address beyond loopback
/// without a token is refused before anything binds.
public struct HTTPAccess: Sendable, CustomStringConvertible {
    /// The host as given (`localhost`, `127.0.0.1`, `0.0.0.0`, an interface's address).
    public let host: String
    /// Beyond loopback only; never printed.
    private let token: String?

    /// - Throws: `HTTPAccessError.tokenRequired` for a host beyond loopback without a token (an
    ///   empty token counts as none).
    public init(host: String, token: String?) throws {
        self.host = host
        if Self.isLoopback(host) {
            self.token = nil
        } else {
            guard let token, !token.isEmpty else { throw HTTPAccessError.tokenRequired(host: host) }
            self.token = token
        }
    }

    /// True for the hosts that only this machine can reach: `127.0.0.1` and `localhost`.
    public static func isLoopback(_ host: String) -> Bool { host == "127.0.0.1" || host == "localhost" }

    /// The IPv4 address to bind (`localhost` is `127.0.0.1`).
    public var bindAddress: String { host == "localhost" ? "127.0.0.1" : host }

    /// Whether requests must carry the token.
    public var needsToken: Bool { token != nil }

    /// Whether `request` may be answered: always on loopback, else when it carries the token.
    public func admits(_ request: HTTPRequest) -> Bool {
        guard let token else { return true }
        let given = request.query.first { $0.name == "token" }?.value
            ?? request.headers[.authorization].flatMap { $0.hasPrefix("Bearer ") ? String($0.dropFirst(7)) : nil }
        guard let given else { return false }
        return Self.constantTimeEqual(given, token)
    }

    public var description: String { needsToken ? "\(host) (token required)" : host }

    /// Compares secrets in a time that does not depend on where they differ.
    public static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        var diff = UInt8(x.count == y.count ? 0 : 1)
        for i in 0..<max(x.count, y.count) { diff |= (i < x.count ? x[i] : 0) ^ (i < y.count ? y[i] : 0) }
        return diff == 0
    }
}

/// Why an HTTP address was refused.
public enum HTTPAccessError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The host is beyond loopback and no token protects it.
    case tokenRequired(host: String)

    public var description: String {
        switch self {
        case .tokenRequired(let h): "\(h) is beyond loopback: set TSXLAB_HTTP_TOKEN (or TSXLAB_HTTP_TOKEN_FILE) to protect it"
        }
    }
}
