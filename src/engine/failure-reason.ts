/** Classifies a failed handshake into the keys of `connections.failed_by_reason`. */
export interface FailureReason {
  reason: string;
  /** HTTP status of a refused upgrade (502, 503...), when there was one. */
  status?: number;
}

export function classifyConnectError(error: Error & { code?: string }): FailureReason {
  const status = /Unexpected server response: (\d{3})/.exec(error.message);
  if (status) return { reason: `http_${status[1]}`, status: Number(status[1]) };
  if (/handshake has timed out/i.test(error.message)) return { reason: 'timeout' };
  if (error.code) return { reason: error.code };
  if (/socket hang up/i.test(error.message)) return { reason: 'ECONNRESET' };
  return { reason: 'error' };
}
