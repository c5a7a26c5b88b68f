import {
  AlreadyExistsException,
  CreateAliasCommand,
  CreateKeyCommand,
  DescribeKeyCommand,
  KMSClient,
  NotFoundException,
} from '@aws-sdk/client-kms';
import { clientConfig } from '../lib/aws/clients.js';

/**
 * The local stage's MAC key behind `alias` (resources/keys.yml creates it when the stage is
 * deployed); on a local stack without the stage, an HMAC_256 key made under that alias, so the
 * CLI signs and checks bindings as deployed. Returns the alias.
 */
export async function ensureLocalMacKey(alias: string): Promise<string> {
  const kms = new KMSClient(clientConfig({ maxAttempts: 2 }));
  try {
    await kms.send(new DescribeKeyCommand({ KeyId: alias }));
    return alias;
  } catch (error) {
    if (!(error instanceof NotFoundException)) throw error;
  }
  const { KeyMetadata } = await kms.send(
    new CreateKeyCommand({
      KeySpec: 'HMAC_256',
      KeyUsage: 'GENERATE_VERIFY_MAC',
      Description: `gatewarden local ${alias.replace(/^alias\//, '')} (no stage deployed)`,
    }),
  );
  try {
    await kms.send(new CreateAliasCommand({ AliasName: alias, TargetKeyId: KeyMetadata?.KeyId }));
  } catch (error) {
    // Another process made it first: use theirs.
    if (!(error instanceof AlreadyExistsException)) throw error;
  }
  return alias;
}
