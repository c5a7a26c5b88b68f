import {
  decodeRotationFailureTag,
  encodeRotationFailureTag,
  ROTATION_FAILED,
  rotationFailedAlert,
  rotationSucceededAlert,
} from '../../../lib/rotation/alerts.js';

const ARN =
  'arn:aws:secretsmanager:us-east-1:123456789012:secret:gatewarden/gw-1/apiKey/weather-AbCdEf';
const CANARY_JWT = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJjYW5hcnkifQ.c2lnbmF0dXJlY2FuYXJ5';

describe('rotation alerts', () => {
  it('carries the secret ARN, gateway, step and error class of a failure', () => {
    // Act
    const alert = rotationFailedAlert({
      secretArn: ARN,
      gatewayId: 'gw-1',
      step: 'setSecret',
      errorClass: 'ThrottlingException',
      reason: 'UpdateApiKeyCredentialProvider throttled',
    });

    // Assess
    expect(alert.detailType).toBe(ROTATION_FAILED);
    expect(alert.severity).toBe('high');
    expect(alert.subject).toContain('gatewarden/gw-1/apiKey/weather');
    expect(alert.detail).toMatchObject({
      secretArn: ARN,
      gatewayId: 'gw-1',
      step: 'setSecret',
      errorClass: 'ThrottlingException',
    });
    expect(alert.attributes).toMatchObject({ step: 'setSecret', gatewayId: 'gw-1' });
  });

  it('redacts tokens that slip into a reason', () => {
    const alert = rotationFailedAlert({
      secretArn: ARN,
      step: 'testSecret',
      errorClass: 'TokenRejected',
      reason: `token ${CANARY_JWT} was rejected; Authorization: Bearer abcdefghijklmnop`,
    });
    const text = JSON.stringify(alert);
    expect(text).not.toContain(CANARY_JWT);
    expect(text).not.toContain('abcdefghijklmnop');
  });

  it('describes a success with versions and retirement time', () => {
    const alert = rotationSucceededAlert({
      secretArn: ARN,
      gatewayId: 'gw-1',
      versionId: 'v2',
      previousVersionId: 'v1',
      retireAfter: '2026-11-29T00:00:00.000Z',
    });
    expect(alert.severity).toBe('info');
    expect(alert.detail).toMatchObject({ versionId: 'v2', previousVersionId: 'v1' });
  });

  it.each([
    ['a plain failure', { step: 'createSecret', errorClass: 'IssuerError' }],
    [
      'a failure with version and reason',
      {
        step: 'testSecret',
        errorClass: 'TokenEndpointError',
        versionId: '0b8e2c8e-1111-4a5b-9c3d-2f0e6f7a8b9c',
        reason: 'token endpoint answered 401 (invalid_client)',
      },
    ],
  ])('round-trips %s through the failure tag', (_name, input) => {
    const value = encodeRotationFailureTag({
      secretArn: ARN,
      at: '2026-11-28T15:00:00.000Z',
      ...input,
    });
    expect(value.length).toBeLessThanOrEqual(256);
    expect(value).toMatch(/^[\p{L}\p{N}\s_.:/=+\-@]*$/u);
    const decoded = decodeRotationFailureTag(ARN, value);
    expect(decoded).toMatchObject({ step: input.step, errorClass: input.errorClass });
    if ('versionId' in input) expect(decoded?.versionId).toBe(input.versionId);
    if ('reason' in input)
      expect(decoded?.reason).toBe('token endpoint answered 401 invalid_client');
  });

  it('ignores a malformed tag', () => {
    expect(decodeRotationFailureTag(ARN, 'not a record')).toBeUndefined();
  });
});
