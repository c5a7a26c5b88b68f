/**
 * A stand-in that passes a request on to moto and gets an error back re-sends moto's answer:
 * same status, code and message, in the awsJson1.1 shape the SDK reads the code from.
 */
import { awsJsonErrorFromMoto } from '../../../local/standin/http.js';

const fallback = { type: 'ValidationException', message: 'PutEvents failed' };

describe('awsJsonErrorFromMoto', () => {
  it('keeps the status, code and message of the error moto answered with', () => {
    const motoError = Object.assign(new Error('Secret not found'), {
      name: 'ResourceNotFoundException',
      $metadata: { httpStatusCode: 404 },
    });
    const response = awsJsonErrorFromMoto(motoError, fallback);
    expect(response.status).toBe(404);
    expect(response.headers['x-amzn-errortype']).toBe('ResourceNotFoundException');
    expect(JSON.parse(String(response.body))).toEqual({
      __type: 'ResourceNotFoundException',
      message: 'Secret not found',
    });
  });

  it.each([[{}], [null], ['a string']])('falls back to 400 and the given code for %j', (error) => {
    const response = awsJsonErrorFromMoto(error, fallback);
    expect(response.status).toBe(400);
    expect(JSON.parse(String(response.body))).toEqual({
      __type: 'ValidationException',
      message: 'PutEvents failed',
    });
  });
});
