/**
 * The model check in front of a stand-in route: a request the service model refuses is answered
 * with the service's own validation error, in its wire format, before the route sees it; errors
 * the route throws are rendered in the same format, with the members the model requires.
 */
import type { FrontRequest, StandinContext, StandinRoute } from '../context.js';
import { awsJsonError, StandinError, type StandinResponse } from '../http.js';
import { serviceModel, type ServiceModel } from './botocore.js';
import { bindInput, resolveOperation, type ResolvedOperation } from './request.js';
import { missingRequiredMembers, validateShape, validationMessage } from './validate.js';

/**
 * The error code a service answers a constraint violation with. Cognito's is
 * InvalidParameterException ("1 validation error detected: Value … at 'userPoolId' …");
 * the others' is ValidationException (CloudTrail's Coral one is not in its model).
 */
const VALIDATION_ERROR_CODE: Record<string, string> = {
  'cognito-idp': 'InvalidParameterException',
};

/** Set to `1` to make a stand-in response that lacks a member its model requires fail loudly. */
export const CHECK_OUTPUT_ENV = 'GATEWARDEN_STANDIN_CHECK_OUTPUT';

const isRestJson = (model: ServiceModel): boolean => model.metadata.protocol === 'rest-json';

/** The `reason` a restJson ValidationException needs (`FieldValidationFailed`, `cannotParse`…). */
function reasonFor(model: ServiceModel, type: string, wanted: string): string | undefined {
  const error = model.shapes[type];
  const reasonRef = error?.members?.reason;
  if (!reasonRef || !error?.required?.includes('reason')) return undefined;
  const values = model.shapes[reasonRef.shape]?.enum ?? [];
  return values.find((value) => value.toLowerCase() === wanted.toLowerCase()) ?? values[0];
}

/** An error response of the model's protocol; restJson bodies carry the required `reason`. */
export function modelError(
  model: ServiceModel,
  error: StandinError,
  details: { reason?: string; fieldList?: Array<{ name: string; message: string }> } = {},
): StandinResponse {
  if (!isRestJson(model)) return awsJsonError(error);
  const reason = reasonFor(model, error.type, details.reason ?? 'FieldValidationFailed');
  const withFields = details.fieldList && model.shapes[error.type]?.members?.fieldList;
  return {
    status: error.status,
    headers: { 'content-type': 'application/json', 'x-amzn-errortype': error.type },
    body: JSON.stringify({
      message: error.message,
      ...(reason ? { reason } : {}),
      ...(withFields ? { fieldList: details.fieldList } : {}),
    }),
  };
}

/** The service's refusal of a request its model does not accept, or undefined when it does. */
export function refuseInvalid(
  model: ServiceModel,
  resolved: ResolvedOperation,
  request: FrontRequest,
): StandinResponse | undefined {
  const bound = bindInput(model, resolved, request);
  const shape = resolved.operation.input?.shape;
  const violations = bound.ok && shape ? validateShape(model, shape, bound.input) : [];
  const unreadable = !bound.ok ? bound.reason : violations.find((v) => v.kind === 'type');
  if (unreadable) {
    const message =
      typeof unreadable === 'string'
        ? `Could not read the request: ${unreadable}`
        : `Could not read the request: the value at '${unreadable.path}' is not of its type (${unreadable.constraint})`;
    // awsJson services fail such a request as SerializationException; restJson1 ones say why.
    return isRestJson(model)
      ? modelError(model, new StandinError(400, 'ValidationException', message), {
          reason: 'CannotParse',
        })
      : awsJsonError(new StandinError(400, 'SerializationException', message));
  }
  if (violations.length === 0) return undefined;
  const code = VALIDATION_ERROR_CODE[model.service] ?? 'ValidationException';
  return modelError(model, new StandinError(400, code, validationMessage(violations)), {
    fieldList: violations.slice(0, 10).map((violation) => ({
      name: violation.path,
      message: violation.constraint,
    })),
  });
}

function parsedBody(response: StandinResponse): unknown {
  const text = Buffer.isBuffer(response.body) ? response.body.toString('utf8') : response.body;
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** The error code of an error response (`x-amzn-errortype`, else awsJson's `__type`). */
function errorCodeOf(response: StandinResponse, body: unknown): string | undefined {
  const fromHeader = response.headers['x-amzn-errortype']?.split(':')[0];
  const fromBody = (body as { __type?: unknown } | undefined)?.__type;
  const code = fromHeader ?? (typeof fromBody === 'string' ? fromBody : undefined);
  return code?.split('#').pop();
}

/**
 * Members the model requires that a response lacks: of the operation's output shape for a
 * success, of the modelled error shape for an error. Empty for bodies that are no JSON.
 */
export function missingResponseMembers(
  model: ServiceModel,
  resolved: ResolvedOperation,
  response: StandinResponse,
): string[] {
  const body = parsedBody(response);
  if (body === undefined) return [];
  const shape =
    response.status < 300 ? resolved.operation.output?.shape : errorCodeOf(response, body);
  if (!shape || !model.shapes[shape]) return [];
  return missingRequiredMembers(model, shape, body);
}

/** A restJson error the route returned itself, completed with the `reason` its model requires. */
function completeError(model: ServiceModel, response: StandinResponse): StandinResponse {
  if (!isRestJson(model) || response.status < 400) return response;
  const body = parsedBody(response) as Record<string, unknown> | undefined;
  const type = errorCodeOf(response, body);
  if (!body || !type || body.reason !== undefined) return response;
  const reason = reasonFor(model, type, 'FieldValidationFailed');
  return reason ? { ...response, body: JSON.stringify({ ...body, reason }) } : response;
}

/**
 * Wraps a route that declares its `model`: requests are validated before `handle`, and the
 * route's errors come back in the model's wire format. Routes without a model pass unchanged.
 */
export function modelChecked(route: StandinRoute): StandinRoute {
  const service = route.model;
  if (!service) return route;
  const handle = async (
    request: FrontRequest,
    context: StandinContext,
  ): Promise<StandinResponse> => {
    const model = serviceModel(service);
    const resolved = resolveOperation(model, request);
    // Not one of the model's operations (an admin call, a newer API): the route decides.
    if (!resolved) return route.handle(request, context);
    const refusal = refuseInvalid(model, resolved, request);
    if (refusal) return refusal;
    let response: StandinResponse;
    try {
      response = completeError(model, await route.handle(request, context));
    } catch (error) {
      if (error instanceof StandinError) return modelError(model, error);
      throw error;
    }
    if (process.env[CHECK_OUTPUT_ENV] === '1') {
      const missing = missingResponseMembers(model, resolved, response);
      if (missing.length > 0)
        throw new Error(
          `${route.name} answered ${resolved.operation.name} without required ${missing.join(', ')}`,
        );
    }
    return response;
  };
  return { ...route, handle };
}
