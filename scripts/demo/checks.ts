/**
 * Proof, after rotation, that the demo gateway's credentials still work — with the product's
 * own verifier (token from the IdP, JWT checked against the gateway's authorizer).
 */
import {
  BedrockAgentCoreClient,
  GetResourceOauth2TokenCommand,
  GetWorkloadAccessTokenCommand,
} from '@aws-sdk/client-bedrock-agentcore';
import { BedrockAgentCoreControlClient } from '@aws-sdk/client-bedrock-agentcore-control';
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { clientConfig } from '../../lib/aws/clients.js';
import { AgentCoreGatewayReader } from '../../lib/aws/gatewayReader.js';
import { HttpCredentialVerifier } from '../../lib/rotation/verifier.js';
import type { DemoGateway } from './provision.js';

/** AgentCore's data plane gets an M2M token with the rotated outbound client secret. */
export async function checkOutboundOauth(gw: DemoGateway): Promise<string> {
  const data = new BedrockAgentCoreClient(clientConfig());
  const { workloadAccessToken } = await data.send(
    new GetWorkloadAccessTokenCommand({ workloadName: gw.workloadIdentity }),
  );
  const { accessToken } = await data.send(
    new GetResourceOauth2TokenCommand({
      workloadIdentityToken: workloadAccessToken,
      resourceCredentialProviderName: gw.oauthProvider.name,
      scopes: [],
      oauth2Flow: 'M2M',
    }),
  );
  const discovery = (await (await fetch(gw.discoveryUrl)).json()) as { jwks_uri: string };
  const jwks = createRemoteJWKSet(new URL(discovery.jwks_uri));
  const { payload } = await jwtVerify(accessToken ?? '', jwks, { issuer: gw.issuer });
  return `OAuth target: AgentCore obtained a JWT for client ${String(payload.client_id ?? payload.sub)} with the rotated secret`;
}

/** An agent's token, got with the rotated inbound secret, passes the gateway's authorizer. */
export async function checkInboundClient(
  gw: DemoGateway,
  sm: SecretsManagerClient,
  secretArn: string,
): Promise<string> {
  const current = await sm.send(
    new GetSecretValueCommand({ SecretId: secretArn, VersionStage: 'AWSCURRENT' }),
  );
  const doc = JSON.parse(current.SecretString ?? '{}') as {
    clientId?: string;
    clientSecret?: string;
  };
  // The gateway's CUSTOM_JWT authorizer, read as the rotation engine's testSecret reads it.
  const authorizer = await new AgentCoreGatewayReader(
    new BedrockAgentCoreControlClient(clientConfig()),
  ).jwtAuthorizer(gw.gatewayId);
  await new HttpCredentialVerifier().verifyClient({
    clientId: doc.clientId ?? '',
    clientSecret: doc.clientSecret ?? '',
    discoveryUrl: authorizer?.discoveryUrl ?? gw.discoveryUrl,
    audience: gw.audience,
    ...(authorizer ? { authorizer } : {}),
  });
  return `inbound: a token got with the rotated client secret passes the gateway's CUSTOM_JWT authorizer`;
}
