/** The small numbers a kernel reads besides its tensors (sizes, strides, offsets, constants),
 *  as 32-bit words: kernels read `p[i]` as u32 and `bitcast<f32>(p[i])` for a float. */
export class Params {
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
