"""A Socket.IO load client shaped like tandem-load: N python-socketio clients (WebSocket transport) join
records round-robin, then each sends one whole-value change of `age` every interval (fire and forget, with a
change_id and rid, answered by `ack` events) for the duration, based on the newest version it saw.

    python load.py BASE_URL CLIENTS RECORDS DURATION_S INTERVAL_S [USERNAME]

Prints "<n> clients joined; sending" when sending begins (scripts/socketio/bench.sh waits for it) and at the end
the changes sent, acks and model_changed events received, and errors.
"""

import asyncio
import json
import random
import sys
import urllib.request

import socketio

NAMESPACE = "/collaboration"


def login(base, username):
    body = json.dumps({"username": username, "password": username, "provider": "db"}).encode()
    request = urllib.request.Request(f"{base}/api/v1/security/login", body, {"Content-Type": "application/json"})
    with urllib.request.urlopen(request) as reply:
        return json.load(reply)["access_token"]


class Counts:
    def __init__(self):
        self.sent = self.acks = self.changes = self.errors = 0


async def client(index, base, token, record, joined, start, duration, interval, counts, rng):
    sio = socketio.AsyncClient(reconnection=False)
    version = 0

    @sio.on("model_changed", namespace=NAMESPACE)
    async def changed(data):
        nonlocal version
        version = max(version, data["version"])
        counts.changes += 1

    @sio.on("ack", namespace=NAMESPACE)
    async def acked(data):
        nonlocal version
        version = max(version, data["version"])
        counts.acks += 1

    @sio.on("error", namespace=NAMESPACE)
    async def failed(data):
        counts.errors += 1

    await sio.connect(base, namespaces=[NAMESPACE], auth={"token": token}, transports=["websocket"], wait_timeout=30)
    answer = await sio.call("join_collaboration", {"model": "Contact", "record_id": record}, namespace=NAMESPACE,
                            timeout=30)
    version = max(version, answer["version"])
    joined.release()
    await start.wait()
    loop = asyncio.get_running_loop()
    deadline = loop.time() + duration
    await asyncio.sleep(rng.random() * interval)
    sequence = 0
    while loop.time() < deadline:
        sequence += 1
        await sio.emit("field_change", {"session_id": f"Contact:{record}", "field": "age", "base_version": version,
                                        "value": sequence, "change_id": f"sio-{index}-{sequence}",
                                        "rid": sequence + 1}, namespace=NAMESPACE)
        counts.sent += 1
        await asyncio.sleep(interval)
    await asyncio.sleep(2)
    await sio.disconnect()


async def main():
    base, clients, records, duration, interval = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), \
        float(sys.argv[5])
    username = sys.argv[6] if len(sys.argv) > 6 else "editor"
    token = login(base, username)
    counts = Counts()
    joined = asyncio.Semaphore(0)
    start = asyncio.Event()
    rng = random.Random(1)
    tasks = [asyncio.create_task(client(i, base, token, 1 + i % records, joined, start, duration, interval, counts, rng))
             for i in range(clients)]
    for _ in range(clients):
        await joined.acquire()
    print(f"{clients} clients joined; sending", flush=True)
    start.set()
    await asyncio.gather(*tasks)
    print(f"changes sent: {counts.sent}, acks: {counts.acks}, model_changed received: {counts.changes}, "
          f"errors: {counts.errors}", flush=True)


if __name__ == "__main__":
    asyncio.run(main())
