import { parseArgs } from 'node:util';
import type { OptionSpec, Scenario } from './types.ts';

export type ParsedArgs =
  | Readonly<{
      kind: 'run';
      scenario: Scenario;
      durationS: number;
      concurrency: number;
      values: Readonly<Record<string, string | boolean | undefined>>;
    }>
  | Readonly<{ kind: 'help'; text: string }>
  | Readonly<{ kind: 'error'; message: string; text: string }>;

const COMMON: Readonly<Record<string, OptionSpec>> = {
  duration: { type: 'string', description: 'seconds of measured load per phase' },
  concurrency: { type: 'string', description: 'concurrent workers (and pool size)' },
  help: { type: 'boolean', description: 'this text' },
};

const describeOptions = (options: Readonly<Record<string, OptionSpec>>): string[] =>
  Object.entries(options).map(([name, spec]) => {
    const flag = spec.type === 'string' ? `--${name} <value>` : `--${name}`;
    const fallback = spec.default === undefined ? '' : ` (default ${String(spec.default)})`;
    return `    ${flag.padEnd(26)}${spec.description}${fallback}`;
  });

export const usage = (scenarios: readonly Scenario[]): string =>
  [
    'usage: npm run bench -- <scenario> [--duration S] [--concurrency N] [scenario options]',
    '',
    'Prints one JSON object per line on stdout; progress goes to stderr.',
    'Database: BENCH_DATABASE_URL, else DATABASE_URL, else postgres://postgres@127.0.0.1:5432/test',
    '',
    'scenarios:',
    ...scenarios.flatMap((s) => [
      `  ${s.name.padEnd(20)}${s.description} (defaults: --duration ${s.defaults.durationS} --concurrency ${s.defaults.concurrency})`,
      ...describeOptions(s.options ?? {}),
    ]),
  ].join('\n');

const positiveNumber = (text: string | undefined, name: string, integer: boolean): number | string => {
  if (text === undefined) return `--${name} needs a value`;
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) {
    return `--${name} must be a positive ${integer ? 'integer' : 'number'}, got "${text}"`;
  }
  return n;
};

/** `argv` without node and script: `<scenario> [options]`. The scenario comes first. */
export const parseBenchArgs = (argv: readonly string[], scenarios: readonly Scenario[]): ParsedArgs => {
  const text = usage(scenarios);
  const [first, ...rest] = argv;
  if (first === undefined || first === '--help' || first === '-h') return { kind: 'help', text };
  const scenario = scenarios.find((s) => s.name === first);
  if (scenario === undefined) {
    return { kind: 'error', message: `unknown scenario "${first}"`, text };
  }
  const own = scenario.options ?? {};
  const specs = { ...own, ...COMMON };
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: [...rest],
      strict: true,
      allowPositionals: false,
      allowNegative: true,
      options: Object.fromEntries(Object.entries(specs).map(([name, spec]) => [name, { type: spec.type }])),
    });
  } catch (error) {
    return { kind: 'error', message: error instanceof Error ? error.message : String(error), text };
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  if (values['help'] === true) return { kind: 'help', text };
  const durationS =
    values['duration'] === undefined
      ? scenario.defaults.durationS
      : positiveNumber(values['duration'] as string, 'duration', false);
  if (typeof durationS === 'string') return { kind: 'error', message: durationS, text };
  const concurrency =
    values['concurrency'] === undefined
      ? scenario.defaults.concurrency
      : positiveNumber(values['concurrency'] as string, 'concurrency', true);
  if (typeof concurrency === 'string') return { kind: 'error', message: concurrency, text };
  const scenarioValues = Object.fromEntries(
    Object.entries(own).map(([name, spec]) => [name, values[name] ?? spec.default]),
  );
  return { kind: 'run', scenario, durationS, concurrency, values: scenarioValues };
};

/** A scenario option as a positive integer, or a thrown error naming the option. */
export const intOption = (
  values: Readonly<Record<string, string | boolean | undefined>>,
  name: string,
  fallback: number,
): number => {
  const raw = values[name];
  if (raw === undefined || typeof raw === 'boolean') return fallback;
  const n = positiveNumber(raw, name, true);
  if (typeof n === 'string') throw new RangeError(n);
  return n;
};
