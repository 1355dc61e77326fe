/**
 * ValidateCert (MS-ASCMD §2.2.1.22): each certificate of Certificates is checked against the
 * intermediates of CertificateChain and the system trust (validate-cert-chain.ts); one
 * Certificate/Status per certificate, in order. A request without certificates, or with too many,
 * is Status 2. CheckCRL is accepted and ignored (no revocation checking).
 */
import { reply, type EasCommand, type EasRequest, type EasResponse } from '../command';
import { pageOf } from '../wbxml/code-pages';
import { child, childrenNamed, el } from '../wbxml/tree';
import { CertStatus, parseCertificate, validateCertificate } from './validate-cert-chain';

const V = 'ValidateCert';
const PAGE = pageOf(V)!;
/** Certificates (to validate, and in the chain) one request may carry. */
export const MAX_CERTIFICATES = 32;

async function handle(request: EasRequest): Promise<EasResponse> {
  const body = request.body;
  const fail = (code: number) => reply(el(V, V, el(V, 'Status', code)));
  if (!body || body.page !== PAGE || body.name !== V) return fail(CertStatus.ProtocolError);
  const wanted = childrenNamed(child(body, 'Certificates', PAGE), 'Certificate');
  const chainText = childrenNamed(child(body, 'CertificateChain', PAGE), 'Certificate');
  if (wanted.length === 0 || wanted.length + chainText.length > MAX_CERTIFICATES)
    return fail(CertStatus.ProtocolError);
  const text = (e: (typeof wanted)[number]) => e.text ?? e.opaque?.toString('latin1') ?? '';
  const chain = chainText.flatMap((c) => parseCertificate(text(c)) ?? []);
  const results = wanted.map((c) => {
    const cert = parseCertificate(text(c));
    return cert ? validateCertificate(cert, chain) : CertStatus.BadChain;
  });
  return reply(
    el(V, V, el(V, 'Status', 1), ...results.map((code) => el(V, 'Certificate', el(V, 'Status', code)))),
  );
}

export const validateCertCommand: EasCommand = {
  name: V,
  root: { namespace: V, name: V },
  needsPolicy: true,
  handle,
};
