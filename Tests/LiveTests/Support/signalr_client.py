"""A third-party SignalR client (signalrcore, from PyPI) against the loopback gateway's hubs,
through negotiation as such clients connect by default.

    python signalr_client.py BASE_URL TOKEN CONTRACT ACCOUNT

Connects to both hubs, subscribes (market: quotes, trades, depth; user: accounts, orders,
positions, trades), prints `ready` once both are open and subscribed, then one line per message
received (`event TARGET`), and `done` once it has seen every target below (or after 120 s).
"""
import sys
import threading
import time

from signalrcore.hub_connection_builder import HubConnectionBuilder

base, token, contract, account = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
wanted = {"GatewayQuote", "GatewayTrade", "GatewayDepth", "GatewayUserOrder", "GatewayUserTrade", "GatewayUserPosition"}
seen = set()
lock = threading.Lock()
opened = {"user": threading.Event(), "market": threading.Event()}


def say(line):
    with lock:
        print(line, flush=True)


def connect(hub, targets):
    url = f"{base}/hubs/{hub}?access_token={token}"
    connection = HubConnectionBuilder().with_url(url, options={"skip_negotiation": False}).build()
    connection.on_open(lambda: opened[hub].set())
    for target in targets:
        def handler(args, target=target):
            say(f"event {target}")
            with lock:
                seen.add(target)
        connection.on(target, handler)
    connection.start()
    return connection


market = connect("market", ["GatewayQuote", "GatewayTrade", "GatewayDepth"])
user = connect("user", ["GatewayUserAccount", "GatewayUserOrder", "GatewayUserTrade", "GatewayUserPosition"])
for hub, event in opened.items():
    if not event.wait(30):
        say(f"error: the {hub} hub did not open")
        sys.exit(1)
# Each subscription answered (its completion) before `ready`.
answered = threading.Semaphore(0)
calls = [(market, m, [contract]) for m in ["SubscribeContractQuotes", "SubscribeContractTrades", "SubscribeContractMarketDepth"]]
calls += [(user, "SubscribeAccounts", [])] + [(user, m, [account]) for m in ["SubscribeOrders", "SubscribePositions", "SubscribeTrades"]]
for connection, method, arguments in calls:
    connection.invoke(method, arguments, lambda _message: answered.release())
for _ in calls:
    if not answered.acquire(timeout=30):
        say("error: a subscription was never answered")
        sys.exit(1)
say("ready")
deadline = time.time() + 120
while time.time() < deadline:
    with lock:
        if wanted <= seen:
            break
    time.sleep(0.05)
with lock:
    missing = sorted(wanted - seen)
say("done" if not missing else f"error: never received {', '.join(missing)}")
market.stop()
user.stop()
sys.exit(0 if not missing else 1)
