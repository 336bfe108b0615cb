import { spawn } from 'node:child_process';

/**
 * Ties a process group's life to stickler's, however stickler ends (a SIGKILL from a CI runner
 * included): a tiny shell in a session of its own holds a pipe from stickler and blocks reading
 * it; when the pipe closes, because stickler is gone, it SIGKILLs the group. `release` ends the
 * watchdog once the group has been stopped the normal way.
 */
export function guardProcessGroup(pgid: number): { release(): void } {
  return guardWith('read -r _; kill -KILL "-$0" 2>/dev/null', [String(pgid)]);
}

/** The same for a change to the machine: `undo` (a shell command) runs when stickler goes away without releasing it. */
export function guardUndo(undo: string): { release(): void } {
  return guardWith(`read -r _; ${undo}`, []);
}

function guardWith(script: string, args: string[]): { release(): void } {
  const watchdog = spawn('/bin/sh', ['-c', script, ...args], {
    stdio: ['pipe', 'ignore', 'ignore'],
    detached: true,
  });
  // Neither the watchdog nor its pipe keeps stickler's event loop alive.
  watchdog.unref();
  // The pipe's unref is a net.Socket method that the Writable type of stdin does not declare.
  (watchdog.stdin as (NodeJS.WritableStream & { unref?: () => void }) | null)?.unref?.();
  watchdog.on('error', () => {});
  return {
    release() {
      try {
        watchdog.kill('SIGKILL');
      } catch {
        // already gone
      }
    },
  };
}
