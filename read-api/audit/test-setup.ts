import pg from 'pg';
import { pino } from 'pino';
import { migrateAudit } from '../../infra/audit/auditor.ts';
import { generateSigningKey } from '../../infra/audit/signing.ts';
import { loadConfig } from '../../infra/config.ts';
import { Expected, START } from '../../infra/event-store/port.ts';
import { waitUntilSettled } from '../../infra/audit/testing.ts';
import type { NewEvent } from '../../infra/event-store/port.ts';
import { openPostgresEventStore } from '../../infra/event-store/postgres/open.ts';
import type { PostgresEventStore } from '../../infra/event-store/postgres/postgres-event-store.ts';
import { createTestSchema } from '../../infra/postgres/test-database.ts';
import type { TestSchema } from '../../infra/postgres/test-database.ts';
import { migrateReadModels } from '../../projections/read-models/install.ts';
import { buildApp, readPoolOptions } from '../app.ts';
import type { App } from '../app.ts';
import { loadReadApiSettings } from '../settings.ts';

/** Keys of the audit tests: an auditor, a reader (no audit rights), an admin. */
export const AUDIT_KEYS = {
  auditor: 'audit-test-auditor-key-0001',
  reader: 'audit-test-reader-key-00002',
  admin: 'audit-test-admin-key-000003',
} as const;

export const bearer = (key: string): Record<string, string> => ({ authorization: `Bearer ${key}` });

const at = (minute: number): string => new Date(Date.UTC(2026, 10, 1, 10, minute)).toISOString();

const listingHistory = (id: string, seller: string): NewEvent[] => [
  {
    type: 'ListingCreated',
    data: {
      listingId: id,
      sellerId: seller,
      title: `Oak table ${id}`,
      sku: `sku-${id}`,
      price: { amount: 12_000, currency: 'EUR' },
      at: at(0),
    },
    metadata: { actor: seller, commandId: `cmd-${id}-0`, correlationId: `corr-${id}` },
  },
  {
    type: 'ListingPublished',
    data: { listingId: id, by: seller, at: at(1) },
    metadata: {
      actor: seller,
      commandId: `cmd-${id}-1`,
      correlationId: `corr-${id}`,
      causationId: `cmd-${id}-0`,
    },
  },
  {
    type: 'ListingPriceChanged',
    data: { listingId: id, by: seller, price: { amount: 9_900, currency: 'EUR' }, at: at(2) },
    metadata: { actor: seller, commandId: `cmd-${id}-2`, correlationId: `corr-${id}` },
  },
];

export type AuditTestBed = Readonly<{
  db: TestSchema;
  store: PostgresEventStore;
  /** The public key (PEM) of the signing key the app was configured with. */
  publicKeyPem: string;
  signingKeyPem: string;
  app: () => Promise<App>;
  close: () => Promise<void>;
}>;

/**
 * A schema with the event store (seeded with a few listings), the read
 * models and the audit table, and the read API built as `scripts/roles/api.ts`
 * builds it: its own pool with the query timeout, the audit routes registered
 * by `buildApp`, the signing key from the environment.
 */
export const createAuditTestBed = async (prefix: string, listings = 4): Promise<AuditTestBed> => {
  const db = await createTestSchema(prefix, 4);
  const store = await openPostgresEventStore({ pool: db.pool, schema: db.schema });
  await migrateReadModels(db.pool, db.schema);
  await migrateAudit(db.pool, db.schema);
  let last = START;
  for (let i = 0; i < listings; i++) {
    const result = await store.append(`listing-l${i}`, listingHistory(`l${i}`, `s-${i % 2}`), {
      expectedRevision: Expected.noStream,
    });
    if (!result.ok) throw new Error('seed conflict');
    last = result.position;
  }
  await waitUntilSettled(store, last);
  const key = generateSigningKey();
  const apps: App[] = [];
  const pools: pg.Pool[] = [];
  return {
    db,
    store,
    publicKeyPem: key.publicKeyPem,
    signingKeyPem: key.privateKeyPem,
    app: async () => {
      const settings = loadReadApiSettings({
        API_KEYS: `${AUDIT_KEYS.auditor}:auditor,${AUDIT_KEYS.reader}:reader,${AUDIT_KEYS.admin}:admin`,
        CURSOR_SECRET: 'audit-test-cursor-secret-0001',
      });
      const config = { ...loadConfig({}), eventStoreSchema: db.schema, readModelSchema: db.schema };
      const pool = new pg.Pool(readPoolOptions(db.pool, settings));
      pools.push(pool);
      // The audit plugin reads its keys from the environment when it is registered.
      process.env['AUDIT_SIGNING_KEY'] = key.privateKeyPem;
      const app = buildApp({ pool, logger: pino({ level: 'silent' }), config, settings });
      apps.push(app);
      try {
        await app.ready();
      } finally {
        delete process.env['AUDIT_SIGNING_KEY'];
      }
      return app;
    },
    close: async () => {
      for (const app of apps) await app.close();
      for (const pool of pools) await pool.end();
      await store.close();
      await db.drop();
    },
  };
};
