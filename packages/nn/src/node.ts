/**
 * The file functions of `@matgrad/nn`, for Node.js: a separate entry point
 * (`@matgrad/nn/node`), so that browser bundles of `@matgrad/nn` never see `node:fs`.
 * @module @matgrad/nn/node
 */
import { randomUUID } from 'node:crypto';
import { open, readFile, rename, rm, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { checkpointFromSafetensors, checkpointToSafetensors, type Checkpoint, type CheckpointTargets, type RestoredCheckpoint } from './io/checkpoint.js';
import { describeValue } from './io/describe.js';
import { fromSafetensors, toSafetensors, type LoadOptions, type LoadReport, type SaveOptions } from './io/safetensors.js';
import { Module } from './module.js';

/**
 * Writes `bytes` to `path` atomically: into a temporary file beside it, flushed to disk, then
 * renamed over `path`. An interrupted or failed write leaves the old file as it was and no
 * temporary file behind; the error names `path` and the cause.
 */
async function writeFileAtomic(who: string, path: string, bytes: Uint8Array): Promise<void> {
  const temporary = `${path}.${process.pid}.${randomUUID()}.tmp`;
  let created = false;
  try {
    const handle = await open(temporary, 'wx');
    created = true;
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, path);
    created = false;
  } catch (e) {
    // Cleaning up must not hide the cause; a file that could not be removed is named.
    const leftover = created ? await rm(temporary, { force: true }).then(() => '', (cleanup: Error) => ` (the temporary file ${temporary} could not be removed: ${cleanup.message})`) : '';
    throw new Error(`${who}: could not write ${path}: ${(e as Error).message}${leftover}`, { cause: e });
  }
}

/** The bytes of the file at `path`, with errors that say which file and why. */
async function readWholeFile(who: string, path: string): Promise<Uint8Array> {
  checkPath(who, path);
  const info = await stat(path).catch((e: Error) => {
    throw new Error(`${who}: cannot read ${path}: ${e.message}`, { cause: e });
  });
  if (info.isDirectory()) throw new Error(`${who}: ${path} is a directory; expected a safetensors file`);
  return readFile(path).catch((e: Error) => {
    throw new Error(`${who}: cannot read ${path}: ${e.message}`, { cause: e });
  });
}

function checkModel(who: string, model: unknown): void {
  if (!(model instanceof Module)) throw new TypeError(`${who}: the first argument must be a Module (e.g. an MLP), got ${describeValue(model)}`);
}

function checkPath(who: string, path: unknown): void {
  if (typeof path !== 'string' || path === '') throw new TypeError(`${who}: path must be a non-empty string, got ${describeValue(path)}`);
}

/**
 * Writes the model's parameters and buffers to `path` as safetensors (see `toSafetensors`
 * for the options: metadata, and `layout: 'pytorch'` for a file PyTorch loads). The save is
 * atomic: an interrupted save never leaves a truncated file where a good one was.
 *
 * @example
 * await saveWeights(model, 'model.safetensors', { metadata: { epoch: '30' } });
 * await saveWeights(model, 'for-torch.safetensors', { layout: 'pytorch' });
 */
export async function saveWeights(model: Module, path: string, options: SaveOptions = {}): Promise<void> {
  checkModel('saveWeights', model);
  checkPath('saveWeights', path);
  let bytes: Uint8Array;
  try {
    bytes = toSafetensors(model, options);
  } catch (e) {
    throw new Error(`saveWeights: ${(e as Error).message.replace(/^toSafetensors: /, '')}`, { cause: e });
  }
  await writeFileAtomic('saveWeights', path, bytes);
}

/**
 * Reads safetensors weights from `path` into the model, all or nothing (see
 * `fromSafetensors` for the options: `layout: 'pytorch'`, `cast`). Returns the file's
 * metadata and the integer tensors the model had no place for.
 *
 * @example
 * const { metadata } = await loadWeights(model, 'runs/2025-01-31T14-05-09/model.safetensors');
 * await loadWeights(mlp, 'from-torch.safetensors', { layout: 'pytorch' });
 */
export async function loadWeights(model: Module, path: string, options: LoadOptions = {}): Promise<LoadReport> {
  checkModel('loadWeights', model);
  const bytes = await readWholeFile('loadWeights', path);
  try {
    return fromSafetensors(model, bytes, options);
  } catch (e) {
    throw new Error(`loadWeights: ${path}: ${(e as Error).message}`, { cause: e });
  }
}

/** Checkpoint writes in flight, by absolute path, so that saves to one path land in the
 *  order they were made. */
const checkpointWrites = new Map<string, Promise<void>>();

/**
 * Saves a training checkpoint to `path`, atomically, as one safetensors file: the model, the
 * optimizer's buffers as tensors, and the epoch, the optimizer's step and hyperparameters,
 * the loader's shuffle position, the dropout layers' streams, the schedule's description and
 * `extra` in its metadata. Resuming from it with `loadCheckpoint` and `fit`'s `initialEpoch`
 * trains exactly as an uninterrupted run would, bit for bit.
 *
 * The state is read when `saveCheckpoint` is called, so it may be called from `fit`'s
 * `onEpoch` and awaited later; saves to the same path are written in the order they were
 * called.
 *
 * @example
 * for (let epoch = 0; epoch < 30; epoch++) {
 *   fit(model, loader, { epochs: epoch + 1, initialEpoch: epoch, optimizer });
 *   await saveCheckpoint('checkpoint.safetensors', { model, optimizer, loader, epoch: epoch + 1 });
 * }
 */
export async function saveCheckpoint(path: string, checkpoint: Checkpoint): Promise<void> {
  checkPath('saveCheckpoint', path);
  const bytes = checkpointToSafetensors(checkpoint);
  const key = resolve(path);
  const previous = checkpointWrites.get(key);
  const write = (previous ?? Promise.resolve()).catch(() => {}).then(() => writeFileAtomic('saveCheckpoint', path, bytes));
  checkpointWrites.set(key, write);
  try {
    await write;
  } finally {
    if (checkpointWrites.get(key) === write) checkpointWrites.delete(key);
  }
}

/**
 * Restores the checkpoint at `path` into the model and, when given, the optimizer and the
 * loader; all or nothing. Returns the epoch it was taken after (for `fit`'s `initialEpoch`),
 * the schedule's description and `extra`.
 *
 * @example
 * const { epoch } = await loadCheckpoint('run.ckpt.safetensors', { model, optimizer, loader });
 * fit(model, loader, { epochs: 30, initialEpoch: epoch, optimizer });
 */
export async function loadCheckpoint(path: string, targets: CheckpointTargets): Promise<RestoredCheckpoint> {
  const bytes = await readWholeFile('loadCheckpoint', path);
  try {
    return checkpointFromSafetensors(bytes, targets);
  } catch (e) {
    throw new Error(`loadCheckpoint: ${path}: ${(e as Error).message.replace(/^loadCheckpoint: /, '')}`, { cause: e });
  }
}
