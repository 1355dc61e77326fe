/** calendar-multiget (RFC 4791 §7.9) and addressbook-multiget (RFC 6352 §8.7): the objects named by DAV:href. */
import type { Element } from '@xmldom/xmldom';
import { directoryCards } from '../../core/pim/directory-book';
import type { DavContext } from './context';
import { self } from './members';
import { multistatus, propRequest, propstatsFor, responseWithProps, responseWithStatus } from './multistatus';
import { parseDavPath } from './paths';
import { resolve } from './resource';
import { dataFor, dataRequest } from './report-data';
import { children, DavError, NS, textOf } from './xml';

const MAX_HREFS = 1000;

export async function multiget(dav: DavContext, report: Element): Promise<string> {
  const hrefs = children(report, NS.dav, 'href').map((h) => textOf(h).trim());
  if (hrefs.length > MAX_HREFS) throw new DavError(403, `at most ${MAX_HREFS} hrefs`);
  const request = propRequest(report);
  const data = dataRequest(report);
  const cards = hrefs.some((h) => h.includes('/directory/'))
    ? await directoryCards(dav.store.db, dav.user.domain)
    : [];
  const responses: string[] = [];
  for (const raw of hrefs) {
    let path: string;
    try {
      path = new URL(raw, 'http://x').pathname;
    } catch {
      responses.push(responseWithStatus(raw, 404));
      continue;
    }
    const parsed = (() => {
      try {
        return parseDavPath(path);
      } catch {
        return null;
      }
    })();
    const resource = parsed ? await resolve(dav, parsed).catch(() => null) : null;
    if (resource?.type === 'object') {
      const listed = (await self(dav, resource, path))!;
      const o = resource.object;
      responses.push(
        responseWithProps(
          listed.path,
          await propstatsFor(
            dav,
            listed.node,
            request,
            o.deadProps,
            dataFor(data, o.contentType, o.data, {
              timezone: resource.collection.timezone,
              maxInstances: dav.store.limits.maxInstances,
            }),
          ),
        ),
      );
    } else if (resource?.type === 'directory-card') {
      const card = cards.find((c) => c.name === resource.name);
      if (!card) responses.push(responseWithStatus(path, 404));
      else
        responses.push(
          responseWithProps(
            path,
            await propstatsFor(
              dav,
              { type: 'card', card },
              request,
              {},
              dataFor(data, 'text/vcard', card.data),
            ),
          ),
        );
    } else responses.push(responseWithStatus(path, 404));
  }
  return multistatus(responses);
}
