// client-state.js — the pure state machines of the browser client: nothing here touches the DOM, a socket or a clock.
//
// - OTClientState: ot.js's Client for one OT-edited text field, as the engine's OTClientState (TandemCore/Text).
// - ConnectionState: the connection badge's states (connecting, connected, reconnecting, offline) and when to try again
//   (exponential backoff with jitter; the random number is passed in).

import { TextOperation, TextOperationError } from "./text-operation.js";

/**
 * The client side of one OT-edited text field: ot.js's Client state machine, a sans-IO value.
 *
 * Phases, as in ot.js: "synchronized" (nothing in flight), "awaitingConfirm" (one op sent, not yet acknowledged) and
 * "awaitingWithBuffer" (one op in flight plus later local edits composed into a buffer, sent when the ack comes).
 * `version` is the last record version this client has seen; versions also count changes to other fields, so they may
 * skip: report those with advance(). Server events must arrive in version order, as the protocol guarantees.
 */
export class OTClientState {
  constructor(version) {
    this.version = version;
    /** { name: "synchronized" } | { name: "awaitingConfirm", outstanding } | { name: "awaitingWithBuffer", outstanding, buffer } */
    this.phase = { name: "synchronized" };
  }

  /** Records a local edit (already applied to the local text); returns `{baseVersion, operation}` to send now, or null. */
  applyClient(operation) {
    const phase = this.phase;
    switch (phase.name) {
      case "synchronized":
        this.phase = { name: "awaitingConfirm", outstanding: operation };
        return { baseVersion: this.version, operation };
      case "awaitingConfirm":
        this.phase = { name: "awaitingWithBuffer", outstanding: phase.outstanding, buffer: operation };
        return null;
      default:
        this.phase = { name: "awaitingWithBuffer", outstanding: phase.outstanding, buffer: phase.buffer.compose(operation) };
        return null;
    }
  }

  /** Takes another participant's committed op at `version`; returns the op to apply to the local text. */
  applyServer(operation, version) {
    this.checkForward(version);
    const phase = this.phase;
    let local;
    switch (phase.name) {
      case "synchronized":
        local = operation;
        break;
      case "awaitingConfirm": {
        const [outstandingPrime, operationPrime] = TextOperation.transform(phase.outstanding, operation);
        this.phase = { name: "awaitingConfirm", outstanding: outstandingPrime };
        local = operationPrime;
        break;
      }
      default: {
        const [outstandingPrime, operationPrime] = TextOperation.transform(phase.outstanding, operation);
        const [bufferPrime, operationPrimePrime] = TextOperation.transform(phase.buffer, operationPrime);
        this.phase = { name: "awaitingWithBuffer", outstanding: outstandingPrime, buffer: bufferPrime };
        local = operationPrimePrime;
      }
    }
    this.version = version;
    return local;
  }

  /** Takes the ack of the outstanding op, committed at `version`; returns the buffered op to send next, or null. */
  serverAck(version) {
    this.checkForward(version);
    const phase = this.phase;
    switch (phase.name) {
      case "synchronized":
        throw new TextOperationError("There is no pending operation.");
      case "awaitingConfirm":
        this.version = version;
        this.phase = { name: "synchronized" };
        return null;
      default:
        this.version = version;
        this.phase = { name: "awaitingConfirm", outstanding: phase.buffer };
        return { baseVersion: version, operation: phase.buffer };
    }
  }

  /** Notes that the record reached `version` through a change to another field; older versions are ignored. */
  advance(version) {
    this.version = Math.max(this.version, version);
  }

  /** The op to send again after a reconnect (ot.js's `resend`), or null when nothing is outstanding. */
  resend() {
    const phase = this.phase;
    if (phase.name === "synchronized") return null;
    return { baseVersion: this.version, operation: phase.outstanding };
  }

  /** Every local edit not yet acknowledged, as one op from the server's text at `version` to the local text. */
  pending() {
    const phase = this.phase;
    if (phase.name === "synchronized") return null;
    if (phase.name === "awaitingConfirm") return phase.outstanding;
    return phase.outstanding.compose(phase.buffer);
  }

  /** Moves an index of the server's text at `version` into the local text (another participant's cursor). */
  transformIndex(index) {
    const phase = this.phase;
    switch (phase.name) {
      case "synchronized":
        return index;
      case "awaitingConfirm":
        return phase.outstanding.transformIndex(index);
      default:
        return phase.buffer.transformIndex(phase.outstanding.transformIndex(index));
    }
  }

  checkForward(version) {
    if (!(version > this.version)) {
      throw new TextOperationError(`Version ${version} does not follow version ${this.version}.`);
    }
  }
}

/** Reconnect timing: exponential backoff, capped, with "equal jitter" (half fixed, half random). */
export const BACKOFF = Object.freeze({ initialMs: 250, maxMs: 15_000, offlineAfter: 4 });

/** The delay before reconnect attempt `attempt` (0 for the first), given `random` in [0, 1). */
export function backoffDelay(attempt, random, { initialMs = BACKOFF.initialMs, maxMs = BACKOFF.maxMs } = {}) {
  const ceiling = Math.min(maxMs, initialMs * 2 ** Math.min(attempt, 30));
  return Math.round(ceiling / 2 + (ceiling / 2) * random);
}

/**
 * The connection's state as the badge shows it, and what to do on each socket event. Pure: events in, decisions out.
 *
 * connecting → connected (on `connection_confirmed`) → reconnecting (socket closed; retry after a backoff) →
 * offline (after BACKOFF.offlineAfter failed attempts in a row, or when the browser says it is offline, or for good
 * when the server refused the token or we closed on purpose). Retries continue while offline unless `final`.
 */
export class ConnectionState {
  constructor(options = {}) {
    this.options = { ...BACKOFF, ...options };
    /** "connecting" | "connected" | "reconnecting" | "offline" */
    this.state = "connecting";
    /** Failed attempts since the last confirmed connection. */
    this.attempt = 0;
    /** Whether a connection was ever confirmed: later connections must resync rather than join. */
    this.everConnected = false;
    /** True once retrying is pointless (token refused, closed on purpose). */
    this.final = false;
  }

  /** The server confirmed the connection (`connection_confirmed`). Returns whether this is a reconnect. */
  confirmed() {
    const reconnect = this.everConnected;
    this.refreshedToken = false;
    this.state = "connected";
    this.attempt = 0;
    this.everConnected = true;
    return reconnect;
  }

  /**
   * The socket closed with `code` (or failed to open). Returns `{state, retryInMs}`; `retryInMs` is null when no
   * retry should be made. `random` is a number in [0, 1), `online` the browser's `navigator.onLine`.
   */
  closed(code, random, online = true) {
    if (this.final) return { state: this.state, retryInMs: null };
    // 1000: we closed on purpose; 4401: the token is not (or no longer) valid: a new page load must log in again.
    if (code === 1000 || code === 4401) {
      this.final = true;
      this.state = "offline";
      return { state: this.state, retryInMs: null };
    }
    // 4429 and 1008: the server throttled this client; wait as if several attempts had failed.
    const attempt = code === 4429 || code === 1008 ? Math.max(this.attempt, 4) : this.attempt;
    const retryInMs = backoffDelay(attempt, random, this.options);
    this.attempt = attempt + 1;
    this.state = !online || this.attempt > this.options.offlineAfter ? "offline" : "reconnecting";
    return { state: this.state, retryInMs };
  }

  /**
   * After a 4401 (token refused): whether one retry with a fresh token is worth it — once per confirmed connection,
   * so a token refused again ends it. When it is, the connection is no longer final and the badge says reconnecting.
   */
  retryWithNewToken() {
    if (this.stopped || this.refreshedToken) return false;
    this.refreshedToken = true;
    this.final = false;
    this.state = "reconnecting";
    return true;
  }

  /** We close for good (the page goes away or detach()). */
  stop() {
    this.stopped = true;
    this.final = true;
    this.state = "offline";
  }
}
