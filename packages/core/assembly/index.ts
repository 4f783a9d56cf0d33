// The module's exports: every kernel file of this folder.
export * from './matmul';
export * from './axpy';
export * from './patches';
export * from './pooling';
export * from './elementwise';
export * from './gather';
export * from './fill';
export * from './exponentials';
