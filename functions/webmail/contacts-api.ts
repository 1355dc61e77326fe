/**
 * The webmail's address book API (JSON under /webmail/api/contacts, session cookie + CSRF): list
 * and search, create, edit and delete in the user's address books (vCard through the PimStore, so
 * CardDAV and ActiveSync clients see the changes), and completion for compose: the user's
 * contacts, then the domain's directory (the global address book), by prefix, bounded.
 */
import { directoryCards } from '../../core/pim/directory-book';
import type { PimStore, StoredCollection } from '../../core/pim/pim-store';
import { parseVcard } from '../../core/pim/vcard';
import type { WebContext } from '../web/context';
import { jsonResponse, type Router, type WebRequest } from '../web/types';
import {
  contactView,
  editCard,
  matchesPrefix,
  newCard,
  parseContactInput,
  type ContactView,
} from './contacts-vcard';
import { fail, guarded, jsonBody, pimStore, sessionUser, text, type SessionUser } from './pim-session';

export const CONTACTS_LIMITS = { maxListed: 1000, defaultCompletions: 10, maxCompletions: 50, maxQuery: 100 };

async function books(store: PimStore, user: SessionUser): Promise<StoredCollection[]> {
  return (await store.collections(user.id, 'addressbooks')).filter((c) => c.kind === 'addressbook');
}

/** The session's own address book by name; any other (another account's, a missing one) is 404. */
async function book(store: PimStore, user: SessionUser, name: string): Promise<StoredCollection> {
  return (await books(store, user)).find((c) => c.name === name) ?? fail(404, 'no such address book');
}

async function located(store: PimStore, user: SessionUser, request: WebRequest) {
  const collection = await book(store, user, request.params?.book ?? '');
  const object = await store.objects.get(collection.id, request.params?.name ?? '');
  if (!object) return fail(404, 'no such contact');
  return { collection, object };
}

async function allContacts(store: PimStore, user: SessionUser): Promise<ContactView[]> {
  const out: ContactView[] = [];
  for (const c of await books(store, user)) {
    for (const o of await store.objects.list(c.id)) {
      const view = contactView(c.name, o);
      if (view) out.push(view);
    }
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

function query(request: WebRequest): string {
  const q = (request.query.get('q') ?? '').trim();
  if (q.length > CONTACTS_LIMITS.maxQuery)
    fail(400, `a search is at most ${CONTACTS_LIMITS.maxQuery} characters`);
  return q;
}

function checkEtag(request: WebRequest, etag: string): void {
  const given = request.headers['if-match'];
  if (given && given !== etag) fail(412, 'the contact was changed meanwhile; reload it');
}

export function addContactsRoutes(router: Router, ctx: WebContext): void {
  const store = () => pimStore(ctx);

  router.add(
    'GET',
    '/webmail/api/contacts',
    guarded(async (request) => {
      const user = await sessionUser(ctx, request);
      const q = query(request).toLowerCase();
      const all = await allContacts(store(), user);
      const found = q
        ? all.filter((c) =>
            [c.name, c.org, ...c.emails, ...c.phones].some((v) => v.toLowerCase().includes(q)),
          )
        : all;
      return jsonResponse(200, {
        contacts: found.slice(0, CONTACTS_LIMITS.maxListed),
        truncated: found.length > CONTACTS_LIMITS.maxListed,
      });
    }),
  );

  router.add(
    'GET',
    '/webmail/api/contacts/complete',
    guarded(async (request) => {
      const user = await sessionUser(ctx, request);
      const q = query(request);
      const limitText = request.query.get('limit');
      const limit = limitText === null ? CONTACTS_LIMITS.defaultCompletions : Number(limitText);
      if (!Number.isInteger(limit) || limit < 1 || limit > CONTACTS_LIMITS.maxCompletions)
        fail(400, `limit must be 1 to ${CONTACTS_LIMITS.maxCompletions}`);
      if (!q) return jsonResponse(200, { results: [] });
      const results: { name: string; email: string; source: 'contact' | 'directory' }[] = [];
      const seen = new Set<string>();
      const add = (name: string, email: string, source: 'contact' | 'directory') => {
        const key = email.toLowerCase();
        if (results.length >= limit || seen.has(key) || !matchesPrefix(q, name, email)) return;
        seen.add(key);
        results.push({ name, email, source });
      };
      for (const c of await allContacts(store(), user)) for (const e of c.emails) add(c.name, e, 'contact');
      const needle = q.toLowerCase();
      for (const card of await directoryCards(ctx.db, user.domain)) {
        if (results.length >= limit) break;
        if (!card.data.toLowerCase().includes(needle)) continue;
        const parsed = parseVcard(card.data).properties;
        const name = parsed.find((p) => p.name === 'FN')?.value ?? '';
        const email = parsed.find((p) => p.name === 'EMAIL')?.value ?? '';
        if (email) add(name, email, 'directory');
      }
      return jsonResponse(200, { results });
    }),
  );

  router.add(
    'POST',
    '/webmail/api/contacts',
    guarded(async (request) => {
      const user = await sessionUser(ctx, request);
      const body = jsonBody(ctx, request);
      const input = parseContactInput(body);
      const collection = await book(store(), user, text(body.book, 'book', 200) || 'contacts');
      const { uid, data } = newCard(input);
      const name = `${uid.slice('urn:uuid:'.length)}.vcf`;
      const { object } = await store().objects.put(
        collection,
        { name, data, contentType: 'text/vcard', uid },
        { ifNoneMatch: '*' },
      );
      return jsonResponse(201, contactView(collection.name, object));
    }),
  );

  router.add(
    'PUT',
    '/webmail/api/contacts/:book/:name',
    guarded(async (request) => {
      const user = await sessionUser(ctx, request);
      const input = parseContactInput(jsonBody(ctx, request));
      const { collection, object } = await located(store(), user, request);
      checkEtag(request, object.etag);
      const data = editCard(object.data, input);
      const { object: saved } = await store().objects.put(
        collection,
        { name: object.name, data, contentType: 'text/vcard', uid: object.uid },
        { ifMatch: [object.etag] },
      );
      return jsonResponse(200, contactView(collection.name, saved));
    }),
  );

  router.add(
    'DELETE',
    '/webmail/api/contacts/:book/:name',
    guarded(async (request) => {
      const user = await sessionUser(ctx, request);
      const { collection, object } = await located(store(), user, request);
      checkEtag(request, object.etag);
      await store().objects.delete(collection, object.name, { ifMatch: [object.etag] });
      return jsonResponse(200, { deleted: true });
    }),
  );
}
