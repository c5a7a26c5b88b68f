import {
  BedrockAgentCoreClient,
  GetResourceApiKeyCommand,
  GetWorkloadAccessTokenCommand,
} from '@aws-sdk/client-bedrock-agentcore';
import {
  BedrockAgentCoreControlClient,
  GetOauth2CredentialProviderCommand,
  UpdateApiKeyCredentialProviderCommand,
  UpdateOauth2CredentialProviderCommand,
  type CredentialProviderVendorType,
  type Oauth2ProviderConfigInput,
} from '@aws-sdk/client-bedrock-agentcore-control';
import { assertSameDestination, type Oauth2Destination } from '../rotation/destinations.js';
import { ProviderUpdateError } from '../rotation/errors.js';
import type { ProviderReader, ProviderUpdater } from '../rotation/ports.js';
import { clientConfig } from './clients.js';
import { oauth2InputFromOutput } from './oauth2Config.js';

/**
 * AgentCore Identity credential providers (control plane) and, optionally, the data plane's
 * view of an API-key provider. Updates are full replacements, so the OAuth2 update first reads
 * the provider's whole vendor configuration and writes it back with the new client secret.
 */
export class AgentCoreProviders implements ProviderUpdater, ProviderReader {
  /** Made now: the data-plane client made later signs as this object was made to. */
  private readonly dataConfig = clientConfig();

  constructor(
    private readonly control: BedrockAgentCoreControlClient = new BedrockAgentCoreControlClient(
      clientConfig(),
    ),
    /** Data-plane client; created on the first read-back, which most callers never make. */
    private data?: BedrockAgentCoreClient,
    /** Workload identity whose token the data-plane read-back uses. */
    private readonly workloadName: string | undefined = process.env.GATEWARDEN_WORKLOAD_NAME,
  ) {}

  async updateApiKey(providerName: string, apiKey: string): Promise<void> {
    await this.control.send(
      new UpdateApiKeyCredentialProviderCommand({ name: providerName, apiKey }),
    );
  }

  /**
   * The rotator's full replace: the live configuration must be the pinned one (else
   * BindingMismatchError, and nothing is written), and what is written back is the pin with
   * the new secret, so a change made between the check and the write is not carried over.
   */
  async updateOauth2ClientSecret(
    providerName: string,
    clientId: string,
    clientSecret: string,
    pinned: Oauth2Destination,
  ): Promise<void> {
    const live = await this.readOauth2Destination(providerName);
    assertSameDestination('oauth2', pinned, live, { provider: providerName });
    await this.control.send(
      new UpdateOauth2CredentialProviderCommand({
        name: providerName,
        credentialProviderVendor: pinned.vendor as CredentialProviderVendorType,
        oauth2ProviderConfigInput: {
          [pinned.member]: { ...pinned.config, clientId, clientSecret },
        } as unknown as Oauth2ProviderConfigInput,
      }),
    );
  }

  /** The vendor configuration UpdateOauth2CredentialProvider would take, without the secret. */
  async readOauth2Destination(providerName: string): Promise<Oauth2Destination> {
    const { vendor, member, config } = await this.readOauth2(providerName);
    return { vendor, member, config: oauth2InputFromOutput(member, config, {}) };
  }

  /**
   * Points a provider at a customer secret (EXTERNAL source): AgentCore then reads the value
   * under `jsonKey` of the secret's AWSCURRENT on its next read, so rotation pushes nothing.
   */
  async useExternalSecret(
    provider: { type: 'apiKey' | 'oauth2'; name: string },
    ref: { secretId: string; jsonKey: string },
  ): Promise<void> {
    if (provider.type === 'apiKey') {
      await this.control.send(
        new UpdateApiKeyCredentialProviderCommand({
          name: provider.name,
          apiKeySecretSource: 'EXTERNAL',
          apiKeySecretConfig: ref,
        }),
      );
      return;
    }
    await this.replaceOauth2Secret(provider.name, {
      clientSecretSource: 'EXTERNAL',
      clientSecretConfig: ref,
    });
  }

  /**
   * UpdateOauth2CredentialProvider is a full replace: read the whole vendor configuration, swap
   * the secret fields, write everything back (issuer, endpoints, tenant, discovery included).
   */
  private async replaceOauth2Secret(
    providerName: string,
    secret: Record<string, unknown>,
  ): Promise<void> {
    const { vendor, member, config } = await this.readOauth2(providerName);
    const input = {
      [member]: oauth2InputFromOutput(member, config, secret),
    } as unknown as Oauth2ProviderConfigInput;
    await this.control.send(
      new UpdateOauth2CredentialProviderCommand({
        name: providerName,
        credentialProviderVendor: vendor as CredentialProviderVendorType,
        oauth2ProviderConfigInput: input,
      }),
    );
  }

  /** GetOauth2CredentialProvider: the vendor and its one configuration member. */
  private async readOauth2(
    providerName: string,
  ): Promise<{ vendor: string; member: string; config: Record<string, unknown> }> {
    const current = await this.control.send(
      new GetOauth2CredentialProviderCommand({ name: providerName }),
    );
    const output = current.oauth2ProviderConfigOutput as Record<string, unknown> | undefined;
    const member = Object.entries(output ?? {}).find(([key, value]) => key !== '$unknown' && value);
    if (!member || !current.credentialProviderVendor) {
      throw new ProviderUpdateError('OAuth2 provider has no readable vendor configuration', {
        context: { provider: providerName },
      });
    }
    return {
      vendor: current.credentialProviderVendor,
      member: member[0],
      config: member[1] as Record<string, unknown>,
    };
  }

  async readApiKey(providerName: string): Promise<string> {
    if (!this.workloadName)
      throw new ProviderUpdateError(
        'GATEWARDEN_WORKLOAD_NAME is not set; cannot read back the API key',
      );
    const data = (this.data ??= new BedrockAgentCoreClient(this.dataConfig));
    const token = await data.send(
      new GetWorkloadAccessTokenCommand({ workloadName: this.workloadName }),
    );
    const out = await data.send(
      new GetResourceApiKeyCommand({
        workloadIdentityToken: token.workloadAccessToken,
        resourceCredentialProviderName: providerName,
      }),
    );
    return out.apiKey ?? '';
  }
}
