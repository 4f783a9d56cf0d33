// The op property tests again, with every tensor on the plain-JavaScript backend (the default
// file runs them on the default backend, WebAssembly where the host has it).
import { setBackend } from '../src/index.js';

setBackend('js');
await import('./ops.property.test.js');
