// The rotation function's cold initialisation, without a Lambda runtime: this fresh node process loads the
// bundle given as argument, whose module scope creates its AWS SDK clients. Prints {"initMs": ...} on stdout.
const path = require('node:path');

const started = performance.now();
require(path.resolve(process.argv[2]));
const initMs = performance.now() - started;
process.stdout.write(`${JSON.stringify({ initMs })}\n`);
