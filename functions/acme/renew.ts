/**
 * One run of the renewal job: renew when the stored certificate is missing, self-signed, lacks a
 * name or expires within `renewBeforeDays`; otherwise do nothing. The new certificate is checked
 * (key pair, names) before it is written, so the nodes never load a bad version from us.
 */
import type { CertificateStore } from '../../core/ports/certificate-source';
import type { DnsTxtRecords } from '../../core/ports/dns-records';
import { checkKeyPair, coversName, describeCertificate } from '../../core/tls/certificate-info';
import { renewalDecision } from '../../core/tls/renewal-policy';
import type { AccountKeyStore } from './account-key';
import { createAccountKeyPem, issueCertificate, type IssueRequest } from './issue';

export interface RenewDeps {
  certificates: CertificateStore;
  accountKey: AccountKeyStore;
  dns: DnsTxtRecords;
  names: readonly string[];
  directoryUrl: string;
  email?: string;
  renewBeforeDays: number;
  now?: () => Date;
  backoff?: IssueRequest['backoff'];
}

export interface RenewResult {
  renewed: boolean;
  reason: string;
  /** Days until the certificate now in the secret expires. */
  daysLeft: number;
  notAfter: string;
  fingerprint: string;
  version?: string;
}

const DAY_MS = 86_400_000;

export async function renewIfDue(deps: RenewDeps): Promise<RenewResult> {
  const now = deps.now?.() ?? new Date();
  const current = await deps.certificates.read();
  const decision = renewalDecision(current?.certPem, {
    names: deps.names,
    renewBeforeDays: deps.renewBeforeDays,
    now,
  });
  if (!decision.due) {
    return {
      renewed: false,
      reason: decision.reason,
      daysLeft: decision.daysLeft,
      notAfter: decision.info.notAfter.toISOString(),
      fingerprint: decision.info.fingerprint256,
      version: current?.version,
    };
  }
  const accountKeyPem = await deps.accountKey.getOrCreate(createAccountKeyPem);
  const issued = await issueCertificate({
    directoryUrl: deps.directoryUrl,
    accountKeyPem,
    names: deps.names,
    email: deps.email,
    dns: deps.dns,
    backoff: deps.backoff,
  });
  checkKeyPair(issued.certPem, issued.keyPem);
  const info = describeCertificate(issued.certPem);
  const missing = deps.names.filter((name) => !coversName(info.names, name));
  if (missing.length > 0) throw new Error(`the CA issued a certificate without ${missing.join(', ')}`);
  const version = await deps.certificates.write(issued);
  return {
    renewed: true,
    reason: decision.reason,
    daysLeft: Math.floor((info.notAfter.getTime() - now.getTime()) / DAY_MS),
    notAfter: info.notAfter.toISOString(),
    fingerprint: info.fingerprint256,
    version,
  };
}
