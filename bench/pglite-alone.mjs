// What PGlite alone takes to open a store: the floor under the engine's peak memory on the
// embedded warehouse. `node pglite-alone.mjs <store dir>`.
import { PGlite } from '@electric-sql/pglite';

const pglite = await PGlite.create(process.argv[2]);
await pglite.query('select 1');
await pglite.close();
