import { TypeBoxValidatorCompiler } from '@fastify/type-provider-typebox';
import type { FastifySchemaCompiler } from 'fastify';
import type { TSchema } from 'typebox';
import { Compile } from 'typebox/compile';

/** What a query-string integer must look like: no fractions, exponents, hex, spaces or `true`. */
const CANONICAL_INTEGER = /^-?(0|[1-9][0-9]{0,14})$/;

const integerProperties = (schema: TSchema): readonly string[] => {
  const properties = (schema as { properties?: Record<string, { type?: unknown }> }).properties ?? {};
  return Object.entries(properties)
    .filter(([, s]) => s.type === 'integer')
    .map(([name]) => name);
};

/**
 * TypeBox validation with the type provider's conversion of query strings,
 * path parameters and headers, except that an integer must be written as one:
 * the plain conversion reads `1.5` as 1, `0x10` as 16 and `true` as 1, so a
 * malformed number would silently mean another. Such a value is handed to the
 * check unconverted (wrapped in an array), which refuses it with a 400.
 */
export const validatorCompiler: FastifySchemaCompiler<TSchema> = (route) => {
  const converting = TypeBoxValidatorCompiler(route);
  if (route.httpPart === 'body') return converting;
  // Most requests send values that already have their schema's type (ids, positions: strings):
  // checking them as they are skips TypeBox's interpreted conversion, which costs more than the
  // compiled check. A value that passes unconverted is one conversion would leave as it is (no
  // request schema here unions a string with a number or boolean, the case where it would not).
  const check = Compile(route.schema);
  const validate = (value: unknown): ReturnType<typeof converting> =>
    check.Check(value) ? { value } : converting(value);
  const integers = integerProperties(route.schema);
  if (integers.length === 0) return validate;
  return (value) => {
    if (typeof value !== 'object' || value === null) return validate(value);
    const input = value as Record<string, unknown>;
    let strict: Record<string, unknown> | null = null;
    for (const name of integers) {
      const v = input[name];
      if (typeof v === 'string' && !CANONICAL_INTEGER.test(v)) {
        strict ??= { ...input };
        strict[name] = [v];
      }
    }
    return validate(strict ?? value);
  };
};
