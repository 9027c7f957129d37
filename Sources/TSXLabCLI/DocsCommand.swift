import ArgumentParser
import Documentation
import Foundation

struct DocsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "docs",
        abstract: "Write the generated documentation pages: the configuration and CLI references.",
        subcommands: [DocsGenerateCommand.self]
    )
}

struct DocsGenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Write docs/reference/configuration.md and docs/reference/cli.md from the code, or check them.",
        discussion: """
            The configuration reference comes from the tables the configuration parser reads; the CLI
            reference from every command's help, rendered 100 columns wide. With --check nothing is
            written: the command exits 1 naming each page that differs from what the code generates.
            """
    )

    @Option(help: ArgumentHelp("The reference folder.", valueName: "dir"))
    var out = "docs/reference"

    @Flag(help: "Compare instead of writing; exit 1 if a page is out of date.")
    var check = false

    func validate() throws {
        if out.isEmpty { throw ValidationError("--out is empty; name the reference folder") }
    }

    func run() throws {
        let files = ReferenceFiles(commands: Self.commandHelp())
        if check {
            let stale = files.stale(in: out)
            if stale.isEmpty {
                print("up to date: " + files.files.map { out + "/" + $0.name }.joined(separator: ", "))
                return
            }
            for path in stale { Terminal.error("\(path) is out of date; run `tsxlab docs generate`") }
            throw ExitCode(1)
        }
        do {
            for path in try files.write(to: out) { print("wrote \(path)") }
        } catch {
            throw reported(error)
        }
    }

    /// Every command's help, depth first in the order the command tree lists them.
    static func commandHelp() -> [CommandHelp] {
        func walk(_ type: any ParsableCommand.Type, _ path: [String]) -> [CommandHelp] {
            let help = TSXLab.helpMessage(for: type, columns: 100)
            var out = [CommandHelp(path: path, abstract: type.configuration.abstract, help: help)]
            for sub in type.configuration.subcommands { out += walk(sub, path + [sub._commandName]) }
            return out
        }
        return walk(TSXLab.self, [])
    }
}
