/**
 * Orders a certificate from an ACME CA (acme-client) with DNS-01: each name's challenge value
 * goes into `_acme-challenge.<name>` through the DNS port, which returns once the zone serves it;
 * the record is removed after validation, whatever its outcome.
 */
import * as acme from 'acme-client';
import type { DnsTxtRecords } from '../../core/ports/dns-records';

export interface IssueRequest {
  directoryUrl: string;
  accountKeyPem: string;
  names: readonly string[];
  email?: string;
  dns: DnsTxtRecords;
  /** Polling of pending orders/authorizations (acme-client's defaults: 5 s to 30 s, 10 times). */
  backoff?: { attempts: number; minMs: number; maxMs: number };
}

export interface IssuedCertificate {
  certPem: string;
  keyPem: string;
}

export function challengeRecordName(identifier: string): string {
  // A wildcard's authorization names the base domain (no `*.`).
  return `_acme-challenge.${identifier.replace(/^\*\./, '')}`;
}

export async function issueCertificate(request: IssueRequest): Promise<IssuedCertificate> {
  const client = new acme.Client({
    directoryUrl: request.directoryUrl,
    accountKey: request.accountKeyPem,
    ...(request.backoff
      ? {
          backoffAttempts: request.backoff.attempts,
          backoffMin: request.backoff.minMs,
          backoffMax: request.backoff.maxMs,
        }
      : {}),
  });
  const [commonName, ...altNames] = request.names;
  const [keyPem, csr] = await acme.crypto.createCsr(
    { commonName, altNames: [commonName, ...altNames] },
    await acme.crypto.createPrivateKey(2048),
  );
  const certPem = await client.auto({
    csr,
    email: request.email,
    termsOfServiceAgreed: true,
    challengePriority: ['dns-01'],
    // The DNS port waits until the zone serves the record (Route 53: INSYNC); acme-client's own
    // check would ask the function's resolver, which may cache the earlier NXDOMAIN.
    skipChallengeVerification: true,
    challengeCreateFn: async (authz, challenge, keyAuthorization) => {
      if (challenge.type !== 'dns-01') throw new Error(`unexpected ${challenge.type} challenge`);
      await request.dns.addTxt(challengeRecordName(authz.identifier.value), keyAuthorization);
    },
    challengeRemoveFn: async (authz, challenge, keyAuthorization) => {
      if (challenge.type !== 'dns-01') return;
      await request.dns.removeTxt(challengeRecordName(authz.identifier.value), keyAuthorization);
    },
  });
  return { certPem, keyPem: keyPem.toString() };
}

export async function createAccountKeyPem(): Promise<string> {
  return (await acme.crypto.createPrivateKey(2048)).toString();
}
