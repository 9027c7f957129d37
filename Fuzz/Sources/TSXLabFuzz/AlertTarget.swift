import Data
import Foundation
import Live
import Operations
import Trading

/// Alert webhook bodies through `AlertEndpoint.handle`, with the secret in the body or a header.
///
/// Input: byte 0 — bit 0: the `X-Tsxlab-Secret` header carries the right secret; the rest is the body.
/// Properties: every answer is 202 or a refusal (400, 401, 413, 422) that says what is wrong; an
/// order reaches the broker only with the secret, for a known symbol, a quantity in 1…limit and a
/// market order or a price on the tick grid.
let alertTarget = FuzzTarget(name: "alert") { data in
    guard let mode = data.first else { return }
    let body = Data(data.dropFirst())
    let answer = blocking { await alertEndpoint.handle(body: body, headerSecret: mode & 1 != 0 ? alertSecret : nil) }
    // An accepted order is for the quantity the body wrote, exactly (a number beyond Int64 must not
    // wrap into range).
    if answer.status == 202, answer.body["order"] != nil {
        let fields = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any]
        let written = (fields?["quantity"] as? NSNumber)?.decimalValue
        if written != Decimal(lastQuantity.value) { violated("the body asked for \(String(describing: written)) contracts, the order is for \(lastQuantity.value)") }
    }
    switch answer.status {
    case 202:
        if answer.body["status"] != "accepted" { violated("202 without 'accepted': \(answer.body)") }
    case 400, 401, 413, 422:
        if (answer.body["error"] ?? "").isEmpty { violated("refusal \(answer.status) says nothing") }
    default:
        violated("status \(answer.status)")
    }
}

private let alertSecret = "s3cret-fuzz"

/// The quantity of the last order that reached the broker (the fuzzer calls from one thread).
private final class LastQuantity: @unchecked Sendable { var value: Int64 = 0 }
private let lastQuantity = LastQuantity()
private let alertSymbols: [String: ContractSpec] = {
    var out: [String: ContractSpec] = [:]
    for s in ["ES", "MNQ", "6E"] { out[s] = try? ContractRegistry.builtIn.spec(for: s) }
    return out
}()

private let alertEndpoint = AlertEndpoint(
    secret: Secret(alertSecret), symbols: alertSymbols, maxQuantity: 3,
    now: { Date(timeIntervalSince1970: 1_764_000_000) },
    submit: { request, flatten in
        if let request {
            lastQuantity.value = request.quantity
            guard let spec = alertSymbols[request.symbol] else { violated("an order for unknown symbol \(request.symbol)") }
            if request.quantity < 1 || request.quantity > 3 { violated("an order for \(request.quantity) contracts") }
            switch request.kind {
            case .market: break
            case .limit(let p), .stop(let p): if p.ticks <= 0 { violated("an order at \(spec.tickSize.format(p))") }
            default: violated("an order of kind \(request.kind)")
            }
        } else if let flatten, alertSymbols[flatten] == nil {
            violated("a flatten for unknown symbol \(flatten)")
        }
        return .accepted(OrderID(1))
    })

/// Runs async work to its end from the fuzzer's synchronous callback.
func blocking<T: Sendable>(_ body: @escaping @Sendable () async -> T) -> T {
    let box = BlockingBox<T>()
    Task { box.value = await body(); box.done.signal() }
    box.done.wait()
    return box.value!
}

private final class BlockingBox<T>: @unchecked Sendable {
    var value: T?
    let done = DispatchSemaphore(value: 0)
}
