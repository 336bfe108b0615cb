/** Cookies a client keeps across reconnects, as a browser would (name=value only; one origin). */
export class CookieJar {
  /** Made on the first cookie: most clients of a run are never set one (a Map is about 200 bytes a client). */
  private cookies: Map<string, string> | null = null;

  /** Takes the Set-Cookie headers of a 101 response. */
  store(setCookie: string[] | string | undefined): void {
    if (!setCookie) return;
    for (const header of Array.isArray(setCookie) ? setCookie : [setCookie]) {
      const pair = header.split(';', 1)[0];
      const equals = pair.indexOf('=');
      if (equals > 0) (this.cookies ??= new Map()).set(pair.slice(0, equals).trim(), pair.slice(equals + 1).trim());
    }
  }

  get(name: string): string | undefined {
    return this.cookies?.get(name);
  }

  names(): string[] {
    return [...(this.cookies?.keys() ?? [])];
  }

  get size(): number {
    return this.cookies?.size ?? 0;
  }

  /** The Cookie request header, with `extra` (a session-key cookie) added; undefined when empty. */
  header(extra?: [string, string]): string | undefined {
    const pairs = [...(this.cookies?.entries() ?? [])];
    if (extra) pairs.push(extra);
    return pairs.length > 0 ? pairs.map(([name, value]) => `${name}=${value}`).join('; ') : undefined;
  }
}

/** The names of the cookies Set-Cookie headers set, in order. */
export function setCookieNames(setCookie: string[] | string | undefined): string[] {
  const jar = new CookieJar();
  jar.store(setCookie);
  return jar.names();
}

/** Reads one cookie from Set-Cookie headers without keeping it (to identify a backend by its cookie). */
export function cookieFromSetCookie(setCookie: string[] | string | undefined, name: string): string | undefined {
  const jar = new CookieJar();
  jar.store(setCookie);
  return jar.get(name);
}
