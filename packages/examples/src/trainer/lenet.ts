import { Rng, type DType, type Tensor } from '@matgrad/core';
import { Conv2d, Flatten, Linear, MaxPool2d, Module, ReLU, Sequential } from '@matgrad/nn';
import { DIGIT_CLASSES } from '../data/digits.js';

const SIDE = 28;

/** What a LeNet-style CNN for the digits is made of (metrics.json and the weights file record it). */
export interface CnnSpec {
  kind: 'cnn';
  /** Channels of the two 5×5 convolutions. */
  channels: [number, number];
  /** Widths of the hidden Linear layers after them. */
  hidden: number[];
  dtype: DType;
}

/**
 * LeCun's LeNet-5 layout for 28×28 digits: conv 5×5 (padding 2) → ReLU → max-pool 2 → conv 5×5
 * → ReLU → max-pool 2 → flatten (channels·5·5) → Linear + ReLU for each hidden width → Linear to
 * the 10 classes. It takes the trainer's flat rows [N, 784] and views them as images [N, 1, 28, 28].
 */
export class LeNet extends Module {
  readonly features: Sequential;
  readonly classifier: Sequential;

  constructor(
    readonly spec: CnnSpec,
    seed: number,
  ) {
    super();
    const { channels: [c1, c2], hidden, dtype } = spec;
    const rng = new Rng(seed);
    this.features = this.registerModule(
      'features',
      new Sequential(
        new Conv2d(1, c1, 5, { padding: 2, rng, dtype }),
        new ReLU(),
        new MaxPool2d(2),
        new Conv2d(c1, c2, 5, { rng, dtype }),
        new ReLU(),
        new MaxPool2d(2),
        new Flatten(),
      ),
    );
    const widths = [c2 * 5 * 5, ...hidden, DIGIT_CLASSES];
    const dense: Module[] = [];
    for (let i = 0; i + 1 < widths.length; i++) {
      dense.push(new Linear(widths[i]!, widths[i + 1]!, { rng, dtype }));
      if (i + 2 < widths.length) dense.push(new ReLU());
    }
    this.classifier = this.registerModule('classifier', new Sequential(...dense));
  }

  forward(x: Tensor): Tensor {
    const images = x.shape.length === 2 ? x.reshape([x.shape[0]!, 1, SIDE, SIDE]) : x;
    return this.classifier.forward(this.features.forward(images));
  }
}

/**
 * The parameters of the LeNet `spec` describes, by the names its weights file gives them, with
 * their shapes: worked out from the layout above without building the model, so that a file's
 * description can be checked against its tensors before anything is allocated.
 */
export function lenetParameterShapes(spec: Pick<CnnSpec, 'channels' | 'hidden'>): Map<string, number[]> {
  const { channels: [c1, c2], hidden } = spec;
  const shapes = new Map<string, number[]>([
    ['features.0.weight', [c1, 1, 5, 5]],
    ['features.0.bias', [c1]],
    ['features.3.weight', [c2, c1, 5, 5]],
    ['features.3.bias', [c2]],
  ]);
  const widths = [c2 * 5 * 5, ...hidden, DIGIT_CLASSES];
  // The classifier's Linear layers sit at even positions, a ReLU after each but the last.
  for (let i = 0; i + 1 < widths.length; i++) {
    shapes.set(`classifier.${2 * i}.weight`, [widths[i]!, widths[i + 1]!]);
    shapes.set(`classifier.${2 * i}.bias`, [widths[i + 1]!]);
  }
  return shapes;
}

/** e.g. `conv5x5(6)-pool-conv5x5(16)-pool-120-84-10`. */
export function describeCnn(spec: CnnSpec): string {
  return `conv5x5(${spec.channels[0]})-pool-conv5x5(${spec.channels[1]})-pool-${[...spec.hidden, DIGIT_CLASSES].join('-')}`;
}
