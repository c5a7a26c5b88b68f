/**
 * Admin secrets are not credential secrets. The rotator reads an issuer admin secret and sends
 * it to the issuer (as a bearer token, client credentials or an HMAC key), so a document whose
 * admin reference was rewritten to a gateway credential — or any other secret — must not
 * parse: not at registration, not when the rotator reads the document. References live under
 * `gatewarden-admin/` only, and the error names the rule and the field, never the value.
 */
import { ADMIN_SECRET_PREFIX, SECRET_PREFIX } from '../../../lib/shared/env.js';
import { isAdminSecretRef } from '../../../lib/shared/secretNames.js';
import { parseDocument } from '../../../lib/rotation/document.js';
import { SecretDocumentError } from '../../../lib/rotation/errors.js';
import { parseIssuer, validateDocument } from '../../../lib/rotation/registerOptions.js';
import { issuerConfigSchema, type IssuerConfig } from '../../../lib/rotation/secretDocument.js';

const ACCOUNT = '123456789012';
const SM = `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:`;
const RULE = `must be a secret under ${ADMIN_SECRET_PREFIX}`;

/** One issuer per admin reference field, each pointing at a legitimate admin secret. */
const ADMIN_FIELDS = [
  {
    field: 'hmacSecretArn',
    issuer: { type: 'webhook', url: 'https://keys.example/mint', hmacSecretArn: '' },
  },
  {
    field: 'registrationAccessTokenSecretArn',
    issuer: {
      type: 'rfc7592',
      registrationClientUri: 'https://idp.example/reg/client-1',
      registrationAccessTokenSecretArn: '',
    },
  },
  {
    field: 'apiTokenSecretArn',
    issuer: { type: 'okta', orgUrl: 'https://acme.okta.com', appId: 'app', apiTokenSecretArn: '' },
  },
  {
    field: 'adminCredentialsSecretArn',
    issuer: {
      type: 'entra',
      tenantId: 'tenant-1',
      applicationObjectId: 'object-1',
      adminCredentialsSecretArn: '',
    },
  },
  {
    field: 'managementCredentialsSecretArn',
    issuer: {
      type: 'auth0',
      domainUrl: 'https://acme.eu.auth0.com',
      managementCredentialsSecretArn: '',
    },
  },
] as const;

/** Where a rewritten reference could point instead. */
const ELSEWHERE = [
  ['a credential secret (name)', 'gatewarden/gw-1/apiKey/x'],
  ['a credential secret (ARN)', `${SM}gatewarden/gw-1/oauthClient/crm-AbCdEf`],
  ['an AgentCore-managed secret', 'bedrock-agentcore-identity!default/apikey/weather'],
  ['the old admin prefix, inside gatewarden/', 'gatewarden/admin/okta-token'],
  ['another secret', 'prod/db-password'],
  ['another secret (ARN)', `${SM}prod/db-password-AbCdEf`],
] as const;

function issuerWith(field: string, issuer: Record<string, unknown>, ref: string) {
  return { ...issuer, [field]: ref };
}

function documentWith(issuer: Record<string, unknown>): Record<string, unknown> {
  return {
    schemaVersion: 1,
    kind: 'oauthClient',
    gatewayId: 'gw-1',
    issuer,
    clientId: 'client-1',
    clientSecret: 'CANARY-client-secret-do-not-log',
  };
}

/** Every (field, target) pair: the attack, once per admin field and per place it could point. */
const ATTACKS = ADMIN_FIELDS.flatMap(({ field, issuer }) =>
  ELSEWHERE.map(([where, ref]) => ({ field, issuer, where, ref })),
);

describe('admin secret references: the attack', () => {
  it.each(ATTACKS)(
    'the rotator refuses a document whose $field points at $where',
    ({ field, issuer, ref }) => {
      // Prepare: a writer rewrote the admin reference of an otherwise valid document.
      const value = JSON.stringify(documentWith(issuerWith(field, issuer, ref)));

      // Act
      const parse = () => parseDocument(value, { secretId: 'gatewarden/gw-1/oauthClient/crm' });

      // Assess: refused, naming the field path, never the value it now points at.
      expect(parse).toThrow(SecretDocumentError);
      expect(parse).toThrow(`issuer.${field}`);
      const message = (() => {
        try {
          parse();
        } catch (err) {
          return (err as Error).message;
        }
        return '';
      })();
      expect(message).not.toContain(ref);
      expect(message).not.toContain('CANARY');
    },
  );

  it.each(ATTACKS)('registration refuses $field pointing at $where', ({ field, issuer, ref }) => {
    // Act / Assess: both registration entry points name the rule and the field.
    expect(() => parseIssuer(issuerWith(field, issuer, ref))).toThrow(`${field}: ${RULE}`);
    expect(() => validateDocument(documentWith(issuerWith(field, issuer, ref)))).toThrow(
      `issuer.${field}: ${RULE}`,
    );
  });

  it.each(ADMIN_FIELDS)(
    '$field: the schema issue is the rule, not the value',
    ({ field, issuer }) => {
      // Act
      const parsed = issuerConfigSchema.safeParse(
        issuerWith(field, issuer, 'gatewarden/gw-1/apiKey/x'),
      );

      // Assess
      expect(parsed.success).toBe(false);
      expect(parsed.error?.issues).toHaveLength(1);
      expect(parsed.error?.issues[0]).toMatchObject({ path: [field], message: RULE });
      expect(JSON.stringify(parsed.error?.issues)).not.toContain('gw-1/apiKey');
    },
  );

  it.each(ADMIN_FIELDS)('$field accepts a secret under gatewarden-admin/', ({ field, issuer }) => {
    // Act
    const byName = parseIssuer(issuerWith(field, issuer, 'gatewarden-admin/gw-1/okta-token'));
    const byArn = parseIssuer(issuerWith(field, issuer, `${SM}gatewarden-admin/okta-token-AbCdEf`));

    // Assess
    expect((byName as Record<string, unknown>)[field]).toBe('gatewarden-admin/gw-1/okta-token');
    expect((byArn as Record<string, unknown>)[field]).toBe(
      `${SM}gatewarden-admin/okta-token-AbCdEf`,
    );
    expect(
      parseDocument(
        JSON.stringify(documentWith(byName as IssuerConfig & Record<string, unknown>)),
        {
          secretId: 'gatewarden/gw-1/oauthClient/crm',
        },
      ).issuer,
    ).toEqual(byName);
  });
});

describe('isAdminSecretRef', () => {
  it('uses a prefix outside the credential prefix', () => {
    expect(ADMIN_SECRET_PREFIX.startsWith(SECRET_PREFIX)).toBe(false);
  });

  it.each([
    'gatewarden-admin/okta-token',
    'gatewarden-admin/gw-1/registration-token',
    'gatewarden-admin/a_b+c=d.e@f-g',
    `${SM}gatewarden-admin/okta-token-AbCdEf`,
    `${SM}gatewarden-admin/okta-token`,
    `arn:aws-us-gov:secretsmanager:us-gov-west-1:${ACCOUNT}:secret:gatewarden-admin/x-AbCdEf`,
    `arn:aws-cn:secretsmanager:cn-north-1:${ACCOUNT}:secret:gatewarden-admin/x-AbCdEf`,
    `arn:aws-iso-b:secretsmanager:us-isob-east-1:${ACCOUNT}:secret:gatewarden-admin/x-AbCdEf`,
  ])('accepts %s', (ref) => {
    expect(isAdminSecretRef(ref)).toBe(true);
  });

  it.each([
    ['empty', ''],
    ['the prefix alone', 'gatewarden-admin/'],
    ['the prefix without its slash', 'gatewarden-admin'],
    ['a look-alike prefix', 'gatewarden-adminx/okta-token'],
    ['another case', 'Gatewarden-Admin/okta-token'],
    ['a leading space', ' gatewarden-admin/okta-token'],
    ['a trailing newline', 'gatewarden-admin/okta-token\n'],
    ['a credential secret', 'gatewarden/gw-1/apiKey/x'],
    ['the old admin prefix', 'gatewarden/admin/gw-1/okta-token'],
    ['an AgentCore-managed secret', 'bedrock-agentcore-identity!default/apikey/weather'],
    ['another secret', 'prod/db-password'],
    ['a parent segment', 'gatewarden-admin/../gatewarden/gw-1/apiKey/x'],
    ['a parent segment, deeper', 'gatewarden-admin/a/../../x'],
    ['a dot-dot inside a segment', 'gatewarden-admin/a..b'],
    ['a current-directory segment', 'gatewarden-admin/./okta-token'],
    ['an empty segment', 'gatewarden-admin//okta-token'],
    ['a trailing slash', 'gatewarden-admin/okta-token/'],
    ['a character Secrets Manager refuses', 'gatewarden-admin/okta token'],
    ['a name past 512 characters', `gatewarden-admin/${'a'.repeat(500)}`],
    ['a credential secret ARN', `${SM}gatewarden/gw-1/apiKey/x-AbCdEf`],
    ['an AgentCore-managed secret ARN', `${SM}bedrock-agentcore-identity!default/apikey/w-AbCdEf`],
    ['an ARN without region', `arn:aws:secretsmanager::${ACCOUNT}:secret:gatewarden-admin/x`],
    ['an ARN without account', 'arn:aws:secretsmanager:us-east-1::secret:gatewarden-admin/x'],
    [
      'an ARN with a short account',
      'arn:aws:secretsmanager:us-east-1:1234:secret:gatewarden-admin/x',
    ],
    [
      'an ARN without resource type',
      `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:gatewarden-admin/x`,
    ],
    ['an ARN without a name', `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:`],
    ['an ARN cut short', 'arn:aws:secretsmanager:us-east-1'],
    [
      'an unknown partition',
      `arn:aws-fake:secretsmanager:us-east-1:${ACCOUNT}:secret:gatewarden-admin/x`,
    ],
    [
      'a partition look-alike',
      `arn:awsx:secretsmanager:us-east-1:${ACCOUNT}:secret:gatewarden-admin/x`,
    ],
    ['an SSM parameter', `arn:aws:ssm:us-east-1:${ACCOUNT}:parameter/gatewarden-admin/x`],
    ['an S3 object', 'arn:aws:s3:::gatewarden-admin/x'],
    ['a colon after the name', `${SM}gatewarden-admin/x:${SM}gatewarden/gw-1/apiKey/x`],
    ['an ARN with a parent segment', `${SM}gatewarden-admin/../gatewarden/gw-1/apiKey/x-AbCdEf`],
  ])('refuses %s', (_why, ref) => {
    expect(isAdminSecretRef(ref)).toBe(false);
  });
});
