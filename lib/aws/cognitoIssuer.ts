import {
  AddUserPoolClientSecretCommand,
  CognitoIdentityProviderClient,
  DeleteUserPoolClientSecretCommand,
  ListUserPoolClientSecretsCommand,
  ResourceNotFoundException,
} from '@aws-sdk/client-cognito-identity-provider';
import { IssuerError } from '../rotation/errors.js';
import type { IssuedCredential, Issuer, IssuerCredentialInfo } from '../rotation/issuer.js';
import type { IssuerConfig, SecretDocument } from '../rotation/secretDocument.js';
import { clientConfig } from './clients.js';

type CognitoConfig = Extract<IssuerConfig, { type: 'cognito' }>;

/**
 * Cognito user pool app client secrets: up to two active at once, so old and new overlap for
 * the grace period. Cognito cannot label a secret, so a secret minted by a crashed attempt is
 * recognised as one the documents do not know (see createSecret).
 */
export class CognitoIssuer implements Issuer<CognitoConfig> {
  readonly type = 'cognito' as const;
  readonly supportsOverlap = true;
  readonly maxActive = 2;
  private readonly clients = new Map<string, CognitoIdentityProviderClient>();

  /** Made now, so per-region clients made later sign as this issuer was made to. */
  private readonly baseConfig = clientConfig();

  constructor(private readonly client?: CognitoIdentityProviderClient) {}

  private cognito(config: CognitoConfig): CognitoIdentityProviderClient {
    if (this.client) return this.client;
    const region = config.region ?? '';
    let client = this.clients.get(region);
    if (!client) {
      client = new CognitoIdentityProviderClient({
        ...this.baseConfig,
        ...(config.region ? { region: config.region } : {}),
      });
      this.clients.set(region, client);
    }
    return client;
  }

  async mint(
    config: CognitoConfig,
    _doc: SecretDocument,
    _idempotencyKey: string,
  ): Promise<IssuedCredential> {
    const out = await this.cognito(config).send(
      new AddUserPoolClientSecretCommand({
        UserPoolId: config.userPoolId,
        ClientId: config.clientId,
      }),
    );
    const descriptor = out.ClientSecretDescriptor;
    if (!descriptor?.ClientSecretId || !descriptor.ClientSecretValue) {
      throw new IssuerError('Cognito returned no client secret', {
        context: { clientId: config.clientId },
      });
    }
    return {
      credentialId: descriptor.ClientSecretId,
      clientId: config.clientId,
      clientSecret: descriptor.ClientSecretValue,
      ...(descriptor.ClientSecretCreateDate
        ? { createdAt: descriptor.ClientSecretCreateDate.toISOString() }
        : {}),
    };
  }

  async revoke(config: CognitoConfig, _doc: SecretDocument, credentialId: string): Promise<void> {
    try {
      await this.cognito(config).send(
        new DeleteUserPoolClientSecretCommand({
          UserPoolId: config.userPoolId,
          ClientId: config.clientId,
          ClientSecretId: credentialId,
        }),
      );
    } catch (error) {
      if (error instanceof ResourceNotFoundException) return;
      throw error;
    }
  }

  async list(config: CognitoConfig): Promise<IssuerCredentialInfo[]> {
    const items: IssuerCredentialInfo[] = [];
    let nextToken: string | undefined;
    do {
      const out = await this.cognito(config).send(
        new ListUserPoolClientSecretsCommand({
          UserPoolId: config.userPoolId,
          ClientId: config.clientId,
          ...(nextToken ? { NextToken: nextToken } : {}),
        }),
      );
      for (const secret of out.ClientSecrets ?? []) {
        if (!secret.ClientSecretId) continue;
        items.push({
          credentialId: secret.ClientSecretId,
          ...(secret.ClientSecretCreateDate
            ? { createdAt: secret.ClientSecretCreateDate.toISOString() }
            : {}),
        });
      }
      nextToken = out.NextToken;
    } while (nextToken);
    return items;
  }
}
