import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { pipeline, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';

/** IDX magic: two zero bytes, the element type (0x08 = unsigned byte), then the number of dimensions. */
export const IDX_IMAGES_MAGIC = 0x00000803;
export const IDX_LABELS_MAGIC = 0x00000801;

/**
 * The most payload an IDX file may declare: 512 MiB, about 680,000 28x28 digits (the full
 * MNIST holds 70,000). A header is checked against this before anything is allocated.
 */
export const MAX_IDX_PAYLOAD_BYTES = 512 * 2 ** 20;

/** Deflate cannot expand its input by more than 1032:1 (a 258-byte match per two bits), so a
 *  gzip file declaring more than that is refused before it is inflated. */
const MAX_DEFLATE_EXPANSION = 1032;

const KINDS = {
  images: { magic: IDX_IMAGES_MAGIC, rank: 3 },
  labels: { magic: IDX_LABELS_MAGIC, rank: 1 },
} as const;

export type IdxKind = keyof typeof KINDS;

/** An IDX file whose header has been read and checked; its payload is not read yet. */
export interface IdxFile {
  readonly path: string;
  readonly dims: number[];
  /** Reads the payload: exactly the bytes the header declares, or an error. */
  readPayload(): Promise<Uint8Array>;
  /** Stops reading (and inflating) and releases the file; safe to call more than once. */
  close(): void;
}

const hex = (n: number) => `0x${n.toString(16).padStart(8, '0')}`;

function describeMagic(magic: number): string {
  if (magic === IDX_IMAGES_MAGIC) return 'the magic of an image file';
  if (magic === IDX_LABELS_MAGIC) return 'the magic of a label file';
  return 'not an unsigned-byte IDX magic';
}

/**
 * Bytes pulled from a stream on demand: the reader asks for what it needs next, so a gzip
 * stream is inflated only that far (plus what zlib has already produced).
 */
class PullReader {
  readonly #chunks: AsyncIterator<Buffer>;
  #pending: Uint8Array = new Uint8Array(0);
  #ended = false;

  constructor(stream: Readable) {
    this.#chunks = stream[Symbol.asyncIterator]();
  }

  /** Up to `n` bytes into `target` from `offset`; returns how many were copied (fewer only at the end). */
  async fill(target: Uint8Array, offset: number, n: number): Promise<number> {
    let copied = 0;
    while (copied < n) {
      if (this.#pending.length === 0) {
        if (this.#ended) break;
        const next = await this.#chunks.next();
        if (next.done === true) {
          this.#ended = true;
          break;
        }
        this.#pending = next.value;
      }
      const take = Math.min(n - copied, this.#pending.length);
      target.set(this.#pending.subarray(0, take), offset + copied);
      this.#pending = this.#pending.subarray(take);
      copied += take;
    }
    return copied;
  }
}

/**
 * Opens an unsigned-byte IDX file (plain, or gzipped: it then starts with the gzip signature,
 * where an IDX file starts with two zero bytes), reads only its header and checks it: the magic,
 * the declared size against MAX_IDX_PAYLOAD_BYTES and against what the file can hold (its size
 * when plain; its size times deflate's largest expansion when gzipped).
 */
export async function openIdx(path: string, kind: IdxKind): Promise<IdxFile> {
  const { magic, rank } = KINDS[kind];
  const info = await stat(path).catch((error: NodeJS.ErrnoException) => {
    throw new Error(`idx: cannot read ${path}: ${error.message}`, { cause: error });
  });
  if (!info.isFile()) throw new Error(`idx: ${path} is ${info.isDirectory() ? 'a folder' : 'not a regular file'}, expected an IDX ${kind} file`);

  const gzipped = await startsWithGzipSignature(path);
  // Large reads for speed; inflation stays bounded all the same, since zlib stops producing
  // output while what it produced is unread.
  const raw = createReadStream(path, { highWaterMark: 2 ** 20 });
  let stream: Readable = raw;
  if (gzipped) {
    const gunzip = createGunzip();
    // pipeline passes a read error on to gunzip, so it surfaces from the reads below.
    stream = pipeline(raw, gunzip, () => {});
  }
  const close = () => {
    stream.destroy();
    raw.destroy();
  };
  const failed = (why: string) => {
    close();
    return new Error(`idx: ${path} ${why}`);
  };
  const reader = new PullReader(stream);
  const read = async (target: Uint8Array, offset: number, n: number): Promise<number> => {
    try {
      return await reader.fill(target, offset, n);
    } catch (error) {
      close();
      if (gzipped) throw new Error(`idx: ${path} is gzip-compressed but cannot be decompressed (${(error as Error).message})`, { cause: error });
      throw new Error(`idx: cannot read ${path}: ${(error as Error).message}`, { cause: error });
    }
  };

  const headerBytes = 4 + 4 * rank;
  const header = new Uint8Array(headerBytes);
  const got = await read(header, 0, 4);
  if (got < 4) throw failed(`is truncated: ${got} bytes, but an IDX ${kind} header needs ${headerBytes}`);
  const view = new DataView(header.buffer);
  const found = view.getUint32(0, false);
  if (found !== magic) throw failed(`has magic number ${hex(found)} (${describeMagic(found)}), expected ${hex(magic)} for ${kind}`);
  const rest = await read(header, 4, headerBytes - 4);
  if (rest < headerBytes - 4) throw failed(`is truncated: ${4 + rest} bytes, but an IDX ${kind} header needs ${headerBytes}`);
  const dims = Array.from({ length: rank }, (_, i) => view.getUint32(4 + 4 * i, false));
  const declared = dims.reduce((a, b) => a * b, 1);
  const shape = dims.join('x');

  if (declared > MAX_IDX_PAYLOAD_BYTES) {
    throw failed(`declares ${shape} ${kind} = ${declared} bytes, more than the limit of ${MAX_IDX_PAYLOAD_BYTES} bytes (512 MiB) for an IDX file`);
  }
  if (gzipped && declared > info.size * MAX_DEFLATE_EXPANSION) {
    throw failed(`declares ${shape} ${kind} = ${declared} bytes, more than its ${info.size} gzip-compressed bytes can hold (deflate expands at most ${MAX_DEFLATE_EXPANSION}:1)`);
  }
  if (!gzipped) {
    const payload = info.size - headerBytes;
    if (payload < declared) throw failed(`is truncated: its header declares ${shape} = ${declared} bytes of ${kind}, but only ${payload} follow`);
    if (payload > declared) throw failed(`has ${payload - declared} bytes beyond the ${shape} ${kind} its header declares`);
  }

  return {
    path,
    dims,
    async readPayload() {
      const data = new Uint8Array(declared);
      const filled = await read(data, 0, declared);
      if (filled < declared) {
        throw failed(`is truncated: its header declares ${shape} = ${declared} bytes of ${kind}, but only ${filled} follow${gzipped ? ' when decompressed' : ''}`);
      }
      // Checked by reading one byte more, not the rest: a gzip bomb behind a small header is
      // refused after inflating what the header declares.
      if (gzipped && (await read(new Uint8Array(1), 0, 1)) === 1) {
        throw failed(`holds more than the ${shape} ${kind} (${declared} bytes) its header declares when decompressed`);
      }
      close();
      return data;
    },
    close,
  };
}

async function startsWithGzipSignature(path: string): Promise<boolean> {
  try {
    const handle = await open(path, 'r');
    try {
      const { bytesRead, buffer } = await handle.read(Buffer.alloc(2), 0, 2, 0);
      return bytesRead === 2 && buffer[0] === 0x1f && buffer[1] === 0x8b;
    } finally {
      await handle.close();
    }
  } catch (error) {
    throw new Error(`idx: cannot read ${path}: ${(error as Error).message}`, { cause: error });
  }
}
