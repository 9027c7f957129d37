import Backtest
import Foundation
import Reports
import Testing
import TSXLabTesting

@Suite("The notebook export")
struct NotebookTests {
    @Test("nbformat 4 structure: cells with ids, code cells with empty outputs, a Python 3 kernel, relative paths only")
    func structure() throws {
        let text = Notebook.render(Fixtures.engineRun())
        let nb = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(nb["nbformat"] as? Int == 4 && nb["nbformat_minor"] as? Int == 5)
        let cells = try #require(nb["cells"] as? [[String: Any]])
        #expect(cells.count >= 10)
        for c in cells {
            #expect(c["id"] is String && c["metadata"] is [String: Any] && c["source"] is [String])
            if c["cell_type"] as? String == "code" { #expect(c["outputs"] as? [Any] != nil && c.keys.contains("execution_count")) }
        }
        let code = cells.filter { $0["cell_type"] as? String == "code" }.flatMap { $0["source"] as? [String] ?? [] }.joined()
        for f in ["trades.csv", "fills.csv", "daily_pnl.csv", "equity.csv", "monthly_returns.csv", "run.json"] { #expect(code.contains("\"\(f)\"")) }
        #expect(!code.contains("/tmp") && !code.contains("http"))
    }

    @Test("validates against the nbformat 4 schema; executed, it prints the run's net P&L and draws the charts",
          .enabled(if: CLIRun.canRun && Tools.available(Tools.notebookPython)))
    func execute() async throws {
        let python = try Tools.require(Tools.notebookPython, "python3 with pandas, matplotlib and nbformat")
        let run = try await CLIRun.get()
        let path = try await run.report("notebook", label: "notebook")
        #expect(path.hasSuffix("/report.ipynb"))
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        let validate = try await Tools.run(python, ["-c", """
            import sys, nbformat
            nb = nbformat.read(sys.argv[1], as_version=nbformat.NO_CONVERT)
            nbformat.validate(nb)
            print(nb.nbformat, nb.nbformat_minor, len(nb.cells))
            """, path])
        #expect(validate.status == 0, "\(validate.stderr)")
        #expect(validate.stdout.hasPrefix("4 5 "))

        // Execute: with Jupyter when it is installed (CI), else cell by cell in one interpreter.
        var printed = "", images = 0
        if TestEnvironment.isCI || Tools.jupyter != nil {
            let jupyter = try Tools.require(Tools.jupyter, "jupyter nbconvert with ipykernel")
            let out = try await Tools.run(jupyter, ["nbconvert", "--to", "notebook", "--execute", "--ExecutePreprocessor.timeout=300",
                                              "--output", "executed.ipynb", "report.ipynb"], cwd: folder, timeout: 400)
            #expect(out.status == 0, "\(out.stderr.suffix(3000))")
            let data = try Data(contentsOf: URL(fileURLWithPath: folder + "/executed.ipynb"))
            let nb = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            for cell in nb["cells"] as? [[String: Any]] ?? [] {
                for o in cell["outputs"] as? [[String: Any]] ?? [] {
                    #expect(o["output_type"] as? String != "error", "\(o)")
                    if o["output_type"] as? String == "stream" { printed += (o["text"] as? [String])?.joined() ?? (o["text"] as? String ?? "") }
                    if (o["data"] as? [String: Any])?["image/png"] != nil { images += 1 }
                }
            }
        } else {
            let out = try await Tools.run(python, ["-c", """
                import json, os, sys
                os.environ["MPLBACKEND"] = "Agg"
                nb = json.load(open(sys.argv[1]))
                scope = {"__name__": "__main__"}
                for cell in nb["cells"]:
                    if cell["cell_type"] == "code":
                        exec(compile("".join(cell["source"]), "cell", "exec"), scope)
                import matplotlib.pyplot as plt
                print("figures:", len(plt.get_fignums()))
                """, path], cwd: folder, timeout: 400)
            #expect(out.status == 0, "\(out.stderr.suffix(3000))")
            printed = out.stdout
            images = Int(printed.components(separatedBy: "figures: ").last?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "") ?? 0
        }
        let line = try #require(printed.split(separator: "\n").first { $0.hasPrefix("net P&L: ") }, "\(printed)")
        let value = line.dropFirst("net P&L: ".count).prefix { $0 != " " }
        #expect(String(value) == run.summary.netPnlUsd, "\(line)")
        #expect(images >= 3, "\(images) charts drawn")
    }
}
