// take's copies in the module's memory. TypedArray.prototype.set copies a shared memory word by
// word (100 rows of 784 float32 taken from a 25 MB tensor: 47 µs, against 17 with memory.copy).

/** For o < outer and j < count: the `blockBytes` bytes at src + (o·size + indices[j])·blockBytes
 *  go to dst + (o·count + j)·blockBytes, where `indices` holds `count` i32 positions below size. */
export function gatherBlocks(outer: i32, size: i32, count: i32, blockBytes: i32, src: usize, indices: usize, dst: usize): void {
  const block = <usize>blockBytes;
  for (let o = 0; o < outer; o++) {
    const from = src + <usize>o * <usize>size * block;
    const to = dst + <usize>o * <usize>count * block;
    for (let j = 0; j < count; j++) {
      memory.copy(to + <usize>j * block, from + <usize>load<i32>(indices + (<usize>j << 2)) * block, block);
    }
  }
}
