import type { ChildProcess } from 'node:child_process';

/**
 * Every long-lived process stickler starts (backends, proxies) is registered here, so that no path
 * out of the program (normal end, error, signal, uncaught exception) leaves one behind.
 */
const live = new Map<ChildProcess, { group: boolean }>();
let hooked = false;

/** `group`: the child leads its own process group (detached), and the whole group is killed with it. */
export function registerProcess(child: ChildProcess, options: { group?: boolean } = {}): void {
  live.set(child, { group: options.group ?? false });
  child.once('exit', () => live.delete(child));
  if (!hooked) {
    hooked = true;
    // 'exit' handlers must be synchronous: a SIGKILL to each process group is all there is time for.
    process.once('exit', killAllNow);
  }
}

export function killAllNow(): void {
  for (const [child, { group }] of live) {
    if (child.pid === undefined) continue;
    try {
      // A paused (SIGSTOPped) process ignores SIGTERM; SIGKILL always lands. nginx workers survive
      // their master's SIGKILL, hence the process group.
      process.kill(group ? -child.pid : child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  live.clear();
}
