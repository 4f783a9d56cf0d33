import type * as fsPromises from 'node:fs/promises';

/** Where a write fails: in open, in writing the data (after half of it), in flushing, in the rename. */
export type WriteStage = 'open' | 'write' | 'sync' | 'rename';

export interface InjectedFault {
  /** Paths (the temporary file's, for open/write/sync; the destination's, for rename) that fail. */
  pattern: RegExp;
  stage: WriteStage;
  /** e.g. ENOSPC: no space left on device. */
  code: string;
  message: string;
}

/** The faults a test has set; cleared between tests. */
export const faults: InjectedFault[] = [];

function systemError(fault: InjectedFault, syscall: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${fault.code}: ${fault.message}, ${syscall}`), { code: fault.code, syscall });
}

const faultAt = (path: unknown, stage: WriteStage) => faults.find((f) => f.stage === stage && f.pattern.test(String(path)));

/**
 * node:fs/promises with `open` and `rename` that fail where a fault is set, as a full disk or a
 * broken device would; for `vi.mock('node:fs/promises', ...)`.
 */
export function withInjectedFaults(actual: typeof fsPromises): typeof fsPromises {
  const open: typeof actual.open = async (path, flags, mode) => {
    const atOpen = faultAt(path, 'open');
    if (atOpen !== undefined) throw systemError(atOpen, 'open');
    const handle = await actual.open(path, flags, mode);
    const atWrite = faultAt(path, 'write');
    const atSync = faultAt(path, 'sync');
    if (atWrite === undefined && atSync === undefined) return handle;
    return new Proxy(handle, {
      get(target, property) {
        if (property === 'writeFile' && atWrite !== undefined) {
          return async (data: string | Uint8Array) => {
            // Part of the data reaches the disk before it fills up, as it would.
            const bytes = typeof data === 'string' ? Buffer.from(data) : data;
            await target.writeFile(bytes.subarray(0, Math.floor(bytes.length / 2)));
            throw systemError(atWrite, 'write');
          };
        }
        if (property === 'sync' && atSync !== undefined) return async () => Promise.reject(systemError(atSync, 'fsync'));
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
  };
  const rename: typeof actual.rename = async (from, to) => {
    const fault = faultAt(to, 'rename');
    if (fault !== undefined) throw systemError(fault, 'rename');
    return actual.rename(from, to);
  };
  return { ...actual, open, rename };
}
