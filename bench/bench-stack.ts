import { parseScenarioText } from '../src/scenario/load.js';
import { ManagedStack } from '../src/stack/managed-stack.js';

/**
 * The benchmarks' target: a managed HAProxy (round robin, unless told another preset) to three
 * reference backends (unless told how many, or Socket.IO nodes), sized for `connections`, logging into `logDir`.
 * Started; the caller stops it.
 */
export async function startBenchStack(
  connections: number,
  logDir: string,
  preset = 'haproxy-round-robin',
  backends = 3,
  backend: 'reference' | 'socketio' = 'reference',
): Promise<ManagedStack> {
  const loaded = parseScenarioText(
    'bench',
    `name: bench-stack\ntarget: { stack: ${preset}, backends: ${backends}, backend: ${backend} }\nclients: { count: ${connections} }\nduration: 1s\n`,
  );
  if (!loaded.ok) throw new Error('bench plan');
  const stack = new ManagedStack(loaded.plan, { logDir });
  await stack.start();
  return stack;
}

export const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
