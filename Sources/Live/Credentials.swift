import Foundation

/// A secret string (API key, webhook URL) that never prints itself: `description`,
/// `debugDescription` and string interpolation all show `***`, so it cannot reach a log line,
/// an error message, the store or a report by accident.
public struct Secret: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
    private let value: String
    public init(_ value: String) { self.value = value }
    /// The value itself, for the one place that sends it.
    public func reveal() -> String { value }
    public var description: String { "***" }
    public var debugDescription: String { "***" }
    public var isEmpty: Bool { value.isEmpty }
}

/// Errors loading credentials; each says which variable or file and what to do.
public enum CredentialsError: Error, Equatable, CustomStringConvertible {
    case missing(String)
    case fileUnreadable(path: String, reason: String)
    case filePermissions(path: String, mode: String)
    case emptyKey(String)

    public var description: String {
        switch self {
        case .missing(let what) where what.contains("KEY"): "\(what) is not set: export it, or put the key in a file readable only by you (chmod 600) and set PROJECTX_API_KEY_FILE"
        case .missing(let what): "\(what) is not set: export it (the TopStepX user name the API key belongs to), or set it in the service's environment file (see deploy/tsxlab-live.env.example)"
        case .fileUnreadable(let p, let r): "cannot read the secret file \(p): \(r)"
        case .filePermissions(let p, let mode): "the secret file \(p) has mode \(mode): others can read it; run `chmod 600 \(p)` and try again"
        case .emptyKey(let source): "the API key from \(source) is empty: paste the key from TopStepX's API settings there"
        }
    }
}

/// ProjectX user name and API key, from the environment or a 0600 file.
///
/// `PROJECTX_USERNAME` (or `TOPSTEPX_USERNAME`); the key from `PROJECTX_API_KEY` (or
/// `TOPSTEPX_API_KEY`), or from the file named by `PROJECTX_API_KEY_FILE`, which must not be
/// readable or writable by group or others.
public struct APICredentials: Sendable, CustomStringConvertible {
    public var userName: String
    public var apiKey: Secret

    public init(userName: String, apiKey: Secret) { self.userName = userName; self.apiKey = apiKey }

    public var description: String { "\(userName) (API key ***)" }

    public static func load(environment env: [String: String]) throws -> APICredentials {
        guard let user = env["PROJECTX_USERNAME"] ?? env["TOPSTEPX_USERNAME"], !user.isEmpty else {
            throw CredentialsError.missing("PROJECTX_USERNAME")
        }
        if let path = env["PROJECTX_API_KEY_FILE"], !path.isEmpty {
            return APICredentials(userName: user, apiKey: try readKeyFile(path))
        }
        guard let key = env["PROJECTX_API_KEY"] ?? env["TOPSTEPX_API_KEY"] else { throw CredentialsError.missing("PROJECTX_API_KEY") }
        guard !key.isEmpty else { throw CredentialsError.emptyKey("PROJECTX_API_KEY") }
        return APICredentials(userName: user, apiKey: Secret(key))
    }

    /// A secret named `name` in the environment: its value, else the file named by `name_FILE`
    /// (0600, as `readKeyFile`); nil when neither is set (an empty value counts as unset).
    public static func secret(_ name: String, in env: [String: String]) throws -> Secret? {
        if let v = env[name], !v.isEmpty { return Secret(v) }
        if let path = env[name + "_FILE"], !path.isEmpty { return try readKeyFile(path) }
        return nil
    }

    /// Reads a key file, refusing one that group or others may read or write.
    public static func readKeyFile(_ path: String) throws -> Secret {
        var st = stat()
        guard stat(path, &st) == 0 else {
            throw CredentialsError.fileUnreadable(path: path, reason: String(cString: strerror(errno)))
        }
        let mode = st.st_mode & 0o777
        if mode & 0o077 != 0 { throw CredentialsError.filePermissions(path: path, mode: String(mode, radix: 8)) }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw CredentialsError.fileUnreadable(path: path, reason: "not UTF-8 text")
        }
        let key = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !key.isEmpty else { throw CredentialsError.emptyKey(path) }
        return Secret(key)
    }
}
