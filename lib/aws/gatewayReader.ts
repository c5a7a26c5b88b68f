import {
  BedrockAgentCoreControlClient,
  GetGatewayCommand,
} from '@aws-sdk/client-bedrock-agentcore-control';
import type { GatewayReader, JwtAuthorizer } from '../rotation/ports.js';
import { clientConfig } from './clients.js';

/** Reads a gateway's CUSTOM_JWT authorizer with GetGateway. */
export class AgentCoreGatewayReader implements GatewayReader {
  constructor(
    private readonly control: BedrockAgentCoreControlClient = new BedrockAgentCoreControlClient(
      clientConfig(),
    ),
  ) {}

  async jwtAuthorizer(gatewayId: string): Promise<JwtAuthorizer | undefined> {
    const gateway = await this.control.send(
      new GetGatewayCommand({ gatewayIdentifier: gatewayId }),
    );
    const jwt = gateway.authorizerConfiguration?.customJWTAuthorizer;
    if (gateway.authorizerType !== 'CUSTOM_JWT' || !jwt?.discoveryUrl) return undefined;
    return {
      discoveryUrl: jwt.discoveryUrl,
      ...(jwt.allowedAudience?.length ? { allowedAudience: jwt.allowedAudience } : {}),
      ...(jwt.allowedClients?.length ? { allowedClients: jwt.allowedClients } : {}),
      ...(jwt.allowedScopes?.length ? { allowedScopes: jwt.allowedScopes } : {}),
    };
  }
}
