// TypeDoc reads the sources through TypeScript's JavaScript API, which TypeScript 7 (the
// native compiler the workspace type-checks with) no longer has. TypeDoc alone gets 6.0, the
// last version with that API, as a dependency of its own instead of the workspace's peer.
module.exports = {
  hooks: {
    readPackage(pkg) {
      if (pkg.name === 'typedoc') {
        delete pkg.peerDependencies.typescript;
        pkg.dependencies = { ...pkg.dependencies, typescript: '6.0.3' };
      }
      return pkg;
    },
  },
};
