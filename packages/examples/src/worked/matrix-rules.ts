import { explainBackward, noGrad, ones, tensor, type Explanation, type ExplainedStep, type Tensor } from '@matgrad/core';
import { initTwoLayerParams, twoLayerForward, type HiddenActivation, type TwoLayerNet } from './two-layer-net.js';

/** One layer's gradients as the engine sent them, named as in the note (Δ = dL/dZ). */
export interface LayerGradients {
  /** Δ = dL/dZ of the layer. */
  delta: Tensor;
  /** dW = Φᵀ·Δ. */
  dW: Tensor;
  /** db = 1ᵀ·Δ. */
  db: Tensor;
  /** dΦ = Δ·Wᵀ, the gradient for the layer below; null for the first layer, whose input X is data. */
  dPhi: Tensor | null;
}

/** Per quantity, the largest |engine − identity| of one layer. */
export interface LayerIdentityErrors {
  /** For Δ. */
  delta: number;
  /** For dW. */
  dW: number;
  /** For db. */
  db: number;
  /** For dΦ; null for the first layer. */
  dPhi: number | null;
}

/** The two-layer net's backward pass, explained and checked against the layer identities. */
export interface TwoLayerWalkthrough {
  /** The net after backward. */
  net: TwoLayerNet;
  /** explainBackward's steps. */
  explanation: Explanation;
  /** The output layer's gradients. */
  output: LayerGradients;
  /** The hidden layer's gradients. */
  hidden: LayerGradients;
  /** max |engine − identity evaluated again from the forward values|, per quantity. */
  errors: { output: LayerIdentityErrors; hidden: LayerIdentityErrors };
}

function stepProducing(explanation: Explanation, label: string): ExplainedStep {
  const step = explanation.steps.find((s) => s.output.label === label);
  if (step === undefined) throw new Error(`matrix rules: the backward pass has no step producing '${label}'`);
  return step;
}

function sent(step: ExplainedStep, input: number): Tensor {
  const gradient = step.dInputs[input];
  if (gradient == null) throw new Error(`matrix rules: step '${step.op}' sent no gradient to ${step.inputs[input]!.label}`);
  return gradient;
}

function maxAbsDifference(a: Tensor, b: Tensor): number {
  if (a.shape.join() !== b.shape.join()) {
    throw new RangeError(`matrix rules: compared shapes [${a.shape.join(', ')}] and [${b.shape.join(', ')}] differ`);
  }
  const x = a.values();
  const y = b.values();
  let worst = 0;
  for (let i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(x[i]! - y[i]!));
  return worst;
}

/** 1ᵀ·Δ written as the note writes it: a row of ones times Δ. */
function columnSums(delta: Tensor): Tensor {
  return ones([1, delta.shape[0]!], { dtype: delta.dtype }).matmul(delta).reshape([delta.shape[1]!]);
}

/** Runs explainBackward on the net's loss and reads each layer's Δ, dW, db, dΦ off its steps. */
export function walkThroughBackward(net: TwoLayerNet): TwoLayerWalkthrough {
  const explanation = explainBackward(net.L);
  const outputMatmul = stepProducing(explanation, 'Phi1W2');
  const output: LayerGradients = {
    delta: stepProducing(explanation, 'Z2').dOutput,
    dW: sent(outputMatmul, 1),
    db: sent(stepProducing(explanation, 'B2'), 0),
    dPhi: sent(outputMatmul, 0),
  };
  const hidden: LayerGradients = {
    delta: stepProducing(explanation, 'Z1').dOutput,
    dW: sent(stepProducing(explanation, 'XW1'), 1),
    db: sent(stepProducing(explanation, 'B1'), 0),
    dPhi: null,
  };
  const errors = noGrad(() => {
    const [n] = net.X.shape as [number];
    const Z1 = net.Z1.detach();
    const Phi1 = net.Phi1.detach();
    const derivative =
      net.activation === 'relu' ? tensor(Array.from(Z1.values(), (z) => (z > 0 ? 1 : 0)), { dtype: Z1.dtype }).reshape(Z1.shape) : Phi1.mul(Phi1.neg().add(1));
    return {
      output: {
        delta: maxAbsDifference(output.delta, net.Z2.detach().softmax(1).sub(net.Y).div(n)),
        dW: maxAbsDifference(output.dW, Phi1.T.matmul(output.delta)),
        db: maxAbsDifference(output.db, columnSums(output.delta)),
        dPhi: maxAbsDifference(output.dPhi!, output.delta.matmul(net.W2.detach().T)),
      },
      hidden: {
        delta: maxAbsDifference(hidden.delta, output.dPhi!.mul(derivative)),
        dW: maxAbsDifference(hidden.dW, net.X.T.matmul(hidden.delta)),
        db: maxAbsDifference(hidden.db, columnSums(hidden.delta)),
        dPhi: null,
      },
    };
  });
  return { net, explanation, output, hidden, errors };
}

const shape = (t: Tensor) => `[${t.shape.join(',')}]`;

function formatMatrix(t: Tensor, indent: string, decimals = 4): string {
  const rows = t.shape.length === 1 ? [Array.from(t.values())] : (t.toArray() as number[][]);
  const cells = rows.map((row) => row.map((v) => v.toFixed(decimals)));
  const width = Math.max(...cells.flat().map((c) => c.length));
  return cells.map((row) => `${indent}${row.map((c) => c.padStart(width)).join('  ')}`).join('\n');
}

function quantity(title: string, shapes: string, t: Tensor): string {
  return `    ${title.padEnd(42)} ${shapes}\n${formatMatrix(t, '        ')}`;
}

/** The walkthrough as the worked example prints it. */
export function formatWalkthrough(w: TwoLayerWalkthrough): string {
  const { net, output, hidden } = w;
  const [n, inputs] = net.X.shape as [number, number];
  const f = net.activation;
  const derivative = f === 'relu' ? '[Z1 > 0]' : 'Phi1∘(1 − Phi1)';
  const ones = `[1,${n}]`;
  const worst = Math.max(
    ...[w.errors.output, w.errors.hidden].flatMap((e) => [e.delta, e.dW, e.db, e.dPhi ?? 0]),
  );
  return [
    `The two-layer net of the matrix-rules note: N = ${n} samples, ${inputs} inputs → ${net.W1.shape[1]} hidden (${f}) → ${net.W2.shape[1]} classes`,
    '  forward (Φ0 = X):',
    `    ${'Z1 = X·W1 + b1'.padEnd(22)}${shape(net.X)}·${shape(net.W1)} + ${shape(net.b1)} → ${shape(net.Z1)}`,
    `    ${`Phi1 = ${f}(Z1)`.padEnd(22)}${shape(net.Phi1)}`,
    `    ${'Z2 = Phi1·W2 + b2'.padEnd(22)}${shape(net.Phi1)}·${shape(net.W2)} + ${shape(net.b2)} → ${shape(net.Z2)}`,
    `    L = softmax-with-loss(Z2, Y) = ${net.L.item().toFixed(6)}`,
    '',
    '  backward, step by step (explainBackward):',
    w.explanation
      .toString()
      .split('\n')
      .map((line) => `    ${line}`)
      .join('\n'),
    '',
    '  the layer rules read off those steps (Δ = dL/dZ):',
    '  output layer',
    quantity('Δ2 = dZ2 = (softmax(Z2) − Y)/N', shape(output.delta), output.delta),
    quantity('db2 = 1ᵀ·Δ2', `${ones}·${shape(output.delta)} → ${shape(output.db)}`, output.db),
    quantity('dW2 = Phi1ᵀ·Δ2', `${shape(net.Phi1.T)}·${shape(output.delta)} → ${shape(output.dW)}`, output.dW),
    quantity('dPhi1 = Δ2·W2ᵀ', `${shape(output.delta)}·${shape(net.W2.T)} → ${shape(output.dPhi!)}`, output.dPhi!),
    '  hidden layer',
    quantity(`Δ1 = dPhi1∘${f}'(Z1) = dPhi1∘${derivative}`, shape(hidden.delta), hidden.delta),
    quantity('db1 = 1ᵀ·Δ1', `${ones}·${shape(hidden.delta)} → ${shape(hidden.db)}`, hidden.db),
    quantity('dW1 = Xᵀ·Δ1', `${shape(net.X.T)}·${shape(hidden.delta)} → ${shape(hidden.dW)}`, hidden.dW),
    '    (dX = Δ1·W1ᵀ is not computed: X is data, it needs no gradient)',
    `  each identity evaluated again from the forward values matches the engine's gradient: max |difference| = ${worst}`,
  ].join('\n');
}

/** The small net the example prints: numbers few enough to read. */
export function noteExampleNet(activation: HiddenActivation = 'relu'): TwoLayerNet {
  const X = tensor([
    [1, 0.5, -1],
    [0.2, -0.3, 0.8],
    [-1.5, 1, 0.1],
    [0.6, 0.9, -0.4],
  ]);
  const params = initTwoLayerParams({ inputs: 3, hidden: 4, classes: 3, seed: 7 });
  return twoLayerForward(X, [0, 2, 1, 2], params, activation);
}
