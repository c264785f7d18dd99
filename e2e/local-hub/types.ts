/** Public shapes of the local Hub-compatible server. Other parts of the project build on these: keep them stable. */

export interface LocalHubUser {
  name: string;
  token: string;
  role: 'read' | 'write';
}

export interface LocalHubOrg {
  name: string;
  members: string[];
}

/** What a request is for, as the fault plan and the request log see it. */
export type RequestKind =
  | 'whoami'
  | 'create-repo'
  | 'delete-repo'
  | 'repo-info'
  | 'preupload'
  | 'lfs-batch'
  | 'lfs-put'
  | 'lfs-part'
  | 'lfs-complete'
  | 'commit'
  | 'commits'
  | 'tree'
  | 'paths-info'
  | 'resolve'
  | 'raw'
  | 'branch'
  | 'validate-yaml'
  | 'preflight'
  /** `GET …/xet-read-token/REV` and `…/xet-write-token/REV`. */
  | 'xet-token'
  /** CAS: xorb upload and existence check. */
  | 'xet-xorb'
  /** CAS: `/v1/shards` and `/v2/shards`. */
  | 'xet-shard'
  /** CAS: the global dedup query `/v1/chunks/…`. */
  | 'xet-dedup'
  /** CAS: reconstructions (v1, v2, batch) and `/v2/file-chunk-hashes`. */
  | 'xet-reconstruction'
  /** CAS: `HEAD /v1/files/…`. */
  | 'xet-file'
  /** The signed xorb byte ranges that reconstructions point to. */
  | 'xet-data'
  | 'other';

/** Which requests a fault rule applies to. Every field narrows the selection; counting is per rule. */
export interface FaultSelector {
  /** Request kinds the rule applies to; omitted means every kind. */
  kinds?: RequestKind[];
  /** Let this many matching requests through untouched before the rule starts acting. Default 0. */
  skip?: number;
  /** Act on at most this many requests, then stop. Default: no limit. */
  count?: number;
  /** Share (0..1) of eligible requests to act on, drawn from the seeded generator. Default 1. */
  share?: number;
}

export type FaultRule = FaultSelector &
  (
    | { /** Answer with this HTTP status (500, 502, 503, 504…) and a JSON error. */ fault: 'status'; status: number; message?: string }
    | { /** Answer 429 with Retry-After, RateLimit and RateLimit-Policy. */ fault: 'rate-limit'; retryAfterSeconds?: number }
    | { /** Destroy the connection (TCP reset) once this many request-body bytes were received. */ fault: 'reset'; afterBytes: number }
    | { /** Delay the response by this many milliseconds; stacks with the other rules. */ fault: 'latency'; ms: number }
  );

export interface FaultPlan {
  rules: FaultRule[];
  /** Overrides the server's seed for this plan. */
  seed?: number;
}

export interface LocalHubOptions {
  /** 0 or omitted: a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  dataDir: string;
  users: LocalHubUser[];
  orgs?: LocalHubOrg[];
  faults?: FaultPlan;
  /** Seed of the fault generator; same seed and same request order give the same faults. Default 1. */
  seed?: number;
  /** Entries per page of tree listings (the Hub uses 1000). */
  treePageSize?: number;
  /** LFS objects at least this large are uploaded in parts. Default 20 MB. */
  multipartThreshold?: number;
  /** Part size of multipart uploads. Default 16 MiB. */
  multipartChunkSize?: number;
  /**
   * Offer Xet, as the Hub does (default true): xet-read/write-token, a CAS under `/xet-cas/`, `transfer: "xet"` in
   * the LFS batch when the client offers it, `X-Xet-Hash` on resolve. `false`: a mirror that speaks only LFS.
   */
  xet?: boolean;
  /** Lifetime of the CAS tokens the server issues, in seconds. Default 3600. */
  xetTokenLifetimeSeconds?: number;
}

export interface RequestLogEntry {
  method: string;
  /** Path without the query string. */
  path: string;
  kind: RequestKind;
  /** HTTP status sent; 0 when the connection was reset or dropped before a response. */
  status: number;
  /** Request-body bytes the server received (what a client really sent, also when it was cut off). */
  bytesReceived: number;
}

export interface LocalHub {
  /** http://127.0.0.1:PORT, no trailing slash. */
  url: string;
  close(): Promise<void>;
  /** Replace the fault plan (undefined: no faults); counters restart. */
  setFaults(plan: FaultPlan | undefined): void;
  requestLog: RequestLogEntry[];
}
