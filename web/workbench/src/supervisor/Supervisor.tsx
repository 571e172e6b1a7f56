// The supervisor page: the live queue and agents (desk.state, refreshed on
// each desk event) and the service metrics of the last 24 hours
// (desk.metrics) as charts: wait and first response, conversations per
// agent, and the queue length sampled while the page is open.

import { useEffect, useState } from 'preact/hooks';
import type { DeskReport } from '@parley-im/sdk';
import type { Desk } from '../desk';
import type { Dict } from '../i18n';
import { useNow, useObservable } from '../hooks';
import { waited } from '../text';
import { BarChart, LineChart } from './Charts';

/** metricsEvery is how often the metrics are read again. */
const metricsEvery = 15_000;

/** queueSamples bounds the queue-length history kept for the line chart. */
const queueSamples = 240;

export function Supervisor({ desk, t }: { desk: Desk; t: Dict }) {
  const state = useObservable(desk.state$, desk.state$.value);
  const [report, setReport] = useState<DeskReport | undefined>(undefined);
  const [history, setHistory] = useState<{ t: number; v: number }[]>([]);
  const now = useNow(5000);

  useEffect(() => {
    let live = true;
    const read = () => desk.client.service.metrics().then((r) => live && setReport(r), () => undefined);
    void read();
    const id = setInterval(read, metricsEvery);
    return () => {
      live = false;
      clearInterval(id);
    };
  }, [desk]);

  const queued = state ? Object.values(state.queued).reduce((a, b) => a + b, 0) : 0;
  useEffect(() => {
    setHistory((h) => [...h, { t: Date.now(), v: queued }].slice(-queueSamples));
  }, [queued, now]);

  return (
    <main class="supervisor">
      <section aria-label={t.queue}>
        <h2>{t.queue} ({queued})</h2>
        <ul class="queue">
          {(state?.queue ?? []).map((q) => (
            <li key={q.topic}>{q.topic} · {q.team} · {t.waiting} {waited(now - Date.parse(q.since))}</li>
          ))}
        </ul>
      </section>
      <section aria-label={t.agents}>
        <h2>{t.agents}</h2>
        <table>
          <thead><tr><th scope="col">{t.agents}</th><th scope="col">{t.status}</th><th scope="col">{t.load}</th><th scope="col">{t.conversations}</th></tr></thead>
          <tbody>
            {(state?.agents ?? []).map((a) => (
              <tr key={a.user}><td>{a.user}</td><td>{t[a.status]}</td><td>{a.load}/{a.capacity}</td><td>{a.conversations.length}</td></tr>
            ))}
          </tbody>
        </table>
      </section>
      <section class="charts" aria-label={t.supervisor}>
        {report && (
          <>
            <BarChart title={t.waitTime} unit="s" bars={[{ label: 'p50', value: report.waitP50 }, { label: 'p90', value: report.waitP90 }]} />
            <BarChart title={t.firstResponse} unit="s"
              bars={[{ label: 'p50', value: report.firstResponseP50 }, { label: 'p90', value: report.firstResponseP90 }]} />
            <BarChart title={t.perAgent} unit="" bars={report.agents.map((a) => ({ label: a.user, value: a.conversations }))} />
          </>
        )}
        <LineChart title={t.queueOverTime} points={history} />
      </section>
    </main>
  );
}
