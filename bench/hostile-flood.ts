/**
 * A hostile target that answers every upgrade with one 50 MB frame, streamed as fast as the client
 * reads it: stickler's peak RSS (its whole process tree) while traffic.max_message refuses it, and how
 * many refusals were counted.
 *
 *   npm run build && node dist/bench/hostile-flood.js [clients] [max_message]    # default 200 1MiB
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { frameHeader, startHostileServer } from '../test/hostile/hostile-server.js';
import { watchTree } from './process-tree.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const clients = Number(process.argv[2] ?? 200);
const maxMessage = process.argv[3] ?? '1MiB';
const FRAME_BYTES = 50 * 1024 * 1024;
const CHUNK = Buffer.alloc(1024 * 1024, 0x78);
let bytesWritten = 0;

/** Writes the frame's payload chunk by chunk, waiting for the socket to drain, until it is all out or the client leaves. */
function flood(socket: import('node:net').Socket): void {
  socket.write(frameHeader(0x1, FRAME_BYTES));
  let left = FRAME_BYTES;
  const more = () => {
    while (left > 0 && !socket.destroyed) {
      const size = Math.min(left, CHUNK.length);
      left -= size;
      bytesWritten += size;
      if (!socket.write(CHUNK.subarray(0, size))) return void socket.once('drain', more);
    }
  };
  more();
}

const server = await startHostileServer({ kind: 'upgrade', after: (socket) => setTimeout(() => flood(socket), 100) });
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stickler-flood-'));
const file = path.join(dir, 'flood.yaml');
fs.writeFileSync(
  file,
  `name: flood\ntarget: { url: ws://placeholder/ }\nclients: { count: ${clients}, ramp: 2s }\nduration: 15s\ntraffic: { interval: 1s, max_message: ${maxMessage} }\n`,
);
const child = spawn(
  process.execPath,
  [path.join(root, 'bin/stickler.js'), 'run', file, '--url', server.url, '--out', path.join(dir, 'out'), '--quiet'],
  { stdio: 'ignore' },
);
const watch = watchTree(child.pid!, 100);
const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
const { peakRssBytes } = watch.stop();
await server.stop();
const summary = JSON.parse(fs.readFileSync(path.join(dir, 'out', 'summary.json'), 'utf8'));
process.stdout.write(
  `${JSON.stringify(
    {
      clients,
      max_message: maxMessage,
      exit: code,
      stickler_peak_rss_mb: Math.round(peakRssBytes / 1e5) / 10,
      connections_opened: summary.connections.opened,
      refused_message_too_big: summary.disconnects.by_reason.message_too_big ?? 0,
      unexpected_disconnects: summary.disconnects.unexpected,
      target_bytes_written_mb: Math.round(bytesWritten / 1e6),
    },
    null,
    2,
  )}\n`,
);
