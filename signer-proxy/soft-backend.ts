import { SoftSigner } from '#adapters/signers/soft-signer.ts';
import type { SigningBackend } from './backend.ts';

/** A PEM key and its certificate (SM2 or RSA) behind the proxy, for development. */
export function softBackend(material: {
  privateKeyPem: string;
  certificatePem: string;
  keyId: string;
}): SigningBackend {
  const signer = new SoftSigner(material);
  return {
    kind: 'soft',
    keyId: material.keyId,
    certificate: async () => signer.certificate,
    sign: async (data) => {
      const { signValue, certNo } = await signer.sign(data);
      return { signValue, certNo };
    },
    health: async () => ({ reachable: true }),
    close: async () => {},
  };
}
