// Injected into every page of the benchmark before the app runs: long tasks
// (PerformanceObserver "longtask"), the time each Enter in the Message box
// takes to put its message in the DOM and whether it is there before the
// next frame is painted, and when the first screens became usable.
(() => {
  const b = { longtasks: [], sends: [], ready: {} };
  window.__bench = b;
  new PerformanceObserver((l) => {
    for (const e of l.getEntries()) {
      b.longtasks.push({ start: e.startTime, ms: e.duration });
    }
  }).observe({ type: 'longtask', buffered: true });
  const pending = new Map();
  const shown = (text) => [...document.querySelectorAll('.rows .text')].some((n) => n.textContent === text);
  new MutationObserver(() => {
    const now = performance.now();
    for (const [text, p] of pending) {
      if (p.at === undefined && shown(text)) {
        p.at = now;
      }
    }
    if (b.ready.login === undefined && document.querySelector('input[name=login]')) {
      b.ready.login = now;
    }
    if (b.ready.workbench === undefined && document.querySelector('[role=radiogroup]')) {
      b.ready.workbench = now;
    }
  }).observe(document, { childList: true, subtree: true, characterData: true });
  document.addEventListener('keydown', (e) => {
    if (e.key !== 'Enter' || e.shiftKey || !(e.target instanceof HTMLTextAreaElement)) {
      return;
    }
    const text = e.target.value.trim();
    const p = { t0: e.timeStamp, at: undefined };
    pending.set(text, p);
    // A rAF callback runs before the frame after this event is painted: if
    // the message is in the DOM by then, it is on screen in that frame.
    requestAnimationFrame(() => {
      pending.delete(text);
      b.sends.push({ text, inFrame: p.at !== undefined, ms: (p.at ?? performance.now()) - p.t0 });
    });
  }, true);
})();
