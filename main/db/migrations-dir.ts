import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The till's numbered SQL migrations (storage/migrate.ts applies them). */
export const TILL_MIGRATIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'migrations');
