#!/usr/bin/env node
// The `drover` command. Everything happens in main.ts; this only wires the process to it.
import { main } from './main.ts';

process.exitCode = await main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env });
