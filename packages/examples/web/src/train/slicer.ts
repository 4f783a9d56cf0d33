/**
 * Runs `work` repeatedly in slices of at most `sliceMs` (and at most `maxPerSlice` calls, to
 * slow training down enough to watch), handing control back to the event loop between
 * slices, so that a worker still hears "pause" and "predict" while it trains. `work` returns
 * false when there is nothing more to do, or a promise of that (a step on the GPU, which
 * waits for its result).
 */
export class TimeSlicer {
  #running = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** At most this many calls of `work` per slice (a slower pace to watch). */
  maxPerSlice = Infinity;

  constructor(
    private readonly work: () => boolean | Promise<boolean>,
    private readonly afterSlice: () => void,
    private readonly sliceMs = 40,
  ) {}

  /** Whether slices are being scheduled. */
  get running(): boolean {
    return this.#running;
  }

  /** Starts slicing (nothing when already running). */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#schedule(0);
  }

  /** Stops after the current slice. */
  pause(): void {
    this.#running = false;
    clearTimeout(this.#timer);
  }

  #schedule(delay: number): void {
    this.#timer = setTimeout(
      () =>
        this.#slice().catch((e: unknown) => {
          // A failed step stops the run; the error goes on to the worker's error event.
          this.#running = false;
          setTimeout(() => {
            throw e;
          });
        }),
      delay,
    );
  }

  async #slice(): Promise<void> {
    if (!this.#running) return;
    const started = performance.now();
    let more = true;
    let calls = 0;
    while (more && calls < this.maxPerSlice && performance.now() - started < this.sliceMs) {
      const done = this.work();
      more = typeof done === 'boolean' ? done : await done;
      calls++;
    }
    if (!more) this.#running = false;
    this.afterSlice();
    // A capped slice waits out the rest of its time, so the cap sets the pace.
    const rest = calls >= this.maxPerSlice ? Math.max(0, this.sliceMs - (performance.now() - started)) : 0;
    if (this.#running) this.#schedule(rest);
  }
}
