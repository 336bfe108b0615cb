/** Written out, or its reader gone (`| head`: an error on the stream): nothing more to wait for. */
const flushed = (stream: NodeJS.WriteStream) =>
  new Promise<void>((resolve) => stream.once('error', () => resolve()).write('', () => resolve()));

/**
 * Resolves once what stickler wrote to stdout and stderr has reached their pipes: a large output (a --json summary,
 * k8s manifests) waits in the process for a reader slower than stickler, and process.exit() would drop it.
 */
export const outputFlushed = () => Promise.all([flushed(process.stdout), flushed(process.stderr)]);
