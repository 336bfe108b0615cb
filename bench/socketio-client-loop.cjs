// The plainest socket.io-client loop for the Socket.IO rows' work, the yardstick of those rows as bare-ws.js is the
// echo row's: N sessions opened over 10 s (50 every 100 ms), each from its own source address in 127.20.0.0/16 (the
// websocket transport's; engine.io-client's polling in Node binds none), each emitting `chat` with an ack, timing
// the ack into one HdrHistogram, the next emit a second after each ack, close() after M acks.
// usage: node socketio-client-loop.cjs SESSIONS ACKS URL [polling,websocket | websocket]
const { io } = require('socket.io-client');
const hdr = require('hdr-histogram-js');
const [N, M, url] = [+process.argv[2], +process.argv[3], process.argv[4]];
const transports = (process.argv[5] ?? 'polling,websocket').split(',');
const h = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60e6, numberOfSignificantValueDigits: 3 });
let acks = 0,
  failed = 0,
  done = 0;
const now = () => Number(process.hrtime.bigint() / 1000n);
const pad = 'x'.repeat(40);
function session(i) {
  const ip = `127.${20 + (i >> 16)}.${(i >> 8) & 255}.${i & 255 || 1}`;
  // withCredentials: engine.io-client keeps the balancer's cookie in Node, as a browser would.
  const socket = io(url, { transports, localAddress: ip, forceNew: true, reconnection: false, withCredentials: true });
  let sent = 0;
  const send = () => {
    const t = now();
    socket.emit('chat', { n: sent++, pad }, () => {
      h.recordValue(now() - t);
      acks++;
      if (sent < M) setTimeout(send, 1000);
      else socket.close();
    });
  };
  socket.once('connect', send);
  socket.on('disconnect', () => {
    if (++done === N) finish();
  });
  socket.on('connect_error', () => {
    failed++;
    if (++done === N) finish();
  });
}
function finish() {
  console.log(
    JSON.stringify({
      tool: 'socketio-client',
      echoes: acks,
      failed,
      p50_us: h.getValueAtPercentile(50),
      p99_us: h.getValueAtPercentile(99),
    }),
  );
  process.exit(0);
}
let i = 0;
const iv = setInterval(() => {
  for (let k = 0; k < N / 100 && i < N; k++) session(i++);
  if (i >= N) clearInterval(iv);
}, 100); // N over 10 s
