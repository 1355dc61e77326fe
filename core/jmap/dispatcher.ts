/**
 * The JMAP API request processor (RFC 8620 §3): capabilities, method dispatch, result
 * references (#-prefixed arguments with JSON pointers, "*" included), creation ids, and
 * error responses. Every method receives the authenticated account only.
 */
import { DEFAULT_LIMITS, type JmapAccount, type JmapDeps, type JmapLimits } from './context';
import { emailGet, emailParse } from './email-get';
import {
  emailChanges,
  emailQuery,
  emailQueryChanges,
  searchSnippetGet,
  threadChanges,
  threadGet,
} from './email-query';
import { emailImport, emailSet } from './email-set';
import { JmapMethodError, JmapRequestError } from './errors';
import { identityChanges, identityGet, identitySet } from './identity';
import { mailboxChanges, mailboxGet, mailboxQuery, mailboxSet } from './mailbox';
import { submissionGet, submissionSet } from './submission';
import { vacationGet, vacationSet } from './vacation';
import { forwardingGet, forwardingSet } from './forwarding';
import { SIEVE_CAPABILITY, sieveScriptGet, sieveScriptQuery, sieveScriptValidate } from './sieve';
import { sieveScriptSet } from './sieve-set';
import type { Args } from './util';

export const CAPABILITIES = {
  core: 'urn:ietf:params:jmap:core',
  mail: 'urn:ietf:params:jmap:mail',
  submission: 'urn:ietf:params:jmap:submission',
  vacation: 'urn:ietf:params:jmap:vacationresponse',
  /** Nimbus's own: the account's forwarding (Forwarding/get|set). */
  forwarding: 'urn:nimbus-mail:jmap:forwarding',
  sieve: SIEVE_CAPABILITY,
};

type Invocation = [string, Args, string];
type Method = (
  deps: JmapDeps,
  account: JmapAccount,
  args: Args,
  createdIds: Map<string, string>,
) => Promise<unknown>;

const METHODS: Record<string, { capability: string; run: Method }> = {
  'Core/echo': { capability: CAPABILITIES.core, run: async (_d, _a, args) => args },
  'Mailbox/get': { capability: CAPABILITIES.mail, run: mailboxGet },
  'Mailbox/changes': { capability: CAPABILITIES.mail, run: mailboxChanges },
  'Mailbox/query': { capability: CAPABILITIES.mail, run: mailboxQuery },
  'Mailbox/set': { capability: CAPABILITIES.mail, run: mailboxSet },
  'Email/get': { capability: CAPABILITIES.mail, run: emailGet },
  'Email/changes': { capability: CAPABILITIES.mail, run: emailChanges },
  'Email/query': { capability: CAPABILITIES.mail, run: emailQuery },
  'Email/queryChanges': { capability: CAPABILITIES.mail, run: emailQueryChanges },
  'Email/set': { capability: CAPABILITIES.mail, run: emailSet },
  'Email/import': { capability: CAPABILITIES.mail, run: emailImport },
  'Email/parse': { capability: CAPABILITIES.mail, run: emailParse },
  'Thread/get': { capability: CAPABILITIES.mail, run: threadGet },
  'Thread/changes': { capability: CAPABILITIES.mail, run: threadChanges },
  'SearchSnippet/get': { capability: CAPABILITIES.mail, run: searchSnippetGet },
  'Identity/get': { capability: CAPABILITIES.submission, run: identityGet },
  'Identity/changes': { capability: CAPABILITIES.submission, run: identityChanges },
  'Identity/set': { capability: CAPABILITIES.submission, run: identitySet },
  'EmailSubmission/get': { capability: CAPABILITIES.submission, run: submissionGet },
  'VacationResponse/get': { capability: CAPABILITIES.vacation, run: vacationGet },
  'VacationResponse/set': { capability: CAPABILITIES.vacation, run: vacationSet },
  'Forwarding/get': { capability: CAPABILITIES.forwarding, run: forwardingGet },
  'Forwarding/set': { capability: CAPABILITIES.forwarding, run: forwardingSet },
  'SieveScript/get': { capability: CAPABILITIES.sieve, run: sieveScriptGet },
  'SieveScript/set': { capability: CAPABILITIES.sieve, run: sieveScriptSet },
  'SieveScript/query': { capability: CAPABILITIES.sieve, run: sieveScriptQuery },
  'SieveScript/validate': { capability: CAPABILITIES.sieve, run: sieveScriptValidate },
};

export const SUPPORTED_METHODS = [...Object.keys(METHODS), 'EmailSubmission/set'];

/** Evaluates an RFC 6901 pointer with JMAP's "*" extension (§3.7). */
export function evaluatePointer(value: unknown, pointer: string): unknown {
  if (pointer === '') return value;
  if (!pointer.startsWith('/')) throw new Error('bad pointer');
  const [head, ...rest] = pointer.slice(1).split('/');
  const token = head.replace(/~1/g, '/').replace(/~0/g, '~');
  const tail = rest.length > 0 ? '/' + rest.join('/') : '';
  if (Array.isArray(value)) {
    if (token === '*') {
      const out = value.map((v) => evaluatePointer(v, tail));
      return out.flatMap((v) => (Array.isArray(v) && rest.length > 0 ? v : [v]));
    }
    const i = Number(token);
    if (!Number.isInteger(i) || i < 0 || i >= value.length) throw new Error('bad index');
    return evaluatePointer(value[i], tail);
  }
  if (value && typeof value === 'object' && token in value)
    return evaluatePointer((value as Args)[token], tail);
  throw new Error(`no ${token}`);
}

function resolveReferences(args: Args, responses: Invocation[]): Args {
  const out: Args = {};
  for (const [key, value] of Object.entries(args)) {
    if (!key.startsWith('#')) {
      out[key] = value;
      continue;
    }
    const plain = key.slice(1);
    if (plain in args) throw new JmapMethodError('invalidArguments', `both ${plain} and #${plain}`);
    const ref = value as { resultOf?: string; name?: string; path?: string };
    const source = responses.find((r) => r[2] === ref.resultOf && r[0] === ref.name);
    if (!source)
      throw new JmapMethodError('invalidResultReference', `no ${ref.name} result for ${ref.resultOf}`);
    try {
      out[plain] = evaluatePointer(source[1], String(ref.path ?? ''));
    } catch (error) {
      throw new JmapMethodError('invalidResultReference', (error as Error).message);
    }
  }
  return out;
}

export interface JmapRequest {
  using: string[];
  methodCalls: Invocation[];
  createdIds?: Record<string, string>;
}

export function parseRequest(body: unknown, limits: JmapLimits = DEFAULT_LIMITS): JmapRequest {
  const req = body as JmapRequest;
  if (!req || typeof req !== 'object' || !Array.isArray(req.using) || !Array.isArray(req.methodCalls)) {
    throw new JmapRequestError('urn:ietf:params:jmap:error:notRequest', 400, 'not a JMAP request');
  }
  for (const call of req.methodCalls) {
    if (
      !Array.isArray(call) ||
      call.length !== 3 ||
      typeof call[0] !== 'string' ||
      typeof call[2] !== 'string' ||
      !call[1] ||
      typeof call[1] !== 'object'
    ) {
      throw new JmapRequestError('urn:ietf:params:jmap:error:notRequest', 400, 'malformed method call');
    }
  }
  if (req.methodCalls.length > limits.maxCallsInRequest) {
    throw new JmapRequestError('urn:ietf:params:jmap:error:limit', 400, 'too many method calls', {
      limit: 'maxCallsInRequest',
    });
  }
  const known = new Set(Object.values(CAPABILITIES));
  const unknown = req.using.filter((u) => !known.has(u));
  if (unknown.length > 0) {
    throw new JmapRequestError(
      'urn:ietf:params:jmap:error:unknownCapability',
      400,
      `unknown capability ${unknown.join(', ')}`,
    );
  }
  return req;
}

export async function processRequest(
  deps: JmapDeps,
  account: JmapAccount,
  request: JmapRequest,
  hooks: { sessionState: () => Promise<string> },
): Promise<{ methodResponses: Invocation[]; createdIds?: Record<string, string>; sessionState: string }> {
  const responses: Invocation[] = [];
  const createdIds = new Map(Object.entries(request.createdIds ?? {}));
  const using = new Set(request.using);
  for (const [name, rawArgs, callId] of request.methodCalls) {
    try {
      const args = resolveReferences(rawArgs, responses);
      if (name === 'EmailSubmission/set') {
        if (!using.has(CAPABILITIES.submission))
          throw new JmapMethodError('unknownMethod', 'capability not in "using"');
        const { response, emailSet: implicit } = await submissionSet(deps, account, args, createdIds);
        responses.push([name, response, callId]);
        if (implicit)
          responses.push([
            'Email/set',
            (await METHODS['Email/set'].run(deps, account, implicit, createdIds)) as Args,
            callId,
          ]);
        continue;
      }
      const method = METHODS[name];
      if (!method || !using.has(method.capability)) throw new JmapMethodError('unknownMethod', name);
      responses.push([name, (await method.run(deps, account, args, createdIds)) as Args, callId]);
    } catch (error) {
      if (error instanceof JmapMethodError) {
        responses.push(['error', { type: error.type, description: error.message, ...error.extra }, callId]);
      } else {
        responses.push(['error', { type: 'serverFail', description: (error as Error).message }, callId]);
      }
    }
  }
  return {
    methodResponses: responses,
    ...(request.createdIds ? { createdIds: Object.fromEntries(createdIds) } : {}),
    sessionState: await hooks.sessionState(),
  };
}
