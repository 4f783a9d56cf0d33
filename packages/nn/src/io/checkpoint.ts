import { fromBuffer, Tensor, type FloatArray } from '@matgrad/core';
import { DataLoader, type DataLoaderState } from '../data/loader.js';
import { isRngState, type RngState } from '../data/resumable-rng.js';
import { BatchNorm1d } from '../layers/batchnorm.js';
import { Dropout } from '../layers/dropout.js';
import { Module } from '../module.js';
import { Optimizer, type OptimizerState } from '../optim/optimizer.js';
import { formatShape, sameShape } from '../shapes.js';
import { describeValue } from './describe.js';
import { parseExact, stringifyExact } from './exact-json.js';
import { readSafetensors, toSafetensors } from './safetensors.js';

/**
 * A checkpoint is one safetensors file: the model's tensors under `model.<name>`, the
 * optimizer's running buffers under `optimizer.<parameter name>.<slot>`, and everything else
 * (epoch, optimizer step and hyperparameters, the loader's and the dropout layers' stream
 * positions, BatchNorm counters, the schedule and `extra`) as JSON in the metadata entry
 * `matgrad.checkpoint`.
 */

/** What `saveCheckpoint` / `checkpointToSafetensors` store; the state is read when they are
 *  called. */
export interface Checkpoint {
  /** The model whose parameters and buffers (and dropout streams, BatchNorm counters) are saved. */
  model: Module;
  /** The optimizer whose step, hyperparameters and running buffers are saved. */
  optimizer?: Optimizer;
  /** Epochs completed (what `fit`'s `initialEpoch` takes when resuming). Default 0. */
  epoch?: number;
  /** A loader whose shuffle (and dataset) state to save; take the checkpoint between epochs. */
  loader?: DataLoader;
  /** A description of the learning-rate schedule (JSON data such as `{ name: 'cosine', lr, epochs }`),
   *  given back on load so the same schedule can be rebuilt; schedules are functions of the
   *  epoch, so this is all they need. */
  schedule?: unknown;
  /** Anything else to keep (JSON data; Infinity, NaN and −0 survive). */
  extra?: unknown;
  /** Plain safetensors metadata (strings), readable with `readSafetensors` without restoring
   *  anything, e.g. what is needed to build the model before loading into it. */
  metadata?: Readonly<Record<string, string>>;
}

/** Where `loadCheckpoint` / `checkpointFromSafetensors` restore into. */
export interface CheckpointTargets {
  /** Receives the model's tensors; built as the saved one was. */
  model: Module;
  /** Receives the checkpoint's optimizer state (its kind and parameters must match); without
   *  it, that state is not read. */
  optimizer?: Optimizer;
  /** Receives the checkpoint's loader state (shuffle position, dataset state). */
  loader?: DataLoader;
}

/** What a loaded checkpoint gives back besides the restored objects. */
export interface RestoredCheckpoint {
  /** Epochs completed when it was saved: `fit`'s `initialEpoch` to resume with. */
  epoch: number;
  /** The schedule's description as saved (undefined when none was). */
  schedule: unknown;
  /** `extra` as saved (undefined when none was). */
  extra: unknown;
  /** The file's other metadata entries. */
  metadata: Record<string, string>;
}

const CHECKPOINT_KEY = 'matgrad.checkpoint';
const FORMAT = 1;
const MODEL_PREFIX = 'model.';
const OPTIMIZER_PREFIX = 'optimizer.';

/** The JSON stored under `matgrad.checkpoint`. */
interface CheckpointRecord {
  format: number;
  epoch: number;
  optimizer: { kind: string; step: number; hyperparameters: Record<string, number>; slots: Array<{ parameter: string; names: string[] }> } | null;
  loader: DataLoaderState | null;
  /** Per module, by dotted name: a Dropout's mask stream, a BatchNorm1d's batch count. */
  modules: Record<string, { stream?: RngState; batchesTracked?: number }>;
  schedule?: unknown;
  extra?: unknown;
}

/** Serializes a checkpoint to safetensors bytes (see {@link Checkpoint}). */
export function checkpointToSafetensors(checkpoint: Checkpoint): Uint8Array {
  const who = 'saveCheckpoint';
  if (checkpoint === null || typeof checkpoint !== 'object') throw new TypeError(`${who}: expected { model, optimizer?, epoch?, loader?, schedule?, extra? }, got ${describeValue(checkpoint)}`);
  const { model, optimizer, epoch = 0, loader, schedule, extra, metadata } = checkpoint;
  if (!(model instanceof Module)) throw new TypeError(`${who}: model must be a Module, got ${describeValue(model)}`);
  if (optimizer !== undefined && !(optimizer instanceof Optimizer)) throw new TypeError(`${who}: optimizer must be an Optimizer, got ${describeValue(optimizer)}`);
  if (loader !== undefined && !(loader instanceof DataLoader)) throw new TypeError(`${who}: loader must be a DataLoader, got ${describeValue(loader)}`);
  if (!Number.isSafeInteger(epoch) || epoch < 0) throw new RangeError(`${who}: epoch must be a non-negative integer, got ${describeValue(epoch)}`);
  for (const [name, value] of [['schedule', schedule], ['extra', extra]] as const) {
    if (typeof value === 'function') throw new TypeError(`${who}: ${name} must be JSON data; a function cannot be saved (describe it, e.g. { name: 'cosine', lr: 0.01, epochs: 30 })`);
  }
  const tensors = new Map<string, Tensor>();
  for (const [name, t] of model.stateDict()) tensors.set(MODEL_PREFIX + name, t);
  let optimizerRecord: CheckpointRecord['optimizer'] = null;
  if (optimizer !== undefined) {
    const state = optimizer.state();
    const names = parameterNames(model, optimizer);
    optimizerRecord = {
      kind: state.kind,
      step: state.step,
      hyperparameters: state.hyperparameters,
      slots: state.slots.map((slot, i) => ({ parameter: names[i]!, names: Object.keys(slot) })),
    };
    state.slots.forEach((slot, i) => {
      for (const [slotName, values] of Object.entries(slot)) tensors.set(`${OPTIMIZER_PREFIX}${names[i]!}.${slotName}`, fromBuffer(values, [values.length]));
    });
  }
  const record: CheckpointRecord = {
    format: FORMAT,
    epoch,
    optimizer: optimizerRecord,
    loader: loader === undefined ? null : loader.state(),
    modules: moduleStates(model),
    ...(schedule === undefined ? {} : { schedule }),
    ...(extra === undefined ? {} : { extra }),
  };
  if (metadata !== undefined && Object.hasOwn(metadata, CHECKPOINT_KEY)) throw new TypeError(`${who}: the metadata key '${CHECKPOINT_KEY}' is the checkpoint's own`);
  try {
    return toSafetensors(tensors, { metadata: { ...metadata, [CHECKPOINT_KEY]: stringifyExact(record) } });
  } catch (e) {
    throw new TypeError(`${who}: ${(e as Error).message.replace(/^toSafetensors: /, '')}`, { cause: e });
  }
}

/** Each optimizer parameter's name in the model (an index when the model does not hold it). */
function parameterNames(model: Module, optimizer: Optimizer): string[] {
  const byTensor = new Map(model.namedParameters().map(([name, t]) => [t, name]));
  return optimizer.params.map((p, i) => byTensor.get(p) ?? `#${i}`);
}

function moduleStates(model: Module): CheckpointRecord['modules'] {
  const out: CheckpointRecord['modules'] = {};
  visit(model, '', (name, module) => {
    if (module instanceof Dropout) out[name] = { stream: module.streamState() };
    else if (module instanceof BatchNorm1d) out[name] = { batchesTracked: module.numBatchesTracked };
  });
  return out;
}

function visit(module: Module, name: string, fn: (name: string, module: Module) => void): void {
  fn(name, module);
  for (const [child, m] of module.namedChildren()) visit(m, name === '' ? child : `${name}.${child}`, fn);
}

/**
 * Restores a checkpoint into a model and, when given, an optimizer and a loader. Everything
 * is checked before anything changes, and a failure part-way puts back what had been
 * restored, so on any error the targets are as they were.
 */
export function checkpointFromSafetensors(bytes: Uint8Array | ArrayBuffer, targets: CheckpointTargets): RestoredCheckpoint {
  const who = 'loadCheckpoint';
  if (targets === null || typeof targets !== 'object') throw new TypeError(`${who}: expected targets { model, optimizer?, loader? }, got ${describeValue(targets)}`);
  const { model, optimizer, loader } = targets;
  if (!(model instanceof Module)) throw new TypeError(`${who}: model must be a Module, got ${describeValue(model)}`);
  if (optimizer !== undefined && !(optimizer instanceof Optimizer)) throw new TypeError(`${who}: optimizer must be an Optimizer, got ${describeValue(optimizer)}`);
  if (loader !== undefined && !(loader instanceof DataLoader)) throw new TypeError(`${who}: loader must be a DataLoader, got ${describeValue(loader)}`);
  const { tensors, metadata } = readSafetensors(bytes);
  const { [CHECKPOINT_KEY]: text, ...otherMetadata } = metadata;
  const record = parseRecord(text);
  const problems: string[] = [];

  const modelState = new Map<string, Tensor>();
  const own = model.stateDict();
  for (const [name, target] of own) {
    const t = tensors.get(MODEL_PREFIX + name);
    if (t === undefined) problems.push(`'${name}' is missing from the model's tensors`);
    else if (t.dtype !== target.dtype || !sameShape(t.shape, target.shape)) problems.push(`'${name}' is ${t.dtype} ${formatShape(t.shape)}, the model's is ${target.dtype} ${formatShape(target.shape)}`);
    else modelState.set(name, t);
  }
  for (const key of tensors.keys()) {
    if (key.startsWith(MODEL_PREFIX) && !own.has(key.slice(MODEL_PREFIX.length))) problems.push(`'${key.slice(MODEL_PREFIX.length)}' is not an entry of this ${model.constructor.name}`);
  }

  let optimizerState: OptimizerState | null = null;
  if (optimizer !== undefined) {
    if (record.optimizer === null) problems.push('the checkpoint has no optimizer state');
    else optimizerState = optimizerStateOf(record.optimizer, tensors, parameterNames(model, optimizer), problems);
  }
  if (loader !== undefined && record.loader === null) problems.push('the checkpoint has no loader state');

  const streams = new Map<Dropout, RngState>();
  const counts = new Map<BatchNorm1d, number>();
  visit(model, '', (name, module) => {
    const saved = record.modules[name];
    if (module instanceof Dropout) {
      if (!isRngState(saved?.stream)) problems.push(`the Dropout '${name}' has no saved mask stream`);
      else streams.set(module, saved!.stream!);
    } else if (module instanceof BatchNorm1d) {
      const n = saved?.batchesTracked;
      if (n === undefined || !Number.isSafeInteger(n) || n < 0) problems.push(`the BatchNorm1d '${name}' has no saved batch count`);
      else counts.set(module, n);
    }
  });
  if (problems.length > 0) throw new Error(`${who}: nothing was restored: ${problems.join('; ')}`);

  const before = { model: copyState(model), optimizer: optimizer?.state(), loader: safely(() => loader?.state()) };
  try {
    model.loadStateDict(modelState);
    if (optimizer !== undefined) optimizer.loadState(optimizerState!);
    if (loader !== undefined) loader.loadState(record.loader!);
    for (const [module, state] of streams) module.loadStreamState(state);
  } catch (error) {
    model.loadStateDict(before.model);
    if (optimizer !== undefined) optimizer.loadState(before.optimizer!);
    if (loader !== undefined && before.loader !== undefined) loader.loadState(before.loader);
    throw new Error(`${who}: nothing was restored: ${(error as Error).message}`, { cause: error });
  }
  for (const [module, n] of counts) module.numBatchesTracked = n;
  return { epoch: record.epoch, schedule: record.schedule, extra: record.extra, metadata: otherMetadata };
}

function parseRecord(text: string | undefined): CheckpointRecord {
  const fail = (why: string): never => {
    throw new Error(`loadCheckpoint: ${why}`);
  };
  if (text === undefined) fail(`the file has no '${CHECKPOINT_KEY}' metadata; it is not a matgrad checkpoint (plain weights load with loadWeights)`);
  let record: Partial<CheckpointRecord>;
  try {
    record = parseExact(text!) as Partial<CheckpointRecord>;
  } catch (e) {
    return fail(`the '${CHECKPOINT_KEY}' metadata is not valid JSON: ${(e as Error).message}`);
  }
  if (record === null || typeof record !== 'object') fail(`the '${CHECKPOINT_KEY}' metadata must be a JSON object`);
  if (record.format !== FORMAT) fail(`the checkpoint format is ${JSON.stringify(record.format)}; this version of matgrad reads format ${FORMAT}`);
  if (!Number.isSafeInteger(record.epoch) || record.epoch! < 0) fail(`the checkpoint's epoch is ${JSON.stringify(record.epoch)}; expected a non-negative integer`);
  if (record.modules === null || typeof record.modules !== 'object') fail('the checkpoint has no module states');
  return record as CheckpointRecord;
}

function optimizerStateOf(
  saved: NonNullable<CheckpointRecord['optimizer']>,
  tensors: Map<string, Tensor>,
  names: string[],
  problems: string[],
): OptimizerState | null {
  if (!Array.isArray(saved.slots) || saved.slots.length !== names.length) {
    problems.push(`the checkpoint's optimizer has ${Array.isArray(saved.slots) ? saved.slots.length : 'no'} parameters, this one has ${names.length}`);
    return null;
  }
  const slots: Array<Record<string, FloatArray>> = [];
  saved.slots.forEach(({ parameter, names: slotNames }, i) => {
    if (parameter !== names[i]) problems.push(`optimizer parameter ${i} is '${parameter}' in the checkpoint, '${names[i]}' here`);
    const slot: Record<string, FloatArray> = {};
    for (const slotName of Array.isArray(slotNames) ? slotNames : []) {
      const t = tensors.get(`${OPTIMIZER_PREFIX}${parameter}.${slotName}`);
      if (t === undefined) problems.push(`optimizer slot '${parameter}.${slotName}' is missing`);
      else slot[slotName] = t.values();
    }
    slots.push(slot);
  });
  return { kind: saved.kind, step: saved.step, hyperparameters: saved.hyperparameters, slots };
}

function copyState(model: Module): Map<string, Tensor> {
  return new Map([...model.stateDict()].map(([name, t]) => [name, fromBuffer(t.values().slice(), t.shape)]));
}

/** A loader built on a shared Rng cannot report its state; then there is nothing to put back. */
function safely<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch {
    return undefined;
  }
}
