import net from 'node:net';

/** Sends one command to HAProxy's admin socket and returns its answer. */
export function haproxyCommand(socketPath: string, command: string, timeoutMs = 3000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(socketPath);
    let answer = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`HAProxy admin socket did not answer "${command}" within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.write(`${command}\n`));
    socket.on('data', (chunk) => {
      answer += chunk;
    });
    socket.on('end', () => {
      clearTimeout(timer);
      resolve(answer);
    });
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

export interface HaproxyServerStat {
  backend: string;
  server: string;
  /** UP, DOWN, DRAIN, MAINT, NOLB... without the transition counter ("UP 1/2" is UP while checks settle). */
  status: string;
  status_detail: string;
  current_sessions: number;
  total_sessions: number;
}

/** `show stat`, server rows only: status (UP, DOWN, DRAIN, MAINT), current and total sessions. */
export async function haproxyServerStats(socketPath: string): Promise<HaproxyServerStat[]> {
  return parseHaproxyStatCsv(await haproxyCommand(socketPath, 'show stat'));
}

/**
 * HAProxy's stats from where a user says they are: an admin socket (a path) or a stats page
 * (http://host:port/haproxy_stats, read as CSV).
 */
export async function readHaproxyStats(source: string, timeoutMs = 3000): Promise<HaproxyServerStat[]> {
  if (!/^https?:\/\//.test(source)) return haproxyServerStats(source);
  const url = source.endsWith(';csv') ? source : `${source};csv`;
  const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  if (!response.ok) throw new Error(`HAProxy stats page ${url} answered ${response.status}`);
  return parseHaproxyStatCsv(await response.text());
}

export function parseHaproxyStatCsv(csv: string): HaproxyServerStat[] {
  const lines = csv.trim().split('\n');
  const header = lines[0].replace(/^# /, '').split(',');
  const column = (name: string) => header.indexOf(name);
  return lines
    .slice(1)
    .map((line) => line.split(','))
    .filter(
      (fields) =>
        fields[column('svname')] !== 'FRONTEND' &&
        fields[column('svname')] !== 'BACKEND' &&
        fields.length >= header.length - 1,
    )
    .map((fields) => ({
      backend: fields[column('pxname')],
      server: fields[column('svname')],
      status: fields[column('status')].split(' ')[0],
      status_detail: `${fields[column('status')]} ${fields[column('check_status')] ?? ''}`.trim(),
      current_sessions: Number(fields[column('scur')]),
      total_sessions: Number(fields[column('stot')]),
    }));
}

/** Server states in which HAProxy sends a server no new (non-persistent) connection. */
export function haproxyStatusServes(status: string): boolean {
  return !['DOWN', 'MAINT', 'DRAIN', 'NOLB'].includes(status);
}
