import {
  GenerateMacCommand,
  KMSClient,
  KMSInvalidMacException,
  VerifyMacCommand,
} from '@aws-sdk/client-kms';
import type { ItemMac } from '../rotation/itemMac.js';
import { clientConfig } from './clients.js';

/**
 * A KMS HMAC key (key spec HMAC_256, usage GENERATE_VERIFY_MAC) as an {@link ItemMac}. Who may
 * create and who may check MACs is the key policy's and the roles' business (resources/keys.yml):
 * a refused call propagates, an unmatched MAC is `false`.
 */
export class KmsItemMac implements ItemMac {
  constructor(
    private readonly keyId: string,
    private readonly kms: KMSClient = new KMSClient(clientConfig()),
  ) {}

  async generate(message: Uint8Array): Promise<string> {
    const out = await this.kms.send(
      new GenerateMacCommand({ KeyId: this.keyId, Message: message, MacAlgorithm: 'HMAC_SHA_256' }),
    );
    if (!out.Mac) throw new Error('KMS GenerateMac returned no MAC');
    return Buffer.from(out.Mac).toString('base64');
  }

  async verify(message: Uint8Array, mac: string): Promise<boolean> {
    try {
      const out = await this.kms.send(
        new VerifyMacCommand({
          KeyId: this.keyId,
          Message: message,
          Mac: Buffer.from(mac, 'base64'),
          MacAlgorithm: 'HMAC_SHA_256',
        }),
      );
      return out.MacValid === true;
    } catch (error) {
      if (error instanceof KMSInvalidMacException) return false;
      throw error;
    }
  }
}
