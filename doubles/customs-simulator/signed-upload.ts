import { randomUUID } from 'node:crypto';
import { parsePrivateKey } from '#core/crypto/private-key.ts';
import { rsaSha1Sign } from '#core/crypto/rsa.ts';
import { sm2Sign } from '#core/crypto/sm2.ts';
import { buildPayExchangeInfo, type PayExchangeInfo } from '#core/protocol/pay-exchange-info.ts';
import type { Payment } from '#core/protocol/payment.ts';
import { assemblePayExInfoStr, serializePayExchangeInfo } from '#core/protocol/serialize.ts';

/**
 * A correctly signed payExInfoStr built straight from the protocol core, without the product's
 * signer or worker: lets tests and benchmarks drive the simulator directly, and tells a simulator
 * bug from a product bug.
 */
export interface SignedUploadInput {
  readonly sessionID: string;
  readonly payment: Payment;
  readonly signer: { readonly certNo: string; readonly privateKeyPem: string };
  readonly serviceTime?: number;
  readonly guid?: string;
  /** Change head or lists after the field rules were applied, before serializing and signing. */
  readonly edit?: (info: PayExchangeInfo) => PayExchangeInfo;
}

export function makeSignedUpload(input: SignedUploadInput): string {
  const guid = input.guid ?? randomUUID().toUpperCase();
  const info = buildPayExchangeInfo(input.payment, guid);
  const s = serializePayExchangeInfo(
    input.sessionID,
    input.edit ? input.edit(info) : info,
    input.serviceTime ?? Date.now(),
  );
  const key = parsePrivateKey(input.signer.privateKeyPem);
  const signValue =
    key.algorithm === 'SM3withSM2'
      ? sm2Sign(s.signSource, key.privateKeyHex)
      : rsaSha1Sign(s.signSource, key.key);
  return assemblePayExInfoStr(s, { certNo: input.signer.certNo, signValue });
}
