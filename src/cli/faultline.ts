#!/usr/bin/env node
// faultline check [--json]: validates the environment and prints the effective
// configuration with secrets masked. Exits 1 on a bad value, naming the variable.
import { effectiveConfig } from '../config/effectiveConfig.js';
import { ConfigError } from '../errors/ConfigError.js';

const USAGE = `Usage: faultline check [--json]

Validates the FAULTLINE_* environment variables and prints the configuration faultline
would run with (secrets masked). Exits 1 and names the variable when a value is wrong.`;

function main(argv: string[]): number {
  const [command, ...flags] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return command === undefined ? 1 : 0;
  }
  if (command !== 'check') {
    process.stderr.write(`faultline: unknown command "${command}"\n\n${USAGE}\n`);
    return 1;
  }
  try {
    const settings = effectiveConfig(process.env);
    if (flags.includes('--json')) {
      process.stdout.write(`${JSON.stringify({ valid: true, settings }, null, 2)}\n`);
      return 0;
    }
    const width = Math.max(...settings.map((s) => s.name.length));
    process.stdout.write('faultline check: the configuration is valid\n\n');
    for (const s of settings) process.stdout.write(`  ${s.name.padEnd(width)}  ${s.value}  (${s.source})\n`);
    return 0;
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`faultline check: ${error.message}\n`);
      if (flags.includes('--json'))
        process.stdout.write(`${JSON.stringify({ valid: false, variable: error.variable, error: error.message })}\n`);
      return 1;
    }
    throw error;
  }
}

process.exitCode = main(process.argv.slice(2));
