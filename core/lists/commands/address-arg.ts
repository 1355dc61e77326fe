/** The address a command acts on: its argument (optionally address=…) or the sender. */
import type { ListCommand } from './context';

const ADDRESS =
  /^[^\s@<>()",;:\\[\]]{1,64}@[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/i;

export function isAddress(text: string): boolean {
  return text.length <= 254 && ADDRESS.test(text);
}

export function addressArg(command: ListCommand, sender: string): string | null {
  const raw = command.args[0]?.replace(/^address=/i, '').replace(/^<|>$/g, '');
  if (raw === undefined) return sender;
  return isAddress(raw) ? raw.toLowerCase() : null;
}
