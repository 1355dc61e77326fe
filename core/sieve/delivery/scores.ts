/**
 * The MX's scanner verdicts (X-Nimbus-Spam, X-Nimbus-Virus, written by core/security) mapped to
 * the RFC 5235 scales the spamtest/virustest tests compare against. 0 on both scales means "not
 * tested"; a sender cannot fake a verdict because the MX strips incoming X-Nimbus-* fields.
 */
import { headerValue } from '../../security/control-headers';

/**
 * spamtest: 1 = certainly not spam … 10 = certainly spam. The score is scaled by the engine's
 * threshold so that the message the scanner called spam (score = threshold) is 6, twice the
 * threshold or more is 10, and zero or a negative score is 1.
 */
export function spamTestValue(message: Buffer): number {
  const value = headerValue(message, 'X-Nimbus-Spam');
  if (!value) return 0;
  const match = /^(yes|no),\s*score=(-?\d+(?:\.\d+)?)\s+required=(-?\d+(?:\.\d+)?)/i.exec(value);
  if (!match) return 0;
  const score = Number(match[2]);
  const threshold = Number(match[3]);
  if (!Number.isFinite(score) || !Number.isFinite(threshold) || threshold <= 0)
    return match[1].toLowerCase() === 'yes' ? 10 : 1;
  if (score <= 0) return 1;
  const scaled = 1 + Math.ceil((score / threshold) * 5);
  return Math.min(10, Math.max(match[1].toLowerCase() === 'yes' ? 6 : 1, scaled));
}

/**
 * virustest (RFC 5235 §3.3): 1 = clean, 5 = infected (the scanner names a signature: no
 * "probably" band), 0 = not scanned or the scanner was unavailable.
 */
export function virusTestValue(message: Buffer): number {
  const value = headerValue(message, 'X-Nimbus-Virus');
  if (!value) return 0;
  if (/^clean\b/i.test(value)) return 1;
  if (/^infected\b/i.test(value)) return 5;
  return 0;
}
