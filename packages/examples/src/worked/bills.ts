import { tensor, topologicalOrder, type Tensor } from '@matgrad/core';

/**
 * The shopping bills of the seeds, as scalar graphs: every price, count and tax is a named
 * variable, so after `backward` each carries d(total)/d(itself) and the figures and printouts can
 * label it. Intermediates keep their gradients too (`retainGrads`), as the seeds draw them.
 */
export interface Bill {
  /** What the bill is, as printed. */
  title: string;
  /** The total, after backward: every variable of its graph carries its gradient. */
  total: Tensor;
}

const variable = (value: number, name: string) => tensor(value, { requiresGrad: true, name });

function finish(title: string, total: Tensor): Bill {
  total.named('total').backward({ retainGrads: true });
  return { title, total };
}

/** 30 × 5 = 150, × tax 1.2 = 180. */
export function snackBill(): Bill {
  const snack = variable(30, 'snack');
  const count = variable(5, 'count');
  const tax = variable(1.2, 'tax');
  return finish('Snack bill: 5 snacks at 30, tax 1.2', snack.mul(count).named('subtotal').mul(tax));
}

/** 100 × 2 = 200, × tax 1.1 = 220. */
export function appleBill(): Bill {
  const apple = variable(100, 'apple');
  const count = variable(2, 'apple count');
  const tax = variable(1.1, 'tax');
  return finish('Apples: 2 apples at 100, tax 1.1', apple.mul(count).named('apple price').mul(tax));
}

/** 100 × 2 + 150 × 3 = 650, × tax 1.1 = 715. */
export function appleOrangeBill(): Bill {
  const apple = variable(100, 'apple');
  const appleCount = variable(2, 'apple count');
  const orange = variable(150, 'orange');
  const orangeCount = variable(3, 'orange count');
  const tax = variable(1.1, 'tax');
  const applePrice = apple.mul(appleCount).named('apple price');
  const orangePrice = orange.mul(orangeCount).named('orange price');
  return finish(
    'Apples and oranges: 2 apples at 100, 3 oranges at 150, tax 1.1',
    applePrice.add(orangePrice).named('subtotal').mul(tax),
  );
}

/** Every tensor of the bill by name, for looking values and gradients up. */
export function billTensors(bill: Bill): Map<string, Tensor> {
  const byName = new Map<string, Tensor>();
  for (const t of topologicalOrder([bill.total])) {
    if (t.name === undefined) throw new Error(`billTensors: a tensor of '${bill.title}' has no name`);
    byName.set(t.name, t);
  }
  return byName;
}

const SYMBOLS: Record<string, string> = { add: '+', mul: '×' };

/** Values as float64 gives them (220.00000000000003 included): these are the numbers to check. */
export function formatBill(bill: Bill): string {
  const order = topologicalOrder([bill.total]);
  const lines = [bill.title, '  forward:'];
  for (const t of order) {
    if (t.creator === null) continue;
    const symbol = SYMBOLS[t.creator.op.name] ?? t.creator.op.name;
    const [a, b] = t.creator.inputs as [Tensor, Tensor];
    lines.push(`    ${t.name} = ${a.name} ${symbol} ${b.name} = ${a.item()} ${symbol} ${b.item()} = ${t.item()}`);
  }
  lines.push(`  backward from d(total) = 1:`);
  for (const t of order.slice().reverse()) {
    if (t === bill.total) continue;
    lines.push(`    d total / d ${t.name} = ${t.grad!.item()}`);
  }
  return lines.join('\n');
}
