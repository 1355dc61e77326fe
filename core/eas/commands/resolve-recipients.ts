/**
 * ResolveRecipients (MS-ASCMD §2.2.1.15): each To (an address or a name) against the domain's GAL
 * (Type 1) and the user's contacts (Type 2): Status 1 one match, 2 ambiguous (all suggestions
 * shown), 3 ambiguous and cut to MaxAmbiguousRecipients, 4 nobody. Availability gives the merged
 * free/busy of same-domain accounts from their calendars; certificates are never held here, so a
 * certificate request is answered Certificates Status 7 (no valid certificate), count 0.
 */
import { reply, type EasCommand, type EasRequest, type EasResponse } from '../command';
import { pageOf } from '../wbxml/code-pages';
import { child, childrenNamed, el, textAt, type EasElement } from '../wbxml/tree';
import { candidatesFor, mergedFreeBusy, type Candidate } from './resolve-recipients-lookup';

const R = 'ResolveRecipients';
const PAGE = pageOf(R)!;
export const ResolveStatus = { Success: 1, Ambiguous: 2, AmbiguousPartial: 3, NotResolved: 4 } as const;
const TopStatus = { Success: 1, ProtocolError: 5, ServerError: 6 } as const;
const AvailabilityStatus = { Success: 1, TooManyRecipients: 160, NotAvailable: 162 } as const;
/** To elements per request, and with Availability (MS-ASCMD §2.2.3.183.2: at most 100). */
export const LIMITS = { maxTo: 100, maxAmbiguousDefault: 20, maxWindowDays: 42 };

const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;
const dateTime = (s: string | undefined) => (s && DATE_TIME.test(s) ? new Date(s) : null);

interface Options {
  certificates: boolean;
  maxAmbiguous: number;
  window: { start: Date; end: Date } | null;
}

function readOptions(options: EasElement | undefined): Options | null {
  const retrieval = textAt(options, 'CertificateRetrieval');
  if (retrieval !== undefined && !/^[123]$/.test(retrieval)) return null;
  const max = textAt(options, 'MaxAmbiguousRecipients');
  if (max !== undefined && !/^[0-9]{1,4}$/.test(max)) return null;
  const availability = child(options, 'Availability', PAGE);
  let window: Options['window'] = null;
  if (availability) {
    const start = dateTime(textAt(availability, 'StartTime'));
    const end = dateTime(textAt(availability, 'EndTime'));
    if (!start || !end || start >= end) return null;
    if (end.getTime() - start.getTime() > LIMITS.maxWindowDays * 86_400_000) return null;
    window = { start, end };
  }
  return {
    certificates: retrieval === '2' || retrieval === '3',
    maxAmbiguous: max !== undefined ? Number(max) : LIMITS.maxAmbiguousDefault,
    window,
  };
}

async function recipient(
  request: EasRequest,
  c: Candidate,
  options: Options,
  single: boolean,
): Promise<EasElement> {
  let availability: EasElement | null = null;
  if (options.window && single) {
    const merged = await mergedFreeBusy(
      request.deps,
      request.account.address,
      c.emailAddress,
      options.window,
    );
    availability =
      merged === null
        ? el(R, 'Availability', el(R, 'Status', AvailabilityStatus.NotAvailable))
        : el(R, 'Availability', el(R, 'Status', AvailabilityStatus.Success), el(R, 'MergedFreeBusy', merged));
  }
  return el(
    R,
    'Recipient',
    el(R, 'Type', c.type),
    el(R, 'DisplayName', c.displayName),
    el(R, 'EmailAddress', c.emailAddress),
    availability,
    options.certificates && el(R, 'Certificates', el(R, 'Status', 7), el(R, 'CertificateCount', 0)),
  );
}

async function handle(request: EasRequest): Promise<EasResponse> {
  const body = request.body;
  const top = (status: number, ...content: EasElement[]) =>
    reply(el(R, R, el(R, 'Status', status), ...content));
  if (!body || body.page !== PAGE || body.name !== R) return top(TopStatus.ProtocolError);
  const tos = childrenNamed(body, 'To').map((t) => t.text?.trim() ?? '');
  const options = readOptions(child(body, 'Options', PAGE));
  if (tos.length === 0 || tos.some((t) => !t || t.length > 256) || !options)
    return top(TopStatus.ProtocolError);
  if (tos.length > (request.deps.limits?.maxResolveRecipients ?? LIMITS.maxTo))
    return top(TopStatus.ProtocolError);
  const responses: EasElement[] = [];
  for (const to of tos) {
    const found = await candidatesFor(request.deps, request.account, to);
    const status =
      found.length === 0
        ? ResolveStatus.NotResolved
        : found.length === 1
          ? ResolveStatus.Success
          : found.length > options.maxAmbiguous
            ? ResolveStatus.AmbiguousPartial
            : ResolveStatus.Ambiguous;
    const shown = found.length === 1 ? found : found.slice(0, options.maxAmbiguous);
    const single = status === ResolveStatus.Success;
    const recipients: EasElement[] = [];
    // Ambiguous names get suggestions only: no certificates, no free/busy (§2.2.3.177.12).
    for (const c of shown)
      recipients.push(
        await recipient(request, c, single ? options : { ...options, certificates: false }, single),
      );
    responses.push(
      el(
        R,
        'Response',
        el(R, 'To', to),
        el(R, 'Status', status),
        el(R, 'RecipientCount', found.length),
        ...recipients,
      ),
    );
  }
  return top(TopStatus.Success, ...responses);
}

export const resolveRecipientsCommand: EasCommand = {
  name: R,
  root: { namespace: R, name: R },
  needsPolicy: true,
  handle,
};
