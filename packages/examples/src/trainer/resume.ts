import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { readSafetensors } from '@matgrad/nn';
import type { TrainOptions } from './options.js';
import type { EpochMetrics } from './train.js';

/** Written to the run folder after every epoch, removed when the run has written all its files. */
export const CHECKPOINT_FILE = 'checkpoint.safetensors';
/** The checkpoint's metadata key for what the trainer needs to rebuild the run before restoring it. */
const TRAINER_KEY = 'matgrad.trainer';

/** What the trainer keeps in a checkpoint besides the training state: the run's options and
 *  the metrics of the epochs done, so the resumed run's metrics.json covers them all. */
export interface TrainerRecord {
  /** The run's options. */
  options: TrainOptions;
  /** The epochs finished so far. */
  epochs: EpochMetrics[];
}

/** The checkpoint metadata that records `record`. */
export function trainerMetadata(record: TrainerRecord): Record<string, string> {
  return { [TRAINER_KEY]: JSON.stringify(record) };
}

/** Where a run left off: its folder, its checkpoint and what the trainer recorded in it. */
export interface ResumePoint extends TrainerRecord {
  /** The run folder. */
  folder: string;
  /** The checkpoint file in it. */
  checkpoint: string;
}

/** Reads the checkpoint of the run in `folder`, with errors that say what is missing. */
export async function readResumePoint(folder: string): Promise<ResumePoint> {
  const info = await stat(folder).catch(() => null);
  if (info === null || !info.isDirectory()) throw new Error(`train: --resume expects a run folder; ${folder} ${info === null ? 'does not exist' : 'is not a folder'}`);
  const checkpoint = join(folder, CHECKPOINT_FILE);
  const bytes = await readFile(checkpoint).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') throw new Error(`train: ${folder} has no ${CHECKPOINT_FILE} to resume from (a run that finished removes it)`);
    throw new Error(`train: cannot read ${checkpoint}: ${error.message}`);
  });
  let text: string | undefined;
  try {
    text = readSafetensors(bytes).metadata[TRAINER_KEY];
  } catch (error) {
    throw new Error(`train: ${checkpoint}: ${(error as Error).message}`);
  }
  if (text === undefined) throw new Error(`train: ${checkpoint} was not written by the trainer (no '${TRAINER_KEY}' metadata)`);
  let record: TrainerRecord;
  try {
    record = JSON.parse(text) as TrainerRecord;
  } catch {
    throw new Error(`train: ${checkpoint} has an unreadable '${TRAINER_KEY}' record ${JSON.stringify(text.slice(0, 80))}`);
  }
  if (record === null || typeof record !== 'object' || typeof record.options !== 'object' || !Array.isArray(record.epochs)) {
    throw new Error(`train: ${checkpoint}'s '${TRAINER_KEY}' record lacks the run's options and epochs`);
  }
  return { ...record, options: { ...record.options, out: folder }, folder, checkpoint };
}
