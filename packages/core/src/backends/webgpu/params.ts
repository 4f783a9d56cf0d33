/** The small numbers a kernel reads besides its tensors (sizes, strides, offsets, constants),
 *  as 32-bit words: kernels read `p[i]` as u32 and `bitcast<f32>(p[i])` for a float. */
export class Params {
  static readonly #shared = new Params();

  /** The one parameter list, emptied. A kernel fills it right before its dispatch (after any
   *  kernel it runs first, such as a copy of a strided input), and the dispatch copies it out,
   *  so one list serves every kernel without an allocation each. */
  static start(): Params {
    Params.#shared.#length = 0;
    return Params.#shared;
  }

  #words = new Uint32Array(32);
  #floats = new Float32Array(this.#words.buffer);
  #length = 0;

  u32(...values: number[]): this {
    for (const v of values) this.#grow()[this.#length++] = v >>> 0;
    return this;
  }

  /** A list of u32 values (a shape, a stride list). */
  list(values: readonly number[]): this {
    return this.u32(...values);
  }

  f32(value: number): this {
    this.#grow();
    this.#floats[this.#length++] = value;
    return this;
  }

  get words(): Uint32Array {
    return this.#words.subarray(0, this.#length);
  }

  get byteLength(): number {
    return this.#length * 4;
  }

  /** Copies the words into `target` from word `at` (a loop: cheaper than a typed-array set for
   *  the few words a kernel has). */
  copyTo(target: Uint32Array, at: number): void {
    const words = this.#words;
    for (let i = 0; i < this.#length; i++) target[at + i] = words[i]!;
  }

  #grow(): Uint32Array {
    if (this.#length >= this.#words.length) {
      const words = new Uint32Array(this.#words.length * 2);
      words.set(this.#words);
      this.#words = words;
      this.#floats = new Float32Array(words.buffer);
    }
    return this.#words;
  }
}
