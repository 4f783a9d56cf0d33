import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { open, rename, rm, type FileHandle } from 'node:fs/promises';

/** A write that failed, naming the file it was for (the system's own message does not). */
export class FileWriteError extends Error {
  constructor(
    readonly path: string,
    cause: unknown,
  ) {
    super(`could not write ${path}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

/** Files being written now: what an interrupted process must clean up. */
const unfinished = new Set<AtomicFile>();

/**
 * A file written beside its destination under a temporary name and renamed over it only once
 * complete and flushed to disk, so `path` always holds either its old contents or the new ones,
 * never a part. Until `commit` or `abandon`, the temporary file is listed for
 * `abandonUnfinishedFiles`.
 */
export class AtomicFile {
  readonly path: string;
  readonly temporary: string;
  #handle: FileHandle | null = null;
  /** The file-system call in progress, so an interruption can wait for it before cleaning up. */
  #busy: Promise<unknown> = Promise.resolve();

  private constructor(path: string) {
    this.path = path;
    this.temporary = `${path}.${process.pid}.${randomUUID()}.tmp`;
  }

  static async create(path: string): Promise<AtomicFile> {
    const file = new AtomicFile(path);
    // Listed before it exists: an interruption during open must still remove it.
    unfinished.add(file);
    try {
      file.#handle = await file.#run(open(file.temporary, 'wx'));
    } catch (error) {
      await file.abandon();
      throw new FileWriteError(path, error);
    }
    return file;
  }

  #run<T>(operation: Promise<T>): Promise<T> {
    this.#busy = operation.catch(() => {});
    return operation;
  }

  async write(data: string | Uint8Array): Promise<void> {
    if (this.#handle === null) throw new FileWriteError(this.path, new Error('the file was already committed or abandoned'));
    try {
      await this.#run(this.#handle.writeFile(data));
    } catch (error) {
      await this.abandon();
      throw new FileWriteError(this.path, error);
    }
  }

  /** Flushes the temporary file to disk and renames it over `path`. */
  async commit(): Promise<void> {
    const handle = this.#handle;
    if (handle === null) throw new FileWriteError(this.path, new Error('the file was already committed or abandoned'));
    try {
      await this.#run(handle.sync());
      this.#handle = null;
      await this.#run(handle.close());
      await this.#run(rename(this.temporary, this.path));
      unfinished.delete(this);
    } catch (error) {
      await this.abandon(handle);
      throw new FileWriteError(this.path, error);
    }
  }

  /** Closes and removes the temporary file; `path` keeps what it had. Never throws: a failure
   *  to clean up must not hide the error that led here. */
  async abandon(handle = this.#handle): Promise<void> {
    this.#handle = null;
    await handle?.close().catch(() => {});
    await rm(this.temporary, { force: true }).catch(() => {});
    unfinished.delete(this);
  }

  /** For a process about to exit: waits (briefly) for the call in progress, then removes the file. */
  async abandonNow(waitMs: number): Promise<boolean> {
    await Promise.race([this.#busy, new Promise((resolve) => setTimeout(resolve, waitMs).unref())]);
    unfinished.delete(this);
    void this.#handle?.close().catch(() => {});
    this.#handle = null;
    try {
      rmSync(this.temporary);
      return true;
    } catch {
      return false;
    }
  }
}

/** Writes `data` to `path` atomically (see AtomicFile). */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const file = await AtomicFile.create(path);
  await file.write(data);
  await file.commit();
}

/**
 * Removes the temporary file of every write still in progress, after letting each call under
 * way finish (at most `waitMs`), and returns the paths removed. For an interrupted process: it
 * exits right after, so the writes never complete.
 */
export async function abandonUnfinishedFiles(waitMs = 1000): Promise<string[]> {
  const files = [...unfinished];
  const removed = await Promise.all(files.map((file) => file.abandonNow(waitMs)));
  return files.filter((_, i) => removed[i]).map((file) => file.temporary);
}
