// take's copies in the module's memory. TypedArray.prototype.set copies a shared memory word by
// word (100 rows of 784 float32 taken from a 25 MB tensor: 47 µs, against 17 with memory.copy).

/** For o < outer and j < count: bytes [partStart, partStart + partBytes) of the `blockBytes`
 *  bytes at src + (o·size + indices[j])·blockBytes go to the same bytes of the block at
 *  dst + (o·count + j)·blockBytes, where `indices` holds `count` i32 positions below size. A
 *  part of every block is what one thread copies when a take is split between threads. */
export function gatherBlocks(outer: i32, size: i32, count: i32, blockBytes: i32, partStart: i32, partBytes: i32, src: usize, indices: usize, dst: usize): void {
  const block = <usize>blockBytes;
  const part = <usize>partStart;
  for (let o = 0; o < outer; o++) {
    const from = src + <usize>o * <usize>size * block + part;
    const to = dst + <usize>o * <usize>count * block + part;
    for (let j = 0; j < count; j++) {
      memory.copy(to + <usize>j * block, from + <usize>load<i32>(indices + (<usize>j << 2)) * block, <usize>partBytes);
    }
  }
}
