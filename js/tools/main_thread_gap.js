// In a page: the main thread's longest pause while `forward` runs `count` times, measured as the
// gaps between the turns of a message-channel loop (no timer clamping). The gap up to the loop's
// next turn after the last forward counts too: forwards that block never let it turn in between.
// Used by the end-to-end tests and benchmarks/main_thread.mjs.
export async function longestMainThreadGap(forward, count) {
  const channel = new MessageChannel();
  let running = true, last = performance.now(), longest = 0;
  channel.port1.onmessage = () => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
    if (running) channel.port2.postMessage(0);
  };
  channel.port2.postMessage(0);
  const start = performance.now();
  for (let i = 0; i < count; ++i) await forward();
  const forwardMs = (performance.now() - start) / count;
  running = false;
  await new Promise((resolve) => {
    channel.port1.onmessage = () => { longest = Math.max(longest, performance.now() - last); resolve(); };
    channel.port2.postMessage(0);
  });
  return { longestGapMs: longest, forwardMs };
}
