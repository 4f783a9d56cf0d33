import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createEpochProgress, formatEpochSummary, type ProgressStream } from '../src/cli/progress.js';

function capture(isTTY: boolean): { stream: ProgressStream; text: () => string } {
  const stream = Object.assign(new PassThrough(), { isTTY, columns: 160 });
  const chunks: string[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c.toString()));
  return { stream, text: () => chunks.join('') };
}

const summary = { loss: 0.123456, accuracy: 0.9712, testAccuracy: 0.9605, seconds: 2, samples: 8000 };

function runEpochs(stream: ProgressStream): void {
  const progress = createEpochProgress(stream);
  for (let epoch = 1; epoch <= 2; epoch++) {
    progress.startEpoch(epoch, 10, 80);
    for (let b = 1; b <= 80; b++) progress.batch(b, 1 / b);
    progress.endEpoch({ ...summary, loss: summary.loss / epoch });
  }
}

describe('epoch progress', () => {
  it('formats a summary with the fields it has', () => {
    expect(formatEpochSummary(summary)).toBe('loss 0.1235 | train acc 97.12% | test acc 96.05% | 2.0 s | 4000 samples/s');
    expect(formatEpochSummary({ loss: 1, testLoss: 0.5, seconds: 0.5, samples: 10 })).toBe('loss 1.0000 | test loss 0.5000 | 0.5 s | 20 samples/s');
  });

  it('writes one plain line per epoch when the stream is not a terminal', async () => {
    const { stream, text } = capture(false);
    runEpochs(stream);
    await new Promise((r) => setImmediate(r));
    expect(text()).toBe(
      'epoch  1/10 | loss 0.1235 | train acc 97.12% | test acc 96.05% | 2.0 s | 4000 samples/s\n' +
        'epoch  2/10 | loss 0.0617 | train acc 97.12% | test acc 96.05% | 2.0 s | 4000 samples/s\n',
    );
  });

  it('redraws a bar in place on a terminal and leaves each epoch on its summary', async () => {
    const { stream, text } = capture(true);
    runEpochs(stream);
    await new Promise((r) => setImmediate(r));
    const out = text();
    // Redrawn in place: cursor moves back to column 1 instead of new lines per batch.
    expect(out).toContain('\x1b[1G');
    expect(out.split('\n').length - 1).toBe(2);
    const finals = out.split('\n').slice(0, 2).map((line) => line.split('\x1b[1G').filter((s) => s.includes('epoch')).at(-1)!);
    expect(finals[0]).toMatch(/^epoch {2}1\/10 \[█{24}\] 80\/80 \| loss 0\.1235 \| train acc 97\.12%/);
    expect(finals[1]).toMatch(/^epoch {2}2\/10 \[█{24}\] 80\/80 \| loss 0\.0617/);
  });

  it('refuses to end an epoch it never started', () => {
    for (const isTTY of [false, true]) {
      expect(() => createEpochProgress(capture(isTTY).stream).endEpoch(summary)).toThrow('progress: endEpoch() called before startEpoch()');
    }
  });
});
