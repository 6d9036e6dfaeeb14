// The `iam-key-rotation` bin (bundled to dist/cli/index.js by scripts/build-cli.mjs).
import { processIo } from './io';
import { main } from './main';

void main(process.argv.slice(2), processIo()).then((code) => {
  // exitCode, not exit(): a piped stdout is flushed before the process ends.
  process.exitCode = code;
});
