import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../src/cli/command.js';
import { parseTrainArgs, TRAIN_HELP, trainCommand } from '../src/cli/train.js';
import { DEFAULT_LR, TRAIN_DEFAULTS } from '../src/trainer/options.js';

describe('train: command line', () => {
  it('defaults to the settings that reach 95.5% on the held-out digits', () => {
    expect(parseTrainArgs([])).toEqual({ help: false, options: { ...TRAIN_DEFAULTS, lr: 0.001 } });
    expect(TRAIN_DEFAULTS).toMatchObject({ hidden: [256], activation: 'relu', optimizer: 'adam', dtype: 'float32', out: null, idx: null });
  });

  it('reads every option', () => {
    const parsed = parseTrainArgs([
      '--hidden', '512,256', '--activation', 'tanh', '--dropout', '0.2', '--dtype', 'float64', '--optimizer', 'sgd',
      '--schedule', 'constant', '--epochs', '3', '--batch-size', '100', '--shift', '0', '--seed', '7', '--limit', '500',
      '--out', 'some/folder', '--idx', 'mnist-files', '--backend', 'js',
    ]);
    expect(parsed).toEqual({
      help: false,
      options: {
        model: 'mlp', channels: [6, 16],
        hidden: [512, 256], activation: 'tanh', dropout: 0.2, dtype: 'float64', optimizer: 'sgd', lr: DEFAULT_LR.sgd,
        schedule: 'constant', epochs: 3, batchSize: 100, shift: 0, seed: 7, limit: 500, out: 'some/folder',
        idx: resolve(process.env.INIT_CWD ?? process.cwd(), 'mnist-files'), backend: 'js',
      },
    });
    expect(parseTrainArgs(['--optimizer', 'momentum', '--lr', '0.05'])).toMatchObject({ options: { optimizer: 'momentum', lr: 0.05 } });
    expect(parseTrainArgs(['--', '-o', 'x'])).toMatchObject({ options: { out: 'x' } });
    expect(parseTrainArgs(['-h'])).toEqual({ help: true });
  });

  it('--model cnn takes the CNN\'s defaults for the widths and epochs, and --channels', () => {
    expect(parseTrainArgs(['--model', 'cnn'])).toMatchObject({ options: { model: 'cnn', channels: [6, 16], hidden: [120, 84], epochs: 20, lr: 0.002 } });
    expect(parseTrainArgs(['--model', 'cnn', '--channels', '8,24', '--hidden', '100', '--epochs', '3'])).toMatchObject({ options: { channels: [8, 24], hidden: [100], epochs: 3 } });
    expect(() => parseTrainArgs(['--model', 'rnn'])).toThrow("--model must be one of mlp, cnn, got 'rnn'");
    expect(() => parseTrainArgs(['--channels', '6'])).toThrow("--channels must give the two convolutions' channels as two positive integers (e.g. 6,16), got '6'");
  });

  it.each([
    [['--epochs', '0'], "--epochs must be an integer in 1..100000, got '0'"],
    [['--epochs', '2.5'], "--epochs must be an integer in 1..100000, got '2.5'"],
    [['--batch-size', 'ten'], "--batch-size must be an integer in 1..1000000, got 'ten'"],
    [['--lr', '0'], "--lr must be a number in (0, ∞), got '0'"],
    [['--lr', 'fast'], "--lr must be a number in (0, ∞), got 'fast'"],
    [['--dropout', '1'], "--dropout must be a number in [0, 1), got '1'"],
    [['--hidden', '256,,10'], "--hidden must list hidden layer widths as positive integers separated by commas (e.g. 256 or 512,256), got '256,,10'"],
    [['--hidden', '0'], "--hidden must list hidden layer widths"],
    [['--activation', 'gelu'], "--activation must be one of relu, sigmoid, tanh, got 'gelu'"],
    [['--optimizer', 'lbfgs'], "--optimizer must be one of sgd, momentum, nesterov, adagrad, rmsprop, adam, adamw, got 'lbfgs'"],
    [['--dtype', 'float16'], "--dtype must be one of float32, float64, got 'float16'"],
    [['--schedule', 'step'], "--schedule must be one of cosine, constant, got 'step'"],
    [['--shift', '9'], "--shift must be an integer in 0..8, got '9'"],
    [['--seed=-1'], "--seed must be an integer in 0..4294967295, got '-1'"],
    [['--seed', '1.5'], "--seed must be an integer in 0..4294967295, got '1.5'"],
    [['--limit', '0'], "--limit must be an integer ≥ 1, got '0'"],
    [['--backend', 'cuda'], "--backend must be one of wasm, js, webgpu, got 'cuda'"],
    [['--backend', 'webgpu', '--dtype', 'float64'], '--dtype float64 cannot run on --backend webgpu (WebGPU has no float64); use --dtype float32'],
    [['--epoch', '3'], "Unknown option '--epoch'"],
    [['--epochs'], "Option '--epochs <value>' argument missing"],
    [['extra'], "Unexpected argument 'extra'"],
  ])('rejects %j with a clear message', (argv, message) => {
    expect(() => parseTrainArgs(argv)).toThrow(UsageError);
    expect(() => parseTrainArgs(argv)).toThrow(message);
  });

  it('prints a help that names every option and its default', async () => {
    const lines: string[] = [];
    expect(await trainCommand(['--help'], { log: (l) => lines.push(l), progress: process.stderr })).toBeNull();
    const help = lines.join('\n');
    expect(help).toBe(TRAIN_HELP.trimEnd());
    for (const option of ['--model', '--channels', '--hidden', '--activation', '--dropout', '--dtype', '--optimizer', '--lr', '--schedule', '--epochs', '--batch-size', '--shift', '--seed', '--backend', '--idx', '--limit', '--out', '--help']) {
      expect(help).toContain(option);
    }
    expect(help).toContain('(default 256;');
    expect(help).toContain('(default 30)');
  });
});
