#!/usr/bin/env bash
# Memory per idle WebSocket (issue 10): starts a release tandem-server (`serve --demo`, SQLite on a temp folder),
# opens N authenticated WebSockets that each wait for `connection_confirmed` and then stay idle (no join, no
# frames), and prints the server's resident memory before and after, and the growth per connection.
#
#   scripts/idle-memory.sh                     # 10,000 sockets against .build-release/release/tandem-server
#   scripts/idle-memory.sh 2000                # another count
#   SERVER_BIN=.build-release/release/ws-floor scripts/idle-memory.sh   # the bare NIO floor, the same way
#   DEFLATE=1 scripts/idle-memory.sh 2000      # websocket.compression on, every socket negotiating permessage-deflate
#   ACTIVE=1 scripts/idle-memory.sh 2000       # active connections: each joins a record of its own and commits one
#                                              # change (waits for its ack) before the memory is read
set -euo pipefail
cd "$(dirname "$0")/.."
count=${1:-10000}
server_bin=${SERVER_BIN:-${SCRATCH:-.build-release}/release/tandem-server}
[ -x "$server_bin" ] || { echo "idle-memory: $server_bin is not built (swift build -c release --product tandem-server --scratch-path .build-release)" >&2; exit 2; }
ulimit -n "$(ulimit -Hn)"
[ "$(ulimit -n)" -gt $((count + 100)) ] || { echo "idle-memory: ulimit -n is $(ulimit -n), too low for $count sockets" >&2; exit 2; }
work=$(mktemp -d "${TMPDIR:-/tmp}/tandem-idle.XXXXXX")
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT INT TERM
TANDEM_PORT=0 TANDEM_BCRYPT_COST=4 TANDEM_LOG_LEVEL=warning TANDEM_DATA_DIR="$work/data" \
    TANDEM_JWT_SECRET="idle-memory-secret-0123456789abcdef-0123456789" \
    TANDEM_SOCKETS_PER_ADDRESS_MAX=$((count + 100)) TANDEM_SOCKET_UPGRADES_PER_SECOND_PER_ADDRESS=1000000 \
    TANDEM_WEBSOCKET_COMPRESSION=$([ "${DEFLATE:-0}" = 1 ] && echo on || echo off) \
    "$server_bin" serve --demo >"$work/stdout" 2>"$work/stderr" &
pid=$!
for _ in $(seq 300); do grep -q 'listening on' "$work/stdout" 2>/dev/null && break; sleep 0.1; done
url=$(sed -n 's/^tandem-server listening on //p' "$work/stdout" | head -1)
[ -n "$url" ] || { cat "$work/stderr" >&2; echo "idle-memory: the server did not start" >&2; exit 1; }
python3 - "$url" "$count" "$pid" "${DEFLATE:-0}" "${ACTIVE:-0}" <<'PY'
import asyncio, json, os, struct, sys, time, urllib.request

url, count, pid, deflate, active = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4] == "1", sys.argv[5] == "1"
host, port = url.removeprefix("http://").split(":")

def rss_kib():
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])

request = urllib.request.Request(url + "/api/v1/security/login", method="POST",
    data=json.dumps({"username": "editor", "password": "editor", "provider": "db"}).encode(),
    headers={"Content-Type": "application/json"})
token = json.load(urllib.request.urlopen(request))["access_token"]
upgrade = (f"GET /ws?token={token} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
           "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
           + ("Sec-WebSocket-Extensions: permessage-deflate\r\n" if deflate else "") + "\r\n").encode()

def frame(message):
    """One masked text frame (a client's frames must be masked)."""
    payload, mask = json.dumps(message).encode(), os.urandom(4)
    size = len(payload)
    header = bytes([0x81, 0x80 | size]) if size < 126 else bytes([0x81, 0x80 | 126]) + struct.pack("!H", size)
    return header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))

async def read_message(reader, buffered):
    """The next text frame from the server (unmasked, unfragmented), and what was read past it."""
    while True:
        if len(buffered) >= 2:
            size, start = buffered[1] & 0x7F, 2
            if size == 126:
                size, start = (struct.unpack("!H", buffered[2:4])[0], 4) if len(buffered) >= 4 else (None, 0)
            elif size == 127:
                size, start = (struct.unpack("!Q", buffered[2:10])[0], 10) if len(buffered) >= 10 else (None, 0)
            if size is not None and len(buffered) >= start + size:
                body, rest = buffered[start:start + size], buffered[start + size:]
                if buffered[0] & 0x0F == 1:
                    return json.loads(body), rest
                buffered = rest
                continue
        chunk = await asyncio.wait_for(reader.read(65536), 30)
        if not chunk:
            raise RuntimeError("closed while waiting for a frame")
        buffered += chunk

async def commit_one(index, reader, writer, buffered):
    """Joins record `index` of Contact and commits one change to it; returns once it is acknowledged."""
    record = str(index + 1)
    writer.write(frame({"type": "join_collaboration", "model": "Contact", "record_id": record}))
    joined, buffered = await reply(reader, buffered, "joined")
    writer.write(frame({"type": "field_change", "session_id": f"Contact:{record}", "field": "age",
                        "base_version": joined["version"], "value": index, "change_id": f"memory-{index}"}))
    await reply(reader, buffered, "ack")

async def reply(reader, buffered, wanted):
    """The next message of type `wanted` (others are skipped; an error ends the run)."""
    while True:
        message, buffered = await read_message(reader, buffered)
        if message["type"] == wanted:
            return message, buffered
        if message["type"] == "error":
            raise RuntimeError(f"waiting for {wanted}: {message}")

async def open_one(index):
    reader, writer = await asyncio.open_connection(host, int(port))
    writer.write(upgrade)
    seen = b""
    while b"connection_confirmed" not in seen:  # under 256 bytes: never compressed
        chunk = await asyncio.wait_for(reader.read(4096), 30)
        if not chunk:
            raise RuntimeError("closed before connection_confirmed: " + seen[:200].decode(errors="replace"))
        seen += chunk
    if deflate and b"permessage-deflate" not in seen.split(b"\r\n\r\n")[0].lower():
        raise RuntimeError("permessage-deflate was not negotiated: " + seen[:300].decode(errors="replace"))
    if active:
        head, _, rest = seen.partition(b"\r\n\r\n")
        _, buffered = await read_message(reader, rest)  # connection_confirmed
        await commit_one(index, reader, writer, buffered)
    return writer

async def main():
    time.sleep(1)
    before = rss_kib()
    writers = []
    started = time.monotonic()
    for start in range(0, count, 500):
        writers += await asyncio.gather(*(open_one(start + i) for i in range(min(500, count - start))))
    opened = time.monotonic() - started
    await asyncio.sleep(3)
    after = rss_kib()
    kind = "active (joined, one change committed)" if active else "idle"
    print(f"idle-memory: {count} {kind} WebSockets opened in {opened:.1f} s; server RSS {before / 1024:.1f} MiB -> "
          f"{after / 1024:.1f} MiB: {(after - before) / count:.1f} KiB per connection"
          + ("; permessage-deflate negotiated" if deflate else ""))
    for writer in writers:
        writer.close()

asyncio.run(main())
PY
