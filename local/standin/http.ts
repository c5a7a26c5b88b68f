/** Response builders in the exact shapes the AWS SDK v3 deserializers expect. */

export interface StandinResponse {
  status: number;
  headers: Record<string, string>;
  body: string | Buffer;
}

/** An error the stand-in answers with; `type` is the AWS error code the SDK maps to a class. */
export class StandinError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
    this.name = 'StandinError';
  }
}

export const validation = (message: string): StandinError =>
  new StandinError(400, 'ValidationException', message);
export const notFound = (message: string): StandinError =>
  new StandinError(404, 'ResourceNotFoundException', message);
export const conflict = (message: string): StandinError =>
  new StandinError(409, 'ConflictException', message);
export const accessDenied = (message: string): StandinError =>
  new StandinError(403, 'AccessDeniedException', message);

/** restJson1 success. */
export function restJson(status: number, body: unknown): StandinResponse {
  return {
    status,
    headers: { 'content-type': 'application/json' },
    body: status === 204 ? '' : JSON.stringify(body ?? {}),
  };
}

/** restJson1 error: the SDK reads the code from `x-amzn-errortype`, the text from `message`. */
export function restJsonError(error: StandinError): StandinResponse {
  return {
    status: error.status,
    headers: { 'content-type': 'application/json', 'x-amzn-errortype': error.type },
    body: JSON.stringify({ message: error.message }),
  };
}

/** awsJson1.1 success (CloudTrail, Cognito, Secrets Manager…). */
export function awsJson(body: unknown): StandinResponse {
  return {
    status: 200,
    headers: { 'content-type': 'application/x-amz-json-1.1' },
    body: JSON.stringify(body ?? {}),
  };
}

/** awsJson1.1 error: the code travels in `__type`. */
export function awsJsonError(error: StandinError): StandinResponse {
  return {
    status: error.status,
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': error.type },
    body: JSON.stringify({ __type: error.type, message: error.message }),
  };
}

/**
 * moto's answer to a request a stand-in passed on, failed: the same status, code and message,
 * re-sent in awsJson1.1 (moto's own answer is gone once the SDK has thrown it).
 */
export function awsJsonErrorFromMoto(
  error: unknown,
  fallback: { type: string; message: string },
): StandinResponse {
  const failure = error as {
    name?: string;
    message?: string;
    $metadata?: { httpStatusCode?: number };
  } | null;
  return awsJsonError(
    new StandinError(
      failure?.$metadata?.httpStatusCode ?? 400,
      failure?.name ?? fallback.type,
      failure?.message ?? fallback.message,
    ),
  );
}

/** Epoch seconds, the timestamp format of restJson1 and awsJson bodies. */
export function epochSeconds(date: Date): number {
  return Math.round(date.getTime()) / 1000;
}
