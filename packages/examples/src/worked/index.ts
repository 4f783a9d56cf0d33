import { appleBill, appleOrangeBill, formatBill, snackBill } from './bills.js';
import { deriveNet, formatNetDerivation } from './derivation.js';
import { formatWalkthrough, noteExampleNet, walkThroughBackward } from './matrix-rules.js';
import { formatSquareOfSum } from './square-of-sum.js';

export * from './bills.js';
export * from './derivation.js';
export * from './matrix-rules.js';
export * from './square-of-sum.js';
export * from './two-layer-net.js';

/** Every worked example of the seeds, as the `examples` command prints them. */
export function workedExamplesText(): string {
  return [
    formatBill(snackBill()),
    formatBill(appleBill()),
    formatBill(appleOrangeBill()),
    formatSquareOfSum(),
    formatWalkthrough(walkThroughBackward(noteExampleNet())),
    formatNetDerivation(deriveNet(noteExampleNet())),
  ].join('\n\n');
}
