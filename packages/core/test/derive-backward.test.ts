import { describe, expect, it } from 'vitest';
import {
  affine,
  deriveBackward,
  Rng,
  randn,
  rand,
  rules,
  softmaxCrossEntropy,
  sum,
  tensor,
  topologicalOrder,
  type BackwardDerivation,
  type Tensor,
} from '../src/index.js';
import { buildSpecimen, SPECIMENS } from '../src/derive/rules/specimens.js';
import { relativeDifference } from './support/compare.js';

/**
 * Derives the backward pass of `loss`, evaluates its equations on the graph's values, then runs
 * backward() (keeping every gradient) and returns the worst relative difference over every
 * tensor the pass reaches (leaves, named gradients and the folded steps alike).
 */
function derivedVersusBackward(loss: Tensor, gradient?: Tensor): { derivation: BackwardDerivation; worst: number } {
  const derivation = deriveBackward(loss, gradient === undefined ? {} : { gradient });
  const evaluated = derivation.evaluate();
  loss.backward({ retainGraph: true, retainGrads: true, ...(gradient === undefined ? {} : { gradient }) });
  let worst = 0;
  for (const t of topologicalOrder([loss])) {
    const mine = evaluated.gradient(t);
    if (mine === undefined) throw new Error(`no derived gradient for ${t.name ?? t.creator?.op.name ?? 'a leaf'}`);
    worst = Math.max(worst, relativeDifference(mine, t.grad!));
  }
  return { derivation, worst };
}

type Activation = 'relu' | 'sigmoid' | 'tanh';

interface MlpOptions {
  depth: number;
  activations: Activation[];
  style: 'affine' | 'matmul';
  names: 'none' | 'digits';
  inputRequiresGrad?: boolean;
  seed?: number;
}

/** An MLP as the notes draw it, on 5 samples: 3 → 4 → … → 3 classes. */
function buildMlp({ depth, activations, style, names, inputRequiresGrad = false, seed = 1 }: MlpOptions): Tensor {
  const rng = new Rng(seed);
  const sizes = [3, ...Array.from({ length: depth - 1 }, () => 4), 3];
  let phi = randn([5, 3], { rng, requiresGrad: inputRequiresGrad });
  if (names === 'digits') phi.named('X');
  let z: Tensor | null = null;
  for (let layer = 1; layer <= depth; layer++) {
    const W = randn([sizes[layer - 1]!, sizes[layer]!], { rng, requiresGrad: true });
    const b = randn([sizes[layer]!], { rng, std: 0.1, requiresGrad: true });
    if (names === 'digits') [W.name, b.name] = [`W${layer}`, `b${layer}`];
    z = style === 'affine' ? affine(phi, W, b) : phi.matmul(W).add(b);
    if (names === 'digits') z.named(`Z${layer}`);
    if (layer < depth) {
      phi = z[activations[(layer - 1) % activations.length]!]();
      if (names === 'digits') phi.named(`Phi${layer}`);
    }
  }
  return softmaxCrossEntropy(z!, [0, 2, 1, 1, 0]);
}

describe('deriveBackward on MLPs', () => {
  it('for depths 1 to 4, each activation, built with affine or with matmul + add: the equations equal backward()', () => {
    let cases = 0;
    for (let depth = 1; depth <= 4; depth++) {
      for (const activation of ['relu', 'sigmoid', 'tanh'] as const) {
        for (const style of ['affine', 'matmul'] as const) {
          const { derivation, worst } = derivedVersusBackward(buildMlp({ depth, activations: [activation], style, names: 'none', seed: depth * 7 + cases }));
          expect(worst, `${depth} layers, ${activation}, ${style}`).toBeLessThan(1e-12);
          expect(derivation.mlp?.layers.length).toBe(depth);
          expect(derivation.groups.map((g) => g.layer)).toEqual(Array.from({ length: depth }, (_, i) => depth - i));
          for (const group of derivation.groups) {
            const roles = group.equations.map((e) => e.role);
            expect(roles).toEqual(group.layer === 1 ? ['delta', 'bias', 'weight'] : ['delta', 'bias', 'weight', 'input']);
          }
          cases++;
        }
      }
    }
    expect(cases).toBe(24);
  });

  it('mixes activations layer by layer and writes each f′ out', () => {
    const { derivation, worst } = derivedVersusBackward(buildMlp({ depth: 4, activations: ['tanh', 'relu', 'sigmoid'], style: 'matmul', names: 'none' }));
    expect(worst).toBeLessThan(1e-12);
    const equations = derivation.equations.map((e) => derivation.equation(e, 'text'));
    expect(equations).toContain('Δ⁽¹⁾ = dΦ⁽¹⁾∘tanh′(Z⁽¹⁾)');
    expect(equations).toContain('Δ⁽²⁾ = dΦ⁽²⁾∘relu′(Z⁽²⁾)');
    expect(equations).toContain('Δ⁽³⁾ = dΦ⁽³⁾∘σ′(Z⁽³⁾)');
    const text = derivation.toString();
    expect(text).toContain('tanh′(Z⁽¹⁾) = 1 − (Φ⁽¹⁾)²');
    expect(text).toContain('relu′(Z⁽²⁾) = [Z⁽²⁾ > 0]');
    expect(text).toContain('σ′(Z⁽³⁾) = Φ⁽³⁾∘(1 − Φ⁽³⁾)');
    expect(text).toMatch(/Backward pass of L: an MLP of 4 layers, 3 → 4 → 4 → 4 → 3 \(tanh, relu, sigmoid hidden, softmax with cross-entropy\)/);
  });

  it("writes the notes' equations with the notes' names for an unnamed net", () => {
    const { derivation } = derivedVersusBackward(buildMlp({ depth: 2, activations: ['sigmoid'], style: 'matmul', names: 'none' }));
    expect(derivation.equations.map((e) => derivation.equation(e, 'text'))).toEqual([
      'Δ⁽²⁾ = (softmax(Z⁽²⁾) − Y)/N',
      'db⁽²⁾ = 1ᵀ·Δ⁽²⁾',
      'dW⁽²⁾ = Φ⁽¹⁾ᵀ·Δ⁽²⁾',
      'dΦ⁽¹⁾ = Δ⁽²⁾·W⁽²⁾ᵀ',
      'Δ⁽¹⁾ = dΦ⁽¹⁾∘σ′(Z⁽¹⁾)',
      'db⁽¹⁾ = 1ᵀ·Δ⁽¹⁾',
      'dW⁽¹⁾ = Xᵀ·Δ⁽¹⁾',
    ]);
    expect(derivation.where('text')).toEqual(['N = 5', 'σ′(Z⁽¹⁾) = Φ⁽¹⁾∘(1 − Φ⁽¹⁾)']);
  });

  it("uses the code's names where it has them (Δ takes the layer's digits)", () => {
    const { derivation } = derivedVersusBackward(buildMlp({ depth: 2, activations: ['relu'], style: 'affine', names: 'digits' }));
    expect(derivation.equations.map((e) => derivation.equation(e, 'text'))).toEqual([
      'Δ2 = (softmax(Z2) − Y)/N',
      'db2 = 1ᵀ·Δ2',
      'dW2 = Phi1ᵀ·Δ2',
      'dPhi1 = Δ2·W2ᵀ',
      'Δ1 = dPhi1∘relu′(Z1)',
      'db1 = 1ᵀ·Δ1',
      'dW1 = Xᵀ·Δ1',
    ]);
    const latex = derivation.toLatex();
    expect(latex).toContain('\\boldsymbol{\\Delta}_{2} &= \\frac{\\operatorname{softmax}\\left(\\mathbf{Z}_{2}\\right) - \\mathbf{Y}}{N}');
    expect(latex).toContain('d\\mathbf{W}_{2} &= {\\boldsymbol{\\Phi}_{1}}^{\\top}\\,\\boldsymbol{\\Delta}_{2}');
    expect(latex).toContain('d\\boldsymbol{\\Phi}_{1} &= \\boldsymbol{\\Delta}_{2}\\,{\\mathbf{W}_{2}}^{\\top}');
    const markdown = derivation.toMarkdown();
    expect(markdown).toContain('| layer 2 (output: softmax with cross-entropy) | `Δ2 = (softmax(Z2) − Y)/N` | [5,3] |');
    expect(markdown).toContain('|  | `dW1 = Xᵀ·Δ1` | [3,4] |');
  });

  it('folds the pass-through steps: the add and the broadcast bias get no equation, their gradients are Δ', () => {
    const loss = buildMlp({ depth: 1, activations: ['relu'], style: 'matmul', names: 'digits' });
    const derivation = deriveBackward(loss);
    const [delta] = derivation.equations;
    const z = loss.creator!.inputs[0]!;
    const [product, bias] = z.creator!.inputs as [Tensor, Tensor];
    expect(delta!.tensor).toBe(z);
    expect(delta!.folded).toEqual(expect.arrayContaining([product, bias]));
    expect(derivation.equationFor(bias)).toBe(delta);
    expect(derivation.equations).toHaveLength(3);
  });

  it('adds dX when the input requires grad, in layer 1', () => {
    const { derivation, worst } = derivedVersusBackward(buildMlp({ depth: 3, activations: ['relu'], style: 'affine', names: 'none', inputRequiresGrad: true }));
    expect(worst).toBeLessThan(1e-12);
    expect(derivation.groups.at(-1)!.equations.map((e) => derivation.equation(e, 'text')).at(-1)).toBe('dX = Δ⁽¹⁾·W⁽¹⁾ᵀ');
  });

  it('float32 nets evaluate in float32 and agree with backward()', () => {
    const rng = new Rng(3);
    const x = randn([4, 3], { rng, dtype: 'float32' });
    const W = randn([3, 2], { rng, dtype: 'float32', requiresGrad: true });
    const b = randn([2], { rng, dtype: 'float32', requiresGrad: true });
    const { derivation, worst } = derivedVersusBackward(softmaxCrossEntropy(x.matmul(W).add(b), [1, 0, 0, 1]));
    expect(worst).toBeLessThan(1e-6);
    expect(derivation.evaluate().gradient(W)!.dtype).toBe('float32');
  });
});

describe('deriveBackward on composite graphs', () => {
  it('the apples and oranges: every equation and every number of the notes', () => {
    const v = (value: number, name: string) => tensor(value, { requiresGrad: true, name });
    const [apple, appleCount, orange, orangeCount, tax] = [v(100, 'apple'), v(2, 'apple count'), v(150, 'orange'), v(3, 'orange count'), v(1.1, 'tax')];
    const applePrice = apple.mul(appleCount).named('apple price');
    const orangePrice = orange.mul(orangeCount).named('orange price');
    const subtotal = applePrice.add(orangePrice).named('subtotal');
    const total = subtotal.mul(tax).named('total');
    const { derivation, worst } = derivedVersusBackward(total);
    expect(worst).toBe(0);
    expect(derivation.equations.map((e) => derivation.equation(e, 'text'))).toEqual([
      'dtax = subtotal',
      'dsubtotal = tax',
      'd(orange count) = dsubtotal∘orange',
      'dorange = dsubtotal∘(orange count)',
      'd(apple count) = dsubtotal∘apple',
      'dapple = dsubtotal∘(apple count)',
    ]);
    const values = derivation.evaluate();
    const number = (t: Tensor) => Number(values.gradient(t)!.item().toPrecision(12));
    expect([apple, appleCount, orange, orangeCount, tax].map(number)).toEqual([2.2, 110, 3.3, 165, 650]);
    // The add passes dsubtotal on unchanged: both prices are folded into its equation.
    expect(derivation.equationFor(applePrice)?.name.text).toBe('dsubtotal');
  });

  it('d/dx (x + y)² = 2x + 2y: the square is a fan-out, its two gradients are summed', () => {
    const x = tensor(1.5, { requiresGrad: true, name: 'x' });
    const y = tensor(-0.25, { requiresGrad: true, name: 'y' });
    const s = x.add(y).named('s');
    const { derivation, worst } = derivedVersusBackward(s.mul(s));
    expect(worst).toBe(0);
    expect(derivation.equations.map((e) => derivation.equation(e, 'text'))).toEqual(['ds = s + s', 'dy = ds', 'dx = ds']);
    expect(derivation.evaluate().gradient(x)!.item()).toBe(2 * 1.5 + 2 * -0.25);
  });

  it('a residual connection, a weight used twice, constants and a scalar parameter broadcast over a matrix', () => {
    const rng = new Rng(5);
    const x = randn([4, 3], { rng, name: 'X' });
    const W = randn([3, 3], { rng, requiresGrad: true, name: 'W' });
    const scale = tensor(0.7, { requiresGrad: true, name: 's' });
    const h = x.matmul(W).tanh().named('H');
    const out = h.add(x).matmul(W).mul(scale).add(h.mul(2)).named('O'); // W twice, H twice
    const loss = out.mul(out).mean().add(1).named('L');
    const { derivation, worst } = derivedVersusBackward(loss);
    expect(worst).toBeLessThan(1e-12);
    expect(derivation.mlp).toBeNull();
    const text = derivation.toString();
    expect(text).toMatch(/dW +=.+ \+ .+/); // the two uses of W meet
    expect(text).toMatch(/ds += sum\(/); // a scalar broadcast over a matrix: its gradient is summed
    expect(text).toContain('2·'); // the constant 2 is written as the number it is
  });

  it('a batch of matrices times one matrix: the broadcast batch axis is summed back', () => {
    const rng = new Rng(6);
    const a = randn([2, 3, 4], { rng, requiresGrad: true, name: 'A' });
    const w = randn([4, 5], { rng, requiresGrad: true, name: 'W' });
    const { worst } = derivedVersusBackward(sum(a.matmul(w).sigmoid()));
    expect(worst).toBeLessThan(1e-12);
  });

  it('vectors in matmul, reshape, transpose, softmax and a hand-written cross-entropy', () => {
    const rng = new Rng(7);
    const v = randn([3], { rng, requiresGrad: true, name: 'v' });
    const M = randn([3, 4], { rng, requiresGrad: true, name: 'M' });
    const p = v.matmul(M).reshape([2, 2]).T.softmax();
    const y = tensor([[1, 0], [0, 1]], { name: 'Y' });
    const { worst } = derivedVersusBackward(y.mul(p.log()).sum().neg());
    expect(worst).toBeLessThan(1e-12);
  });

  it('a non-scalar output with its upstream gradient given', () => {
    const rng = new Rng(8);
    const a = randn([3, 2], { rng, requiresGrad: true, name: 'A' });
    const b = randn([2, 2], { rng, requiresGrad: true, name: 'B' });
    const c = a.matmul(b).exp().named('C');
    const dC = randn([3, 2], { rng });
    const { derivation, worst } = derivedVersusBackward(c, dC);
    expect(worst).toBeLessThan(1e-12);
    expect(derivation.equations.map((e) => derivation.equation(e, 'text'))).toEqual(['dt1 = dC∘C', 'dB = Aᵀ·dt1', 'dA = dt1·Bᵀ']);
    expect(derivation.where('text')).toContain('dC = the upstream gradient given');
    expect(derivation.where('text')).toContain('t1 = matmul(A, B)');
  });
});

describe('deriveBackward, op by op', () => {
  it('every op of rules() has a specimen graph, and the derived equations equal backward() on it', () => {
    const ops = rules().map((r) => r.op).filter((op) => op !== 'branch (fan-out)');
    const missing = ops.filter((op) => SPECIMENS[op] === undefined);
    expect(missing, `ops without a specimen graph in derive/rules/specimens.ts: ${missing.join(', ')}`).toEqual([]);
    const failures: string[] = [];
    for (const op of ops) {
      const { output } = buildSpecimen(op, 11);
      const weights = rand(output.shape, { seed: 12, low: -1, high: 1, dtype: output.dtype });
      const { worst } = derivedVersusBackward(output.mul(weights).sum());
      if (!(worst < (output.dtype === 'float32' ? 1e-6 : 1e-12))) failures.push(`${op}: ${worst}`);
    }
    expect(failures).toEqual([]);
  });
});

describe('deriveBackward: bad input', () => {
  it('names the function and says what was expected', () => {
    const leaf = tensor([1, 2], { requiresGrad: true });
    expect(() => deriveBackward(leaf)).toThrow(/deriveBackward: the tensor .* was not computed from any tensor that requires grad/);
    const y = leaf.mul(2);
    expect(() => deriveBackward(y)).toThrow(/deriveBackward: the output has shape \[2\]; pass \{ gradient \}/);
    expect(() => deriveBackward(y, { gradient: tensor([1, 2, 3]) })).toThrow(/deriveBackward: the gradient has shape \[3\], expected the output's shape \[2\]/);
  });
});
