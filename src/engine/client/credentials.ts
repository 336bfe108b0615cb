import { CookieJar } from './cookie-jar.js';
import type { PollingIdentity } from '../wire/polling-client.js';

/**
 * What a client presents on every request: its session key value, its current address and the
 * cookies it keeps (and whether the target ever set one, so that a reconnect without one is the
 * client's own doing). A Socket.IO poll presents the same as a WebSocket handshake.
 */
export class ClientCredentials implements PollingIdentity {
  readonly jar = new CookieJar();
  /** Whether the stack ever set a cookie on this client. */
  sawSetCookie = false;

  constructor(
    readonly sessionValue: string,
    public address: string | null,
    private readonly keepsCookies: boolean,
  ) {}

  /** The Cookie header to send (the session-key cookie aside), when the client keeps cookies. */
  cookieHeader(): string | undefined {
    return this.keepsCookies ? this.jar.header() : undefined;
  }

  /** The client sends a cookie the target set. */
  get sendsCookie(): boolean {
    return this.keepsCookies && this.jar.size > 0;
  }

  /** Set-Cookie of a 101 or of a poll: kept when the client keeps cookies. */
  storeCookies(setCookie: string[] | undefined): void {
    if (setCookie && setCookie.length > 0) this.sawSetCookie = true;
    if (this.keepsCookies) this.jar.store(setCookie);
  }
}
