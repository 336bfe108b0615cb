/**
 * The `identify:` line that would tell the backends apart, from what the servers of unidentified
 * connections sent: a 101 header, a sticky cookie or a field of a first JSON message whose name or
 * value says "server".
 */
const SERVERISH = /serv|backend|node|host|instance|pod|upstream|worker|replica|shard|route|sticky/i;
/** Values that name proxy software, not one of its backends (`Server: nginx/1.22.1`). */
const SOFTWARE = /^(nginx|haproxy|caddy|envoy|apache|openresty|cloudflare|traefik)\b/i;

export function suggestIdentify(
  headers: readonly string[],
  messages: readonly string[],
  expected: readonly string[],
): string | null {
  const named = (value: string) => expected.includes(value);
  const headerPairs = headers.map((line) => {
    const at = line.indexOf(': ');
    return { name: line.slice(0, at), value: line.slice(at + 2) };
  });
  const cookie = headerPairs.find((pair) => pair.name === 'set-cookie' && SERVERISH.test(pair.value.split('=')[0]));
  const header =
    headerPairs.find((pair) => pair.name !== 'set-cookie' && named(pair.value)) ??
    headerPairs.find(
      (pair) =>
        pair.name !== 'set-cookie' && SERVERISH.test(pair.name) && !SOFTWARE.test(pair.value) && pair.name !== 'host',
    );
  if (header) return `identify: { header: ${header.name} }`;
  for (const message of messages) {
    const field = serverField(message, named);
    if (field) return `identify: { message_field: ${field} }`;
  }
  if (cookie) return `identify: { cookie: ${cookie.value.split('=')[0]} }`;
  return null;
}

/** The dotted path of a short string or number in a JSON message that names a backend, if one does. */
function serverField(message: string, named: (value: string) => boolean): string | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(message);
  } catch {
    return null;
  }
  const leaves: { path: string; key: string; value: string }[] = [];
  const walk = (value: unknown, path: string, depth: number) => {
    if (value === null || typeof value !== 'object' || depth > 3) return;
    for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
      const childPath = path ? `${path}.${key}` : key;
      if ((typeof child === 'string' && child.length > 0 && child.length <= 64) || typeof child === 'number')
        leaves.push({ path: childPath, key, value: String(child) });
      else walk(child, childPath, depth + 1);
    }
  };
  walk(parsed, '', 0);
  return (leaves.find((leaf) => named(leaf.value)) ?? leaves.find((leaf) => SERVERISH.test(leaf.key)))?.path ?? null;
}
