import { describe, expect, it } from 'vitest';
import { keep, tensor, tidy, type Tensor } from '../src/index.js';

const released = /tensor memory was released/;

describe('tidy and keep', () => {
  it('keep saves a tensor made inside, with the graph behind it, from its tidy and every enclosing one', () => {
    const x = tensor([1, 2, 3], { requiresGrad: true });
    let kept: Tensor | undefined;
    let behind: Tensor | undefined;
    let dropped: Tensor | undefined;
    const n = tidy(() =>
      tidy(() => {
        behind = x.mul(2);
        kept = keep(behind.add(1));
        dropped = x.add(1);
        return 0;
      }),
    );
    expect(n).toBe(0);
    expect(kept!.toArray()).toEqual([3, 5, 7]);
    expect(behind!.toArray()).toEqual([2, 4, 6]);
    expect(() => dropped!.values()).toThrow(released);
  });

  it('keeps what it returns and what was kept, and hands back the rest', () => {
    const x = tensor([1, 2]);
    let kept: Tensor | undefined;
    let dropped: Tensor | undefined;
    const returned = tidy(() => {
      kept = keep(x.mul(3));
      dropped = x.mul(4);
      return { y: x.add(1) };
    });
    expect(returned.y.toArray()).toEqual([2, 3]);
    expect(kept!.toArray()).toEqual([3, 6]);
    expect(() => dropped!.values()).toThrow(released);
  });

  it('leaves a gradient that backward stored inside it', () => {
    const w = tensor([1, 2, 3], { requiresGrad: true });
    const loss = tidy(() => {
      const l = w.mul(w).sum();
      l.backward();
      return l.item();
    });
    expect(loss).toBe(14);
    expect(w.grad!.toArray()).toEqual([2, 4, 6]);
  });

  it('hands back its buffers when the function throws, but not the kept ones', () => {
    const x = tensor([1, 2]);
    let kept: Tensor | undefined;
    let dropped: Tensor | undefined;
    expect(() =>
      tidy(() => {
        kept = keep(x.add(2));
        dropped = x.add(1);
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(kept!.toArray()).toEqual([3, 4]);
    expect(() => dropped!.values()).toThrow(released);
  });
});
