/**
 * The operator API calls the generator makes with an admin token: issuing its tills in bulk
 * (POST /v1/tills, 1000 a request; every secret arrives once) and the reads of the check.
 */
export async function bearerCall<T>(
  hq: string,
  token: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<T> {
  const r = await fetch(`${hq}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await r.text();
  if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${text.slice(0, 300)}`);
  return JSON.parse(text) as T;
}

export interface Issued {
  tillId: string;
  storeId: string;
  status: string;
  secret?: string;
  message?: string;
}

export async function provision(hq: string, token: string, tag: string, n: number): Promise<Issued[]> {
  const all = Array.from({ length: n }, (_, i) => ({
    storeId: `lg-${tag}-s${Math.floor(i / 5)}`,
    tillId: `lg-${tag}-t${i}`,
  }));
  const out: Issued[] = [];
  for (let i = 0; i < all.length; i += 1000) {
    const r = await bearerCall<{ tills: Issued[] }>(hq, token, 'POST', '/v1/tills', {
      tills: all.slice(i, i + 1000),
    });
    for (const t of r.tills) {
      if (t.status !== 'issued' || !t.secret) throw new Error(`till ${t.tillId} refused: ${t.message ?? t.status}`);
      out.push(t);
    }
  }
  return out;
}
