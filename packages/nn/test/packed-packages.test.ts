import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The packages as a user gets them: `pnpm pack` of core and nn, installed with npm (not pnpm)
 * into a scratch project, type-checked under strict and each module resolution, run from ES
 * modules and from CommonJS, and their READMEs' examples compiled and run.
 */

const run = promisify(execFile);
const repo = fileURLToPath(new URL('../../../', import.meta.url));
const tsc = join(dirname(createRequire(import.meta.url).resolve('typescript/package.json')), 'bin', 'tsc');

let work = '';
let scratch = '';
const tarballs: Record<'core' | 'nn', string> = { core: '', nn: '' };

/** The ```ts blocks of a README, in order. */
async function examples(readme: string): Promise<string[]> {
  return [...(await readFile(readme, 'utf8')).matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
}

/** tsc's diagnostics for `files` under strict with the given module settings ('' when clean). */
async function typeCheck(files: string[], module: string, moduleResolution?: string): Promise<string> {
  const resolution = moduleResolution === undefined ? [] : ['--moduleResolution', moduleResolution];
  try {
    await run(process.execPath, [tsc, '--noEmit', '--strict', '--target', 'es2022', '--lib', 'es2023,dom', '--module', module, ...resolution, '--skipLibCheck', 'false', ...files], { cwd: scratch });
    return '';
  } catch (error) {
    return (error as { stdout: string }).stdout;
  }
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'matgrad-packed-'));
  const packs = join(work, 'packs');
  scratch = join(work, 'scratch');
  await mkdir(packs);
  await mkdir(scratch);
  for (const name of ['core', 'nn'] as const) {
    await run('npx', ['--yes', 'pnpm@10.34.9', 'pack', '--pack-destination', packs], { cwd: join(repo, 'packages', name) });
    tarballs[name] = join(packs, `matgrad-${name}-0.1.0.tgz`);
  }
  await writeFile(join(scratch, 'package.json'), JSON.stringify({ name: 'scratch', private: true, type: 'module' }));
  await run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', tarballs.core, tarballs.nn], { cwd: scratch });
  const blocks = [...(await examples(join(repo, 'packages/core/README.md'))).map((code, i) => [`core-readme-${i + 1}.ts`, code]), ...(await examples(join(repo, 'packages/nn/README.md'))).map((code, i) => [`nn-readme-${i + 1}.ts`, code])];
  for (const [file, code] of blocks) await writeFile(join(scratch, file!), code!);
  const everyExport = [
    "import { tensor, type Tensor } from '@matgrad/core';",
    "import { MLP, fitAsync, type LoadReport } from '@matgrad/nn';",
    "import { saveWeights, loadCheckpoint } from '@matgrad/nn/node';",
    'const t: Tensor = tensor([1, 2]);',
    'const report: LoadReport | null = null;',
    'export { t, report, MLP, fitAsync, saveWeights, loadCheckpoint };',
  ].join('\n');
  await writeFile(join(scratch, 'imports.ts'), everyExport);
  await writeFile(join(scratch, 'imports.cts'), everyExport);
}, 240_000);

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('the packed packages in a plain npm project', () => {
  it('ship LICENSE, README, built JavaScript, declarations and the CommonJS entry, and no tests', async () => {
    for (const [name, file] of Object.entries(tarballs)) {
      const { stdout } = await run('tar', ['tzf', file]);
      const files = stdout.split('\n');
      for (const needed of ['package/LICENSE', 'package/README.md', 'package/package.json', 'package/dist/index.js', 'package/dist/index.d.ts', 'package/cjs/index.cjs']) {
        expect(files, `${name}: ${needed}`).toContain(needed);
      }
      expect(files.filter((f) => f.includes('/test/'))).toEqual([]);
    }
    const installed = JSON.parse(await readFile(join(scratch, 'node_modules/@matgrad/nn/package.json'), 'utf8'));
    expect(installed.dependencies).toEqual({ '@matgrad/core': '0.1.0' });
    expect(await readdir(join(scratch, 'node_modules/@matgrad'))).toEqual(['core', 'nn']);
  });

  it('type-check under strict with node16, nodenext, bundler and commonjs resolution', async () => {
    const readmes = (await readdir(scratch)).filter((f) => /-readme-\d+\.ts$/.test(f));
    expect(readmes.length).toBeGreaterThanOrEqual(4);
    expect(await typeCheck(['imports.ts', ...readmes], 'nodenext')).toBe('');
    expect(await typeCheck(['imports.ts', ...readmes], 'node16')).toBe('');
    expect(await typeCheck(['imports.ts', ...readmes], 'esnext', 'bundler')).toBe('');
    expect(await typeCheck(['imports.ts'], 'commonjs')).toBe('');
    // A CommonJS file: nodenext (TypeScript 5.8+) requires ES modules as Node.js 20.19+ does;
    // node16 says plainly that it cannot.
    expect(await typeCheck(['imports.cts'], 'nodenext')).toBe('');
    expect(await typeCheck(['imports.cts'], 'node16')).toContain("error TS1479: The current file is a CommonJS module whose imports will produce 'require' calls; however, the referenced file is an ECMAScript module");
  });

  it("run the READMEs' first examples", async () => {
    await run(process.execPath, [tsc, '--strict', '--target', 'es2022', '--lib', 'es2023,dom', '--module', 'nodenext', '--outDir', 'build', 'core-readme-1.ts', 'nn-readme-1.ts'], { cwd: scratch });
    const core = await run(process.execPath, ['build/core-readme-1.js'], { cwd: scratch });
    expect(core.stdout).toContain('dA = dC·Bᵀ, dB = Aᵀ·dC');
    expect(core.stdout).toContain('tensor([-0.22542694,  0.599561  , -0.37413406])');
    const nn = await run(process.execPath, ['build/nn-readme-1.js'], { cwd: scratch });
    expect(nn.stdout).toMatch(/epoch: 150,[\s\S]*accuracy: 0\.9\d+/);
    expect((await readFile(join(scratch, 'spiral.safetensors'))).length).toBeGreaterThan(1000);
  });

  it('load from CommonJS where Node.js requires ES modules, and say what to do where it does not', async () => {
    await writeFile(
      join(scratch, 'require.cjs'),
      "const { tensor } = require('@matgrad/core'); const { MLP } = require('@matgrad/nn'); const { saveWeights } = require('@matgrad/nn/node');\n" +
        'console.log(String(tensor([1, 2])), typeof MLP, typeof saveWeights);\n',
    );
    const requireModule = (process as { features: { require_module?: boolean } }).features.require_module === true;
    if (requireModule) {
      expect((await run(process.execPath, ['require.cjs'], { cwd: scratch })).stdout).toBe('tensor([1., 2.]) function function\n');
    }
    const refused = run(process.execPath, [...(requireModule ? ['--no-experimental-require-module'] : []), 'require.cjs'], { cwd: scratch });
    await expect(refused).rejects.toThrow(/@matgrad\/core is published as an ES module only, and this Node\.js \(v[\d.]+\) does not require\(\) ES modules[\s\S]*await import\('@matgrad\/core'\) from CommonJS/);
  });
});
