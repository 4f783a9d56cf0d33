import type { Reporter, SerializedError, TestModule } from 'vitest/node';

/** CI reads one plain line, `N passed, N failed, N skipped`, after the run: a skipped test
 *  (a GPU test where no WebGPU adapter can be had) is never counted as passed. A file that
 *  fails outside its tests (an import error, a failing beforeAll that leaves its tests skipped)
 *  and an unhandled error each count as one failure, so the line never reads green on a red run. */
export default class PassFailReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<SerializedError>): void {
    let passed = 0;
    let skipped = 0;
    let failed = unhandledErrors.length;
    for (const mod of testModules) {
      let failedHere = 0;
      for (const test of mod.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') passed++;
        else if (state === 'failed') failedHere++;
        else if (state === 'skipped') skipped++;
      }
      if (failedHere === 0 && mod.state() === 'failed') failedHere = 1;
      failed += failedHere;
    }
    process.stdout.write(`\n${passed} passed, ${failed} failed, ${skipped} skipped\n`);
  }
}
