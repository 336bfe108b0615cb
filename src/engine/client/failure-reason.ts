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
  if (/Invalid Sec-WebSocket-Accept/i.test(error.message)) return { reason: 'bad_accept' };
  if (/Invalid Upgrade header/i.test(error.message)) return { reason: 'bad_upgrade' };
  if (error.code) return { reason: error.code };
  if (/socket hang up/i.test(error.message)) return { reason: 'ECONNRESET' };
  return { reason: 'error' };
}

/**
 * Why an open connection was closed by the client's own WebSocket layer (RFC 6455: it fails the
 * connection on a frame it cannot accept), as the keys of `disconnects.by_reason`.
 */
export function classifyProtocolError(error: Error & { code?: string }): string {
  if (error.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH' || error.code === 'WS_ERR_UNSUPPORTED_DATA_PAYLOAD_LENGTH')
    return 'message_too_big';
  if (error.code === 'WS_ERR_INVALID_UTF8') return 'invalid_utf8';
  if (error.code?.startsWith('WS_ERR_')) return 'protocol_error';
  return error.code ?? 'error';
}
