import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { REPLAY_MARKER_KEY_PREFIX } from '#core/settings.ts';

/**
 * How a function may use a table. Exact actions rather than `grantReadData`/`grantWriteData`, so the
 * policy an auditor reads is what the code does: no Scan, no DeleteItem, no batch or transactional writes.
 * - `get`: GetItem only (the certificate registry, read by key);
 * - `read`: by key, in batches, and through the indexes;
 * - `query`: Query only (items read back by partition, e.g. an order's clearance timeline);
 * - `write`: create and update items, never read or delete them;
 * - `read-update`: read, and update items that exist (UpdateItem), never create or delete;
 * - `append-query`: put items (conditional appends) and query them back; delete only the callback's
 *   replay markers (released when recording fails), by IAM `dynamodb:LeadingKeys`; no GetItem, no UpdateItem.
 * - `put-query`: put items (conditional, write-once) and query them back, nothing else (the payment
 *   intake's links copNo -> orderNo in the clearance table);
 * - `replace`: read items by key in batches, and put and delete whole items (the payment store's
 *   transaction writes a payment and its orders, and deletes orders a new version drops).
 */
export type TableAccess =
  | 'get'
  | 'read'
  | 'query'
  | 'write'
  | 'read-update'
  | 'append-query'
  | 'put-query'
  | 'replace';

const READ = ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query'] as const;
const PUT_UPDATE = ['dynamodb:PutItem', 'dynamodb:UpdateItem'] as const;

/** Reads cover the table and its indexes; writes only the table (indexes are never written to). */
export const TABLE_ACCESS: Readonly<
  Record<
    TableAccess,
    {
      readonly read: readonly string[];
      readonly write: readonly string[];
      /** DeleteItem, only of items whose partition key starts with this */
      readonly deletePrefix?: string;
    }
  >
> = {
  get: { read: ['dynamodb:GetItem'], write: [] },
  read: { read: READ, write: [] },
  query: { read: ['dynamodb:Query'], write: [] },
  write: { read: [], write: PUT_UPDATE },
  'read-update': { read: READ, write: ['dynamodb:UpdateItem'] },
  'append-query': {
    read: ['dynamodb:Query'],
    write: ['dynamodb:PutItem'],
    deletePrefix: REPLAY_MARKER_KEY_PREFIX,
  },
  'put-query': { read: ['dynamodb:Query'], write: ['dynamodb:PutItem'] },
  replace: { read: ['dynamodb:BatchGetItem'], write: ['dynamodb:PutItem', 'dynamodb:DeleteItem'] },
};

/** KMS actions per use of a customer-managed key. */
export const KEY_ACTIONS = {
  /** What DynamoDB calls on the caller's behalf to read a table under a customer key (as aws-cdk-lib grants). */
  dynamodbRead: ['kms:Decrypt', 'kms:DescribeKey'],
  /** ... and to write one. */
  dynamodbWrite: ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey*', 'kms:ReEncrypt*'],
  /** An SQS producer on a KMS-encrypted queue (the consumer only decrypts; the event source grants that). */
  sqsSend: ['kms:Decrypt', 'kms:GenerateDataKey'],
  /** Reading a secret or a SecureString parameter. */
  decrypt: ['kms:Decrypt'],
  /** The KMS signer: sign a digest, fetch the public key for the self-check, check the key's spec. */
  sign: ['kms:Sign', 'kms:GetPublicKey', 'kms:DescribeKey'],
} as const satisfies Record<string, readonly string[]>;

/**
 * The parts of a table and a secret the helpers use. Narrower than ITable/ISecret on purpose: under
 * `exactOptionalPropertyTypes` a concrete `Table` or `Secret` is not assignable to its own interface.
 */
export type BindableTable = Pick<ITable, 'tableArn' | 'tableName' | 'grant' | 'encryptionKey'>;
export type BindableSecret = Pick<ISecret, 'secretArn' | 'encryptionKey'>;
