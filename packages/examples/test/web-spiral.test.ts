import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SPIRAL_CONFIG, SPIRAL_CLASSES, SpiralTrainer, VIEW_EXTENT } from '../web/src/spiral/trainer.js';
import { PAGE_OPTIMIZERS } from '../web/src/train/session.js';
import { TimeSlicer } from '../web/src/train/slicer.js';

describe('playground spiral trainer', () => {
  it('learns the three-arm spiral with the default settings', () => {
    const trainer = new SpiralTrainer(DEFAULT_SPIRAL_CONFIG);
    const before = trainer.score();
    expect(before.loss).toBeGreaterThan(1);
    const started = performance.now();
    for (let i = 0; i < 1500; i++) trainer.step();
    const after = trainer.score();
    console.log(`spiral: 1500 steps in ${(performance.now() - started).toFixed(0)} ms, loss ${before.loss.toFixed(3)} -> ${after.loss.toFixed(3)}, accuracy ${after.accuracy}`);
    expect(after.steps).toBe(1500);
    expect(after.epochs).toBe(249); // 6 batches of 50 per epoch
    expect(after.loss).toBeLessThan(0.3);
    expect(after.accuracy).toBeGreaterThan(0.9);
  });

  it('paints regions that agree with the points it classifies', () => {
    const trainer = new SpiralTrainer({ ...DEFAULT_SPIRAL_CONFIG, hidden: 16, activation: 'tanh', optimizer: 'momentum', lr: 0.1 });
    for (let i = 0; i < 600; i++) trainer.step();
    const size = 40;
    const regions = trainer.regions(size);
    expect(regions.length).toBe(size * size * SPIRAL_CLASSES);
    for (let k = 0; k < size * size; k++) {
      const row = regions.subarray(k * SPIRAL_CLASSES, (k + 1) * SPIRAL_CLASSES);
      expect(row[0]! + row[1]! + row[2]!).toBeCloseTo(1, 5);
    }
    // Each training point lies in a cell painted with its own class, once the net has learned.
    const { xy, labels } = trainer.points();
    expect(xy.length).toBe(600);
    expect(trainer.score().accuracy).toBeGreaterThan(0.9);
    let agree = 0;
    for (let i = 0; i < labels.length; i++) {
      const col = Math.floor(((xy[2 * i]! + VIEW_EXTENT) / (2 * VIEW_EXTENT)) * size);
      const row = Math.floor(((VIEW_EXTENT - xy[2 * i + 1]!) / (2 * VIEW_EXTENT)) * size);
      const cell = regions.subarray((row * size + col) * SPIRAL_CLASSES, (row * size + col + 1) * SPIRAL_CLASSES);
      if (cell.indexOf(Math.max(...cell)) === labels[i]) agree++;
    }
    expect(agree / labels.length).toBeGreaterThan(0.85);
  });

  it('changes the learning rate between steps and rejects bad settings', () => {
    const trainer = new SpiralTrainer({ ...DEFAULT_SPIRAL_CONFIG, optimizer: 'sgd', lr: 0.5 });
    trainer.lr = 0.25;
    expect(trainer.training.optimizer.lr).toBe(0.25);
    expect(() => (trainer.lr = -1)).toThrow(/lr must be a finite number ≥ 0, got -1/);
    expect(() => new SpiralTrainer({ ...DEFAULT_SPIRAL_CONFIG, layers: 0 })).toThrow('SpiralTrainer: layers must be 1, 2 or 3, got 0');
    expect(() => new SpiralTrainer({ ...DEFAULT_SPIRAL_CONFIG, optimizer: 'lbfgs' as never })).toThrow(
      'createOptimizer: unknown optimizer "lbfgs"; expected one of sgd, momentum, nesterov, adagrad, rmsprop, adam, adamw',
    );
  });

  it('time-slices work and stops when told or when the work is done', async () => {
    let done = 0;
    let slices = 0;
    const slicer = new TimeSlicer(() => ++done < 50, () => slices++, 1);
    slicer.start();
    expect(slicer.running).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(done).toBe(50);
    expect(slicer.running).toBe(false);
    expect(slices).toBeGreaterThanOrEqual(1);
    const endless = new TimeSlicer(() => true, () => undefined, 2);
    endless.start();
    await new Promise((resolve) => setTimeout(resolve, 10));
    endless.pause();
    expect(endless.running).toBe(false);
  });

  it("offers in the page's optimizer menu exactly the page's optimizers", () => {
    const page = readFileSync(new URL('../web/index.html', import.meta.url), 'utf8');
    const menu = /<select name="optimizer">([\s\S]*?)<\/select>/.exec(page)?.[1] ?? '';
    expect([...menu.matchAll(/<option value="([^"]+)"/g)].map((m) => m[1])).toEqual([...PAGE_OPTIMIZERS]);
  });
});
