/**
 * Ctrl-C (or SIGTERM) once: the run stops, the partial summary is written, exit 130.
 * Twice: leave at once (the process registry still kills every child on the way out).
 */
export function abortOnSignals(log: (line: string) => void): AbortController {
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) {
      log(`${signal} again: exiting now`);
      process.exit(130);
    }
    log(`${signal}: stopping the run and writing the partial summary (again to exit now)`);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return controller;
}
