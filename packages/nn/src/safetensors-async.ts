import { fromBuffer, Tensor } from '@matgrad/core';
import { toSafetensors, type TensorSource } from './io/safetensors.js';
import { Module } from './module.js';

/**
 * `toSafetensors` for tensors on any backend, a GPU's included: every tensor is read with
 * `await tensor.data()`, all reads started at once so they see one moment of the model, then
 * the bytes are laid out exactly as `toSafetensors` lays them out.
 */
export async function toSafetensorsAsync(source: TensorSource, options: { metadata?: Readonly<Record<string, string>> } = {}): Promise<Uint8Array> {
  const entries: Array<[string, unknown]> = source instanceof Module ? [...source.stateDict()] : source instanceof Map ? [...source] : Object.entries(source);
  const values = await Promise.all(entries.map(([, t]) => (t instanceof Tensor ? t.data() : null)));
  // Anything that is not a tensor goes through as it is, for toSafetensors to name.
  const onHost = new Map(entries.map(([name, t], i) => [name, t instanceof Tensor ? fromBuffer(values[i]!, t.shape, { backend: 'js' }) : t] as [string, Tensor]));
  return toSafetensors(onHost, options);
}
