/**
 * The RFC 2919 list identifier and the loop check: a message that already carries our X-Loop or
 * our List-Id went through this list once and must not be posted again.
 */
import { findHeaderEnd, parseHeaderFields } from '../mime';

/** local.domain (the same rule as core/lists/posting/list-headers.ts listIdOf). */
export function listIdOf(address: string): string {
  return address.toLowerCase().replace('@', '.');
}

export interface HeaderView {
  all(name: string): string[];
  first(name: string): string | null;
}

export function headerView(body: Buffer): HeaderView {
  const fields = parseHeaderFields(body.subarray(0, findHeaderEnd(body, 0, body.length)));
  const all = (name: string) =>
    fields.filter((f) => f.name.toLowerCase() === name).map((f) => f.value.trim());
  return { all, first: (name) => all(name)[0] ?? null };
}

export function isLoop(headers: HeaderView, listAddress: string): boolean {
  const address = listAddress.toLowerCase();
  const id = `<${listIdOf(address)}>`;
  if (headers.all('x-loop').some((v) => v.toLowerCase().includes(address))) return true;
  return headers.all('list-id').some((v) => v.toLowerCase().includes(id));
}

/** RFC 3834: anything but Auto-Submitted: no is a robot, which commands never answer. */
export function isAutomatic(headers: HeaderView): boolean {
  const auto = headers.first('auto-submitted');
  if (auto !== null && auto.split(';')[0].trim().toLowerCase() !== 'no') return true;
  return /^(bulk|junk|list)$/i.test(headers.first('precedence') ?? '');
}
