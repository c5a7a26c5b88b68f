import { GatewardenError } from './errors.js';

/**
 * The most gatewarden reads of any reply from an endpoint it does not run: an IdP's token
 * endpoint, a discovery document, a JWKS, a vendor admin API, a customer webhook, the chat
 * webhook. Each of those answers in a few kilobytes; a bigger reply is a fault or an attack
 * (memory exhaustion of a Lambda holding credentials), and is cut off.
 */
export const MAX_RESPONSE_BYTES = 1024 * 1024;

/** A reply was larger than the cap. Names the host and the cap, never the body. */
export class ResponseTooLargeError extends GatewardenError {}

type ErrorClass = new (
  message: string,
  options?: { context?: Record<string, string | number | boolean | undefined> },
) => Error;

export interface BoundOptions {
  /** The host that answered (`host:port`), for the error. */
  host: string;
  /** Bytes; {@link MAX_RESPONSE_BYTES} unless said otherwise. */
  cap?: number;
  /** The caller's own error class (as `checkedUrl` takes), so retry and failure rules hold. */
  ErrorType?: ErrorClass;
}

/**
 * `response` with a body that fails once more than `cap` bytes have arrived. Streaming: bytes
 * are counted as they come, the connection is cancelled at the first chunk past the cap, and
 * nothing is buffered here — whoever reads the body (`.json()`, `.text()`, a library such as
 * jose) gets the error instead of the rest. A declared `content-length` above the cap fails
 * before the first byte is read.
 */
export function boundedBody(response: Response, options: BoundOptions): Response {
  if (response.body === null) return response;
  const cap = options.cap ?? MAX_RESPONSE_BYTES;
  const tooLarge = (): Error => capError(options, cap);
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  let seen = 0;
  const counter = new TransformStream<Uint8Array, Uint8Array>({
    start(controller) {
      if (Number.isFinite(declared) && declared > cap) controller.error(tooLarge());
    },
    transform(chunk, controller) {
      seen += chunk.byteLength;
      if (seen > cap) controller.error(tooLarge());
      else controller.enqueue(chunk);
    },
  });
  // An error in the transform cancels the source: the socket is released, not drained.
  const body = response.body.pipeThrough(counter);
  const bounded = new Response(body, {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
  // Keep what callers read besides the body (jose and the verifier read `url` for errors).
  Object.defineProperty(bounded, 'url', { value: response.url });
  return bounded;
}

/** The body as UTF-8 text, at most `cap` bytes; see {@link boundedBody}. */
export async function readBoundedText(response: Response, options: BoundOptions): Promise<string> {
  return boundedBody(response, options).text();
}

/** True for the error {@link boundedBody} raises, whatever class the caller chose. */
export function isTooLarge(error: unknown): boolean {
  return (
    error instanceof Error &&
    (error instanceof ResponseTooLargeError ||
      (error instanceof GatewardenError && error.context.cappedAt !== undefined))
  );
}

function capError(options: BoundOptions, cap: number): Error {
  const Type = options.ErrorType ?? ResponseTooLargeError;
  return new Type(
    `reply from ${options.host} exceeds the ${describeBytes(cap)} cap: cut off, not read`,
    { context: { host: options.host, cappedAt: cap } },
  );
}

function describeBytes(bytes: number): string {
  if (bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MiB`;
  if (bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} bytes`;
}
