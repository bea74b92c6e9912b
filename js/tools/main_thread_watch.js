// In a page: how free the main thread stays while `forward` runs `count` times, seen by a
// message-channel loop (no timer clamping) that turns whenever the main thread is free.
// - longestGapMs: the longest pause between two turns. The gap up to the loop's next turn after the
//   last forward counts too: forwards that block never let it turn in between.
// - forwardsWithTurns: how many forwards the loop turned during, between the call and its
//   resolution. A forward that computes on this thread resolves through microtasks alone and lets
//   no turn in; one that computes elsewhere does, whatever the host's speed.
// Used by the end-to-end tests and benchmarks/main_thread.mjs.
export async function watchMainThread(forward, count) {
  const channel = new MessageChannel();
  let running = true, last = performance.now(), longest = 0, turns = 0;
  channel.port1.onmessage = () => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
    ++turns;
    if (running) channel.port2.postMessage(0);
  };
  channel.port2.postMessage(0);
  const start = performance.now();
  let forwardsWithTurns = 0;
  for (let i = 0; i < count; ++i) {
    const turnsBefore = turns;
    await forward();
    if (turns > turnsBefore) ++forwardsWithTurns;
  }
  const forwardMs = (performance.now() - start) / count;
  running = false;
  await new Promise((resolve) => {
    channel.port1.onmessage = () => { longest = Math.max(longest, performance.now() - last); resolve(); };
    channel.port2.postMessage(0);
  });
  return { longestGapMs: longest, forwardMs, forwardsWithTurns };
}
