// Bare `ws` client loop: the floor for a Node.js generator doing the same work (no scenario engine).
// usage: node bare-ws.js CONNS MSGS_PER_CONN URL ; needs ws + hdr-histogram-js resolvable (NODE_PATH)
const WebSocket = require('ws');
const hdr = require('hdr-histogram-js');
const [N, M, url] = [+process.argv[2], +process.argv[3], process.argv[4]];
const h = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60e6, numberOfSignificantValueDigits: 3 });
let echoes = 0,
  failed = 0,
  done = 0;
const now = () => Number(process.hrtime.bigint() / 1000n);
function vu(i) {
  const ip = `127.${20 + (i >> 16)}.${(i >> 8) & 255}.${i & 255 || 1}`;
  const ws = new WebSocket(url, { localAddress: ip, perMessageDeflate: false });
  let sent = 0,
    t = 0,
    first = true;
  const send = () => {
    t = now();
    ws.send('hello');
    sent++;
  };
  ws.on('message', () => {
    if (first) {
      first = false;
      send();
      return;
    } // greeting from backend, then start
    h.recordValue(now() - t);
    echoes++;
    if (sent < M) setTimeout(send, 1000);
    else {
      ws.close();
    }
  });
  ws.on('close', () => {
    if (++done === N) finish();
  });
  ws.on('error', () => {
    failed++;
  });
}
function finish() {
  console.log(
    JSON.stringify({
      tool: 'bare-ws',
      echoes,
      failed,
      p50_us: h.getValueAtPercentile(50),
      p99_us: h.getValueAtPercentile(99),
    }),
  );
}
let i = 0;
const iv = setInterval(() => {
  for (let k = 0; k < N / 100 && i < N; k++) vu(i++);
  if (i >= N) clearInterval(iv);
}, 100); // N over 10 s
