import { eventStoreContract } from '../contract.ts';
import { createTestSchema } from '../../postgres/test-database.ts';
import { openPostgresEventStore } from './open.ts';

eventStoreContract('postgres', async () => {
  const db = await createTestSchema('es_contract', 4);
  const store = await openPostgresEventStore({ pool: db.pool, schema: db.schema });
  return {
    store,
    dispose: async () => {
      await store.close();
      await db.drop();
    },
  };
});
