import { describe, expect, it } from 'vitest';
import { arange, grad, gradients, noGrad, optimizerStep, rand, randn, softmaxCrossEntropy, tensor, toDot, zeros, type Tensor } from '../src/index.js';

const loss = (): Tensor => tensor([1, 2], { requiresGrad: true }).mul(2).sum();
const logits = (): Tensor => zeros([2, 3]);
const deep = (): unknown => {
  let a: unknown = [1];
  for (let i = 0; i < 100_000; i++) a = [a];
  return a;
};

// Every row: what a user typed, and what the error must say (the function's name first).
const table: Array<[string, () => unknown, RegExp]> = [
  ['rand without options', () => rand([2], undefined as never), /^rand: pass options with \{ seed \}/],
  ['randn with a negative std', () => randn([2], { seed: 1, std: -1 }), /^randn: std must be a finite number ≥ 0, got -1/],
  ['rand with low above high', () => rand([2], { seed: 1, low: 2, high: 1 }), /^rand: low and high must be finite numbers with low ≤ high/],
  ['matmul with a number', () => logits().matmul(2 as never), /^matmul: B must be a Tensor, got the number 2 \(use mul for scalars\)/],
  ['softmaxCrossEntropy without targets', () => softmaxCrossEntropy(logits(), undefined as never), /^softmaxCrossEntropy: targets must be N class indices .*got undefined/],
  ['softmaxCrossEntropy with a number as targets', () => softmaxCrossEntropy(logits(), 5 as never), /^softmaxCrossEntropy: targets must be .*got number/],
  ['softmaxCrossEntropy with strings as indices', () => softmaxCrossEntropy(logits(), ['0', '1'] as never), /^softmaxCrossEntropy: class index at row 0 is "0", expected an integer/],
  ['softmaxCrossEntropy with no logits', () => softmaxCrossEntropy(null as never, [0]), /^softmaxCrossEntropy: logits must be a Tensor/],
  ['backward with a string gradient', () => loss().backward({ gradient: 'abc' as never }), /^backward: options.gradient must be a Tensor of shape \[\] or a number, got string/],
  ['backward with an array gradient', () => loss().backward({ gradient: [1, 1, 1] as never }), /^backward: options.gradient .*an array \(wrap it with tensor\(\)\)/],
  ['backward with null options', () => loss().backward(null as never), /^backward: options must be an object/],
  ['noGrad of a number', () => noGrad(5 as never), /^noGrad: expected a function to run, got number/],
  ['gradients with a number input', () => gradients(loss(), [5 as never]), /^gradients: inputs\[0\] must be a Tensor, got the number 5/],
  ['gradients with inputs not an array', () => gradients(loss(), 5 as never), /^gradients: inputs must be an array of Tensors/],
  ['grad of a number', () => grad(5 as never), /^grad: f must be a function, got the number 5/],
  ['toDot of a number', () => toDot(5 as never), /^toDot: root must be a Tensor/],
  ['zeros of 10¹⁸ elements', () => zeros([1e9, 1e9]), /^zeros: shape \[1000000000,1000000000\] has 1000000000000000000 elements; one tensor holds at most 4294967295/],
  ['zeros of 3001 axes', () => zeros([2, ...new Array<number>(3000).fill(1)]), /^zeros: shape has 3001 axes; at most 64 are supported/],
  ['arange(NaN)', () => arange(NaN), /^arange: stop must be a finite number, got NaN/],
  ['arange(0, Infinity)', () => arange(0, Infinity), /^arange: stop must be a finite number, got Infinity/],
  ['tensor of 100,000 nested arrays', () => tensor(deep() as never), /^tensor: the arrays are nested more than 64 deep/],
  ['tensor(null)', () => tensor(null as never), /^tensor: expected a number, a \(nested\) array of numbers or a typed array, got null/],
  ['add a string', () => logits().add('a' as never), /^add: operand must be a Tensor or a number, got string/],
  ['reshape to a string', () => logits().reshape('a' as never), /^reshape: shape must be an array of sizes/],
  ['transpose by a number', () => logits().transpose(1 as never), /^transpose: perm must be an array of axes/],
  ['broadcastTo a string', () => logits().broadcastTo('a' as never), /^broadcastTo: shape must be an array of non-negative integers/],
  ['optimizerStep with a gradient of another shape', () => optimizerStep('sgd', zeros([2, 3]), zeros([3, 2]), [], { lr: 0.1, weightDecay: 0, scale: 1, step: 1 }), /^optimizerStep\(sgd\): the gradient is float64 \[3,2\], expected float64 \[2,3\] like the parameter/],
  ['optimizerStep with a slot of another dtype', () => optimizerStep('momentum', zeros([2]), zeros([2]), [zeros([2], { dtype: 'float32' })], { lr: 0.1, weightDecay: 0, scale: 1, step: 1, momentum: 0.9 }), /^optimizerStep\(momentum\): the slot 0 is float32 \[2\], expected float64 \[2\] like the parameter/],
];

describe('every public core function refuses bad input with a message naming itself and the problem', () => {
  for (const [what, call, message] of table) {
    it(what, () => {
      let error: unknown;
      try {
        call();
      } catch (e) {
        error = e;
      }
      expect(error, `${what} did not throw`).toBeInstanceOf(Error);
      expect((error as Error).message).toMatch(message);
      expect((error as Error).message).not.toMatch(/Cannot read properties|is not a function|is not iterable|Invalid typed array length|Maximum call stack/);
    });
  }
});
