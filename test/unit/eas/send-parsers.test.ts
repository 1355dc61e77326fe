/**
 * The request parsers of SendMail/SmartReply/SmartForward and MeetingResponse (core/eas/send):
 * what the device sends is network input, so arbitrary trees and bytes must come back as a Status,
 * never an exception; well-formed requests survive the WBXML codec and parse to what was sent.
 */
import fc from 'fast-check';
import { parseComposeRequest, type ComposeCommand } from '../../../core/eas/send/compose-request';
import { parseInstanceId, parseMeetingResponse } from '../../../core/eas/send/meeting-request';
import { parseMailItemId, sourceItem } from '../../../core/eas/send/original';
import { decodeWbxml } from '../../../core/eas/wbxml/decoder';
import { encodeWbxml } from '../../../core/eas/wbxml/encoder';
import { WbxmlError } from '../../../core/eas/wbxml/errors';
import { el, type EasElement } from '../../../core/eas/wbxml/tree';

const COMMANDS: ComposeCommand[] = ['SendMail', 'SmartReply', 'SmartForward'];
const COMPOSE_TAGS = [
  'ClientId',
  'SaveInSentItems',
  'ReplaceMime',
  'Mime',
  'Source',
  'FolderId',
  'ItemId',
  'LongId',
  'InstanceId',
  'Status',
  'AccountId',
];
const MEETING_TAGS = [
  'Request',
  'UserResponse',
  'CollectionId',
  'RequestId',
  'InstanceId',
  'SendResponse',
  'Result',
  'Status',
];

/** Random trees of real tags of one page, with text, opaque bytes or children. */
function tree(namespace: string, tags: string[], depth: number): fc.Arbitrary<EasElement> {
  const leaf = fc
    .tuple(fc.constantFrom(...tags), fc.oneof(fc.string({ maxLength: 50 }), fc.uint8Array({ maxLength: 40 })))
    .map(([name, content]) =>
      el(namespace, name, typeof content === 'string' ? content : Buffer.from(content)),
    );
  if (depth === 0) return leaf;
  return fc.oneof(
    leaf,
    fc
      .tuple(fc.constantFrom(...tags), fc.array(tree(namespace, tags, depth - 1), { maxLength: 5 }))
      .map(([name, children]) => el(namespace, name, ...children)),
  );
}

describe('parseComposeRequest', () => {
  it('never throws on arbitrary trees and answers a ComposeMail status', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...COMMANDS),
        fc.array(tree('ComposeMail', COMPOSE_TAGS, 2), { maxLength: 8 }),
        fc.constantFrom(...COMMANDS),
        (command, children, rootName) => {
          const parsed = parseComposeRequest(command, el('ComposeMail', rootName, ...children));
          if ('status' in parsed) expect([101, 103, 107]).toContain(parsed.status);
          else {
            expect(parsed.command).toBe(command);
            expect(parsed.mime.length).toBeGreaterThan(0);
            expect(parsed.clientId).toMatch(/^[\x21-\x7e]{1,40}$/);
            if (command !== 'SendMail') expect(parsed.source?.itemId ?? parsed.source?.longId).toBeTruthy();
          }
        },
      ),
    );
  });

  it('reads a request after the WBXML round trip, Mime as opaque bytes or as text', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...COMMANDS),
        fc.stringMatching(/^[A-Za-z0-9-]{1,40}$/),
        fc.uint8Array({ minLength: 1, maxLength: 300 }),
        fc.boolean(),
        fc.boolean(),
        fc.tuple(fc.integer({ min: 1, max: 1e6 }), fc.integer({ min: 1, max: 1e6 })),
        (command, clientId, bytes, save, replace, [mailbox, uid]) => {
          const body = el(
            'ComposeMail',
            command,
            el('ComposeMail', 'ClientId', clientId),
            save && el('ComposeMail', 'SaveInSentItems'),
            replace && el('ComposeMail', 'ReplaceMime'),
            command !== 'SendMail' &&
              el(
                'ComposeMail',
                'Source',
                el('ComposeMail', 'FolderId', `m${mailbox}`),
                el('ComposeMail', 'ItemId', `m${mailbox}:${uid}`),
              ),
            el('ComposeMail', 'Mime', Buffer.from(bytes)),
          );
          const parsed = parseComposeRequest(command, decodeWbxml(encodeWbxml(body)));
          expect(parsed).toMatchObject({ command, clientId, saveInSentItems: save, replaceMime: replace });
          if ('status' in parsed) return;
          expect(parsed.mime.equals(Buffer.from(bytes))).toBe(true);
          if (command !== 'SendMail') expect(sourceItem(parsed.source!)).toEqual({ mailboxId: mailbox, uid });
        },
      ),
    );
    const text = parseComposeRequest(
      'SendMail',
      el(
        'ComposeMail',
        'SendMail',
        el('ComposeMail', 'ClientId', 'x1'),
        el('ComposeMail', 'Mime', 'To: a@b.c\r\n\r\nhi'),
      ),
    );
    expect('status' in text ? null : text.mime.toString()).toBe('To: a@b.c\r\n\r\nhi');
  });

  it('refuses what is missing or malformed with the right status', () => {
    const mime = el('ComposeMail', 'Mime', Buffer.from('To: a@b.c\r\n\r\nx'));
    const id = el('ComposeMail', 'ClientId', 'c1');
    expect(parseComposeRequest('SendMail', null)).toEqual({ status: 103 });
    expect(parseComposeRequest('SendMail', el('FolderHierarchy', 'FolderSync'))).toEqual({ status: 103 });
    expect(parseComposeRequest('SendMail', el('ComposeMail', 'SendMail', mime))).toEqual({ status: 101 });
    expect(
      parseComposeRequest(
        'SendMail',
        el('ComposeMail', 'SendMail', el('ComposeMail', 'ClientId', 'x'.repeat(41)), mime),
      ),
    ).toEqual({ status: 101 });
    expect(parseComposeRequest('SendMail', el('ComposeMail', 'SendMail', id))).toEqual({ status: 107 });
    expect(parseComposeRequest('SmartReply', el('ComposeMail', 'SmartReply', id, mime))).toEqual({
      status: 101,
    });
    expect(
      parseComposeRequest(
        'SmartReply',
        el(
          'ComposeMail',
          'SmartReply',
          id,
          el('ComposeMail', 'Source', el('ComposeMail', 'FolderId', 'm1')),
          mime,
        ),
      ),
    ).toEqual({ status: 101 });
  });

  it('decodes arbitrary bytes to a WbxmlError or a tree the parser answers', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.constantFrom(...COMMANDS), (bytes, command) => {
        let body: EasElement;
        try {
          body = decodeWbxml(
            Buffer.concat([Buffer.from([0x03, 0x01, 0x6a, 0x00, 0x00, 0x15]), Buffer.from(bytes)]),
          );
        } catch (error) {
          expect(error).toBeInstanceOf(WbxmlError);
          return;
        }
        const parsed = parseComposeRequest(command, body);
        expect(typeof parsed).toBe('object');
      }),
    );
  });
});

describe('Source item ids', () => {
  it('parses only m<mailbox>:<uid> and checks the folder against the item', () => {
    expect(parseMailItemId('m12:345')).toEqual({ mailboxId: 12, uid: 345 });
    for (const bad of [
      'm0:1',
      'm1:0',
      'c1:2',
      'm1',
      'm1:2:3',
      'm01:2',
      ' m1:2',
      'm1:2 ',
      'm99999999999999999:1',
    ])
      expect(parseMailItemId(bad)).toBeNull();
    expect(sourceItem({ folderId: 'm12', itemId: 'm12:3' })).toEqual({ mailboxId: 12, uid: 3 });
    expect(sourceItem({ folderId: 'm13', itemId: 'm12:3' })).toBeNull();
    expect(sourceItem({ longId: 'm12:3' })).toEqual({ mailboxId: 12, uid: 3 });
    fc.assert(fc.property(fc.string(), (s) => expect(() => parseMailItemId(s)).not.toThrow()));
  });
});

describe('parseMeetingResponse', () => {
  it('never throws on arbitrary trees; every answer is valid or marked invalid', () => {
    fc.assert(
      fc.property(fc.array(tree('MeetingResponse', MEETING_TAGS, 2), { maxLength: 8 }), (children) => {
        const answers = parseMeetingResponse(el('MeetingResponse', 'MeetingResponse', ...children));
        if (answers === null) return;
        for (const a of answers) {
          if ('invalid' in a) continue;
          expect(['ACCEPTED', 'TENTATIVE', 'DECLINED']).toContain(a.partstat);
          expect(a.requestId).toMatch(/^[\x21-\x7e]{1,128}$/);
        }
      }),
    );
  });

  it('reads UserResponse, the ids, InstanceId and SendResponse after the WBXML round trip', () => {
    const body = el(
      'MeetingResponse',
      'MeetingResponse',
      el(
        'MeetingResponse',
        'Request',
        el('MeetingResponse', 'UserResponse', '2'),
        el('MeetingResponse', 'CollectionId', 'm4'),
        el('MeetingResponse', 'RequestId', 'm4:9'),
        el('MeetingResponse', 'InstanceId', '2026-12-17T10:00:00.000Z'),
        el('MeetingResponse', 'SendResponse'),
      ),
      el(
        'MeetingResponse',
        'Request',
        el('MeetingResponse', 'UserResponse', '3'),
        el('Search', 'LongId', 'c2:5'),
      ),
      el(
        'MeetingResponse',
        'Request',
        el('MeetingResponse', 'UserResponse', '4'),
        el('MeetingResponse', 'RequestId', 'c2:5'),
      ),
    );
    expect(parseMeetingResponse(decodeWbxml(encodeWbxml(body)))).toEqual([
      {
        partstat: 'TENTATIVE',
        collectionId: 'm4',
        requestId: 'm4:9',
        instanceId: new Date('2026-12-17T10:00:00.000Z'),
        sendResponse: true,
        echo: { name: 'RequestId', value: 'm4:9' },
      },
      {
        partstat: 'DECLINED',
        requestId: 'c2:5',
        sendResponse: false,
        echo: { name: 'LongId', value: 'c2:5' },
      },
      { invalid: true, echo: { name: 'RequestId', value: 'c2:5' } },
    ]);
    expect(parseMeetingResponse(el('MeetingResponse', 'MeetingResponse'))).toBeNull();
    expect(parseMeetingResponse(el('ComposeMail', 'SendMail'))).toBeNull();
  });

  it('parses InstanceId in both forms and nothing else', () => {
    expect(parseInstanceId('20261217T100000Z')?.toISOString()).toBe('2026-12-17T10:00:00.000Z');
    expect(parseInstanceId('2026-12-17T10:00:00Z')?.toISOString()).toBe('2026-12-17T10:00:00.000Z');
    for (const bad of ['', '2026-13-40T10:00:00Z', '2026-12-17', 'tomorrow', '2026-12-17T10:00:00+01:00'])
      expect(parseInstanceId(bad)).toBeNull();
    fc.assert(fc.property(fc.string(), (s) => expect(() => parseInstanceId(s)).not.toThrow()));
  });
});
