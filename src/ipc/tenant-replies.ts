// Replies of the multi-tenant control methods on the appliance's socket (docs/INTERNALS.md 9):
// `tenants` (a live summary per tenant) and `tenants-reload` (start/stop tenants to match
// tenants.json).

export interface TenantSummary {
  name: string;
  slot: number;
  /** running: its data plane is up; failed: it could not start (error says why) */
  state: 'running' | 'failed';
  error?: string;
  tap: string;
  peers: number;
  peersUp: number;
  rxBytes: number;
  txBytes: number;
  drops: number;
}

export interface TenantsReply { tenants: TenantSummary[] }

export interface TenantsReloadReply {
  started: string[];
  stopped: string[];
  failed: Array<{ name: string; error: string }>;
  /** removed tenants' segment objects this appliance had created and deleted now */
  segmentsDeleted?: Array<{ name: string; deleted: string[] }>;
}

export function isTenantsReply(v: unknown): v is TenantsReply {
  return typeof v === 'object' && v !== null && Array.isArray((v as TenantsReply).tenants);
}
