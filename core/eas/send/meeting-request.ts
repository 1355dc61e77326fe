/**
 * The MeetingResponse request (MS-ASCMD §2.2.1.11): one or more Request elements, each with
 * UserResponse (1 accepted, 2 tentative, 3 declined), the item by CollectionId + RequestId (the
 * meeting request mail or the calendar item) or by search:LongId, an InstanceId for one
 * occurrence, and in 16.x SendResponse (present: tell the organizer). Parsing only.
 */
import { pageOf } from '../wbxml/code-pages';
import { child, childrenNamed, type EasElement } from '../wbxml/tree';

export type Partstat = 'ACCEPTED' | 'TENTATIVE' | 'DECLINED';

export interface MeetingAnswer {
  partstat: Partstat;
  collectionId?: string;
  requestId: string;
  /** The occurrence answered (its start as UTC), when not the whole series. */
  instanceId?: Date;
  /** Present in the request (16.x): send the REPLY to the organizer. */
  sendResponse: boolean;
  /** Echoed in the Result: RequestId, or LongId when the item came from Search. */
  echo: { name: 'RequestId' | 'LongId'; value: string };
}

/** A Request that cannot be answered: its Result carries Status 2 (invalid meeting request). */
export interface InvalidAnswer {
  invalid: true;
  echo?: { name: 'RequestId' | 'LongId'; value: string };
}

const PARTSTAT: Record<string, Partstat> = { '1': 'ACCEPTED', '2': 'TENTATIVE', '3': 'DECLINED' };
const ID = /^[\x21-\x7e]{1,128}$/;
const PAGE = pageOf('MeetingResponse');
/** Upper bound on Request elements in one command. */
export const MAX_MEETING_REQUESTS = 50;

/** "2009-12-10T17:30:00.000Z" (also the compact 20091210T173000Z form) → a Date, or null. */
export function parseInstanceId(text: string): Date | null {
  const compact = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  const iso = compact
    ? `${compact[1]}-${compact[2]}-${compact[3]}T${compact[4]}:${compact[5]}:${compact[6]}Z`
    : text;
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/.test(iso)) return null;
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? null : date;
}

function answer(request: EasElement): MeetingAnswer | InvalidAnswer {
  const text = (name: string) => child(request, name)?.text?.trim();
  const requestId = text('RequestId');
  const longId = request.children.find((c) => c.name === 'LongId')?.text?.trim();
  const id = requestId ?? longId;
  const echo =
    id !== undefined
      ? { name: requestId !== undefined ? ('RequestId' as const) : ('LongId' as const), value: id }
      : undefined;
  const partstat = PARTSTAT[text('UserResponse') ?? ''];
  const collectionId = text('CollectionId');
  if (!partstat || !id || !ID.test(id) || (collectionId !== undefined && !ID.test(collectionId)))
    return { invalid: true, echo: echo && ID.test(echo.value) ? echo : undefined };
  const out: MeetingAnswer = {
    partstat,
    requestId: id,
    sendResponse: child(request, 'SendResponse') !== undefined,
    echo: echo!,
  };
  if (collectionId !== undefined) out.collectionId = collectionId;
  const instance = text('InstanceId');
  if (instance !== undefined) {
    const date = parseInstanceId(instance);
    if (!date) return { invalid: true, echo };
    out.instanceId = date;
  }
  return out;
}

/** The answers, or null when the body is not a MeetingResponse request at all. */
export function parseMeetingResponse(body: EasElement | null): (MeetingAnswer | InvalidAnswer)[] | null {
  if (!body || body.name !== 'MeetingResponse' || body.page !== PAGE) return null;
  const requests = childrenNamed(body, 'Request');
  if (requests.length === 0 || requests.length > MAX_MEETING_REQUESTS) return null;
  return requests.map(answer);
}
