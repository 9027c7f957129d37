#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Small POSIX helpers (no Foundation in the data path).
enum FileSystem {
    /// `mkdir -p`.
    static func makeDirectories(_ path: String) throws {
        var prefix = path.hasPrefix("/") ? "/" : ""
        for part in path.split(separator: "/") {
            prefix += part
            if mkdir(prefix, 0o755) != 0 && errno != EEXIST {
                throw DataError.noInput(path: prefix, reason: String(cString: strerror(errno)))
            }
            prefix += "/"
        }
    }
}

extension FileSystem {
    /// Names in a folder (no `.`/`..`).
    static func list(_ path: String) throws -> [String] {
        guard let d = opendir(path) else { throw DataError.noInput(path: path, reason: String(cString: strerror(errno))) }
        defer { closedir(d) }
        var out: [String] = []
        while let e = readdir(d) {
            let name = withUnsafeBytes(of: e.pointee.d_name) { b in String(cString: b.baseAddress!.assumingMemoryBound(to: CChar.self)) }
            if name != "." && name != ".." { out.append(name) }
        }
        return out
    }
}
