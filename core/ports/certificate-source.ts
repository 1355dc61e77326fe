/**
 * Where a TLS listener's certificate comes from: PEM files on disk, or a Secrets Manager secret on
 * AWS. `version` changes when the material does (a secret's version id, a hash of the files), so
 * a poller can tell a rotation without comparing PEMs.
 */
export interface CertificateMaterial {
  /** The leaf certificate followed by its intermediates (full chain), PEM. */
  readonly certPem: string;
  /** The private key of the leaf, PEM. */
  readonly keyPem: string;
  readonly version: string;
}

export interface CertificateSource {
  /** For logs: where the certificate is read from (a path or a secret ARN; never the key). */
  readonly description: string;
  /** Reads the current material; throws when it is missing, unreadable or malformed. */
  load(): Promise<CertificateMaterial>;
}

/** Where the ACME renewal job keeps a certificate: read the current one, write the renewed one. */
export interface CertificateStore {
  /** The current material, or undefined when none was stored yet (or it cannot be parsed). */
  read(): Promise<CertificateMaterial | undefined>;
  /** Stores a new version; returns its version id. */
  write(material: { certPem: string; keyPem: string }): Promise<string>;
}
