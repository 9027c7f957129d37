import Foundation

/// Keeps secrets out of report files. Two guards:
/// - a configuration key that names a secret (`api_key`, `token`, `password`, …) shows `***`
///   instead of its value (`RunReport.configuration`);
/// - every value of an environment variable whose name names a secret (`TOPSTEPX_API_KEY`,
///   `PROJECTX_TOKEN`, `PGPASSWORD`, …) is replaced by `***` wherever it appears in a file the
///   report writes, whatever carried it there.
public struct SecretScrubber: Sendable {
    public static let mask = "***"
    /// Values shorter than this are not treated as secrets (masking `1` or `true` would garble
    /// the report and protect nothing).
    public static let minimumLength = 8

    /// The secret values to mask, longest first (so a secret containing another is masked whole).
    public let secrets: [String]

    public init(secrets: [String]) {
        self.secrets = Array(Set(secrets.filter { $0.utf8.count >= Self.minimumLength })).sorted { $0.utf8.count > $1.utf8.count }
    }

    /// The secrets of an environment: values of variables whose names look secret.
    public init(environment: [String: String]) {
        self.init(secrets: environment.compactMap { Self.looksSecret(name: $0.key) ? $0.value : nil })
    }

    /// A scrubber that masks nothing.
    public static let none = SecretScrubber(secrets: [])

    static let secretWords = ["KEY", "TOKEN", "SECRET", "PASSWORD", "PASSWD", "PASSPHRASE", "CREDENTIAL", "AUTH", "COOKIE", "PRIVATE", "SIGNATURE"]

    /// True for names such as `TOPSTEPX_API_KEY`, `projectx.token`, `db_password`, `PGPASSWORD`.
    public static func looksSecret(name: String) -> Bool {
        let upper = name.uppercased()
        return secretWords.contains { upper.contains($0) }
    }

    /// `text` with every secret replaced by `***`.
    public func scrub(_ text: String) -> String {
        var out = text
        for s in secrets where out.contains(s) {
            out = out.replacingOccurrences(of: s, with: Self.mask)
        }
        return out
    }
}
