#!/usr/bin/env node
// The `drover` command. Everything happens in main.ts; this only wires the process to it.
// Node's compile cache (in NODE_COMPILE_CACHE, else the temp directory) keeps each module's
// type-stripped source and V8 code: a later run loads neither the TypeScript stripper
// (about 20 MB of RSS for the life of the process; `drover agent` lives long) nor compiles
// again. Hence main.ts is imported after it is enabled. NODE_DISABLE_COMPILE_CACHE=1 turns it off.
import { enableCompileCache } from 'node:module';

enableCompileCache?.();
const { main } = await import('./main.ts');
process.exitCode = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
});
