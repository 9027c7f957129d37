import CZlib
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a file as a stream of bytes, inflating it on the fly when it is gzip-compressed
/// (detected from the magic bytes, not the name). Concatenated gzip members are read through.
public final class ByteReader {
    public let path: String
    private let file: UnsafeMutablePointer<FILE>
    private let gzip: Bool
    private var stream = z_stream()
    private var inBuf: [UInt8]
    private var inLen = 0
    private var atEOF = false
    private var streamEnded = false
    /// Bytes of the file consumed so far (compressed bytes for gzip files): for progress.
    public private(set) var fileBytesRead: Int64 = 0
    public let fileSize: Int64

    public init(path: String, chunkSize: Int = 1 << 18) throws {
        self.path = path
        guard let f = fopen(path, "rb") else {
            throw DataError.noInput(path: path, reason: String(cString: strerror(errno)))
        }
        file = f
        var st = stat()
        fileSize = fstat(fileno(f), &st) == 0 ? Int64(st.st_size) : 0
        inBuf = [UInt8](repeating: 0, count: chunkSize)
        var magic: (UInt8, UInt8) = (0, 0)
        let n = fread(&magic, 1, 2, f)
        gzip = n == 2 && magic.0 == 0x1f && magic.1 == 0x8b
        rewind(f)
        if gzip {
            // 15 + 32: maximum window, automatic gzip/zlib header detection.
            let rc = inflateInit2_(&stream, 15 + 32, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
            guard rc == Z_OK else {
                fclose(f)
                throw DataError.internal("zlib inflateInit2 failed (\(rc))")
            }
        }
    }

    deinit {
        if gzip { inflateEnd(&stream) }
        fclose(file)
    }

    private func fill() {
        guard !atEOF else { return }
        let n = inBuf.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
        inLen = n
        fileBytesRead += Int64(n)
        if n == 0 { atEOF = true }
    }

    /// Reads up to `buffer.count` bytes; 0 means end of file. Throws on corrupt gzip data.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        if !gzip {
            let n = fread(buffer.baseAddress, 1, buffer.count, file)
            fileBytesRead += Int64(n)
            return n
        }
        while true {
            if stream.avail_in == 0 {
                if atEOF { return 0 }
                fill()
                if inLen == 0 {
                    if !streamEnded {
                        throw DataError.badInput(file: path, line: nil, field: nil,
                            reason: "gzip data ends early (truncated file?): re-download or re-compress it")
                    }
                    return 0
                }
                if streamEnded {
                    // Another gzip member follows.
                    inflateReset(&stream)
                    streamEnded = false
                }
                stream.avail_in = UInt32(inLen)
            }
            let consumedOffset = inLen - Int(stream.avail_in)
            let produced: Int = try inBuf.withUnsafeMutableBufferPointer { inb in
                stream.next_in = inb.baseAddress! + consumedOffset
                stream.next_out = buffer.baseAddress!.assumingMemoryBound(to: UInt8.self)
                stream.avail_out = UInt32(buffer.count)
                let rc = inflate(&stream, Z_NO_FLUSH)
                if rc == Z_STREAM_END {
                    streamEnded = true
                } else if rc != Z_OK && rc != Z_BUF_ERROR {
                    let msg = stream.msg.map { String(cString: $0) } ?? "code \(rc)"
                    throw DataError.badInput(file: path, line: nil, field: nil,
                        reason: "corrupt gzip data (\(msg)): re-download or re-compress the file")
                }
                return buffer.count - Int(stream.avail_out)
            }
            if produced > 0 { return produced }
            if streamEnded && stream.avail_in == 0 && atEOF { return 0 }
        }
    }

    /// Calls `body` with each line (without the line end; a trailing `\r` is removed) and its
    /// 1-based number. Stops early when `body` returns false.
    public func forEachLine(_ body: (UnsafeBufferPointer<UInt8>, Int) throws -> Bool) throws {
        var buf = [UInt8](repeating: 0, count: 1 << 18)
        var start = 0, end = 0
        var lineNo = 0
        while true {
            if start > 0 && start == end { start = 0; end = 0 }
            if end == buf.count {
                if start > 0 {
                    buf.withUnsafeMutableBytes { b in
                        let base = b.baseAddress!
                        memmove(base, base + start, end - start)
                    }
                    end -= start; start = 0
                } else {
                    buf.append(contentsOf: repeatElement(0, count: buf.count))  // a very long line
                }
            }
            let n = try buf.withUnsafeMutableBytes { b in
                try read(into: UnsafeMutableRawBufferPointer(rebasing: b[end...]))
            }
            let eof = n == 0
            end += n
            let keepGoing: Bool = try buf.withUnsafeBufferPointer { b in
                let base = b.baseAddress!
                var i = start
                while i < end {
                    guard let nl = memchr(base + i, 10, end - i) else { break }
                    let nlIndex = base.distance(to: nl.assumingMemoryBound(to: UInt8.self))
                    var len = nlIndex - i
                    if len > 0 && base[i + len - 1] == 13 { len -= 1 }
                    lineNo += 1
                    if try !body(UnsafeBufferPointer(start: base + i, count: len), lineNo) { return false }
                    i = nlIndex + 1
                }
                start = i
                if eof && start < end {
                    var len = end - start
                    if base[start + len - 1] == 13 { len -= 1 }
                    lineNo += 1
                    if try !body(UnsafeBufferPointer(start: base + start, count: len), lineNo) { return false }
                    start = end
                }
                return true
            }
            if !keepGoing || eof { return }
        }
    }
}
