/** `npm run till`: the headless till service. */
import { StaffDirectory } from '../api/staff.js';
import { configFromEnv, defaultUiDir } from './config.js';
import { createTill } from './till.js';

async function main(): Promise<void> {
  const config = configFromEnv();
  config.uiDir ??= defaultUiDir();
  const till = await createTill(config);
  process.stdout.write(
    `till ${till.ctx.identity.tillId} (store ${till.ctx.identity.storeId}) listening on ${till.url}/  data: ${config.dataDir}\n` +
      `POS API key: ${config.posApiKey ? 'from TILL_POS_API_KEY' : `in ${till.posApiKeyFile}`}\n`,
  );
  if (new StaffDirectory(till.ctx.db).count() === 0) {
    process.stdout.write(
      'No staff yet: add an admin with `npm run staff -- add --id 0001 --name <name> --role admin` or restart with TILL_ADMIN_PIN set (docs/cashier-ui.md)\n',
    );
  }
  const stop = (): void => {
    void till.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((e: unknown) => {
  process.stderr.write(`till failed to start: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
