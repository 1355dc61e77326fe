/** The system's trusted root certificates (PEM), as Node bundles them; the domain reads them from here, not from node:tls. */
import { rootCertificates } from 'node:tls';

export const systemRootCertificates: readonly string[] = rootCertificates;
