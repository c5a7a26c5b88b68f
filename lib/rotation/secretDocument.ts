import { z } from 'zod';

/**
 * The gatewarden secret: one versioned JSON document per credential a gateway depends on.
 * Secrets Manager versions hold successive documents; the credential fields (`apiKey`,
 * `clientId`, `clientSecret`) sit at the top level so an AgentCore provider with an EXTERNAL
 * secret source can point its `jsonKey` straight at them.
 *
 * Issuer admin credentials are never inlined: they are referenced by secret ARN.
 */
export const SCHEMA_VERSION = 1;

import { ADMIN_SECRET_PREFIX } from '../shared/env.js';
import { credentialKinds, isAdminSecretRef } from '../shared/secretNames.js';

export { credentialKinds, type CredentialKind } from '../shared/secretNames.js';

/**
 * An issuer admin secret, by name or ARN, under `gatewarden-admin/` only: the rotator sends
 * what it reads here to the issuer, so a rewritten reference must not reach a gateway
 * credential or any other secret. The message names the rule, never the value.
 */
const secretRef = z
  .string()
  .refine(isAdminSecretRef, { message: `must be a secret under ${ADMIN_SECRET_PREFIX}` })
  .describe('ARN or name of a secret under gatewarden-admin/ holding admin credentials');
const httpsUrl = z.string().url();

export const issuerConfigSchema = z.discriminatedUnion('type', [
  /** A random key from Secrets Manager GetRandomPassword; the target reads it from this secret. */
  z.object({
    type: z.literal('generated'),
    length: z.number().int().min(16).max(4096).default(40),
    excludePunctuation: z.boolean().default(true),
  }),
  /** The customer's HTTPS endpoint (or Lambda) mints and revokes third-party API keys. */
  z.object({
    type: z.literal('webhook'),
    url: httpsUrl.optional(),
    lambdaArn: z.string().optional(),
    hmacSecretArn: secretRef,
    timeoutMs: z.number().int().positive().max(30_000).default(5_000),
  }),
  /** Cognito user pool app client: AddUserPoolClientSecret / DeleteUserPoolClientSecret. */
  z.object({
    type: z.literal('cognito'),
    userPoolId: z.string().min(1),
    clientId: z.string().min(1),
    region: z.string().optional(),
  }),
  /** RFC 7592 client registration management at the registration client URI. */
  z.object({
    type: z.literal('rfc7592'),
    registrationClientUri: httpsUrl,
    registrationAccessTokenSecretArn: secretRef,
  }),
  z.object({
    type: z.literal('okta'),
    orgUrl: httpsUrl,
    appId: z.string().min(1),
    apiTokenSecretArn: secretRef,
  }),
  z.object({
    type: z.literal('entra'),
    tenantId: z.string().min(1),
    applicationObjectId: z.string().min(1),
    adminCredentialsSecretArn: secretRef,
    graphUrl: httpsUrl.optional(),
    loginUrl: httpsUrl.optional(),
  }),
  z.object({
    type: z.literal('auth0'),
    domainUrl: httpsUrl,
    managementCredentialsSecretArn: secretRef,
  }),
]);
export type IssuerConfig = z.infer<typeof issuerConfigSchema>;
export type IssuerType = IssuerConfig['type'];

/** Which AgentCore Identity provider (if any) serves this credential to the gateway. */
export const providerRefSchema = z.object({
  type: z.enum(['apiKey', 'oauth2']),
  name: z.string().min(1),
  arn: z.string().optional(),
  /** MANAGED: AgentCore keeps its own copy (push on setSecret). EXTERNAL: it reads this secret. */
  secretSource: z.enum(['MANAGED', 'EXTERNAL']).default('MANAGED'),
});

/** How testSecret proves a new credential before anyone depends on it. */
export const testConfigSchema = z
  .object({
    /** OAuth token endpoint; defaults to the one in the issuer's discovery document. */
    tokenEndpoint: z.string().url().optional(),
    /** Discovery URL the gateway trusts (for inbound credentials: its CUSTOM_JWT authorizer). */
    discoveryUrl: z.string().url().optional(),
    scopes: z.array(z.string()).optional(),
    audience: z.string().optional(),
    /** API keys: a request that must succeed with the new key. */
    probe: z
      .object({
        url: z.string().url(),
        method: z.enum(['GET', 'POST', 'HEAD']).default('GET'),
        location: z.enum(['HEADER', 'QUERY_PARAMETER']).default('HEADER'),
        parameterName: z.string().default('x-api-key'),
        prefix: z.string().optional(),
        expectStatus: z.number().int().min(100).max(599).default(200),
      })
      .optional(),
    attempts: z.number().int().min(1).max(20).default(5),
    /** Registered with `--no-test`: an API key rotated without any proof that it works. */
    untested: z.literal(true).optional(),
  })
  .default({ attempts: 5 });

/** A credential the issuer still holds that is waiting for its grace period to end. */
export const retiringCredentialSchema = z.object({
  issuerCredentialId: z.string(),
  retireAfter: z.string().datetime(),
});

export const secretDocumentSchema = z
  .object({
    schemaVersion: z.literal(SCHEMA_VERSION),
    kind: z.enum(credentialKinds),
    gatewayId: z.string().min(1),
    /** Gateway target that uses the credential, when known. */
    targetId: z.string().optional(),
    provider: providerRefSchema.optional(),
    issuer: issuerConfigSchema,
    test: testConfigSchema,
    /** Seconds the previous credential stays valid after a new one becomes current. */
    graceSeconds: z.number().int().min(0).default(86_400),
    /** Id of this version's credential at its issuer (secret id, key id, …) — never the value. */
    issuerCredentialId: z.string().optional(),
    /** Credentials superseded by rotation, revoked at the issuer once `retireAfter` passed. */
    retiring: z.array(retiringCredentialSchema).default([]),
    rotatedAt: z.string().datetime().optional(),
    apiKey: z.string().min(1).optional(),
    clientId: z.string().min(1).optional(),
    clientSecret: z.string().min(1).optional(),
  })
  .passthrough()
  .superRefine((doc, ctx) => {
    if (doc.kind === 'apiKey' && !doc.apiKey) {
      ctx.addIssue({ code: 'custom', path: ['apiKey'], message: 'an apiKey secret needs apiKey' });
    }
    if (doc.kind !== 'apiKey' && (!doc.clientId || !doc.clientSecret)) {
      ctx.addIssue({
        code: 'custom',
        path: ['clientSecret'],
        message: `a ${doc.kind} secret needs clientId and clientSecret`,
      });
    }
  });
export type SecretDocument = z.infer<typeof secretDocumentSchema>;
