import { randomUUID } from 'node:crypto';
import { open, readFile, rename, rm } from 'node:fs/promises';
import { fromSafetensors } from './io/safetensors.js';
import type { Module } from './module.js';
import { toSafetensorsAsync } from './safetensors-async.js';

/**
 * Writes the model's parameters and buffers to `path` as safetensors. The bytes go to a
 * temporary file beside it, are flushed to disk, and the file is then renamed over `path`,
 * so an interrupted save never leaves a truncated file where a good one was. Works on every
 * backend (a GPU's tensors are read with await).
 */
export async function saveWeights(model: Module, path: string, options: { metadata?: Record<string, string> } = {}): Promise<void> {
  const bytes = await toSafetensorsAsync(model, options);
  const temporary = `${path}.${process.pid}.${randomUUID()}.tmp`;
  try {
    const handle = await open(temporary, 'wx');
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, path);
  } catch (e) {
    await rm(temporary, { force: true });
    throw new Error(`saveWeights: could not write ${path}: ${(e as Error).message}`, { cause: e });
  }
}

/** Reads safetensors weights from `path` into the model, all or nothing (see fromSafetensors).
 *  Returns the file's metadata. */
export async function loadWeights(model: Module, path: string): Promise<Record<string, string>> {
  const bytes = await readFile(path);
  try {
    return fromSafetensors(model, bytes);
  } catch (e) {
    throw new Error(`loadWeights: ${path}: ${(e as Error).message}`, { cause: e });
  }
}
