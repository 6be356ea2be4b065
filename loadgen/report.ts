/** The load report as the console shows it (cli.ts): one measure a line, then PASS or FAIL. */
import { KNEE_P99_MS, type LoadReport } from './run.js';

const ms = (p: { p50: number; p95: number; p99: number; max: number }): string =>
  `p50 ${p.p50} / p95 ${p.p95} / p99 ${p.p99} / max ${p.max} ms`;

const mb = (bytesPerSec: number): string => (bytesPerSec / 1e6).toFixed(2);

export function formatReport(r: LoadReport): string {
  const lines = [
    '',
    `head office ${r.hq.url} (${r.hq.storage ?? 'unknown storage'}${r.hq.own ? ', started for this run' : ''})`,
    `${r.options.tills} tills, ${r.options.rate} events/till/min, ${r.options.steps} step(s), ${r.seconds} s of load; ` +
      `provisioned in ${r.provisionSeconds} s`,
    `events: ${Object.entries(r.ops)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
    `accepted entries/s: ${r.entriesPerSec} (${r.entriesAccepted} entries in ${r.uploads} uploads)`,
    `upload ack: ${ms(r.ack)}`,
    `apply lag (oldest waiting batch, sampled each second): ${ms(r.applyLag)}; backlog at most ${r.applyLag.maxBacklogEntries} entries`,
    `feed lag (ack to a feed page with the balance): ${ms(r.feedLag)}; ${r.feedLag.unseen} not seen; ${r.feedPolls} polls`,
    `feed pages: ${mb(r.feedBytesPerSec.wire)} MB/s on the wire, ${mb(r.feedBytesPerSec.json)} MB/s as JSON` +
      (r.options.gzip ? ' (tills accept gzip)' : ' (--no-gzip)'),
    `errors: ${Object.keys(r.errors).length ? JSON.stringify(r.errors) : 'none'}`,
    'steps:',
    ...r.steps.map(
      (s) =>
        `  ${String(s.tills).padStart(6)} tills  ${String(s.entriesPerSec).padStart(6)} entries/s  ` +
        `${String(s.uploadsPerSec).padStart(5)} uploads/s  ack ${ms(s.ack)}` +
        (Object.keys(s.errors).length ? `  errors ${JSON.stringify(s.errors)}` : ''),
    ),
    r.knee.reached
      ? `knee: p99 ack passed ${KNEE_P99_MS} ms at ${r.knee.atTills} tills; sustained ${r.knee.sustainedTills ?? 'none'}`
      : `knee: not reached; p99 ack stayed under ${KNEE_P99_MS} ms up to ${r.knee.sustainedTills} tills`,
    `generator: cpu mean ${Math.round(r.generator.cpuMean * 100)}% of a core (max ${Math.round(r.generator.cpuMax * 100)}%), ` +
      `event-loop delay p99 ${r.generator.loopDelayP99Ms} ms${r.generator.warning ? `; WARNING ${r.generator.warning}` : ''}`,
    ...(r.hqCpuCores !== null ? [`head office cpu: ${r.hqCpuCores} cores`] : []),
    `sales and returns head office recomputed differently (informational): ${r.saleMismatches}`,
    `check: ${r.check.membersChecked} of ${r.check.members} members, ${r.check.tillsChecked} tills: ` +
      `${r.check.memberMismatchCount} member(s) differ from what head office acknowledged, ` +
      `${r.check.tillsShortCount} till(s) hold less than acknowledged; ` +
      `${r.check.undelivered.entries} entries of ${r.check.undelivered.tills} till(s) never acknowledged`,
    ...r.check.memberMismatches.map(
      (m) =>
        `  member ${m.memberNo}: expected ${m.expected} (${m.expectedEntries} entries), head office ${m.hq} (${m.hqEntries})`,
    ),
    ...r.check.tillsShort.map(
      (t) => `  till ${t.tillId}: acknowledged ${t.acked}, head office holds ${t.hqAckSeq} (${t.chain})`,
    ),
    r.check.verdict,
  ];
  return lines.join('\n');
}
