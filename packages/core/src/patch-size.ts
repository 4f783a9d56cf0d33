/** How many patches fit along one image axis of `size` pixels: PyTorch's output size of a
 *  convolution or pooling, ⌊(size + 2·padding − dilation·(kernel − 1) − 1) / stride⌋ + 1. */
export function patchCount(size: number, kernel: number, stride: number, padding: number, dilation: number): number {
  return Math.floor((size + 2 * padding - dilation * (kernel - 1) - 1) / stride) + 1;
}
