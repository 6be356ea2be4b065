/**
 * `POST /v1/tills` (admin): issues tills in bulk, as `add-till` does one at a time, for a chain
 * rolling out many tills and for the load generator (loadgen/). Each till is issued in its own
 * transaction (HqStore.addTill), in request order:
 *
 * 1. the operator is checked before the body is read (auth/operator.ts, admin role);
 * 2. the body is validated whole (400 invalid_request: nothing issued);
 * 3. each till: an id head office reserves is refused as `bad_id`, an existing till as
 *    `till_exists` (its secret is not touched); otherwise a new 32-byte secret is issued;
 * 4. the answer lists every till with its secret, the only time head office shows it (it keeps
 *    it encrypted for verifying signatures). The log names who issued how many, never a secret.
 */
import {
  ProvisionTillsRequest,
  RenameRequest,
  type ProvisionTillsAnswer,
  type RenameAnswer,
} from '../provisioning-schemas.js';
import { attributedId } from '../auth/operator.js';
import { HttpError } from '../http/errors.js';
import { ProvisionError, addTill } from '../provision.js';
import { TillExistsError } from '../store/types.js';
import { readJson } from '../http/body.js';
import { invalid } from '../http/errors.js';
import type { Router } from '../http/router.js';
import type { AppDeps } from './deps.js';

export function provisioningRoutes(router: Router, app: AppDeps): void {
  router.add('POST', '/v1/tills', async ({ req }) => {
    const who = await app.operator.check(req, 'admin');
    const parsed = ProvisionTillsRequest.safeParse(await readJson(req));
    if (!parsed.success) throw invalid('invalid_request', parsed.error);
    const tills: ProvisionTillsAnswer['tills'] = [];
    const by = who.kind === 'named' ? who.id : 'bootstrap-token';
    for (const { storeId, tillId, storeName, tillName } of parsed.data.tills) {
      try {
        const issued = await addTill(app.store, storeId, tillId, app.now(), { storeName, tillName, by });
        tills.push({ ...issued, status: 'issued' });
      } catch (e) {
        if (e instanceof TillExistsError || e instanceof ProvisionError) {
          tills.push({ tillId, storeId, status: 'refused', code: e.code, message: e.message });
        } else throw e;
      }
    }
    const issued = tills.filter((t) => t.status === 'issued').length;
    app.log.log('info', 'tills_provisioned', {
      issued,
      refused: tills.length - issued,
      operator: by,
    });
    const body: ProvisionTillsAnswer = {
      issued,
      refused: tills.length - issued,
      tills,
      hqPublicKey: app.hqPublicKey(),
    };
    return { status: 200, body };
  });

  // Naming a store or a till (issue 13 item 8): the row keeps who named it and when, the log the
  // previous name. Admin, as issuing tills is.
  for (const what of ['store', 'till'] as const) {
    router.add('POST', `/v1/${what}s/{id}/name`, async ({ req, params }) => {
      const who = await app.operator.check(req, 'admin');
      const parsed = RenameRequest.safeParse(await readJson(req));
      if (!parsed.success) throw invalid('invalid_request', parsed.error);
      const id = params.id ?? '';
      const operatorId = attributedId(who, parsed.data.operatorId);
      const out = await app.store.rename(what, id, parsed.data.name, operatorId, app.now());
      if (out.kind === 'unknown') throw new HttpError(404, `unknown_${what}`, `no ${what} ${id}`);
      app.log.log('info', `${what}_renamed`, { id, name: parsed.data.name, previous: out.previous, operatorId });
      const body: RenameAnswer = { status: 'renamed', kind: what, id, name: parsed.data.name, previous: out.previous };
      return { status: 200, body };
    });
  }
}
