import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  paginateScan,
} from '@aws-sdk/lib-dynamodb';
import * as v from 'valibot';
import {
  CERT_NO_PATTERN,
  type CertificateInfo,
  normalizeCertNo,
  parseCertificate,
  withCertNo,
} from '#core/crypto/certificate.ts';
import { checkValidity, type Validity } from '#core/crypto/certificate-validity.ts';
import { CertificateNotRegisteredError, ConfigError, ValidationError } from '#core/errors.ts';
import {
  type CertificateRegistry,
  type Clock,
  type SignerKind,
  type SigningKey,
  systemClock,
} from '#core/ports.ts';

/**
 * The certificate registry in DynamoDB (partition key `ebpCode`): for each e-commerce entity, the
 * signer and key that sign for it and the certificate registered with customs. One platform may
 * run several entities, each with its own certificate. Managed with `ceb-grab certs`.
 */

const iso = v.pipe(v.string(), v.isoTimestamp());

/** A registry row as read back (valibot at the boundary). */
export const CertificateRecordSchema = v.object({
  ebpCode: v.pipe(v.string(), v.minLength(1), v.maxLength(18)),
  signer: v.picklist(['soft', 'hsm-proxy', 'kms']),
  keyId: v.pipe(v.string(), v.minLength(1)),
  /** as the card says it: lower-case hex, 16 digits on SM2 cards, 8 on older RSA ones */
  certNo: v.pipe(v.string(), v.regex(/^[0-9a-f]{1,64}$/)),
  /** true when an operator stated the certNo (`--cert-no`) rather than it being read from the serial */
  certNoStated: v.optional(v.boolean()),
  algorithm: v.picklist(['SM3withSM2', 'SHA1withRSA']),
  certificatePem: v.pipe(v.string(), v.includes('BEGIN CERTIFICATE')),
  notBefore: iso,
  notAfter: iso,
  addedAt: iso,
  note: v.optional(v.string()),
});
export type CertificateRecord = v.InferOutput<typeof CertificateRecordSchema>;

export interface RegisterCertificate {
  readonly ebpCode: string;
  readonly signer: SignerKind;
  readonly keyId: string;
  readonly certificatePem: string;
  /** the certNo as the card reports it, when it is not the serial's hex (then it is what is sent) */
  readonly certNo?: string;
  readonly note?: string;
}

/**
 * Check a certificate before it is registered: SM2 or RSA, valid now, and signable by the chosen
 * signer. Throws ValidationError or CertificateExpiredError saying why.
 */
export function recordFor(
  input: RegisterCertificate,
  now: number,
): { record: CertificateRecord; validity: Validity } {
  if (!/^\S{1,18}$/.test(input.ebpCode)) {
    throw new ValidationError(`ebpCode "${input.ebpCode}" must be 1 to 18 characters without spaces`);
  }
  if (!input.keyId.trim()) throw new ValidationError('keyId must not be empty');
  const cert = parseCertificate(input.certificatePem);
  if (input.certNo !== undefined && !CERT_NO_PATTERN.test(input.certNo.trim())) {
    throw new ValidationError(
      `certNo "${input.certNo}" is not a certNo as a card reports it (hex digits, e.g. 011f03d1 or 03000000000cde6f)`,
    );
  }
  const certNo = input.certNo === undefined ? cert.certNo : normalizeCertNo(input.certNo);
  if (input.signer === 'kms' && cert.algorithm !== 'SM3withSM2') {
    throw new ValidationError(
      `certificate ${cert.certNo} is ${cert.algorithm}: KMS cannot make SHA1withRSA signatures; use the hsm-proxy signer`,
    );
  }
  const validity = checkValidity(cert, now);
  const record: CertificateRecord = {
    ebpCode: input.ebpCode,
    signer: input.signer,
    keyId: input.keyId,
    certNo,
    ...(certNo === cert.certNo ? {} : { certNoStated: true }),
    algorithm: cert.algorithm,
    certificatePem: cert.pem,
    notBefore: cert.notBefore.toISOString(),
    notAfter: cert.notAfter.toISOString(),
    addedAt: new Date(now).toISOString(),
    ...(input.note ? { note: input.note } : {}),
  };
  return { record, validity };
}

export const registerHint = (ebpCode: string): string =>
  `ceb-grab certs add --ebp-code ${ebpCode} --signer kms|hsm-proxy|soft --key-id <key> --cert <cert.pem> [--cert-no <as the card says it>]`;

export class DynamoCertificateRegistry implements CertificateRegistry {
  private readonly doc: DynamoDBDocumentClient;
  private readonly clock: Clock;
  private readonly cacheTtlMs: number;
  // Parsed keys per ebpCode for a short while, so a warm container does not read and parse per upload.
  private readonly cache = new Map<string, { key: SigningKey; until: number }>();
  // Reads in flight: the records of a batch that all miss the cache read the registry once, not ten times.
  private readonly loading = new Map<string, Promise<SigningKey>>();

  constructor(
    client: DynamoDBClient,
    private readonly tableName: string,
    opts: { clock?: Clock; cacheTtlMs?: number } = {},
  ) {
    this.doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
    this.clock = opts.clock ?? systemClock;
    this.cacheTtlMs = opts.cacheTtlMs ?? 60_000;
  }

  async keyFor(ebpCode: string): Promise<SigningKey> {
    const now = this.clock.now();
    const cached = this.cache.get(ebpCode);
    if (cached && cached.until > now) return cached.key;
    let loading = this.loading.get(ebpCode);
    if (!loading) {
      loading = this.load(ebpCode, now).finally(() => this.loading.delete(ebpCode));
      this.loading.set(ebpCode, loading);
    }
    return loading;
  }

  private async load(ebpCode: string, now: number): Promise<SigningKey> {
    const record = await this.get(ebpCode);
    if (!record) {
      this.cache.delete(ebpCode);
      throw new CertificateNotRegisteredError(
        `no certificate is registered for ebpCode ${ebpCode}: register it with \`${registerHint(ebpCode)}\``,
      );
    }
    const key = signingKeyOf(record);
    this.cache.set(ebpCode, { key, until: now + this.cacheTtlMs });
    return key;
  }

  async get(ebpCode: string): Promise<CertificateRecord | undefined> {
    const out = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: { ebpCode }, ConsistentRead: true }),
    );
    return out.Item ? this.read(out.Item) : undefined;
  }

  /** Every registered certificate, by ebpCode. */
  async list(): Promise<CertificateRecord[]> {
    const out: CertificateRecord[] = [];
    for await (const page of paginateScan({ client: this.doc }, { TableName: this.tableName })) {
      for (const item of page.Items ?? []) {
        // The PIN guard's holds share the table under keys no ebpCode can have (pin-hold-store.ts).
        if (!String(item.ebpCode).startsWith('#')) out.push(this.read(item));
      }
    }
    return out.sort((a, b) => a.ebpCode.localeCompare(b.ebpCode));
  }

  /** Register (or replace) the certificate of an ebpCode; returns what it replaced. */
  async put(
    input: RegisterCertificate,
  ): Promise<{ record: CertificateRecord; validity: Validity; replaced?: CertificateRecord }> {
    const { record, validity } = recordFor(input, this.clock.now());
    const out = await this.doc.send(
      new PutCommand({ TableName: this.tableName, Item: record, ReturnValues: 'ALL_OLD' }),
    );
    this.cache.delete(record.ebpCode);
    const replaced = out.Attributes ? this.read(out.Attributes) : undefined;
    return { record, validity, ...(replaced ? { replaced } : {}) };
  }

  /** Remove an ebpCode's certificate; what was removed, or undefined when there was none. */
  async remove(ebpCode: string): Promise<CertificateRecord | undefined> {
    const out = await this.doc.send(
      new DeleteCommand({ TableName: this.tableName, Key: { ebpCode }, ReturnValues: 'ALL_OLD' }),
    );
    this.cache.delete(ebpCode);
    return out.Attributes ? this.read(out.Attributes) : undefined;
  }

  private read(item: Record<string, unknown>): CertificateRecord {
    const parsed = v.safeParse(CertificateRecordSchema, item);
    if (parsed.success) return parsed.output;
    const where = parsed.issues.map((i) => `${v.getDotPath(i) ?? 'row'}: ${i.message}`).join('; ');
    throw new ConfigError(
      `certificate registry row ${String(item.ebpCode)} in ${this.tableName} is malformed (${where}); ` +
        're-register it with `ceb-grab certs add`',
    );
  }
}

/** The signing key a registry row stands for; its certificate must still be the one recorded. */
export function signingKeyOf(record: CertificateRecord): SigningKey {
  let certificate: CertificateInfo;
  try {
    certificate = parseCertificate(record.certificatePem);
  } catch (e) {
    throw new ConfigError(
      `the certificate registered for ebpCode ${record.ebpCode} is unreadable: ${(e as Error).message}`,
    );
  }
  // A row without a stated certNo holds the serial's; one written before certNos stopped being
  // padded (00000000011f03d1) must be registered again, or customs answers 20004.
  if (!record.certNoStated && certificate.certNo !== record.certNo) {
    throw new ConfigError(
      `the registry row for ebpCode ${record.ebpCode} says certNo ${record.certNo} but holds certificate ${certificate.certNo}: ` +
        `register it again with \`${registerHint(record.ebpCode)}\``,
    );
  }
  return {
    ebpCode: record.ebpCode,
    signer: record.signer,
    keyId: record.keyId,
    certificate: withCertNo(certificate, record.certNo),
  };
}
