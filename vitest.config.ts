import { defineConfig } from 'vitest/config';

// Test level is in the file name: *.unit.test.ts (pure, milliseconds),
// *.int.test.ts (real Postgres / NATS), *.e2e.test.ts (processes started as a
// user would). Each level runs on its own with `--project <level>`.
const dirs = ['domain', 'commands', 'projections', 'read-api', 'infra', 'scripts', 'test'];
const files = (level: string) => dirs.map((dir) => `${dir}/**/*.${level}.test.ts`);

export default defineConfig({
  test: {
    projects: [
      { test: { name: 'unit', include: files('unit') } },
      {
        test: {
          name: 'int',
          include: files('int'),
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: files('e2e'),
          testTimeout: 180_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
