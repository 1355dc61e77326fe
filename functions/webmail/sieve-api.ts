/**
 * The webmail's filter rules API (JSON under /webmail/api/sieve, session cookie + CSRF): the
 * rules editor's model and the raw script, both stored as the account's Sieve script "webmail"
 * (the one ManageSieve and JMAP Sieve see too), which every save makes the active script.
 * A script that does not compile is a 400 with the line and column of the error.
 */
import { DEFAULT_SIEVE_LIMITS, SieveScriptStore, type SievePutResult } from '../../core/sieve/script-store';
import { parseRules, RulesError, rulesToSieve, sieveToRules } from '../../core/sieve/rules';
import type { WebContext } from '../web/context';
import { jsonResponse, type Router, type WebResponse } from '../web/types';
import { fail, guarded, jsonBody, sessionUser } from './pim-session';

/** The name of the script the webmail edits. */
export const WEBMAIL_SCRIPT = 'webmail';

function store(ctx: WebContext): SieveScriptStore {
  // The node may pass the `sieve` settings' limits in the context; the defaults otherwise.
  const limits = ctx.sieveLimits;
  return new SieveScriptStore(ctx.db, limits ?? DEFAULT_SIEVE_LIMITS);
}

/** Stores and activates; refusals become 400 (with line/column) or 413/507 for the quotas. */
async function save(
  scripts: SieveScriptStore,
  accountId: string,
  content: string,
): Promise<WebResponse | null> {
  const put: SievePutResult = await scripts.put(accountId, WEBMAIL_SCRIPT, content);
  if (!put.ok) {
    if ('error' in put)
      return jsonResponse(400, {
        error: `line ${put.error.line}, column ${put.error.column}: ${put.error.message}`,
        line: put.error.line,
        column: put.error.column,
        message: put.error.message,
      });
    return put.quota === 'size'
      ? jsonResponse(413, { error: `the script is larger than ${scripts.limits.maxScriptBytes} bytes` })
      : jsonResponse(507, { error: `at most ${scripts.limits.maxScripts} scripts` });
  }
  await scripts.setActive(accountId, WEBMAIL_SCRIPT);
  return null;
}

async function summary(scripts: SieveScriptStore, accountId: string) {
  const all = await scripts.list(accountId);
  const own = all.find((s) => s.name === WEBMAIL_SCRIPT) ?? null;
  return {
    script: WEBMAIL_SCRIPT,
    exists: own !== null,
    /** null: the script was edited by hand (or elsewhere) and is shown in the raw editor only. */
    rules: own ? sieveToRules(own.content) : [],
    active: all.find((s) => s.active)?.name ?? null,
  };
}

export function addSieveRoutes(router: Router, ctx: WebContext): void {
  router.add(
    'GET',
    '/webmail/api/sieve',
    guarded(async (request) => {
      const user = await sessionUser(ctx, request);
      return jsonResponse(200, await summary(store(ctx), String(user.id)));
    }),
  );

  router.add(
    'PUT',
    '/webmail/api/sieve/rules',
    guarded(async (request) => {
      const user = await sessionUser(ctx, request);
      let rules;
      try {
        rules = parseRules(jsonBody(ctx, request).rules);
      } catch (error) {
        if (error instanceof RulesError)
          return jsonResponse(400, { error: error.message, rule: error.rule ?? null });
        throw error;
      }
      const scripts = store(ctx);
      const refused = await save(scripts, String(user.id), rulesToSieve(rules));
      return refused ?? jsonResponse(200, await summary(scripts, String(user.id)));
    }),
  );

  router.add(
    'GET',
    '/webmail/api/sieve/script',
    guarded(async (request) => {
      const user = await sessionUser(ctx, request);
      const own = await store(ctx).get(String(user.id), WEBMAIL_SCRIPT);
      return jsonResponse(200, {
        name: WEBMAIL_SCRIPT,
        content: own?.content ?? '',
        active: own?.active ?? false,
      });
    }),
  );

  router.add(
    'PUT',
    '/webmail/api/sieve/script',
    guarded(async (request) => {
      const user = await sessionUser(ctx, request);
      const content = jsonBody(ctx, request).content;
      if (typeof content !== 'string') return fail(400, 'content must be the script text');
      const scripts = store(ctx);
      const refused = await save(scripts, String(user.id), content);
      return refused ?? jsonResponse(200, await summary(scripts, String(user.id)));
    }),
  );

  router.add(
    'POST',
    '/webmail/api/sieve/active',
    guarded(async (request) => {
      const user = await sessionUser(ctx, request);
      const active = jsonBody(ctx, request).active;
      if (typeof active !== 'boolean') return fail(400, 'active must be true or false');
      const scripts = store(ctx);
      const done = await scripts.setActive(String(user.id), active ? WEBMAIL_SCRIPT : null);
      if (done === 'missing') return fail(404, 'there are no webmail rules yet');
      return jsonResponse(200, await summary(scripts, String(user.id)));
    }),
  );
}
