'use strict';
// @matgrad/nn is an ES module. Node.js 20.19 and later load ES modules with require() too, so this
// hands over the real module there; older versions cannot, and say so plainly.
try {
  module.exports = require('../dist/index.js');
} catch (error) {
  if (error !== null && typeof error === 'object' && error.code === 'ERR_REQUIRE_ESM') {
    throw new Error(
      "@matgrad/nn is published as an ES module only, and this Node.js (" + process.version + ") does not require() ES modules " +
        "(versions before 20.19 cannot; --no-experimental-require-module turns it off). " +
        "Use import { MLP } from '@matgrad/nn' in an ES module (a .mjs file, or \"type\": \"module\" in package.json), " +
        "or await import('@matgrad/nn') from CommonJS.",
      { cause: error },
    );
  }
  throw error;
}
