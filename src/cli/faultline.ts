#!/usr/bin/env node
// faultline check [--json]: validates the environment and prints the effective
// configuration with secrets masked. Exits 1 on a bad value, naming every wrong variable;
// warns (exit 0) about FAULTLINE_* names faultline does not read.
// faultline slo [--objective X] [--json]: prints Prometheus burn-rate rules per upstream.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { effectiveConfig } from '../config/effectiveConfig.js';
import { checkEnvConfig } from '../config/envConfig.js';
import { unknownVariables } from '../config/unknownVariables.js';
import { sloCommand } from './sloCommand.js';

const USAGE = `Usage: faultline check [--json]
       faultline slo [--objective <0.999>] [--json]
       faultline --version
       faultline --help

Validates the FAULTLINE_* environment variables and prints the configuration faultline
would run with (secrets masked). Exits 1 and names every variable whose value is wrong;
warns about FAULTLINE_* names it does not read (a misspelt variable is otherwise ignored).
With --json, the report (problems and warnings included) is the only output, on stdout.

slo prints Prometheus recording and alerting rules (YAML; JSON with --json) for the
error-budget burn rate of each upstream's availability objective: FAULTLINE_SLO_OBJECTIVE
for every upstream (or --objective), FAULTLINE_SLO_OBJECTIVES=name=objective,... for some.
Exits 1 on a wrong objective or none at all.
A wrong command line exits 2.`;

const OPTIONS = {
  json: { type: 'boolean' },
  objective: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
} as const;

/** Exit code for a command line that could not be understood (as getopt-style tools do). */
const USAGE_ERROR = 2;

function main(argv: string[]): number {
  let parsed: {
    values: { json?: boolean; objective?: string; help?: boolean; version?: boolean };
    positionals: string[];
  };
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    process.stderr.write(`faultline: ${(error as Error).message}\n\n${USAGE}\n`);
    return USAGE_ERROR;
  }
  const { values, positionals } = parsed;
  if (values.version === true) {
    process.stdout.write(`${packageVersion()}\n`);
    return 0;
  }
  const [command, ...extra] = positionals;
  if (values.help === true || command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (command === undefined) {
    process.stderr.write(`${USAGE}\n`);
    return USAGE_ERROR;
  }
  const known = command === 'check' || command === 'slo';
  const misplaced = command === 'check' && values.objective !== undefined;
  if (!known || extra.length > 0 || misplaced) {
    const what = !known
      ? `unknown command "${command}"`
      : misplaced
        ? '--objective is an option of slo'
        : `unexpected argument "${extra[0]}"`;
    process.stderr.write(`faultline: ${what}\n\n${USAGE}\n`);
    return USAGE_ERROR;
  }
  const json = values.json === true;
  const env = process.env;
  if (command === 'slo') {
    return sloCommand(
      env,
      { json, ...(values.objective === undefined ? {} : { objective: values.objective }) },
      { out: (text) => process.stdout.write(text), err: (text) => process.stderr.write(text) },
    );
  }
  const { problems } = checkEnvConfig(env);
  const unknown = unknownVariables(env);
  const warnings = unknown.map((u) => ({
    variable: u.name,
    message: u.message,
    ...(u.suggestion === undefined ? {} : { suggestion: u.suggestion }),
  }));
  // With --json, the report says it all: nothing else is written.
  if (!json) for (const u of unknown) process.stderr.write(`faultline check: warning: ${u.message}\n`);

  const [first] = problems;
  if (first !== undefined) {
    if (!json) for (const p of problems) process.stderr.write(`faultline check: ${p.message}\n`);
    else {
      const report = {
        valid: false,
        // The first wrong variable, as before `problems` listed them all.
        variable: first.variable,
        error: first.message,
        problems: problems.map((p) => ({
          variable: p.variable,
          problem: p.problem,
          accepted: p.accepted,
          message: p.message,
        })),
        warnings,
      };
      process.stdout.write(`${JSON.stringify(report)}\n`);
    }
    return 1;
  }

  const settings = effectiveConfig(env);
  if (json) {
    process.stdout.write(`${JSON.stringify({ valid: true, settings, warnings }, null, 2)}\n`);
    return 0;
  }
  const width = Math.max(...settings.map((s) => s.name.length));
  process.stdout.write(
    `faultline check: the configuration is valid${warnings.length === 0 ? '' : ' (see the warnings)'}\n\n`,
  );
  for (const s of settings) process.stdout.write(`  ${s.name.padEnd(width)}  ${s.value}  (${s.source})\n`);
  return 0;
}

/**
 * The version in faultline's own package.json, found by walking up from this file: it is
 * `dist/pkg/` (or `dist/src/cli/`) in the repository and in an installed package alike, but a bundler or
 * another layout may move it.
 */
function packageVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let depth = 0; depth < 6; depth++) {
    try {
      const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
        name?: unknown;
        version?: unknown;
      };
      if (manifest.name === 'faultline' && typeof manifest.version === 'string') return manifest.version;
    } catch {
      // No readable package.json here: look one level up.
    }
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return 'unknown';
}

process.exitCode = main(process.argv.slice(2));
