import Foundation
import Data
import Trading
import ProjectX

/// How the loopback gateway behaves.
public struct GatewayConfig: Sendable {
    /// 0 picks a free port (the server prints the one it got).
    public var port: UInt16 = 0
    /// Accepted logins: user name → API key. Empty accepts any user with a non-empty key.
    public var users: [String: String] = [:]
    /// Token lifetime in seconds (short values test renewal).
    public var tokenLifetime: Int64 = 24 * 3600
    /// A token stops working once `Auth/validate` replaced it (real behaviour unknown; off).
    public var revokeOnRotation = false
    /// Rate limits: history (requests, seconds) and every other authenticated endpoint.
    public var historyLimit: (Int, Double) = (50, 30)
    public var generalLimit: (Int, Double) = (200, 60)
    /// The account the gateway serves.
    public var accountID = 1
    public var accountName = GatewayConfig.accountName(size: 50)
    public var rules: RiskRules = RiskRules.topstepCombine(50) ?? .unlimited()
    /// Shape of `GatewayUser*` payloads (§7.4): wrapped `{action, data}` by default.
    public var payloadShape: PXUserEventPayload.Shape = .wrapped
    /// Replay speed: market seconds per real second (60 plays a 1-minute bar each second);
    /// 0 steps only on request (`POST /_gateway/step`), which tests use.
    public var speed: Double = 0
    /// Server keep-alive ping interval (SignalR default 15 s).
    public var pingInterval: Double = 15
    /// Second and minute bars of a contract past its expiration date are served (true), or none
    /// are (false: `--expired-minute-history none`), as the venue is reported to keep minute bars
    /// only for the active contract month; hourly and coarser bars are served either way.
    public var expiredMinuteHistory = true
    public init() {}

    /// The account's name for a Combine of `size` thousand dollars, with the size prefix TopStepX
    /// Combine names carry (`150KTC-…`, reference §4.1); `LOOPBACK-1` for an account without one.
    public static func accountName(size: Int?) -> String {
        size.map { "\($0)KTC-LOOPBACK-1" } ?? "LOOPBACK-1"
    }
}

/// Faults a test or a rehearsing trader switches on through `POST /_gateway/faults`.
public struct GatewayFaults: Codable, Sendable, Equatable {
    /// Reject the next N order placements (code 2).
    public var rejectOrders: Int?
    /// Answer the next N authenticated requests with HTTP 429.
    public var rateLimit: Int?
    /// `Retry-After` seconds on injected 429s.
    public var retryAfter: Int?
    /// Make every issued token invalid now (the next request gets 401).
    public var expireTokens: Bool?
    /// Delay every REST answer by this many milliseconds.
    public var slowMs: Int?
    /// Drop every WebSocket now, without a close frame.
    public var dropSockets: Bool?
    /// A restart: drop every socket, forget every token, refuse hub connections for `downMs`.
    public var restart: Bool?
    public var downMs: Int?
    /// Refuse hub connections (as a restart does) until switched off: with `dropSockets`, the
    /// clients stay away for exactly as long as a test needs the tape to play without them.
    public var refuseHubs: Bool?
    /// Answer this many more history calls, then hold every further one unanswered until the
    /// fault is cleared (a negative value clears it): a client caught part-way, for as long as a
    /// test needs.
    public var holdHistoryAfter: Int?
    /// Answer the next N order placements with HTTP 500 *after* taking the order (the answer is
    /// lost, the order exists): the case the custom tag exists for.
    public var loseNextPlaceAnswer: Int?
    /// Answer every rejected order placement with `errorMessage: null`, which the envelope allows
    /// (reference §2): a client must act on the `errorCode` alone. Stays until switched off.
    public var nullErrorMessages: Bool?
    /// Close every hub connection now with a SignalR close message (reference §7.2), which
    /// allows the client to reconnect or not (`allowReconnect`, false when absent).
    public var closeHubs: Bool?
    public var allowReconnect: Bool?
    /// Send `GatewayLogout` to every user-hub connection now (the session was ended elsewhere).
    public var logout: Bool?
    /// The feed freezes: the market-hub connections open now get no more quotes or trades (pings
    /// go on, the socket stays open); a new connection is served normally.
    public var silent: Bool?
    /// The user feed freezes the same way: the user-hub connections open now get no more order,
    /// trade, position or account events (REST still tells all).
    public var silentUser: Bool?
    /// The venue posts a cash adjustment of this many dollars to the account (a charge or a
    /// correction the runner's fills do not explain): the balance moves and an account event goes out.
    public var adjustBalance: Decimal?
    public init() {}
}
