/**
 * Cognito stand-in: app-client secret rotation and a Cognito-style token endpoint, which moto
 * lacks. TEST/DEMO COMPONENT — not product code.
 *
 * - `AddUserPoolClientSecret` / `ListUserPoolClientSecrets` / `DeleteUserPoolClientSecret`
 *   (awsJson1.1, `X-Amz-Target: AWSCognitoIdentityProviderService.*`) for clients that exist in
 *   moto's cognito-idp. The client's own secret (from moto) is the first one; at most two are
 *   active; the last one cannot be deleted — Cognito's documented rules.
 * - `POST /cognito/<userPoolId>/oauth2/token` (client_credentials, client_secret_basic or
 *   _post) issuing RS256 JWT access tokens shaped like Cognito's (`client_id`, `scope`,
 *   `token_use: access`, no `aud`), with discovery at
 *   `/cognito/<userPoolId>/.well-known/openid-configuration` and JWKS next to it. The issuer is
 *   `<front>/cognito/<userPoolId>` (real Cognito: `https://cognito-idp.<region>.amazonaws.com/<pool>`).
 */
import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import {
  CognitoIdentityProviderClient,
  DescribeUserPoolClientCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { header } from './awsRequest.js';
import type { FrontRequest, StandinContext, StandinRoute } from './context.js';
import { awsJson, awsJsonError, epochSeconds, StandinError, type StandinResponse } from './http.js';

const TARGET = 'AWSCognitoIdentityProviderService.';
const OPERATIONS = [
  'AddUserPoolClientSecret',
  'ListUserPoolClientSecrets',
  'DeleteUserPoolClientSecret',
];
const MAX_ACTIVE = 2;
const TOKEN_SECONDS = 3600;

interface ClientSecret {
  id: string;
  value: string;
  createdAt: Date;
}

interface CognitoState {
  /** `<poolId>|<clientId>` → its active secrets; seeded from moto on first use. */
  secrets: Map<string, ClientSecret[]>;
  signing?: Promise<{ privateKey: CryptoKey; jwk: JWK }>;
}

const stateOf = (context: StandinContext): CognitoState =>
  context.state('cognito', () => ({ secrets: new Map<string, ClientSecret[]>() }));

const invalidParameter = (message: string): StandinError =>
  new StandinError(400, 'InvalidParameterException', message);
const notFound = (message: string): StandinError =>
  new StandinError(400, 'ResourceNotFoundException', message);

/** Loads (once) the client's secrets: the one moto generated becomes the first. */
async function secretsOf(
  context: StandinContext,
  request: FrontRequest,
  userPoolId: string,
  clientId: string,
): Promise<ClientSecret[]> {
  const state = stateOf(context);
  const key = `${userPoolId}|${clientId}`;
  const known = state.secrets.get(key);
  if (known) return known;
  const cognito = context.motoClient(CognitoIdentityProviderClient, request);
  let described;
  try {
    described = await cognito.send(
      new DescribeUserPoolClientCommand({ UserPoolId: userPoolId, ClientId: clientId }),
    );
  } catch {
    throw notFound(`User pool client ${clientId} does not exist.`);
  }
  const initial = described.UserPoolClient?.ClientSecret;
  const list: ClientSecret[] = initial
    ? [
        {
          id: `${clientId}--${randomBytes(6).toString('hex')}`,
          value: initial,
          createdAt: described.UserPoolClient?.CreationDate ?? new Date(),
        },
      ]
    : [];
  state.secrets.set(key, list);
  return list;
}

function requireString(params: Record<string, unknown>, name: string): string {
  const value = params[name];
  if (typeof value !== 'string' || value === '') throw invalidParameter(`${name} is required`);
  return value;
}

export const cognitoSecretsRoute: StandinRoute = {
  name: 'cognito:ClientSecrets',
  model: 'cognito-idp',
  matches: (request) =>
    request.aws.target !== undefined &&
    request.aws.target.startsWith(TARGET) &&
    OPERATIONS.includes(request.aws.target.slice(TARGET.length)),
  async handle(request, context) {
    try {
      const params = request.aws.params;
      const userPoolId = requireString(params, 'UserPoolId');
      const clientId = requireString(params, 'ClientId');
      const secrets = await secretsOf(context, request, userPoolId, clientId);
      switch (request.aws.target?.slice(TARGET.length)) {
        case 'AddUserPoolClientSecret': {
          if (secrets.length >= MAX_ACTIVE) {
            throw new StandinError(
              400,
              'LimitExceededException',
              `A client can have at most ${MAX_ACTIVE} secrets.`,
            );
          }
          const provided =
            typeof params.ClientSecret === 'string' ? params.ClientSecret : undefined;
          const secret = {
            id: `${clientId}--${randomBytes(6).toString('hex')}`,
            // 52 characters of [a-z0-9], as Cognito generates them (the model's pattern is [\w+]+).
            value: provided ?? randomBytes(26).toString('hex'),
            createdAt: new Date(),
          };
          secrets.push(secret);
          return awsJson({
            ClientSecretDescriptor: {
              ClientSecretId: secret.id,
              // Cognito returns the value only when it generated it.
              ...(provided ? {} : { ClientSecretValue: secret.value }),
              ClientSecretCreateDate: epochSeconds(secret.createdAt),
            },
          });
        }
        case 'ListUserPoolClientSecrets':
          return awsJson({
            ClientSecrets: secrets.map((s) => ({
              ClientSecretId: s.id,
              ClientSecretCreateDate: epochSeconds(s.createdAt),
            })),
          });
        default: {
          const secretId = requireString(params, 'ClientSecretId');
          const index = secrets.findIndex((s) => s.id === secretId);
          if (index < 0) throw notFound(`Client secret ${secretId} does not exist.`);
          if (secrets.length === 1)
            throw invalidParameter('The last client secret of a client cannot be deleted.');
          secrets.splice(index, 1);
          return awsJson({});
        }
      }
    } catch (error) {
      if (error instanceof StandinError) return awsJsonError(error);
      throw error;
    }
  },
};

const COGNITO_PATH =
  /^\/cognito\/([\w-]+_[A-Za-z0-9]+)\/(oauth2\/token|\.well-known\/openid-configuration|\.well-known\/jwks\.json)$/;

function signingKey(context: StandinContext): Promise<{ privateKey: CryptoKey; jwk: JWK }> {
  const state = stateOf(context);
  state.signing ??= (async () => {
    const { privateKey, publicKey } = await generateKeyPair('RS256');
    return {
      privateKey,
      jwk: {
        ...(await exportJWK(publicKey)),
        kid: `cognito-local-${randomUUID()}`,
        alg: 'RS256',
        use: 'sig',
      },
    };
  })();
  return state.signing;
}

function json(status: number, body: unknown): StandinResponse {
  return {
    status,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
    body: JSON.stringify(body),
  };
}

function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** Discovery, JWKS and the client_credentials token endpoint of a user pool. */
export const cognitoOauthRoute: StandinRoute = {
  name: 'cognito:oauth2',
  recordInCloudTrail: false,
  matches: (request) => COGNITO_PATH.test(request.path),
  async handle(request, context) {
    const [, userPoolId = '', resource] = COGNITO_PATH.exec(request.path) ?? [];
    const issuer = `http://${header(request.headers, 'host') ?? '127.0.0.1'}/cognito/${userPoolId}`;
    if (resource === '.well-known/openid-configuration') {
      return json(200, {
        issuer,
        token_endpoint: `${issuer}/oauth2/token`,
        jwks_uri: `${issuer}/.well-known/jwks.json`,
        grant_types_supported: ['client_credentials'],
        token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
      });
    }
    const { privateKey, jwk } = await signingKey(context);
    if (resource === '.well-known/jwks.json') return json(200, { keys: [jwk] });
    if (request.method !== 'POST') return json(405, { error: 'invalid_request' });

    const form = new URLSearchParams(request.body.toString('utf8'));
    if (form.get('grant_type') !== 'client_credentials')
      return json(400, { error: 'unsupported_grant_type' });
    let clientId = form.get('client_id') ?? '';
    let clientSecret = form.get('client_secret') ?? '';
    const basic = /^Basic\s+(.+)$/i.exec(header(request.headers, 'authorization') ?? '');
    if (basic?.[1]) {
      const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      clientId = decodeURIComponent(decoded.slice(0, colon));
      clientSecret = decodeURIComponent(decoded.slice(colon + 1));
    }
    const region = userPoolId.split('_')[0] ?? 'us-east-1';
    let secrets: ClientSecret[];
    try {
      secrets = await secretsOf(
        context,
        { ...request, aws: { ...request.aws, region } },
        userPoolId,
        clientId,
      );
    } catch {
      return json(400, { error: 'invalid_client' });
    }
    if (!clientSecret || !secrets.some((s) => sameSecret(s.value, clientSecret)))
      return json(400, { error: 'invalid_client' });
    const scope = form.get('scope') ?? '';
    const now = Math.floor(Date.now() / 1000);
    const accessToken = await new SignJWT({
      client_id: clientId,
      token_use: 'access',
      ...(scope ? { scope } : {}),
    })
      .setProtectedHeader({ alg: 'RS256', kid: jwk.kid ?? '' })
      .setIssuer(issuer)
      .setSubject(clientId)
      .setIssuedAt(now)
      .setExpirationTime(now + TOKEN_SECONDS)
      .setJti(randomUUID())
      .sign(privateKey);
    return json(200, {
      access_token: accessToken,
      token_type: 'Bearer',
      expires_in: TOKEN_SECONDS,
    });
  },
};
