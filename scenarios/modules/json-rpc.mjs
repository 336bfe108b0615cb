// JSON-RPC 2.0 over WebSocket as a stickler protocol module (docs/protocol-modules.md).
//
// Each traffic message is a call of `echo` whose JSON-RPC id is the id stickler made; the response with that
// id is its reply. A response's `result.server` (if the service puts one there) names the backend; a
// notification (no id) is not a reply. Change METHOD and PARAMS to call one of your service's methods.

const METHOD = 'echo';
const PARAMS = { text: 'hello' };

/** @type {import('stickler').ProtocolModule} */
export default {
  create() {
    let named = false;
    return {
      message(id) {
        return JSON.stringify({ jsonrpc: '2.0', method: METHOD, params: PARAMS, id });
      },
      receive(frame) {
        let response;
        try {
          response = JSON.parse(String(frame));
        } catch {
          return null; // not JSON: not ours to judge
        }
        if (!response || response.id === undefined || response.id === null) return null;
        const event = { reply: String(response.id) };
        if (!named && typeof response.result?.server === 'string') {
          named = true;
          event.backend = response.result.server;
        }
        return event;
      },
    };
  },
};
