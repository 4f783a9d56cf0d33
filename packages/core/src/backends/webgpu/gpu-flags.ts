/// <reference types="@webgpu/types" />

// GPUBufferUsage and GPUMapMode by value: in Node these globals exist only if the user installs
// them (the `webgpu` package's `globals`), so core does not read them.
export const MAP_READ_USAGE = 0x0001;
export const COPY_SRC_USAGE = 0x0004;
export const COPY_DST_USAGE = 0x0008;
export const STORAGE_USAGE = 0x0080;
export const MAP_READ_MODE = 0x0001;

/** Tensor memory: bound to kernels, filled by writes, read back by copies. */
export const TENSOR_USAGE = STORAGE_USAGE | COPY_SRC_USAGE | COPY_DST_USAGE;
/** Where reads land before the host maps them. */
export const STAGING_USAGE = MAP_READ_USAGE | COPY_DST_USAGE;
