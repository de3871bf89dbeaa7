import { RemovalPolicy } from 'aws-cdk-lib';
import { type IKey, Key, KeySpec, KeyUsage } from 'aws-cdk-lib/aws-kms';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import type { SignerSettings } from '../stage-config.ts';

export interface SignerMaterialProps {
  readonly signer: SignerSettings;
  /** Encrypts the secrets created here. */
  readonly secretsKey: IKey;
  readonly retain: boolean;
  /** For descriptions, so an operator can tell the stages' secrets apart. */
  readonly stage: string;
}

/**
 * What the chosen signer keeps in the stage: the soft signer's key and certificate (a secret), the HSM
 * proxy's token (a secret, when the stack is to hold it) or an SM2 signing key in KMS. Secrets start
 * as placeholders the operator replaces after the first deploy; key material never passes through
 * the template.
 */
export class SignerMaterial extends Construct {
  /** {"privateKeyPem", "certificatePem"} of the enterprise's E-Port certificate (soft signer). */
  readonly softSignerSecret?: Secret;
  /** The HSM / Ukey proxy's token, as a plain string (hsm-proxy with token source `stack-secret`). */
  readonly hsmProxyTokenSecret?: Secret;
  /** An SM2 SIGN_VERIFY key (kms with `createSm2Key`). */
  readonly sm2SigningKey?: Key;

  constructor(scope: Construct, id: string, props: SignerMaterialProps) {
    super(scope, id);
    const { signer, stage } = props;
    const removalPolicy = props.retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    if (signer.kind === 'soft') {
      // Placeholder JSON (empty PEMs): until the operator puts the real key and certificate the worker
      // fails naming the empty field. Redeploys keep the operator's value as long as generateSecretString
      // stays unchanged (changing it makes CloudFormation generate anew).
      this.softSignerSecret = new Secret(this, 'SoftSignerSecret', {
        description: `ceb-grab ${stage}: soft signer key, JSON {"privateKeyPem": "...", "certificatePem": "..."}`,
        encryptionKey: props.secretsKey,
        generateSecretString: {
          secretStringTemplate: JSON.stringify({ privateKeyPem: '', certificatePem: '' }),
          generateStringKey: 'placeholder',
        },
        removalPolicy,
      });
      suppressRotation(
        this.softSignerSecret,
        'the E-Port certificate and its key are issued by China E-Port; renewing them is a registration with customs, not a rotation Lambda',
      );
    }
    if (signer.kind === 'hsm-proxy' && signer.token.source === 'stack-secret') {
      this.hsmProxyTokenSecret = new Secret(this, 'HsmProxyTokenSecret', {
        description: `ceb-grab ${stage}: the signing proxy's token (x-auth-token), as a plain string`,
        encryptionKey: props.secretsKey,
        generateSecretString: { excludePunctuation: true, passwordLength: 32 },
        removalPolicy,
      });
      suppressRotation(
        this.hsmProxyTokenSecret,
        'the token is configured in the signing proxy too; it is changed in both places by the operator',
      );
    }
    if (signer.kind === 'kms' && signer.createSm2Key) {
      this.sm2SigningKey = new Key(this, 'Sm2SigningKey', {
        description: `ceb-grab ${stage}: SM2 signing key; register its certificate in the certificate registry`,
        keySpec: KeySpec.SM2,
        keyUsage: KeyUsage.SIGN_VERIFY,
        // A signing key cannot be recovered once deleted, and customs knows its certificate: always kept.
        removalPolicy: RemovalPolicy.RETAIN,
      });
    }
  }
}

function suppressRotation(secret: Secret, why: string): void {
  NagSuppressions.addResourceSuppressions(secret, [
    { id: 'AwsSolutions-SMG4', reason: `No automatic rotation: ${why}.` },
  ]);
}
