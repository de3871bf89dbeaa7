import { Grant } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { SignerSettings } from '../stage-config.ts';
import type { BindableSecret, BindableTable, HouseFunction } from './house-function.ts';

/** What the stateful stack made for the signer (see SignerMaterial). */
export interface SignerResources {
  readonly softSignerSecret?: BindableSecret | undefined;
  readonly hsmProxyTokenSecret?: BindableSecret | undefined;
  readonly sm2SigningKey?: { readonly keyArn: string } | undefined;
}

/**
 * Point the upload worker at its signer (SIGNER_KIND and that kind's settings) and grant it exactly
 * that signer's secret, parameter or keys. The certificate registry is bound separately: every kind
 * reads it.
 */
export function bindWorkerSigner(
  worker: HouseFunction,
  signer: SignerSettings,
  made: SignerResources,
  certificatesTable?: BindableTable,
): void {
  worker.addEnvironment('SIGNER_KIND', signer.kind);
  switch (signer.kind) {
    case 'soft':
      worker.bindSecret({
        secret: required(made.softSignerSecret, 'soft signer secret'),
        env: 'SOFT_SIGNER_SECRET_ID',
      });
      return;
    case 'hsm-proxy': {
      worker.addEnvironment('HSM_PROXY_URL', signer.url);
      worker.addEnvironment('HSM_PROXY_PROTOCOL', signer.protocol);
      if (certificatesTable) {
        // The PIN guard's holds, shared by the worker's containers: items of the registry table under
        // `#pin-hold#` keys, which no ebpCode can be (functions/adapters/dynamodb/pin-hold-store.ts).
        Grant.addToPrincipal({
          grantee: worker,
          actions: ['dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
          resourceArns: [certificatesTable.tableArn],
          conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['#pin-hold#*'] } },
        });
      }
      const { token } = signer;
      const key = (arn: string | undefined) =>
        arn ? Key.fromKeyArn(worker, 'HsmProxyTokenKey', arn) : undefined;
      if (token.source === 'stack-secret') {
        worker.bindSecret({
          secret: required(made.hsmProxyTokenSecret, 'HSM proxy token secret'),
          env: 'HSM_PROXY_TOKEN_SECRET_ID',
        });
      } else if (token.source === 'secret') {
        const secret = Secret.fromSecretCompleteArn(worker, 'HsmProxyTokenSecret', token.secretArn);
        const tokenKey = key(token.kmsKeyArn);
        worker.bindSecret({
          secret,
          env: 'HSM_PROXY_TOKEN_SECRET_ID',
          ...(tokenKey ? { key: tokenKey } : {}),
        });
      } else {
        const tokenKey = key(token.kmsKeyArn);
        worker.bindParameter({
          parameterName: token.parameterName,
          env: 'HSM_PROXY_TOKEN_PARAMETER',
          ...(tokenKey ? { key: tokenKey } : {}),
        });
      }
      return;
    }
    case 'kms':
      worker.bindSigningKeys([...signer.keyArns, ...(made.sm2SigningKey ? [made.sm2SigningKey.keyArn] : [])]);
      return;
  }
}

function required<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`the stateful stack made no ${what} for this signer kind`);
  return value;
}
