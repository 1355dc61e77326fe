/**
 * Client autoconfiguration with the deployment's real host names and ports:
 * Thunderbird autoconfig (/.well-known/autoconfig/mail/config-v1.1.xml, /mail/config-v1.1.xml)
 * and Outlook Autodiscover POX (/autodiscover/autodiscover.xml, POST or GET; a mobile request,
 * MS-OXDSCLI's MobileSync schema, gets the ActiveSync URL), and the MTA-STS
 * policy (RFC 8461) that `nimbus dns records` advertises (/.well-known/mta-sts.txt).
 */
import { mtaStsPolicy, parseMtaStsMode } from '../../core/dns/mta-sts';
import { EAS_PATH } from '../eas/path';
import { baseUrl } from '../web/auth';
import type { WebContext } from '../web/context';
import { Router, type WebRequest, type WebResponse } from '../web/types';

const xmlEscape = (s: string) => s.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
const xml = (body: string): WebResponse => ({
  status: 200,
  headers: { 'content-type': 'application/xml; charset=utf-8', 'cache-control': 'public, max-age=3600' },
  body,
});

function domainOf(value: string | null | undefined): string | null {
  if (!value) return null;
  const d = value.includes('@') ? value.split('@').pop()! : value;
  return /^[a-z0-9.-]+$/i.test(d) ? d.toLowerCase() : null;
}

export function thunderbirdConfig(ctx: WebContext, email: string | null, domain: string): string {
  const { mailHost, imap, pop3, submission } = ctx.endpoints;
  const socket = (tls: boolean) => (tls ? 'SSL' : 'STARTTLS');
  const server = (tag: string, type: string, ep: { port: number; tls: boolean }) =>
    `    <${tag} type="${type}">
      <hostname>${xmlEscape(mailHost)}</hostname>
      <port>${ep.port}</port>
      <socketType>${socket(ep.tls)}</socketType>
      <authentication>password-cleartext</authentication>
      <username>%EMAILADDRESS%</username>
    </${tag}>`;
  return `<?xml version="1.0" encoding="UTF-8"?>
<clientConfig version="1.1">
  <emailProvider id="${xmlEscape(domain)}">
    <domain>${xmlEscape(domain)}</domain>
    <displayName>${xmlEscape(email ?? domain)}</displayName>
    <displayShortName>${xmlEscape(domain)}</displayShortName>
${[imap && server('incomingServer', 'imap', imap), pop3 && server('incomingServer', 'pop3', pop3), submission && server('outgoingServer', 'smtp', submission)].filter(Boolean).join('\n')}
  </emailProvider>
</clientConfig>
`;
}

export function autodiscoverResponse(ctx: WebContext, email: string): string {
  const { mailHost, imap, pop3, submission } = ctx.endpoints;
  const protocol = (type: string, ep: { port: number; tls: boolean }) => `      <Protocol>
        <Type>${type}</Type>
        <Server>${xmlEscape(mailHost)}</Server>
        <Port>${ep.port}</Port>
        <LoginName>${xmlEscape(email)}</LoginName>
        <DomainRequired>off</DomainRequired>
        <SPA>off</SPA>
        <SSL>${ep.tls ? 'on' : 'off'}</SSL>
        <Encryption>${ep.tls ? 'SSL' : 'TLS'}</Encryption>
        <AuthRequired>on</AuthRequired>
      </Protocol>`;
  return `<?xml version="1.0" encoding="utf-8"?>
<Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006">
  <Response xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a">
    <Account>
      <AccountType>email</AccountType>
      <Action>settings</Action>
${[imap && protocol('IMAP', imap), pop3 && protocol('POP3', pop3), submission && protocol('SMTP', submission)].filter(Boolean).join('\n')}
    </Account>
  </Response>
</Autodiscover>
`;
}

const MOBILESYNC_SCHEMA = 'http://schemas.microsoft.com/exchange/autodiscover/mobilesync/responseschema/2006';

/** The MobileSync answer (MS-OXDSCLI §2.2.4): where the ActiveSync endpoint is. */
export function mobileSyncResponse(email: string, easUrl: string): string {
  return `<?xml version="1.0" encoding="utf-8"?>
<Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006">
  <Response xmlns="${MOBILESYNC_SCHEMA}">
    <Culture>en:us</Culture>
    <User>
      <DisplayName>${xmlEscape(email)}</DisplayName>
      <EMailAddress>${xmlEscape(email)}</EMailAddress>
    </User>
    <Action>
      <Settings>
        <Server>
          <Type>MobileSync</Type>
          <Url>${xmlEscape(easUrl)}</Url>
          <Name>${xmlEscape(easUrl)}</Name>
        </Server>
      </Settings>
    </Action>
  </Response>
</Autodiscover>
`;
}

export function autoconfigRouter(ctx: WebContext): Router {
  const router = new Router();
  const thunderbird = async (request: WebRequest): Promise<WebResponse> => {
    const email = request.query.get('emailaddress');
    const host = (request.headers.host ?? '').split(':')[0].replace(/^autoconfig\./, '');
    const domain = domainOf(email) ?? domainOf(host) ?? ctx.endpoints.mailHost;
    return xml(thunderbirdConfig(ctx, email, domain));
  };
  router.add('GET', '/.well-known/autoconfig/mail/config-v1.1.xml', thunderbird);
  router.add('GET', '/mail/config-v1.1.xml', thunderbird);
  const autodiscover = async (request: WebRequest): Promise<WebResponse> => {
    const match = /<EMailAddress>\s*([^<\s]+)\s*<\/EMailAddress>/i.exec(request.body.toString('utf8'));
    const email = match?.[1] ?? request.query.get('email') ?? '';
    if (!domainOf(email))
      return { status: 400, headers: { 'content-type': 'text/plain' }, body: 'EMailAddress required' };
    if (request.body.toString('utf8').includes(MOBILESYNC_SCHEMA))
      return xml(mobileSyncResponse(email, baseUrl(ctx, request) + EAS_PATH));
    return xml(autodiscoverResponse(ctx, email));
  };
  // Same text for every hosted domain (mta-sts.DOMAIN is a CNAME to the web host). The mode is
  // NIMBUS_MTA_STS_MODE (the stage's dns.mtaStsMode on AWS), the same variable the CLI reads;
  // an invalid value fails here, when the web role starts.
  const mtaSts = mtaStsPolicy({
    mode: parseMtaStsMode(process.env.NIMBUS_MTA_STS_MODE),
    mx: [ctx.endpoints.mailHost],
  });
  router.add('GET', '/.well-known/mta-sts.txt', async () => ({
    status: 200,
    headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'public, max-age=3600' },
    body: mtaSts,
  }));
  for (const path of ['/autodiscover/autodiscover.xml', '/Autodiscover/Autodiscover.xml']) {
    router.add('POST', path, autodiscover);
    router.add('GET', path, autodiscover);
  }
  return router;
}
