import { conv2d, zeros, type DType, type Pair, type Tensor } from '@matgrad/core';
import { initFilters, rngOf, type Init, type Seeded } from '../init.js';
import { Module } from '../module.js';
import { formatShape } from '../shapes.js';

export interface Conv2dOptions extends Seeded {
  /** The step between neighbouring output positions (default 1). */
  stride?: Pair;
  /** Zeros added on each side of the image, the same before and after (default 0). */
  padding?: Pair;
  /** The spacing between the filter's taps: 1 is a dense filter (default 1). */
  dilation?: Pair;
  /** Channel groups (default 1). */
  groups?: number;
  /** Default 'he', over fan-in C/groups·kh·kw. */
  init?: Init;
  /** Default true. */
  bias?: boolean;
  /** Default 'float64'. */
  dtype?: DType;
}

function positive(what: string, n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`Conv2d: ${what} must be a positive integer, got ${n}`);
}

/**
 * A 2-D convolution layer over images [N, C, H, W] (PyTorch's nn.Conv2d): filters
 * [F, C/groups, kh, kw] and a bias [F]. Core's conv2d writes it as im2col and a matrix
 * product, Y = W·col(X) + b, so its gradients are dW = dY·col(X)ᵀ, db = dY·1 and
 * dX = col⁻¹(Wᵀ·dY).
 */
export class Conv2d extends Module {
  /** Channels C of the input images. */
  readonly inChannels: number;
  /** Filters F, the channels of the output. */
  readonly outChannels: number;
  /** The filters' size [kh, kw]. */
  readonly kernelSize: [number, number];
  /** The geometry passed to conv2d, with defaults filled in: stride 1, padding 0, dilation 1, groups 1. */
  readonly options: Readonly<Pick<Conv2dOptions, 'stride' | 'padding' | 'dilation' | 'groups'>>;
  /** Whether the layer has a bias (`options.bias`, default true). */
  readonly hasBias: boolean;

  constructor(inChannels: number, outChannels: number, kernelSize: Pair, options: Conv2dOptions = {}) {
    super();
    positive('inChannels', inChannels);
    positive('outChannels', outChannels);
    const groups = options.groups ?? 1;
    positive('groups', groups);
    if (inChannels % groups !== 0 || outChannels % groups !== 0) {
      throw new RangeError(`Conv2d: ${groups} groups must divide inChannels ${inChannels} and outChannels ${outChannels}`);
    }
    const kernel: [number, number] = typeof kernelSize === 'number' ? [kernelSize, kernelSize] : [kernelSize[0], kernelSize[1]];
    kernel.forEach((k) => positive('kernelSize', k));
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.kernelSize = kernel;
    this.options = { stride: options.stride ?? 1, padding: options.padding ?? 0, dilation: options.dilation ?? 1, groups };
    this.hasBias = options.bias !== false;
    const dtype = options.dtype ?? 'float64';
    this.registerParameter('weight', initFilters([outChannels, inChannels / groups, kernel[0], kernel[1]], options.init ?? 'he', rngOf('Conv2d', options), dtype));
    if (this.hasBias) this.registerParameter('bias', zeros([outChannels], { dtype }));
  }

  /** The filters, [F, C/groups, kh, kw]. */
  get weight(): Tensor {
    return this.parameter('weight');
  }

  /** The bias [F] (initialised to zeros), or null when built with `bias: false`. */
  get bias(): Tensor | null {
    return this.hasBias ? this.parameter('bias') : null;
  }

  forward(x: Tensor): Tensor {
    const name = `Conv2d(${this.inChannels}, ${this.outChannels}, ${this.kernelSize.join('×')})`;
    if (x.shape.length !== 4 || x.shape[1] !== this.inChannels) throw new RangeError(`${name}: expected images [N, ${this.inChannels}, H, W], got ${formatShape(x.shape)}`);
    if (x.dtype !== this.weight.dtype) throw new TypeError(`${name}: the input is ${x.dtype} but the weights are ${this.weight.dtype}; cast one of them`);
    return conv2d(x, this.weight, this.bias, this.options);
  }
}
