import { hold, type HoldOutcome, type ProbeIdentity, type ProbeTarget } from './probe-socket.js';

/** What the probe learnt about idle connections. */
export interface IdleFindings {
  /** The silence after which the target cut a silent connection, in seconds; null if none up to max_idle_s. */
  idle_timeout_s: number | null;
  /** Each silent connection's silence at its cut (s). */
  samples_s: number[];
  close_code: number | null;
  /** A connection that stayed silent for this long (just under the cut-off) and still carried a message. */
  confirmed_silent_s: number | null;
  confirmed: boolean | null;
  /** Whether a connection pinged every ping_interval_s outlived the cut-off (null when nothing was cut). */
  pings_keep_alive: boolean | null;
  ping_interval_s: number;
  /** Age of the pinged connection when it was cut, when it was (a lifetime limit rather than an idle one). */
  pinged_cut_after_s: number | null;
  /** The target pinged the probe's silent connections itself (a server keepalive). */
  server_pings: number;
  /** Messages the target sent on the probe's silent connections after the first. */
  server_messages: number;
  max_idle_s: number;
  /** Connections this phase opened. */
  connections: number;
}

const SILENT_CONNECTIONS = 2;
const PING_EVERY_MS = 1000;
/** Margin past the cut-off that a pinged connection must survive to count as kept alive. */
const KEPT_MARGIN_MS = 2000;
/** How much shorter than the cut-off the confirming connection stays silent. */
const CONFIRM_UNDER_MS = 1000;
// Stays under the cut-off even when the target never answers (the cut then comes a full cut-off after open).
const ANSWER_WAIT_MS = 500;

const seconds = (ms: number) => Math.round(ms / 10) / 100;

/**
 * Holds silent connections until the target cuts them (their silence at the cut is the cut-off,
 * to the millisecond, rather than bisected from many windows), a pinged one beside them, and then
 * confirms with one connection silent for a second less that still carries a message.
 */
export async function probeIdle(
  target: ProbeTarget,
  identity: ProbeIdentity,
  maxIdleMs: number,
  log: (line: string) => void,
): Promise<IdleFindings> {
  log(
    `idle: holding ${SILENT_CONNECTIONS} silent connections and one pinged every ` +
      `${PING_EVERY_MS / 1000} s (up to ${seconds(maxIdleMs)} s)`,
  );
  const silent = await Promise.all(
    Array.from({ length: SILENT_CONNECTIONS }, () => hold(target, identity, { boundMs: maxIdleMs })),
  );
  const pinged = await hold(target, identity, { boundMs: maxIdleMs + KEPT_MARGIN_MS, pingEveryMs: PING_EVERY_MS });
  const outcomes = await Promise.all(silent.map((connection) => connection.done));
  const cuts = outcomes.filter((outcome) => outcome.cut);
  const findings: IdleFindings = {
    idle_timeout_s: null,
    samples_s: cuts.map((outcome) => seconds(outcome.silentMs)),
    close_code: cuts[0]?.code ?? null,
    confirmed_silent_s: null,
    confirmed: null,
    pings_keep_alive: null,
    ping_interval_s: PING_EVERY_MS / 1000,
    pinged_cut_after_s: null,
    server_pings: outcomes.reduce((sum, outcome) => sum + outcome.serverPings, 0),
    server_messages: outcomes.reduce((sum, outcome) => sum + outcome.serverMessages, 0),
    max_idle_s: seconds(maxIdleMs),
    connections: SILENT_CONNECTIONS + 1,
  };
  if (cuts.length === 0) {
    pinged.stop();
    await pinged.done;
    return findings;
  }
  const cutOffMs = Math.min(...cuts.map((outcome) => outcome.silentMs));
  findings.idle_timeout_s = seconds(cutOffMs);
  log(
    `idle: silent connections cut after ${findings.samples_s.join(' s, ')} s (close ` +
      `${findings.close_code}); confirming`,
  );

  const keptUntil = pinged.openedAt + cutOffMs + KEPT_MARGIN_MS;
  const pingedOutcome = waitOrStop(pinged, keptUntil - Date.now());
  const confirmation =
    cutOffMs > CONFIRM_UNDER_MS + 500 ? confirm(target, identity, cutOffMs - CONFIRM_UNDER_MS) : Promise.resolve(null);
  if (cutOffMs > CONFIRM_UNDER_MS + 500) findings.connections += 1;
  const [pingResult, confirmed] = await Promise.all([pingedOutcome, confirmation]);
  findings.pings_keep_alive = !pingResult.cut;
  if (pingResult.cut) findings.pinged_cut_after_s = seconds(pingResult.ageMs);
  if (confirmed !== null) {
    findings.confirmed_silent_s = seconds(cutOffMs - CONFIRM_UNDER_MS);
    findings.confirmed = confirmed;
  }
  return findings;
}

async function waitOrStop(connection: Awaited<ReturnType<typeof hold>>, ms: number): Promise<HoldOutcome> {
  const timer = setTimeout(() => connection.stop(), Math.max(0, ms));
  const outcome = await connection.done;
  clearTimeout(timer);
  return outcome;
}

/**
 * A connection silent for `silentMs` that then sends one message: true if it was still open and not cut right after.
 */
async function confirm(target: ProbeTarget, identity: ProbeIdentity, silentMs: number): Promise<boolean> {
  const connection = await hold(target, identity, { boundMs: silentMs + ANSWER_WAIT_MS });
  const sendTimer = setTimeout(() => connection.send('stickler-probe'), silentMs);
  const outcome = await connection.done;
  clearTimeout(sendTimer);
  return !outcome.cut;
}
