// What Node takes to start, connect to PostgreSQL and run one query: the floor under every
// command on a PostgreSQL warehouse. `DATABASE_URL=… node postgres-alone.mjs`.
import pg from 'pg';

const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
await client.connect();
await client.query('select 1');
await client.end();
