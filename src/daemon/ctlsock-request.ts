// One request line of the local control socket, parsed and checked (pure, so it is unit-tested
// and fuzzed without a socket): {"id": <finite number>, "method": "<non-empty>", "params": {...}}.
// A bad line gives the one-line error the server sends back (id null when the id is unusable).

export type CtlsockRequest =
  | { ok: true; id: number; method: string; params: Record<string, unknown> }
  | { ok: false; id: number | null; error: string };

export function parseCtlsockRequest(line: string): CtlsockRequest {
  let req: unknown;
  try {
    req = JSON.parse(line);
  } catch {
    return { ok: false, id: null, error: 'request is not valid JSON' };
  }
  if (req === null || typeof req !== 'object' || Array.isArray(req)) {
    return { ok: false, id: null, error: 'request must be a JSON object' };
  }
  const r = req as { id?: unknown; method?: unknown; params?: unknown };
  const id = typeof r.id === 'number' && Number.isFinite(r.id) ? r.id : null;
  if (id === null) return { ok: false, id: null, error: 'request "id" must be a number' };
  if (typeof r.method !== 'string' || r.method === '') {
    return { ok: false, id, error: 'request "method" must be a non-empty string' };
  }
  const params = r.params === undefined ? {} : r.params;
  if (params === null || typeof params !== 'object' || Array.isArray(params)) {
    return { ok: false, id, error: 'request "params" must be a JSON object' };
  }
  return { ok: true, id, method: r.method, params: params as Record<string, unknown> };
}
