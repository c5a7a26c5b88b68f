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
  type Oauth2ProviderConfigInput,
} from '@aws-sdk/client-bedrock-agentcore-control';
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

  async updateOauth2ClientSecret(
    providerName: string,
    clientId: string,
    clientSecret: string,
  ): Promise<void> {
    await this.replaceOauth2Secret(providerName, { clientId, clientSecret });
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
    const [memberName, config] = member;
    const input = {
      [memberName]: oauth2InputFromOutput(memberName, config as Record<string, unknown>, secret),
    } as unknown as Oauth2ProviderConfigInput;
    await this.control.send(
      new UpdateOauth2CredentialProviderCommand({
        name: providerName,
        credentialProviderVendor: current.credentialProviderVendor,
        oauth2ProviderConfigInput: input,
      }),
    );
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
