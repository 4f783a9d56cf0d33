import { describe, expect, it } from 'vitest';
import { PeerProcess, type PeerSpec } from '../bench/peers.js';

// A stand-in peer that ticks every 2 ms and answers each request with the longest time it went
// without running (ms, in `us`), counting up to the moment the request is read.
const TICKER = `
let last = Date.now(), gap = 0;
const note = () => { const now = Date.now(); gap = Math.max(gap, now - last); last = now; };
setInterval(note, 2);
console.log(JSON.stringify({ ready: true, detail: 'ticker' }));
require('node:readline').createInterface({ input: process.stdin }).on('line', (line) => {
  if (JSON.parse(line).cmd === 'quit') process.exit(0);
  note();
  console.log(JSON.stringify({ us: gap, medianUs: 0 }));
  gap = 0;
});
`;

describe('the benchmark pauses the other peers while one is timed', () => {
  it.runIf(process.platform !== 'win32')('a paused peer does not run until it is resumed, and answers after', async () => {
    const spec: PeerSpec = { id: 'ticker', command: process.execPath, args: ['-e', TICKER], isMatgrad: false, oneThread: true };
    const peer = await PeerProcess.start(spec);
    try {
      await peer.request({ cmd: 'latency', model: 'small' });
      peer.pause();
      await new Promise((resolve) => setTimeout(resolve, 300));
      peer.resume();
      const { us: longestGapMs } = await peer.request({ cmd: 'latency', model: 'small' });
      expect(longestGapMs).toBeGreaterThanOrEqual(250);
    } finally {
      await peer.stop();
    }
  });
});
