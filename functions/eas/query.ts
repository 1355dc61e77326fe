/**
 * The MS-ASHTTP request line: the plain query string (Cmd, User, DeviceId, DeviceType …) or its
 * base64 form (§2.2.1.1.1.1: version, command code, locale, device id, policy key, device type,
 * then tagged parameters), read into one shape. Null for anything malformed.
 */
import { COMMAND_CODES } from '../../core/eas/protocol';

export interface EasQuery {
  command: string;
  user: string | undefined;
  deviceId: string | undefined;
  deviceType: string | undefined;
  /** Only the base64 form carries these two; otherwise they come from headers. */
  protocolVersion?: string;
  policyKey?: number | null;
  /** CollectionId, ItemId, LongId, AttachmentName, Occurrence, SaveInSent, AcceptMultiPart. */
  params: Record<string, string>;
}

const PLAIN_PARAMS = ['AttachmentName', 'CollectionId', 'ItemId', 'LongId', 'Occurrence', 'SaveInSent'];
const PARAM_TAGS: Record<number, string> = {
  0: 'AttachmentName',
  1: 'CollectionId',
  3: 'ItemId',
  4: 'LongId',
  6: 'Occurrence',
  7: 'Options',
  8: 'User',
};

export function parseEasQuery(query: URLSearchParams): EasQuery | null {
  if (query.has('Cmd')) {
    const command = query.get('Cmd') ?? '';
    const params: Record<string, string> = {};
    for (const name of PLAIN_PARAMS) {
      const value = query.get(name);
      if (value !== null) params[name] = value;
    }
    return {
      command,
      user: query.get('User') ?? undefined,
      deviceId: query.get('DeviceId') ?? undefined,
      deviceType: query.get('DeviceType') ?? undefined,
      params,
    };
  }
  // The base64 form is the whole query string: URLSearchParams read it as one key (its "+" as
  // spaces, its "=" padding as the value), so it is put back together first.
  const entries = [...query.entries()];
  if (entries.length !== 1) return null;
  return parseBase64Query((entries[0][0] + entries[0][1]).replace(/ /g, '+'));
}

/** Printable ids stay as they are; binary ones (a GUID as 16 bytes) become hex. */
const idText = (bytes: Buffer) =>
  /^[\x21-\x7e]*$/.test(bytes.toString('latin1'))
    ? bytes.toString('latin1')
    : bytes.toString('hex').toUpperCase();

export function parseBase64Query(raw: string): EasQuery | null {
  const text = raw.replace(/=+$/, '');
  if (!/^[A-Za-z0-9+/]+$/.test(text)) return null;
  const b = Buffer.from(text, 'base64');
  let at = 0;
  const take = (n: number): Buffer | null => {
    if (at + n > b.length) return null;
    const out = b.subarray(at, at + n);
    at += n;
    return out;
  };
  const head = take(4);
  if (!head) return null;
  const version = head[0];
  const command = COMMAND_CODES[head[1]];
  if (!command)
    return {
      command: `#${head[1]}`,
      user: undefined,
      deviceId: undefined,
      deviceType: undefined,
      params: {},
    };
  const idLength = take(1)?.[0];
  const id = idLength === undefined ? null : take(idLength);
  const keyLength = take(1)?.[0];
  const key = keyLength === undefined ? null : take(keyLength);
  const typeLength = take(1)?.[0];
  const type = typeLength === undefined ? null : take(typeLength);
  if (!id || !key || !type || (keyLength !== 0 && keyLength !== 4)) return null;
  const params: Record<string, string> = {};
  while (at < b.length) {
    const tag = take(1)?.[0];
    const length = take(1)?.[0];
    const value = length === undefined ? null : take(length);
    if (tag === undefined || value === null) return null;
    const name = PARAM_TAGS[tag];
    if (!name) continue;
    if (name === 'Options') {
      const bits = value[0] ?? 0;
      if (bits & 0x01) params.SaveInSent = 'T';
      if (bits & 0x02) params.AcceptMultiPart = 'T';
    } else params[name] = value.toString('utf8');
  }
  const { User: user, ...rest } = params;
  const policyKey = keyLength === 4 ? key.readUInt32LE(0) : null;
  return {
    command,
    user,
    deviceId: id.length ? idText(id) : undefined,
    deviceType: type.length ? type.toString('latin1') : undefined,
    protocolVersion: `${Math.floor(version / 10)}.${version % 10}`,
    policyKey: policyKey === 0 ? null : policyKey,
    params: rest,
  };
}
