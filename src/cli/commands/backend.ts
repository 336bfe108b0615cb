import { startReferenceBackend } from '../../stack/backends/reference-backend.js';

/** `stickler backend`: the reference backend in the foreground, to put behind your own proxy. */
export async function backendCommand(args: { id: string; port: number; host: string }): Promise<number> {
  const backend = await startReferenceBackend(args);
  process.stderr.write(
    `backend ${args.id} listening on ws://` +
      `${args.host.includes(':') ? `[${args.host}]` : args.host}:${backend.port}/ (health: ` +
      `/health, /ws-health; counts: /stats)\n`,
  );
  await new Promise<void>((resolve) => {
    const stop = () => void backend.close().then(resolve);
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  return 0;
}
