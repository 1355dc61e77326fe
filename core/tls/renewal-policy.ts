/** When the ACME job must order a new certificate: pure, from the stored PEM and the clock. */
import { coversName, describeCertificate, type CertificateInfo } from './certificate-info';

export interface RenewalPolicy {
  /** Names the certificate must carry (the first is its subject). */
  names: readonly string[];
  /** Renew when fewer days than this remain (Let's Encrypt advises renewing at 30 of 90 days). */
  renewBeforeDays: number;
  now: Date;
}

export type RenewalDecision =
  | { due: false; reason: string; daysLeft: number; info: CertificateInfo }
  | { due: true; reason: string; daysLeft?: number; info?: CertificateInfo };

const DAY_MS = 86_400_000;

export function renewalDecision(certPem: string | undefined, policy: RenewalPolicy): RenewalDecision {
  if (!certPem) return { due: true, reason: 'no certificate stored yet' };
  let info: CertificateInfo;
  try {
    info = describeCertificate(certPem);
  } catch (error) {
    return { due: true, reason: `the stored certificate is unreadable (${(error as Error).message})` };
  }
  const daysLeft = Math.floor((info.notAfter.getTime() - policy.now.getTime()) / DAY_MS);
  if (info.selfSigned) return { due: true, reason: 'the stored certificate is self-signed', daysLeft, info };
  const missing = policy.names.filter((name) => !coversName(info.names, name));
  if (missing.length > 0) {
    return { due: true, reason: `the stored certificate lacks ${missing.join(', ')}`, daysLeft, info };
  }
  if (daysLeft < policy.renewBeforeDays) {
    return { due: true, reason: `the stored certificate expires in ${daysLeft} days`, daysLeft, info };
  }
  return { due: false, reason: `valid for ${daysLeft} more days`, daysLeft, info };
}
