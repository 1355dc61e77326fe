/**
 * Rules → Sieve (RFC 5228 with fileinto, copy RFC 3894, imap4flags RFC 5232, reject RFC 5429).
 * Each rule is preceded by a `# rule: {json}` marker so read.ts can give the editor its rules
 * back; the output is deterministic, which is how a hand edit is recognised (regenerating from
 * the markers no longer gives the same text).
 */
import type { Action, Condition, Rule } from './model';

export const RULES_HEADER =
  '# Nimbus webmail rules. Made by the webmail rules editor: a hand edit turns this into a raw script.';
export const RULE_MARKER = '# rule: ';
/** The header delivery adds with the spam verdict (core/security/inbound-security.ts). */
export const SPAM_HEADER = 'X-Nimbus-Spam';

/** A Sieve quoted-string: only '"' and '\' need escaping. */
export const quote = (s: string): string => `"${s.replace(/[\\"]/g, (c) => '\\' + c)}"`;

function test(c: Condition): string {
  switch (c.type) {
    case 'header':
      return `${c.not ? 'not ' : ''}header :${c.match} ${quote(c.header)} ${quote(c.value)}`;
    case 'size':
      return `size :${c.comparator} ${c.bytes}`;
    case 'spam':
      return `${c.isSpam ? '' : 'not '}header :matches ${quote(SPAM_HEADER)} "Yes*"`;
  }
}

function command(a: Action): string {
  switch (a.type) {
    case 'fileinto':
      return `fileinto ${a.copy ? ':copy ' : ''}${quote(a.folder)};`;
    case 'flag':
      return `addflag ${quote(a.flag)};`;
    case 'redirect':
      return `redirect ${a.copy ? ':copy ' : ''}${quote(a.address)};`;
    case 'reject':
      return `reject ${quote(a.reason)};`;
    case 'discard':
      return 'discard;';
    case 'stop':
      return 'stop;';
  }
}

function condition(rule: Rule): string {
  const tests = rule.conditions.map(test);
  if (tests.length === 0) return 'true';
  if (tests.length === 1) return tests[0];
  return `${rule.match === 'any' ? 'anyof' : 'allof'} (${tests.join(', ')})`;
}

/** The extensions the enabled rules use, in a fixed order. */
function extensions(rules: Rule[]): string[] {
  const actions = rules.filter((r) => r.enabled).flatMap((r) => r.actions);
  const out: string[] = [];
  if (actions.some((a) => a.type === 'fileinto')) out.push('fileinto');
  if (actions.some((a) => (a.type === 'fileinto' || a.type === 'redirect') && a.copy)) out.push('copy');
  if (actions.some((a) => a.type === 'flag')) out.push('imap4flags');
  if (actions.some((a) => a.type === 'reject')) out.push('reject');
  return out;
}

/** The script for these rules (already checked by parseRules). Disabled rules are markers only. */
export function rulesToSieve(rules: Rule[]): string {
  const lines = [RULES_HEADER];
  const req = extensions(rules);
  if (req.length > 0) lines.push(`require [${req.map(quote).join(', ')}];`);
  for (const rule of rules) {
    lines.push('', RULE_MARKER + JSON.stringify(rule));
    if (!rule.enabled) {
      lines.push('# (disabled)');
      continue;
    }
    lines.push(`if ${condition(rule)} {`, ...rule.actions.map((a) => '  ' + command(a)), '}');
  }
  return lines.join('\n') + '\n';
}
