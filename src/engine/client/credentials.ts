import { CookieJar } from './cookie-jar.js';
import type { PollingIdentity } from '../wire/polling-client.js';
import { renderHandshake, type HandshakeExtras } from '../wire/handshake-extras.js';
import type { NamedTemplate } from '../../scenario/plan.js';
import type { DataRow } from '../../util/template.js';

/** What a client's own handshake is made of: the scenario's templates, its index and its data row. */
export interface ClientOwnHandshake {
  templates: { headers: readonly NamedTemplate[]; query: readonly NamedTemplate[] };
  index: number;
  row: DataRow | null;
}

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
    private readonly own: ClientOwnHandshake | null = null,
  ) {}

  handshake(): HandshakeExtras | undefined {
    const own = this.own;
    return own ? renderHandshake(own.templates, { client: own.index, session: this.sessionValue }, own.row) : undefined;
  }

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
