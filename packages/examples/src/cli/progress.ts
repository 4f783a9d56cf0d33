import { Presets, SingleBar } from 'cli-progress';

/** What one finished epoch reports; absent fields are left out of the line. */
export interface EpochSummary {
  /** Mean training loss. */
  loss: number;
  /** Training accuracy. */
  accuracy?: number;
  /** Held-out loss. */
  testLoss?: number;
  /** Held-out accuracy. */
  testAccuracy?: number;
  /** Wall time of the epoch. */
  seconds: number;
  /** Training samples in the epoch. */
  samples: number;
}

/** What the trainer reports while it trains. */
export interface EpochProgress {
  /** An epoch of `batches` batches begins. */
  startEpoch(epoch: number, epochs: number, batches: number): void;
  /** `done` batches of the current epoch are finished; `loss` is their running mean. */
  batch(done: number, loss: number): void;
  /** The epoch ended with `summary`. */
  endEpoch(summary: EpochSummary): void;
}

/** The stream a trainer prints to: a terminal (process.stderr) or a pipe / log file. */
export interface ProgressStream extends NodeJS.WritableStream {
  /** True on a terminal, where a bar can be redrawn in place. */
  isTTY?: boolean;
}

const percent = (fraction: number) => `${(100 * fraction).toFixed(2)}%`;

/** An epoch's line: loss, accuracies, time and speed. */
export function formatEpochSummary(s: EpochSummary): string {
  const parts = [`loss ${s.loss.toFixed(4)}`];
  if (s.accuracy !== undefined) parts.push(`train acc ${percent(s.accuracy)}`);
  if (s.testLoss !== undefined) parts.push(`test loss ${s.testLoss.toFixed(4)}`);
  if (s.testAccuracy !== undefined) parts.push(`test acc ${percent(s.testAccuracy)}`);
  parts.push(`${s.seconds.toFixed(1)} s`, `${Math.round(s.samples / Math.max(s.seconds, 1e-9))} samples/s`);
  return parts.join(' | ');
}

function epochLabel(epoch: number, epochs: number): string {
  const width = String(epochs).length;
  return `epoch ${String(epoch).padStart(width)}/${epochs}`;
}

/**
 * On a terminal, a bar per epoch redrawn in place that ends as that epoch's summary line; on
 * anything else (CI logs, pipes) one plain line per epoch, so logs stay readable.
 */
export function createEpochProgress(stream: ProgressStream = process.stderr): EpochProgress {
  return stream.isTTY === true ? terminalProgress(stream) : plainProgress(stream);
}

const notStarted = () => new Error('progress: endEpoch() called before startEpoch()');

function plainProgress(stream: ProgressStream): EpochProgress {
  let label: string | null = null;
  return {
    startEpoch(epoch, epochs) {
      label = epochLabel(epoch, epochs);
    },
    batch() {},
    endEpoch(summary) {
      if (label === null) throw notStarted();
      stream.write(`${label} | ${formatEpochSummary(summary)}\n`);
      label = null;
    },
  };
}

function terminalProgress(stream: ProgressStream): EpochProgress {
  let bar: SingleBar | null = null;
  return {
    startEpoch(epoch, epochs, batches) {
      bar = new SingleBar(
        {
          stream,
          format: `${epochLabel(epoch, epochs)} [{bar}] {value}/{total} | {status}`,
          barsize: 24,
          hideCursor: true,
          // Training runs synchronously between batches, so the bar must redraw from update().
          synchronousUpdate: true,
          fps: 10,
        },
        Presets.shades_classic,
      );
      bar.start(batches, 0, { status: 'loss -' });
    },
    batch(done, loss) {
      bar?.update(done, { status: `loss ${loss.toFixed(4)}` });
    },
    endEpoch(summary) {
      if (bar === null) throw notStarted();
      bar.update(bar.getTotal(), { status: formatEpochSummary(summary) });
      bar.stop();
      bar = null;
    },
  };
}
