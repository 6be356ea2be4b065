/**
 * `GET /metrics` (Prometheus text format, HQ_METRICS_TOKEN): what one head-office process did
 * (requests by route, status and error code; uploads by outcome; apply passes and their
 * duration), what the database holds waiting (the inbox, the same on every process), and the
 * process itself (CPU, memory, event loop lag, garbage collection). Behind a load balancer each
 * process is scraped on its own address; sum the counters across them, and take the inbox
 * gauges from any one (headoffice/README.md, "Monitoring").
 */
import { timingSafeEqual } from 'node:crypto';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { HqStore } from './store/types.js';

/**
 * The process's own figures, registered once per process: a test runs many head offices in one
 * process, and each collector of these watches the process, not a head office.
 */
let processRegistry: Registry | null = null;

function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

/** Upload and apply latencies: a till waits on the first; the second is how far the feed lags. */
const SECONDS_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export class HqMetrics {
  private readonly registry = new Registry();
  private readonly requests = new Counter({
    name: 'hq_http_requests_total',
    help: 'HTTP requests answered, by route pattern, status and error code ("" for a success)',
    labelNames: ['method', 'route', 'status', 'code'] as const,
    registers: [this.registry],
  });
  private readonly requestSeconds = new Histogram({
    name: 'hq_http_request_duration_seconds',
    help: 'Time from a request arriving to its answer being written, by route pattern',
    labelNames: ['route'] as const,
    buckets: SECONDS_BUCKETS,
    registers: [this.registry],
  });
  private readonly uploads = new Counter({
    name: 'hq_uploads_total',
    help: "Tills' batches by outcome: applied (accepted), duplicate, gap, chain_broken, unavailable",
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  private readonly acceptedEntries = new Counter({
    name: 'hq_accepted_entries_total',
    help: 'Ledger entries acknowledged to tills by this process',
    registers: [this.registry],
  });
  private readonly appliedEntries = new Counter({
    name: 'hq_applied_entries_total',
    help: 'Ledger entries applied by this process (its apply passes, and uploads applied at once)',
    registers: [this.registry],
  });
  private readonly passes = new Counter({
    name: 'hq_apply_passes_total',
    help: 'Apply passes of this process that applied something (applied) or failed (failed)',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });
  private readonly passSeconds = new Histogram({
    name: 'hq_apply_pass_duration_seconds',
    help: 'Duration of apply passes that applied something',
    buckets: SECONDS_BUCKETS,
    registers: [this.registry],
  });

  private readonly feedBytes = new Counter({
    name: 'hq_feed_page_bytes_total',
    help: 'Feed pages answered to tills: their JSON (json) and what went on the wire (sent: gzipped where the page was large enough)',
    labelNames: ['form'] as const,
    registers: [this.registry],
  });

  /** Observes `store` for the figures it reports, and reads its inbox at each scrape. */
  constructor(
    store: HqStore,
    info: { version: string },
    private readonly token: string | null,
  ) {
    new Gauge({
      name: 'hq_build_info',
      help: 'Always 1: the version and the storage this process runs',
      labelNames: ['version', 'storage'] as const,
      registers: [this.registry],
    }).set({ version: info.version, storage: store.kind }, 1);
    inboxGauges(this.registry, store);
    store.observe({
      ingested: (o, appliedNow) => {
        this.uploads.inc({ outcome: o.kind === 'ok' ? o.status : o.kind });
        if (o.kind === 'ok') this.acceptedEntries.inc(o.appliedEntries);
        this.appliedEntries.inc(appliedNow);
      },
      applyPass: (p) => {
        this.passes.inc({ result: p.failed ? 'failed' : 'applied' });
        if (p.failed) return;
        this.appliedEntries.inc(p.entries);
        this.passSeconds.observe(p.seconds);
      },
    });
  }

  /** Whether metrics are served at all (HQ_METRICS_TOKEN set). */
  get enabled(): boolean {
    return this.token !== null;
  }

  /** The scraper's bearer token is the one configured (compared in constant time). */
  admits(authorization: string | undefined): boolean {
    return this.token !== null && sameSecret(authorization ?? '', `Bearer ${this.token}`);
  }

  request(method: string, route: string, status: number, code: string, seconds: number): void {
    this.requests.inc({ method, route, status: String(status), code });
    this.requestSeconds.observe({ route }, seconds);
  }

  feedPage(jsonBytes: number, sentBytes: number): void {
    this.feedBytes.inc({ form: 'json' }, jsonBytes);
    this.feedBytes.inc({ form: 'sent' }, sentBytes);
  }

  readonly contentType = this.registry.contentType;

  async text(): Promise<string> {
    return Registry.merge([processMetrics(), this.registry]).metrics();
  }
}

/**
 * The inbox as the database holds it at the scrape (every process reports the same), read once:
 * the first gauge's collect sets the others, which a registry reads after it (in the order
 * they were registered).
 */
function inboxGauges(registry: Registry, store: HqStore): void {
  const batches = new Gauge({
    name: 'hq_inbox_batches',
    help: 'Batches acknowledged to tills and not applied yet (the whole database)',
    registers: [registry],
    async collect() {
      const b = await store.backlog();
      batches.set(b.batches);
      entries.set(b.entries);
      oldest.set(b.oldestReceivedAt === null ? 0 : Math.max(0, (Date.now() - Date.parse(b.oldestReceivedAt)) / 1000));
      stuck.set(b.stuckTills.length);
      failing.set(b.applyError === null ? 0 : 1);
    },
  });
  const entries = new Gauge({
    name: 'hq_inbox_entries',
    help: 'Ledger entries acknowledged to tills and not applied yet (the whole database)',
    registers: [registry],
  });
  const oldest = new Gauge({
    name: 'hq_inbox_oldest_age_seconds',
    help: 'How long the oldest batch not applied yet has waited (0 when none waits): the apply lag',
    registers: [registry],
  });
  const stuck = new Gauge({
    name: 'hq_inbox_stuck_tills',
    help: 'Tills whose accepted batches cannot be applied (set aside with an error)',
    registers: [registry],
  });
  const failing = new Gauge({
    name: 'hq_apply_failing',
    help: '1 while applying fails (see the log event inbox_apply_failed), else 0',
    registers: [registry],
  });
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
