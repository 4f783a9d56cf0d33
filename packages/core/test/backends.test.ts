import { describe, expect, it } from 'vitest';
import { CpuBackend } from '../src/backends/cpu/cpu-backend.js';
import { backendNames, getBackend, jsKernels, registerBackend, setBackend, tensor, zeros } from '../src/index.js';

/** The CPU backend pretending it can only read asynchronously, as a GPU backend does. */
class AsyncOnlyBackend extends CpuBackend {
  override readonly readsSynchronously = false;
}

describe('backends', () => {
  it('wasm is the default here; js and wasm are both available by name', () => {
    expect(getBackend().name).toBe('wasm');
    expect(backendNames()).toEqual(expect.arrayContaining(['js', 'wasm']));
    expect(() => setBackend('cuda')).toThrow(/setBackend: no backend named "cuda"; available: js, wasm/);
  });

  it('each tensor records its backend; tensors made after setBackend live on the new one', () => {
    const previous = setBackend('js');
    try {
      expect(tensor([1]).backend).toBe('js');
      expect(zeros([2], { backend: 'wasm' }).backend).toBe('wasm');
    } finally {
      setBackend(previous);
    }
    expect(tensor([1]).backend).toBe('wasm');
  });

  it('mixing backends in one op is a clear error; .to() moves a tensor explicitly', () => {
    const a = tensor([1, 2], { backend: 'js' });
    const b = tensor([3, 4], { backend: 'wasm' });
    expect(() => a.add(b)).toThrow("add: the inputs are on different backends ('js' and 'wasm'); move one with tensor.to('js') or tensor.to('wasm')");
    expect(a.to('wasm').add(b).toArray()).toEqual([4, 6]);
    expect(a.to('js')).toBe(a);
  });

  it('a backend that cannot read synchronously names the async call; data() and array() work everywhere', async () => {
    registerBackend(new AsyncOnlyBackend('async-only', jsKernels));
    const t = tensor([[1, 2], [3, 4]], { backend: 'async-only' });
    expect(() => t.values()).toThrow("values: the 'async-only' backend cannot read synchronously; use await tensor.data() (or await tensor.array())");
    expect(() => t.sum().item()).toThrow(/use await tensor.data\(\)/);
    expect(Array.from(await t.mul(2).data())).toEqual([2, 4, 6, 8]);
    expect(await t.T.array()).toEqual([[1, 3], [2, 4]]);
    expect(String(t)).toBe("tensor(<on async-only>, shape=[2,2])");
  });
});
