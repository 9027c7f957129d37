import ArgumentParser
import Foundation
import HTTPServing
import Live
import ReportServer
import Reports

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve a research page over the store: every run and sweep, their reports, and runs compared.",
        discussion: """
            Pages are rendered from the store on each request with the same renderers as
            `tsxlab report`: / lists every backtest run and sweep (filter, sort, tick runs to
            compare), /runs/RUN_ID is the run's report, /sweeps/SWEEP_ID the sweep's heatmap and top
            configurations, /compare?runs=A,B the runs side by side. The URL is printed once the
            page is up (with the port picked for --port 0); SIGINT or SIGTERM stops it.
            It listens on 127.0.0.1 unless --host says otherwise; beyond loopback it needs a token
            (TSXLAB_HTTP_TOKEN, or TSXLAB_HTTP_TOKEN_FILE naming a 0600 file), and every request
            must carry it as ?token=… or Authorization: Bearer. Values of secret environment
            variables never appear in a page.
              tsxlab serve
              tsxlab serve --port 0 --store postgres://research@db.internal/tsxlab
            """)

    @OptionGroup var storeOptions: StoreOptions
    @Option(help: "Port to listen on (0 picks a free one, printed).") var port: UInt16 = 8040
    @Option(help: ArgumentHelp("Address to listen on: 127.0.0.1 (this machine only), or e.g. 0.0.0.0 with TSXLAB_HTTP_TOKEN set.", valueName: "ip"))
    var host: String = "127.0.0.1"

    func run() async throws {
        // SIGINT and SIGTERM are taken before the server starts, so one that comes early still
        // stops it cleanly.
        let stop = stopSignals()
        let env = storeOptions.environment
        let server: ResearchServer
        let reports: StoredReports
        do {
            // The token first: a refused address writes nothing and opens no store.
            let token = try APICredentials.secret("TSXLAB_HTTP_TOKEN", in: env)
            let access = try HTTPAccess(host: host, token: token?.reveal())
            reports = try storeOptions.storedReports()
            server = try ResearchServer(site: ResearchSite(reports: reports), host: access.host, port: port, token: token?.reveal())
        } catch let e as HTTPAccessError {
            Terminal.error("--host \(e)")
            throw ExitCode(64)
        } catch let e as ResearchServerError {
            Terminal.error(e.description)
            throw ExitCode(64)
        } catch let e as CredentialsError {
            Terminal.error("TSXLAB_HTTP_TOKEN: \(e)")
            throw ExitCode(64)
        } catch let e as ReportError {
            Terminal.error(e.description)
            throw ExitCode(e.exitCode)
        } catch {
            throw reported(error)
        }
        let bound: UInt16
        do { bound = try await server.start() } catch {
            Terminal.error("\(error)")
            throw ExitCode(69)
        }
        let shown = host == "localhost" ? "127.0.0.1" : host
        // Straight to the descriptor (no stdio buffer): a script or test waits for this line.
        FileHandle.standardOutput.write(Data("listening http://\(shown):\(bound)/\n".utf8))
        Terminal.note("serving the runs and sweeps of \(reports.catalog.storeName)\(HTTPAccess.isLoopback(host) ? "" : " (every request needs ?token=…)"); Ctrl-C stops")
        for await _ in stop { break }
        Terminal.note("stopping")
        await server.stop()
    }
}
