import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compactJson, renderCommandDocs, SYSTEM_COMMANDS } from './docs.ts';
import { allCommands } from './index.ts';
import { commandSubject } from '../nats-gateway.ts';
import { DOMAIN_ERROR_CODES, GATEWAY_ERROR_CODES } from './error-codes.ts';

const committed = readFileSync(new URL('../../docs/commands.md', import.meta.url), 'utf8');

describe('docs/commands.md', () => {
  it('is what the definitions generate (if not: npm run docs:commands)', () => {
    expect(committed === renderCommandDocs(allCommands)).toBe(true);
  });

  it('documents every command with its subject, and every error code', () => {
    for (const definition of allCommands) {
      expect(committed).toContain(`### ${definition.name}\n`);
      expect(committed).toContain(`Subject: \`${commandSubject(definition.name)}\``);
    }
    for (const code of Object.keys(GATEWAY_ERROR_CODES)) expect(committed).toContain(`| \`${code}\` |`);
    for (const category of new Set(allCommands.map((d) => d.aggregate.category))) {
      const codes = DOMAIN_ERROR_CODES[category];
      expect(codes?.length).toBeGreaterThan(0);
      for (const code of codes ?? []) expect(committed).toContain(`\`${code}\``);
    }
  });

  it('lists the system commands, and lets the storefront example publish only the others', () => {
    const names = allCommands.map((d) => d.name);
    for (const name of SYSTEM_COMMANDS) expect(names).toContain(name);
    const storefront = committed.slice(committed.indexOf('user: "storefront"'));
    const allowed = [...storefront.matchAll(/"([a-z0-9.-]+)"/g)].map((m) => m[1]);
    for (const name of SYSTEM_COMMANDS) expect(allowed).not.toContain(commandSubject(name));
    expect(allowed).toContain(commandSubject('order.place'));
    expect(allowed.some((s) => s?.includes('.payment.'))).toBe(false);
  });

  it('prints JSON compactly and still as valid JSON', () => {
    const value = { a: [1, 2, { b: 'x'.repeat(60), c: 'y'.repeat(60) }], d: null, e: { f: true } };
    const text = compactJson(value);
    expect(JSON.parse(text)).toEqual(value);
    expect(text.split('\n').length).toBeGreaterThan(1);
    expect(text.split('\n').every((line) => line.length <= 100)).toBe(true);
    expect(compactJson({ short: [1, 2] })).toBe('{ "short": [1, 2] }');
  });
});
