import { isIP } from 'node:net';

/** A bad TRUST_PROXY value; loadConfig reports it as a ConfigError naming the variable. */
export class TrustProxyError extends Error {}

/**
 * TRUST_PROXY: which peers may tell the collector the client's address in X-Forwarded-For.
 * Behind nginx every request arrives from nginx's address, so without it login and enrollment
 * throttling would count every user as one client and the download audit would name nginx.
 * Unset or `false`: trust no one (the socket's peer is the client). Otherwise Express's own
 * `trust proxy` value: a number of hops, or a comma list of addresses, CIDRs and the names
 * `loopback`, `linklocal`, `uniquelocal`. `true` (trust any peer) is refused: it lets any client
 * choose the address it is throttled under.
 */
export type TrustProxy = false | number | string[];

const NAMED = new Set(['loopback', 'linklocal', 'uniquelocal']);

export function parseTrustProxy(raw: string | undefined): TrustProxy {
  const v = raw?.trim() ?? '';
  if (v === '' || v === 'false') return false;
  if (v === 'true')
    throw new TrustProxyError(
      "'true' would trust any client's X-Forwarded-For; name the balancer's addresses (e.g. loopback or 10.0.0.0/8)",
    );
  if (/^\d+$/.test(v)) {
    const hops = Number(v);
    if (hops < 1 || hops > 16) throw new TrustProxyError(`${v} hops is out of 1..16`);
    return hops;
  }
  const entries = v.split(',').map((s) => s.trim());
  for (const e of entries) {
    if (NAMED.has(e)) continue;
    const [addr, bits, extra] = e.split('/');
    const family = isIP(addr ?? '');
    const maxBits = family === 6 ? 128 : 32;
    const bitsOk =
      bits === undefined || (/^\d+$/.test(bits) && Number(bits) >= 0 && Number(bits) <= maxBits);
    if (family === 0 || !bitsOk || extra !== undefined)
      throw new TrustProxyError(
        `'${e}' is not an address, CIDR or one of loopback, linklocal, uniquelocal`,
      );
  }
  return entries;
}
