import { finishJob } from '../delivery/inbound-job';
import type { MessageAcceptor } from '../delivery/message-acceptor';
import { buildDsn, shouldNotify, type DsnRecipient } from '../dsn/dsn-builder';
import type { AutomaticLimits } from '../outbound/automatic-limits';
import type { BlobStore } from '../ports/blob-store';
import type { RelayDomainRouting } from '../relay-domains/relay-routing';
import type { Resolver } from '../ports/resolver';
import type { LeasedJob, Spool, SpoolPayload, SpoolRecipient } from '../ports/spool';
import type { SqlDatabase } from '../ports/sql';
import {
  deferAfterFailure,
  delayWarningDue,
  hopDelay,
  isExpired,
  type DeferralState,
  type RetryPolicy,
} from '../spool/retry-schedule';
import { KeyedLimiter } from './concurrency';
import { applyMtaSts, type MtaStsPolicy } from './mta-sts';
import { selectTargets } from './mx-selection';
import { RelayFailure, oneLine, type RecipientResult } from './reply-classification';
import type { OutboundMessage, OutboundTarget, OutboundTransport } from './transport';

export interface RelaySettings {
  /** Our name: EHLO, Reporting-MTA, MAILER-DAEMON@. */
  hostname: string;
  policy: RetryPolicy;
  /** Send a "delayed" DSN once a message has waited this long (0: never). */
  delayWarningAfterSeconds: number;
  /** Longest single wait in the queue (SQS: 900 s); longer waits are several hops. */
  maxHopSeconds: number;
  /** Connections per destination domain (or to the smarthost) at once. */
  maxPerDestination: number;
  /** All mail through this relay instead of MX lookups. */
  smarthost?: OutboundTarget;
}

export interface RelayDeps {
  db: SqlDatabase;
  spool: Spool;
  blobs: BlobStore;
  acceptor: MessageAcceptor;
  transport: OutboundTransport;
  resolver: Resolver;
  limiter: KeyedLimiter;
  settings: RelaySettings;
  /** DKIM: returns the message with signature header(s) prepended, or unchanged. */
  sign?: (message: Buffer, mailFrom: string) => Promise<Buffer>;
  /** MTA-STS policy of a domain (cached by the caller), null when none. */
  mtaSts?: (domain: string) => Promise<MtaStsPolicy | null>;
  onEvent?: (event: RelayEvent) => void;
  /** Relay domains (hold until ETRN, backup MX, deliver_to); absent: none. */
  relayDomains?: RelayDomainRouting;
  /** The hourly DSN limit per recipient (core/outbound/automatic-limits); absent: none. */
  automatic?: Pick<AutomaticLimits, 'admit'>;
}

export type RelayEvent =
  | { kind: 'sent'; jobId: string; recipient: string; remoteMta?: string; response: string }
  | { kind: 'deferred'; jobId: string; recipient: string; reason: string; nextAttemptAt: string }
  | { kind: 'bounced'; jobId: string; recipient: string; reason: string; mailFrom?: string }
  | { kind: 'dsn'; jobId: string; action: 'failed' | 'delayed'; to: string; queueId: string }
  | { kind: 'dsn-limited'; jobId: string; action: 'failed' | 'delayed'; to: string };

export type OutboundOutcome = 'sent' | 'waiting' | 'deferred' | 'bounced' | 'held';

interface Unit {
  job: LeasedJob;
  domain: string;
  recipients: SpoolRecipient[];
}

/**
 * One pass over a batch of outbound jobs: jobs whose next attempt is not due yet wait another hop;
 * the rest are grouped per destination domain and sent (one connection per lane, reused for every
 * message of that domain); then each job is finished, bounced or deferred, per recipient.
 */
export async function processOutboundBatch(
  jobs: LeasedJob[],
  deps: RelayDeps,
  now: () => Date = () => new Date(),
): Promise<Map<string, OutboundOutcome>> {
  const outcomes = new Map<string, OutboundOutcome>();
  const due: LeasedJob[] = [];
  for (const job of jobs) {
    const state = job.payload.relay;
    if (state?.nextAttemptAt && new Date(state.nextAttemptAt) > now()) {
      const wait = hopDelay(new Date(state.nextAttemptAt), now(), deps.settings.maxHopSeconds);
      await deps.spool.retryLater(job, wait, state.lastError ?? 'waiting for the next attempt');
      outcomes.set(job.id, 'waiting');
    } else {
      due.push(job);
    }
  }
  if (deps.relayDomains) {
    const split = await deps.relayDomains.holdNew(due.splice(0), deps.spool);
    due.push(...split.send);
    for (const job of split.held) outcomes.set(job.id, 'held');
  }
  const units: Unit[] = [];
  for (const job of due) {
    const done = new Set((job.payload.done ?? []).map((a) => a.toLowerCase()));
    const byDomain = new Map<string, SpoolRecipient[]>();
    for (const recipient of job.payload.recipients) {
      if (done.has(recipient.address.toLowerCase())) continue;
      const domain = domainOf(recipient.address);
      byDomain.set(domain, [...(byDomain.get(domain) ?? []), recipient]);
    }
    for (const [domain, recipients] of byDomain) units.push({ job, domain, recipients });
  }
  const results = new Map<string, RecipientResult[]>();
  const byDomain = new Map<string, Unit[]>();
  for (const unit of units) {
    byDomain.set(unit.domain, [...(byDomain.get(unit.domain) ?? []), unit]);
  }
  await Promise.all(
    [...byDomain].map(async ([domain, domainUnits]) => {
      const perUnit = await deliverDomain(domain, domainUnits, deps);
      perUnit.forEach((list, index) => {
        const jobId = domainUnits[index].job.id;
        results.set(jobId, [...(results.get(jobId) ?? []), ...list]);
      });
    }),
  );
  for (const job of due) outcomes.set(job.id, await settleJob(job, results.get(job.id) ?? [], deps, now()));
  return outcomes;
}

/** Sends every unit of one domain: MX (or smarthost) targets, split over up to N lanes. */
async function deliverDomain(domain: string, units: Unit[], deps: RelayDeps): Promise<RecipientResult[][]> {
  const fail = (failure: RelayFailure) =>
    units.map((unit) => unit.recipients.map((r) => failureResult(r.address, failure)));
  let targets: OutboundTarget[];
  try {
    targets = await resolveTargets(domain, deps);
  } catch (error) {
    if (error instanceof RelayFailure) return fail(error);
    return fail(new RelayFailure(false, 451, '4.4.3', oneLine((error as Error).message)));
  }
  // Messages: units sharing blob, sender and DSN options become one transaction with several RCPTs.
  const groups = new Map<string, number[]>();
  units.forEach((unit, index) => {
    const p = unit.job.payload;
    const simple = unit.recipients.every((r) => !r.orcpt && !r.notify);
    const key = simple ? `${p.blobKey}|${p.mailFrom}|${p.dsn?.ret ?? ''}|${p.dsn?.envid ?? ''}` : `#${index}`;
    groups.set(key, [...(groups.get(key) ?? []), index]);
  });
  const results: RecipientResult[][] = units.map(() => []);
  const queue = [...groups.values()];
  const laneKey = deps.settings.smarthost ? `smarthost:${deps.settings.smarthost.host}` : domain;
  const lanes = Math.max(1, Math.min(deps.settings.maxPerDestination, queue.length));
  const deadTargets = new Set<string>();
  await Promise.all(
    Array.from({ length: lanes }, async () => {
      const release = await deps.limiter.acquire(laneKey);
      try {
        for (let group = queue.shift(); group; group = queue.shift()) {
          const sent = await sendGroup(
            group.map((i) => units[i]),
            targets,
            deadTargets,
            deps,
          );
          group.forEach((unitIndex, position) => results[unitIndex].push(...sent[position]));
        }
      } finally {
        release();
      }
    }),
  );
  return results;
}

async function resolveTargets(domain: string, deps: RelayDeps): Promise<OutboundTarget[]> {
  const routed = await deps.relayDomains?.targets(domain, !!deps.settings.smarthost);
  if (routed) return routed;
  if (deps.settings.smarthost) return [deps.settings.smarthost];
  const found = await selectTargets(domain, deps.resolver);
  const policy = deps.mtaSts ? await deps.mtaSts(domain).catch(() => null) : null;
  const applied = applyMtaSts(policy, found);
  if (applied.targets.length === 0) {
    throw new RelayFailure(false, 451, '4.7.5', `MTA-STS policy of ${domain} matches none of its MX hosts`);
  }
  return applied.targets.map((t) => ({ ...t, requireVerifiedTls: applied.requireVerifiedTls }));
}

/** One transaction (several units of the same message) over the first target that answers. */
async function sendGroup(
  units: Unit[],
  targets: OutboundTarget[],
  deadTargets: Set<string>,
  deps: RelayDeps,
): Promise<RecipientResult[][]> {
  const first = units[0].job.payload;
  const recipients = units.flatMap((u) => u.recipients);
  let body: Buffer;
  try {
    body = await deps.blobs.get(first.blobKey);
    if (deps.sign) body = await deps.sign(body, first.mailFrom);
  } catch (error) {
    const failure = new RelayFailure(
      false,
      451,
      '4.3.0',
      `message not readable: ${(error as Error).message}`,
    );
    return units.map((u) => u.recipients.map((r) => failureResult(r.address, failure)));
  }
  const message: OutboundMessage = { mailFrom: first.mailFrom, recipients, dsn: first.dsn, body };
  let last: RelayFailure = new RelayFailure(false, 451, '4.4.1', 'no host could be reached');
  let answered: RecipientResult[] | null = null;
  for (const target of targets) {
    const key = `${target.address}:${target.port}`;
    if (deadTargets.has(key) && targets.some((t) => !deadTargets.has(`${t.address}:${t.port}`))) continue;
    try {
      answered = await deps.transport.send(target, message);
      break;
    } catch (error) {
      last =
        error instanceof RelayFailure
          ? error
          : new RelayFailure(false, 451, '4.4.1', oneLine((error as Error).message));
      deadTargets.add(key);
    }
  }
  const byAddress = new Map((answered ?? []).map((r) => [r.address.toLowerCase(), r]));
  return units.map((unit) =>
    unit.recipients.map(
      (r) =>
        byAddress.get(r.address.toLowerCase()) ??
        failureResult(
          r.address,
          answered ? new RelayFailure(false, 451, '4.4.0', 'no answer for recipient') : last,
        ),
    ),
  );
}

function failureResult(address: string, failure: RelayFailure): RecipientResult {
  return {
    address,
    status: failure.permanent ? 'permanent' : 'temporary',
    enhanced: failure.enhanced,
    diagnostic: oneLine(failure.message),
    remoteReply: failure.remoteMta !== undefined,
    remoteMta: failure.remoteMta,
  };
}

/** Finishes, bounces or defers one job from its recipients' results. */
async function settleJob(
  job: LeasedJob,
  results: RecipientResult[],
  deps: RelayDeps,
  now: Date,
): Promise<OutboundOutcome> {
  const payload = job.payload;
  const state: DeferralState = payload.relay ?? { attempts: 0 };
  const done = new Set(payload.done ?? []);
  const byAddress = new Map(payload.recipients.map((r) => [r.address.toLowerCase(), r]));
  const failed: DsnRecipient[] = [];
  const temporary: RecipientResult[] = [];
  const expired = isExpired(deps.settings.policy, new Date(payload.receivedAt), now);
  for (const result of results) {
    const recipient = byAddress.get(result.address.toLowerCase());
    if (result.status === 'sent') {
      done.add(result.address);
      deps.onEvent?.({
        kind: 'sent',
        jobId: job.id,
        recipient: result.address,
        remoteMta: result.remoteMta,
        response: result.diagnostic,
      });
      continue;
    }
    if (result.status === 'temporary' && !expired) {
      temporary.push(result);
      continue;
    }
    done.add(result.address);
    const reason =
      result.status === 'temporary'
        ? `delivery time expired; last error: ${result.diagnostic}`
        : result.diagnostic;
    deps.onEvent?.({
      kind: 'bounced',
      jobId: job.id,
      recipient: result.address,
      reason,
      mailFrom: payload.mailFrom,
    });
    if (!shouldNotify(payload.mailFrom, recipient?.notify, 'failure')) continue;
    failed.push({
      address: result.address,
      orcpt: recipient?.orcpt,
      action: 'failed',
      status: result.status === 'temporary' ? '4.4.7' : result.enhanced,
      diagnostic: reason,
      remoteReply: result.status === 'permanent' && result.remoteReply,
      remoteMta: result.remoteMta,
      lastAttempt: now,
    });
  }
  if (failed.length > 0) await sendDsn(job, 'failed', failed, deps, now);
  if (temporary.length === 0) {
    await finishJob(job, deps);
    return failed.length > 0 || results.some((r) => r.status !== 'sent') ? 'bounced' : 'sent';
  }
  const next0: SpoolPayload = { ...payload, done: [...done] };
  if (deps.relayDomains && (await deps.relayDomains.holdDeferred(job, temporary, next0, deps.spool)))
    return 'held';
  const reason = temporary.map((r) => `${r.address}: ${r.diagnostic}`).join('; ');
  const deferred = deferAfterFailure(
    deps.settings.policy,
    state,
    oneLine(reason),
    now,
    deps.settings.maxHopSeconds,
  );
  if (delayWarningDue(state, new Date(payload.receivedAt), deps.settings.delayWarningAfterSeconds, now)) {
    const until = new Date(
      new Date(payload.receivedAt).getTime() + deps.settings.policy.lifetimeSeconds * 1000,
    );
    const delayed = temporary
      .map((r) => ({ r, recipient: byAddress.get(r.address.toLowerCase()) }))
      .filter(({ recipient }) => shouldNotify(payload.mailFrom, recipient?.notify, 'delay'))
      .map(({ r, recipient }): DsnRecipient => ({
        address: r.address,
        orcpt: recipient?.orcpt,
        action: 'delayed',
        status: r.enhanced.startsWith('4') ? r.enhanced : '4.0.0',
        diagnostic: r.diagnostic,
        remoteReply: r.remoteReply,
        remoteMta: r.remoteMta,
        lastAttempt: now,
        willRetryUntil: until,
      }));
    if (delayed.length > 0) await sendDsn(job, 'delayed', delayed, deps, now);
    deferred.state.delayWarned = true;
  }
  for (const r of temporary) {
    deps.onEvent?.({
      kind: 'deferred',
      jobId: job.id,
      recipient: r.address,
      reason: r.diagnostic,
      nextAttemptAt: deferred.state.nextAttemptAt!,
    });
  }
  const next: SpoolPayload = { ...payload, done: [...done], relay: deferred.state };
  await deps.spool.retryLater(job, deferred.delaySeconds, oneLine(reason), next);
  return 'deferred';
}

/**
 * Enqueues a DSN as a new inbound message from the null sender, so local senders find it in their
 * INBOX and remote ones get it through the relay. Its queue id is derived from the job, so a job
 * processed twice (crash after the DSN, before the ack) still yields one DSN.
 */
async function sendDsn(
  job: LeasedJob,
  action: 'failed' | 'delayed',
  recipients: DsnRecipient[],
  deps: RelayDeps,
  now: Date,
): Promise<void> {
  const payload = job.payload;
  if (payload.mailFrom === '') return;
  // Past the hour's DSN limit for this address nothing is sent (the job's outcome stands):
  // a flood of failures must not become a flood of backscatter at one mailbox.
  if (deps.automatic && !(await deps.automatic.admit('dsn', payload.mailFrom))) {
    deps.onEvent?.({ kind: 'dsn-limited', jobId: job.id, action, to: payload.mailFrom });
    return;
  }
  const original = await deps.blobs
    .get(payload.blobKey)
    .catch(() => Buffer.from('(message no longer available)\r\n'));
  const data = buildDsn({
    reportingMta: deps.settings.hostname,
    to: payload.mailFrom,
    envid: payload.dsn?.envid,
    ret: payload.dsn?.ret,
    arrivalDate: new Date(payload.receivedAt),
    recipients,
    original,
    date: now,
  });
  const suffix = action === 'failed' ? `F${(payload.relay?.attempts ?? 0) + 1}` : 'D';
  const queueId = `${payload.queueId}.${suffix}`;
  await deps.acceptor.accept({ queueId, data, mailFrom: '', recipients: [{ address: payload.mailFrom }] });
  deps.onEvent?.({ kind: 'dsn', jobId: job.id, action, to: payload.mailFrom, queueId });
}

function domainOf(address: string): string {
  return address.slice(address.lastIndexOf('@') + 1).toLowerCase();
}
