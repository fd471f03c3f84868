"""Real python-socketio clients against a running tandem-server's Socket.IO endpoint.

    python clients.py BASE_URL SCENARIO [DATABASE_URL]

SCENARIO is one of: connect, collaborate, ping-timeout, reconnect, db-write (which needs the PostgreSQL URL of the
server's database, and psql). Users alice and bob (passwords
alice-pw, bob-pw, both Editors) must exist; record Contact:<n> is picked fresh per run. Prints one line per check
and "ok SCENARIO" at the end; any failed check raises (exit status 1) with what was expected and what came.
Every wait is bounded (WAIT seconds), so a broken server fails the run instead of hanging it.
"""

import asyncio
import json
import sys

import aiohttp
import socketio

NAMESPACE = "/collaboration"
WAIT = 15.0


def check(condition, what):
    if not condition:
        raise AssertionError(what)
    print("checked:", what.split(":")[0], flush=True)


async def login(base, username):
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{base}/api/v1/security/login",
                             json={"username": username, "password": f"{username}-pw", "provider": "db"}) as reply:
            body = await reply.json()
            check(reply.status == 200, f"login {username}: {reply.status} {body}")
            return body["access_token"]


class Collaborator:
    """One AsyncClient on /collaboration that records every event it is sent, in order."""

    def __init__(self, name, reconnection=False):
        self.name = name
        self.sio = socketio.AsyncClient(reconnection=reconnection, reconnection_delay=0.2,
                                        reconnection_delay_max=0.2, randomization_factor=0)
        self.events = []
        self.arrived = asyncio.Condition()
        self.connect_errors = []
        self.connects = 0
        self.connected = asyncio.Event()
        self.disconnected = asyncio.Event()
        self.disconnect_reasons = []
        self.hold_disconnect = None  # an asyncio.Event the disconnect handler waits for (before any reconnect)

        @self.sio.on("*", namespace=NAMESPACE)
        async def any_event(event, data):
            async with self.arrived:
                self.events.append((event, data))
                self.arrived.notify_all()

        @self.sio.on("connect", namespace=NAMESPACE)
        async def on_connect():
            self.connects += 1
            self.disconnected.clear()
            self.connected.set()

        @self.sio.on("connect_error", namespace=NAMESPACE)
        async def on_connect_error(data):
            self.connect_errors.append(data)

        @self.sio.on("disconnect", namespace=NAMESPACE)
        async def on_disconnect(reason):
            self.disconnect_reasons.append(reason)
            self.connected.clear()
            self.disconnected.set()
            if self.hold_disconnect is not None:
                await self.hold_disconnect.wait()

    async def connect(self, base, token):
        await self.sio.connect(base, namespaces=[NAMESPACE], auth={"token": token}, transports=["websocket"],
                               wait_timeout=WAIT)

    async def call(self, event, data):
        return await self.sio.call(event, data, namespace=NAMESPACE, timeout=WAIT)

    async def event(self, name, where=lambda data: True, after=0):
        """The first event `name` at index >= after for which `where` holds; waits for it (bounded)."""
        def find():
            for index in range(after, len(self.events)):
                event, data = self.events[index]
                if event == name and where(data):
                    return index, data
            return None

        async def wait():
            async with self.arrived:
                await self.arrived.wait_for(find)
                return find()

        try:
            return await asyncio.wait_for(wait(), WAIT)
        except asyncio.TimeoutError:
            raise AssertionError(f"{self.name} got no {name} event in {WAIT}s; events: {self.events}")

    def stop_ponging(self):
        """Makes the Engine.IO client ignore the server's pings (it stays connected and keeps reading)."""
        eio = self.sio.eio
        original = eio._receive_packet

        async def receive(packet):
            if packet.packet_type == 2:  # PING
                return
            await original(packet)

        eio._receive_packet = receive
        return lambda: setattr(eio, "_receive_packet", original)


async def join(client, record):
    answer = await client.call("join_collaboration", {"model": "Contact", "record_id": record})
    check(answer.get("type") == "joined", f"{client.name} joins Contact:{record}: the ack is {answer}")
    return answer


async def scenario_connect(base, record):
    alice = Collaborator("alice")
    await alice.connect(base, await login(base, "alice"))
    check(alice.sio.connected, "a valid token connects")
    _, confirmed = await alice.event("connection_confirmed")
    check(confirmed["user"]["username"] == "alice", f"connection_confirmed names the user: {confirmed}")
    check(alice.sio.namespaces[NAMESPACE] == confirmed["connection_id"],
          f"the namespace sid is the connection id: {alice.sio.namespaces} vs {confirmed}")
    await alice.sio.disconnect()

    for token, expected in [("not-a-jwt", "invalid or expired token"), (None, "no token")]:
        client = Collaborator("mallory")
        try:
            auth = {"token": token} if token else None
            await client.sio.connect(base, namespaces=[NAMESPACE], auth=auth, transports=["websocket"],
                                     wait_timeout=WAIT)
            raise AssertionError(f"token {token!r} connected")
        except socketio.exceptions.ConnectionError:
            pass
        check(len(client.connect_errors) == 1 and expected in client.connect_errors[0]["message"],
              f"token {token!r} gets connect_error naming it: {client.connect_errors}")
        await client.sio.disconnect()

    default = socketio.AsyncClient(reconnection=False)
    errors = []
    default.on("connect_error", lambda data: errors.append(data))
    try:
        await default.connect(base, auth={"token": await login(base, "alice")}, transports=["websocket"],
                              wait_timeout=WAIT)
        raise AssertionError("the default namespace connected")
    except socketio.exceptions.ConnectionError:
        pass
    check(len(errors) == 1 and NAMESPACE in errors[0]["message"],
          f"the default namespace's connect_error names {NAMESPACE}: {errors}")
    await default.disconnect()

    async with aiohttp.ClientSession() as http:
        async with http.get(f"{base}/socket.io/?EIO=4&transport=polling") as reply:
            body = await reply.json()
            check(reply.status == 400 and body["code"] == 0 and "websocket" in body["message"],
                  f"long-polling is refused with Engine.IO's error: {reply.status} {body}")


async def two_joined(base, record, bob_reconnects=False):
    alice = Collaborator("alice")
    bob = Collaborator("bob", reconnection=bob_reconnects)
    await alice.connect(base, await login(base, "alice"))
    await bob.connect(base, await login(base, "bob"))
    joined = await join(alice, record)
    mark = len(alice.events)
    await join(bob, record)
    await alice.event("user_joined", lambda data: data["user"]["username"] == "bob", after=mark)
    return alice, bob, joined["version"]


async def scenario_collaborate(base, record):
    alice, bob, version = await two_joined(base, record)
    session = f"Contact:{record}"
    mark = len(alice.events)
    ack = await bob.call("field_change", {"session_id": session, "field": "name", "base_version": version,
                                          "value": "Bob's name", "rid": "r-1"})
    check(ack["type"] == "ack" and ack["version"] == version + 1 and ack["rid"] == "r-1",
          f"the acknowledgement of change carries the ack with the client's rid: {ack}")
    _, changed = await alice.event("model_changed", after=mark)
    check(changed["field"] == "name" and changed["value"] == "Bob's name" and changed["version"] == version + 1
          and changed["user"]["username"] == "bob" and changed["origin"] == "ws",
          f"the other user gets model_changed: {changed}")

    error = await bob.call("field_change", {"session_id": session, "field": "no_such_field",
                                            "base_version": version + 1, "value": 1})
    check(error["type"] == "error" and error["code"] == "unknown_field" and "rid" not in error,
          f"an error answers as the acknowledgement: {error}")

    mark = len(bob.events)
    await bob.sio.emit("ping", {"rid": 9}, namespace=NAMESPACE)
    _, pong = await bob.event("pong", after=mark)
    check(pong["rid"] == 9, f"an event sent without an acknowledgement is answered by an event: {pong}")

    mark = len(bob.events)
    await bob.sio.emit("comment", {"session_id": session, "field": "name", "text": "x" * 70_000}, namespace=NAMESPACE)
    _, too_large = await bob.event("error", lambda data: data["code"] == "too_large", after=mark)
    check("more than the limit of 65536 bytes" in too_large["message"],
          f"a packet past the frame limit is too_large, as on /ws: {too_large}")
    pong = await bob.call("ping", {})
    check(pong["type"] == "pong", f"and the connection is kept: {pong}")

    mark = len(alice.events)
    await bob.sio.emit("cursor", {"session_id": session, "field": "name", "state": "focus"}, namespace=NAMESPACE)
    _, cursor = await alice.event("cursor_moved", after=mark)
    check(cursor["user"]["username"] == "bob", f"pushes are events of their type: {cursor}")

    await alice.sio.disconnect()
    await bob.sio.disconnect()


async def scenario_ping_timeout(base, record):
    alice, bob, _ = await two_joined(base, record)
    mark = len(alice.events)
    bob.stop_ponging()
    await asyncio.wait_for(bob.disconnected.wait(), WAIT)
    check(bob.disconnect_reasons and bob.disconnect_reasons[0] != "client disconnect",
          f"the server dropped the client that stopped ponging: {bob.disconnect_reasons}")
    await alice.event("user_left", lambda data: data["user"]["username"] == "bob", after=mark)
    check(alice.sio.connected and not alice.disconnected.is_set(),
          "the client that pongs stays connected, though it sent no event all along")
    await alice.sio.disconnect()


async def scenario_reconnect(base, record):
    alice, bob, version = await two_joined(base, record, bob_reconnects=True)
    session = f"Contact:{record}"
    bob.hold_disconnect = asyncio.Event()
    restore = bob.stop_ponging()
    await asyncio.wait_for(bob.disconnected.wait(), WAIT)
    check(bob.disconnect_reasons[0] != "client disconnect", f"the server closed bob: {bob.disconnect_reasons}")
    ack = await alice.call("field_change", {"session_id": session, "field": "name", "base_version": version,
                                            "value": "changed while bob was away"})
    check(ack["type"] == "ack" and ack["version"] == version + 1, f"alice changes the record meanwhile: {ack}")
    restore()
    mark = len(bob.events)
    bob.hold_disconnect.set()
    bob.hold_disconnect = None
    await asyncio.wait_for(bob.connected.wait(), WAIT)
    check(bob.connects == 2, f"bob reconnected by himself: {bob.connects} connects")
    resynced = await bob.call("resync", {"session_id": session, "since_version": version})
    check(resynced["type"] == "resynced" and resynced["version"] == version + 1 and resynced["recovered"] is True,
          f"resync answers resynced as the acknowledgement: {resynced}")
    _, replayed = await bob.event("model_changed", after=mark)
    check(replayed["version"] == version + 1 and replayed["value"] == "changed while bob was away",
          f"the change bob missed is replayed: {replayed}")
    await alice.sio.disconnect()
    await bob.sio.disconnect()


async def scenario_db_write(base, record, database):
    """Another application's UPDATE in PostgreSQL (psql here) reaches a Socket.IO client as model_changed, origin db."""
    alice = Collaborator("alice")
    await alice.connect(base, await login(base, "alice"))
    await join(alice, record)
    session = f"Contact:{record}"
    ack = await alice.call("field_change", {"session_id": session, "field": "age", "base_version": 0, "value": 30})
    check(ack["type"] == "ack", f"alice's change is acknowledged: {ack}")
    mark = len(alice.events)
    fields = json.dumps({"name": "Set with psql"})
    psql = await asyncio.create_subprocess_exec(
        "psql", database, "-v", "ON_ERROR_STOP=1", "-c",
        f"UPDATE tandem_records SET fields = fields || '{fields}' "
        f"WHERE model_name = 'Contact' AND record_id = '{record}'",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    output, _ = await psql.communicate()
    check(psql.returncode == 0, f"psql updates the record: {output.decode()}")
    _, changed = await alice.event("model_changed", after=mark)
    check(changed["origin"] == "db" and changed["field"] == "name" and changed["value"] == "Set with psql"
          and changed["version"] == ack["version"] + 1,
          f"the database write arrives as model_changed with origin db: {changed}")
    await alice.sio.disconnect()


SCENARIOS = {
    "connect": scenario_connect,
    "collaborate": scenario_collaborate,
    "ping-timeout": scenario_ping_timeout,
    "reconnect": scenario_reconnect,
    "db-write": scenario_db_write,
}


async def main():
    base, name = sys.argv[1], sys.argv[2]
    record = 1  # each run has a server of its own
    await asyncio.wait_for(SCENARIOS[name](base, record, *sys.argv[3:]), 4 * WAIT)
    print("ok", name, flush=True)


if __name__ == "__main__":
    asyncio.run(main())
