import Data
import ProjectX

/// A live set-up that cannot go on as asked: no such account, several to choose from, no active
/// contract. The text says what to change.
public struct LiveSetupError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

extension ProjectXClient {
    /// The active account named `wanted` (its name or id), or the only active account when
    /// `wanted` is nil.
    ///
    /// - Throws: `LiveSetupError` naming the active accounts when none matches or several could.
    public func activeAccount(named wanted: String?) async throws -> PXAccount {
        let accounts = try await searchAccounts(onlyActive: true)
        if let wanted {
            guard let a = accounts.first(where: { $0.name == wanted || String($0.id) == wanted }) else {
                throw LiveSetupError("no active account '\(wanted)'; active: \(accounts.map(\.name).joined(separator: ", "))")
            }
            return a
        }
        guard accounts.count == 1 else {
            throw LiveSetupError(accounts.isEmpty ? "the user has no active account" :
                "several active accounts (\(accounts.map(\.name).joined(separator: ", "))): choose one with --account")
        }
        return accounts[0]
    }

    /// The gateway contract for a symbol: a dated code (ESZ13) by its id, a product (ES) by its
    /// active contract.
    ///
    /// - Throws: `DataError` for a symbol the registry does not know; `LiveSetupError` when the
    ///   gateway has no active contract for it.
    public func contract(for symbol: String, registry: ContractRegistry) async throws -> (PXContract, ContractSpec) {
        if let dated = ContractID(cme: symbol.uppercased()) {
            let spec = try registry.spec(for: dated.symbol)
            return (try await contract(id: dated.projectXID(registry: registry)), spec)
        }
        let spec = try registry.spec(for: symbol.uppercased())
        let found = try await searchContracts(spec.projectXRoot)
        guard let c = found.first(where: { $0.activeContract && $0.id.contains(".\(spec.projectXRoot).") }) else {
            throw LiveSetupError("no active \(symbol) contract at the gateway (searched '\(spec.projectXRoot)')")
        }
        return (c, spec)
    }
}
