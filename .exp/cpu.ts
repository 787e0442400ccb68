import pg from 'pg';
import { readFileSync } from 'node:fs';
// usage: node cpu.ts file.sql [label] — each statement separated by a line '--;' ; prints backend CPU ms per statement run
const client = new pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/test' });
await client.connect();
const { rows } = await client.query('select pg_backend_pid() as pid');
const pid = rows[0].pid;
const ticks = () => { const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' '); return (Number(f[11]) + Number(f[12])) * 10; };
for (const stmt of readFileSync(process.argv[2]!, 'utf8').split('--;\n').filter((s) => s.trim())) {
  const t0 = ticks(); const w0 = performance.now();
  await client.query(stmt);
  console.log(`${(ticks() - t0)} ms cpu, ${(performance.now() - w0).toFixed(0)} ms wall: ${stmt.slice(0, 60).replace(/\s+/g, ' ')}`);
}
await client.end();
