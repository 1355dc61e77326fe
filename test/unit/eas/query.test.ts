import fc from 'fast-check';
import { parseBase64Query, parseEasQuery } from '../../../functions/eas/query';

/** The MS-ASHTTP query string in both forms (plain, base64). */
const SEED = 1516;

function base64Query(): string {
  const id = Buffer.from('ApplDEVICE1');
  const type = Buffer.from('iPhone');
  const user = Buffer.from('bob@example.org');
  const key = Buffer.alloc(4);
  key.writeUInt32LE(3_000_000_062, 0); // chosen so the text has a "+" and "=="
  const bytes = Buffer.concat([
    Buffer.from([161, 9, 0x09, 0x04, id.length]),
    id,
    Buffer.from([4]),
    key,
    Buffer.from([type.length]),
    type,
    Buffer.from([1, 2]),
    Buffer.from('m1'),
    Buffer.from([7, 1, 0x03]),
    Buffer.from([8, user.length]),
    user,
  ]);
  return bytes.toString('base64');
}

describe('ActiveSync query string', () => {
  it('reads the plain form', () => {
    const q = parseEasQuery(
      new URLSearchParams('Cmd=FolderSync&User=alice&DeviceId=D1&DeviceType=iPhone&CollectionId=m1'),
    );
    expect(q).toEqual({
      command: 'FolderSync',
      user: 'alice',
      deviceId: 'D1',
      deviceType: 'iPhone',
      params: { CollectionId: 'm1' },
    });
  });

  it('reads the base64 form, "+" and "=" included, as URLSearchParams leaves them', () => {
    const raw = base64Query();
    expect(raw).toMatch(/\+.*==$/);
    const expected = {
      command: 'FolderSync',
      user: 'bob@example.org',
      deviceId: 'ApplDEVICE1',
      deviceType: 'iPhone',
      protocolVersion: '16.1',
      policyKey: 3_000_000_062,
      params: { CollectionId: 'm1', SaveInSent: 'T', AcceptMultiPart: 'T' },
    };
    expect(parseBase64Query(raw)).toEqual(expected);
    expect(parseEasQuery(new URLSearchParams(raw))).toEqual(expected);
    expect(parseEasQuery(new URLSearchParams(encodeURIComponent(raw)))).toEqual(expected);
  });

  it('turns a binary device id into hex, and refuses truncated input', () => {
    const bytes = Buffer.from([140, 20, 0, 0, 2, 0x00, 0xff, 0, 1, 0x41]);
    expect(parseBase64Query(bytes.toString('base64'))).toMatchObject({
      command: 'Provision',
      deviceId: '00FF',
      policyKey: null,
      protocolVersion: '14.0',
    });
    expect(parseBase64Query(bytes.subarray(0, 7).toString('base64'))).toBeNull();
  });

  it('never throws on arbitrary query strings', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.uint8Array({ maxLength: 80 }).map((a) => Buffer.from(a).toString('base64')),
        ),
        (s) => {
          parseBase64Query(s);
          parseEasQuery(new URLSearchParams(s));
        },
      ),
      { seed: SEED, numRuns: 3000 },
    );
  });
});
