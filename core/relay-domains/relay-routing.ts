import type { Resolver } from '../ports/resolver';
import type { LeasedJob, Spool, SpoolPayload } from '../ports/spool';
import { selectTargets } from '../relay/mx-selection';
import { RelayFailure, type RecipientResult } from '../relay/reply-classification';
import type { OutboundTarget } from '../relay/transport';
import type { HeldMail } from '../spool/held-mail';
import type { RelayDomain, RelayDomainStore } from './relay-domain-store';

/**
 * What the relay role does differently for relay domains: jobs for a 'hold' domain go to
 * held mail (until ETRN or a flush releases them with `released: true`); jobs for a 'backup'
 * domain are delivered to the primary and held when it cannot be reached; `deliver_to` replaces
 * the MX lookup, which otherwise skips our own host names.
 */
export class RelayDomainRouting {
  constructor(
    readonly store: RelayDomainStore,
    readonly held: HeldMail,
    private readonly ourHostnames: readonly string[],
    private readonly resolver: Resolver,
  ) {}

  /**
   * Targets for a relay domain (null: not one, or no deliver_to while a smarthost takes all
   * mail: the normal path applies).
   */
  async targets(domain: string, smarthost = false): Promise<OutboundTarget[] | null> {
    // Not cached: once per domain and batch, and a changed deliver_to applies at once.
    const relay = await this.store.get(domain);
    if (!relay || (smarthost && !relay.deliverTo)) return null;
    if (relay.deliverTo) {
      const { host, port } = relay.deliverTo;
      return [{ host, address: host, port, priority: 0 }];
    }
    // RFC 5321 §5.1: only hosts more preferred than we are (ourselves and our peers excluded).
    const ours = new Set(this.ourHostnames.map(bare));
    const all = await selectTargets(domain, this.resolver);
    const ourPreference = Math.min(...all.filter((t) => ours.has(bare(t.host))).map((t) => t.priority));
    const found = all.filter((t) => !ours.has(bare(t.host)) && t.priority < ourPreference);
    if (found.length === 0) {
      throw new RelayFailure(false, 451, '4.4.4', `no MX host of ${domain} other than ourselves`);
    }
    return found;
  }

  /**
   * Before sending: a job whose pending recipients are all in one 'hold' domain moves to held
   * mail (its blob reference with it) unless it was released. Returns the jobs still to send.
   */
  async holdNew(jobs: LeasedJob[], spool: Spool): Promise<{ send: LeasedJob[]; held: LeasedJob[] }> {
    const send: LeasedJob[] = [];
    const held: LeasedJob[] = [];
    for (const job of jobs) {
      const domain = job.payload.released ? null : await this.singleDomain(job.payload, 'hold');
      if (!domain) {
        send.push(job);
        continue;
      }
      await this.holdJob(job, job.payload, domain.name, 'relay domain: held until ETRN', spool);
      held.push(job);
    }
    return { send, held };
  }

  /**
   * After an attempt: when every temporary failure is for a 'backup' domain (primary not
   * reachable), the job is held instead of retried. Returns whether it was held.
   */
  async holdDeferred(
    job: LeasedJob,
    temporary: RecipientResult[],
    next: SpoolPayload,
    spool: Spool,
  ): Promise<boolean> {
    const domains = new Set(temporary.map((r) => domainOf(r.address)));
    if (domains.size !== 1) return false;
    const [name] = [...domains];
    const relay = await this.store.cachedGet(name);
    if (!relay || relay.mode !== 'backup') return false;
    const error = temporary.map((r) => r.diagnostic).join('; ');
    const payload: SpoolPayload = {
      ...next,
      relay: { attempts: (next.relay?.attempts ?? 0) + 1, lastError: error },
    };
    await this.holdJob(job, payload, relay.name, `backup MX: primary unreachable: ${error}`, spool);
    return true;
  }

  private async holdJob(
    job: LeasedJob,
    payload: SpoolPayload,
    domain: string,
    note: string,
    spool: Spool,
  ): Promise<void> {
    const { released: _released, ...rest } = payload;
    // Held first, then acked: a crash in between holds it again (idempotent on id).
    await this.held.hold({
      id: job.id,
      queue: job.queue,
      payload: rest,
      reason: 'relay-domain',
      domain,
      account: null,
      note: note.slice(0, 500),
    });
    await spool.ack(job);
  }

  private async singleDomain(payload: SpoolPayload, mode: RelayDomain['mode']): Promise<RelayDomain | null> {
    const done = new Set((payload.done ?? []).map((a) => a.toLowerCase()));
    const domains = new Set(
      payload.recipients.filter((r) => !done.has(r.address.toLowerCase())).map((r) => domainOf(r.address)),
    );
    if (domains.size !== 1) return null;
    const relay = await this.store.cachedGet([...domains][0]);
    return relay?.mode === mode ? relay : null;
  }
}

function bare(host: string): string {
  return host.toLowerCase().replace(/\.$/, '');
}

function domainOf(address: string): string {
  return address.slice(address.lastIndexOf('@') + 1).toLowerCase();
}
