/** The exit code of a run stopped by each signal (128 + its number, as a shell reports it). */
const SIGNAL_EXIT: Partial<Record<NodeJS.Signals, number>> = { SIGINT: 130, SIGTERM: 143 };

let received: NodeJS.Signals | null = null;

/**
 * Ctrl-C (or SIGTERM) once: the run stops, the partial summary is written, exit 130 (143). Reports are written
 * synchronously and renamed into place, so a signal during the end waits for the write and never leaves half a file.
 * Twice: leave at once (the process registry still kills every child on the way out).
 */
export function abortOnSignals(log: (line: string) => void): AbortController {
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) {
      log(`${signal} again: exiting now`);
      process.exit(SIGNAL_EXIT[signal] ?? 130);
    }
    received = signal;
    log(`${signal}: stopping the run and writing the partial summary (again to exit now)`);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return controller;
}

/** The exit code a signal received so far asks for (130 for SIGINT, 143 for SIGTERM), or null. */
export function signalExitCode(): number | null {
  return received ? (SIGNAL_EXIT[received] ?? 130) : null;
}
