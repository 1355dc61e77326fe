/**
 * An Exchange ActiveSync client for the tests, built on our WBXML codec and speaking real HTTP
 * to a node: Autodiscover (MobileSync), OPTIONS, the two-step Provision, FolderSync and any
 * other command. Every response body it receives is kept (`seen`) so suites can also decode
 * them with libwbxml's wbxml2xml and compare.
 */
import { COMMAND_CODES } from '../../core/eas/protocol';
import { decodeWbxml } from '../../core/eas/wbxml/decoder';
import { encodeWbxml } from '../../core/eas/wbxml/encoder';
import { child, childrenNamed, el, textAt, type EasElement } from '../../core/eas/wbxml/tree';
import type { SyncRequest, SyncResult } from './eas-sync-types';

export type { SyncItem, SyncRequest, SyncResult } from './eas-sync-types';

export interface EasProfile {
  deviceId: string;
  deviceType: string;
  version: string;
  userAgent: string;
}

/** An iPhone on iOS 17 (the first-sync profile). */
export const IPHONE: EasProfile = {
  deviceId: 'ApplF4K3D3V1C3',
  deviceType: 'iPhone',
  version: '16.1',
  userAgent: 'Apple-iPhone15C2/2104.1',
};

export interface EasHttpResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  /** The decoded body (null when empty). */
  tree: EasElement | null;
}

export interface PostOptions {
  /** Plain (default) or the MS-ASHTTP base64 query string. */
  query?: 'plain' | 'base64';
  /** Extra or replacing headers; undefined values remove a default header. */
  headers?: Record<string, string | undefined>;
  /** Sent instead of the client's policy key (null: none). */
  policyKey?: string | null;
  deviceId?: string;
}

const PATH = '/Microsoft-Server-ActiveSync';
const headersOf = (res: Response) => {
  const out: Record<string, string> = {};
  res.headers.forEach((v, k) => (out[k] = v));
  return out;
};
const codeOf = (command: string) => Number(Object.entries(COMMAND_CODES).find(([, c]) => c === command)?.[0]);

export class EasClient {
  policyKey: string | null = null;
  folderSyncKey = '0';
  readonly seen: { command: string; body: Buffer; tree: EasElement }[] = [];

  constructor(
    readonly base: string,
    readonly user: string,
    readonly password: string,
    readonly profile: EasProfile = IPHONE,
  ) {}

  private auth(): string {
    return 'Basic ' + Buffer.from(`${this.user}:${this.password}`).toString('base64');
  }

  /** POX Autodiscover with the MobileSync response schema: the ActiveSync URL. */
  async autodiscover(): Promise<string | null> {
    const request = `<?xml version="1.0" encoding="utf-8"?>
<Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/mobilesync/requestschema/2006">
  <Request>
    <EMailAddress>${this.user}</EMailAddress>
    <AcceptableResponseSchema>http://schemas.microsoft.com/exchange/autodiscover/mobilesync/responseschema/2006</AcceptableResponseSchema>
  </Request>
</Autodiscover>`;
    const res = await fetch(`${this.base}/autodiscover/autodiscover.xml`, {
      method: 'POST',
      headers: { 'content-type': 'text/xml', authorization: this.auth() },
      body: request,
    });
    const text = await res.text();
    return /<Url>([^<]+)<\/Url>/.exec(text)?.[1] ?? null;
  }

  async options(): Promise<{ status: number; headers: Record<string, string> }> {
    const res = await fetch(`${this.base}${PATH}`, {
      method: 'OPTIONS',
      headers: { authorization: this.auth() },
    });
    await res.arrayBuffer();
    return { status: res.status, headers: headersOf(res) };
  }

  queryString(command: string, form: 'plain' | 'base64', deviceId: string, policyKey: string | null): string {
    if (form === 'plain') {
      const q = new URLSearchParams({
        Cmd: command,
        User: this.user,
        DeviceId: deviceId,
        DeviceType: this.profile.deviceType,
      });
      return q.toString();
    }
    const id = Buffer.from(deviceId, 'latin1');
    const type = Buffer.from(this.profile.deviceType, 'latin1');
    const user = Buffer.from(this.user, 'utf8');
    const key = Buffer.alloc(policyKey ? 4 : 0);
    if (policyKey) key.writeUInt32LE(Number(policyKey), 0);
    const version = Math.round(Number(this.profile.version) * 10);
    const bytes = Buffer.concat([
      Buffer.from([version, codeOf(command), 0x09, 0x04, id.length]),
      id,
      Buffer.from([key.length]),
      key,
      Buffer.from([type.length]),
      type,
      Buffer.from([8, user.length]),
      user,
    ]);
    return encodeURIComponent(bytes.toString('base64'));
  }

  /** One command: the body is a tree (encoded here), raw bytes, or nothing. */
  async post(
    command: string,
    body: EasElement | Buffer | null,
    options: PostOptions = {},
  ): Promise<EasHttpResponse> {
    const form = options.query ?? 'plain';
    const policyKey = options.policyKey === undefined ? this.policyKey : options.policyKey;
    const headers: Record<string, string | undefined> = {
      authorization: this.auth(),
      'content-type': 'application/vnd.ms-sync.wbxml',
      'user-agent': this.profile.userAgent,
      'ms-asprotocolversion': form === 'plain' ? this.profile.version : undefined,
      'x-ms-policykey': form === 'plain' && policyKey ? policyKey : undefined,
      ...options.headers,
    };
    const bytes = body === null ? undefined : Buffer.isBuffer(body) ? body : encodeWbxml(body);
    const query = this.queryString(command, form, options.deviceId ?? this.profile.deviceId, policyKey);
    const res = await fetch(`${this.base}${PATH}?${query}`, {
      method: 'POST',
      headers: Object.fromEntries(Object.entries(headers).filter(([, v]) => v !== undefined)) as Record<
        string,
        string
      >,
      body: bytes ? new Uint8Array(bytes) : undefined,
    });
    const buf = Buffer.from(await res.arrayBuffer());
    const tree =
      buf.length > 0 && res.headers.get('content-type')?.includes('wbxml') ? decodeWbxml(buf) : null;
    if (tree) this.seen.push({ command, body: buf, tree });
    return { status: res.status, headers: headersOf(res), body: buf, tree };
  }

  /** Provision step one (policy + temporary key) and step two (acknowledged → final key). */
  async provision(): Promise<{ temporaryKey: string; finalKey: string; policy: EasElement | undefined }> {
    const p = (...content: EasElement[]) => el('Provision', 'Provision', ...content);
    const policyType = el('Provision', 'PolicyType', 'MS-EAS-Provisioning-WBXML');
    const info = el(
      'Settings',
      'DeviceInformation',
      el(
        'Settings',
        'Set',
        el('Settings', 'Model', 'iPhone15,2'),
        el('Settings', 'FriendlyName', 'Test iPhone'),
        el('Settings', 'OS', 'iOS 17.4'),
      ),
    );
    const first = await this.post(
      'Provision',
      p(info, el('Provision', 'Policies', el('Provision', 'Policy', policyType))),
      {
        policyKey: null,
      },
    );
    const policy = child(child(first.tree ?? undefined, 'Policies'), 'Policy');
    const temporaryKey = textAt(policy, 'PolicyKey') ?? '';
    const second = await this.post(
      'Provision',
      p(
        el(
          'Provision',
          'Policies',
          el(
            'Provision',
            'Policy',
            policyType,
            el('Provision', 'PolicyKey', temporaryKey),
            el('Provision', 'Status', '1'),
          ),
        ),
      ),
      { policyKey: temporaryKey },
    );
    const finalKey = textAt(second.tree ?? undefined, 'Policies', 'Policy', 'PolicyKey') ?? '';
    this.policyKey = finalKey;
    return { temporaryKey, finalKey, policy: child(child(policy, 'Data'), 'EASProvisionDoc') };
  }

  async folderSync(key = this.folderSyncKey, options: PostOptions = {}) {
    const res = await this.post(
      'FolderSync',
      el('FolderHierarchy', 'FolderSync', el('FolderHierarchy', 'SyncKey', key)),
      options,
    );
    const tree = res.tree ?? undefined;
    const status = textAt(tree, 'Status');
    const syncKey = textAt(tree, 'SyncKey');
    if (status === '1' && syncKey) this.folderSyncKey = syncKey;
    const changes = child(tree, 'Changes');
    const folder = (e: EasElement) => ({
      serverId: textAt(e, 'ServerId')!,
      parentId: textAt(e, 'ParentId'),
      displayName: textAt(e, 'DisplayName'),
      type: textAt(e, 'Type'),
    });
    return {
      http: res.status,
      status,
      syncKey,
      adds: childrenNamed(changes, 'Add').map(folder),
      updates: childrenNamed(changes, 'Update').map(folder),
      deletes: childrenNamed(changes, 'Delete').map((e) => textAt(e, 'ServerId')),
    };
  }

  /** FolderCreate / FolderUpdate / FolderDelete with the current hierarchy key; returns Status and new key. */
  async folderCommand(
    command: 'FolderCreate' | 'FolderUpdate' | 'FolderDelete',
    fields: Record<string, string>,
  ) {
    const body = el(
      'FolderHierarchy',
      command,
      el('FolderHierarchy', 'SyncKey', fields.SyncKey ?? this.folderSyncKey),
      ...Object.entries(fields)
        .filter(([k]) => k !== 'SyncKey')
        .map(([k, v]) => el('FolderHierarchy', k, v)),
    );
    const res = await this.post(command, body);
    const tree = res.tree ?? undefined;
    const status = textAt(tree, 'Status');
    const syncKey = textAt(tree, 'SyncKey');
    if (status === '1' && syncKey) this.folderSyncKey = syncKey;
    return { http: res.status, status, syncKey, serverId: textAt(tree, 'ServerId') };
  }

  /** Sync keys per CollectionId, kept by sync() (starts at '0'). */
  readonly syncKeys: Record<string, string> = {};

  /**
   * Sync (MS-ASCMD §2.2.1.21) of one or more collections with each one's current SyncKey (or
   * the one given); Options and Commands are given as trees. New keys are kept on Status 1.
   */
  async sync(requests: SyncRequest[], options: PostOptions = {}): Promise<SyncResult> {
    const s = (name: string, ...content: (EasElement | string | number | null | undefined | false)[]) =>
      el('AirSync', name, ...content);
    const collections = requests.map((r) => {
      const key = r.syncKey ?? this.syncKeys[r.collectionId] ?? '0';
      return s(
        'Collection',
        s('SyncKey', key),
        s('CollectionId', r.collectionId),
        r.deletesAsMoves !== undefined && s('DeletesAsMoves', r.deletesAsMoves ? '1' : '0'),
        key !== '0' && r.getChanges !== false && s('GetChanges'),
        r.windowSize !== undefined && s('WindowSize', r.windowSize),
        r.options && r.options.length > 0 && s('Options', ...r.options),
        r.commands && r.commands.length > 0 && s('Commands', ...r.commands),
      );
    });
    const res = await this.post('Sync', s('Sync', s('Collections', ...collections)), options);
    const tree = res.tree ?? undefined;
    const out: SyncResult = { http: res.status, status: textAt(tree, 'Status'), collections: {}, res };
    for (const c of childrenNamed(child(tree, 'Collections'), 'Collection')) {
      const id = textAt(c, 'CollectionId') ?? '';
      const status = textAt(c, 'Status');
      const syncKey = textAt(c, 'SyncKey');
      if (status === '1' && syncKey) this.syncKeys[id] = syncKey;
      const commands = child(c, 'Commands');
      const responses = child(c, 'Responses');
      const item = (e: EasElement) => ({
        serverId: textAt(e, 'ServerId') ?? '',
        clientId: textAt(e, 'ClientId'),
        status: textAt(e, 'Status'),
        data: child(e, 'ApplicationData'),
      });
      out.collections[id] = {
        status,
        syncKey,
        moreAvailable: child(c, 'MoreAvailable') !== undefined,
        adds: childrenNamed(commands, 'Add').map(item),
        changes: childrenNamed(commands, 'Change').map(item),
        deletes: [...childrenNamed(commands, 'Delete'), ...childrenNamed(commands, 'SoftDelete')].map(
          (e) => textAt(e, 'ServerId') ?? '',
        ),
        responses: {
          adds: childrenNamed(responses, 'Add').map(item),
          changes: childrenNamed(responses, 'Change').map(item),
          fetches: childrenNamed(responses, 'Fetch').map(item),
        },
      };
    }
    return out;
  }

  /** Ping (MS-ASCMD §2.2.1.13): held until a folder changes or the heartbeat runs out. */
  async ping(heartbeatSeconds: number | null, folders: { id: string; class: string }[] | null) {
    const p = (name: string, ...content: (EasElement | string | number | null | undefined | false)[]) =>
      el('Ping', name, ...content);
    const body =
      heartbeatSeconds === null && folders === null
        ? null
        : p(
            'Ping',
            heartbeatSeconds !== null && p('HeartbeatInterval', heartbeatSeconds),
            folders !== null &&
              p('Folders', ...folders.map((f) => p('Folder', p('Id', f.id), p('Class', f.class)))),
          );
    const res = await this.post('Ping', body);
    const tree = res.tree ?? undefined;
    return {
      http: res.status,
      status: textAt(tree, 'Status'),
      heartbeatInterval: textAt(tree, 'HeartbeatInterval'),
      maxFolders: textAt(tree, 'MaxFolders'),
      folders: childrenNamed(child(tree, 'Folders'), 'Folder').map((f) => f.text ?? ''),
    };
  }

  /** SendMail (14.0+ form): the MIME message as opaque bytes; success is an empty 200. */
  async sendMail(mime: string, clientId: string, saveInSentItems = true): Promise<EasHttpResponse> {
    const c = (name: string, ...content: (EasElement | string | Buffer | null | false)[]) =>
      el('ComposeMail', name, ...content);
    return this.post(
      'SendMail',
      c(
        'SendMail',
        c('ClientId', clientId),
        saveInSentItems && c('SaveInSentItems'),
        c('Mime', Buffer.from(mime, 'utf8')),
      ),
    );
  }

  /** GetAttachment (14.x): the raw bytes and content type of a FileReference, or an HTTP status. */
  async getAttachment(name: string): Promise<{ status: number; contentType: string | null; body: Buffer }> {
    const plain = this.queryString('GetAttachment', 'plain', this.profile.deviceId, this.policyKey);
    const res = await fetch(`${this.base}${PATH}?${plain}&AttachmentName=${encodeURIComponent(name)}`, {
      method: 'POST',
      headers: {
        authorization: this.auth(),
        'user-agent': this.profile.userAgent,
        'ms-asprotocolversion': this.profile.version,
        ...(this.policyKey ? { 'x-ms-policykey': this.policyKey } : {}),
      },
    });
    return {
      status: res.status,
      contentType: res.headers.get('content-type'),
      body: Buffer.from(await res.arrayBuffer()),
    };
  }
}

/** The Status of a response's root element (common status codes land there). */
export const rootStatus = (res: EasHttpResponse): string | undefined =>
  textAt(res.tree ?? undefined, 'Status');
