import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { decodePayload, encodePayload, type Packet } from 'engine.io-parser';

/** How a client's HTTP polls go out: like its WebSocket handshakes (address, key, cookies), see clientRequest. */
export interface PollingClient {
  /** The request as clientRequest builds it for `url` (session key, cookies from the jar, X-Forwarded-For). */
  request(url: string): { url: string; headers: Record<string, string>; bindAddress: string | null };
  /** Set-Cookie of a response, for the client's jar (HAProxy's sticky cookie comes on the first poll). */
  storeCookies(setCookie: string[] | undefined): void;
  tlsOptions?: { ca?: string; rejectUnauthorized?: boolean };
  identifyHeader: string;
  /** Longest wait for one response (default POLL_TIMEOUT_MS). */
  timeoutMs?: number;
  /** The client's own keep-alive agent for a run of polls (withKeptConnection); else each poll its own connection. */
  agent?: http.Agent;
}

/**
 * Runs `polls` with the client's polls on one kept-alive connection (as a browser's are), closed after: a session's
 * start is three polls, each a TCP connection of its own without it (bound, connected, closed: at 5,000 sessions
 * 10,000 connections more through the balancer, on the same cores as the nodes). The connection is the client's alone:
 * a balancer that routes by connection sees each client's polls come as its own.
 */
export async function withKeptConnection<T>(
  client: PollingClient,
  secure: boolean,
  polls: (kept: PollingClient) => Promise<T>,
): Promise<T> {
  const agent = new (secure ? https : http).Agent({ keepAlive: true, maxSockets: 1 });
  try {
    return await polls({ ...client, agent });
  } finally {
    agent.destroy();
  }
}

export interface PollResponse {
  status: number;
  body: string;
  /** The backend the response names (identify.header), if it does. */
  backend: string | null;
}

/** The request was taken and not answered in time. */
export class PollTimeout extends Error {}

/** A poll never waits longer than this (a GET is held by the server until it has something, up to pingInterval). */
const POLL_TIMEOUT_MS = 10_000;

/** One Engine.IO polling request: GET (a poll) or POST (packets to send). */
export function poll(
  client: PollingClient,
  url: string,
  packets?: Packet[],
  signal?: AbortSignal,
): Promise<PollResponse> {
  const { url: full, headers, bindAddress } = client.request(url);
  const target = new URL(full);
  const body = packets ? encodePackets(packets) : undefined;
  return new Promise((resolve, reject) => {
    const lib = target.protocol === 'https:' ? https : http;
    const request = lib.request(
      target,
      {
        method: body === undefined ? 'GET' : 'POST',
        headers: {
          ...headers,
          ...(body !== undefined
            ? { 'content-type': 'text/plain;charset=UTF-8', 'content-length': String(Buffer.byteLength(body)) }
            : {}),
        },
        agent: client.agent ?? false,
        timeout: client.timeoutMs ?? POLL_TIMEOUT_MS,
        ...(signal ? { signal } : {}),
        ...(bindAddress ? { localAddress: bindAddress, ...(net.isIPv4(bindAddress) ? { family: 4 } : {}) } : {}),
        ...client.tlsOptions,
      },
      (response) => {
        client.storeCookies(response.headers['set-cookie']);
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const named = response.headers[client.identifyHeader];
          resolve({
            status: response.statusCode ?? 0,
            body: Buffer.concat(chunks).toString(),
            backend: typeof named === 'string' && named ? named : null,
          });
        });
        response.on('error', reject);
      },
    );
    request.on('timeout', () =>
      request.destroy(new PollTimeout(`no answer within ${client.timeoutMs ?? POLL_TIMEOUT_MS} ms`)),
    );
    request.on('error', reject);
    request.end(body);
  });
}

function encodePackets(packets: Packet[]): string {
  let out = '';
  encodePayload(packets, (encoded) => (out = encoded as string));
  return out;
}

export function decodePackets(body: string): Packet[] {
  return decodePayload(body);
}

/** Engine.IO's answer to a request of a session the node does not hold. */
export function isUnknownSession(response: PollResponse): boolean {
  return response.status === 400 && /Session ID unknown/i.test(response.body);
}
