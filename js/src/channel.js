// Worker mode's forward channel: forwards cross between the page and the worker (remote.js,
// worker.js) through shared memory and Atomics instead of messages. The worker, when it has nothing
// else to do, sleeps in Atomics.wait and the page awaits Atomics.waitAsync: a round trip took 4-5 us
// in Chromium against 18-29 us for postMessage, and 20 us with waitAsync on both sides (so the worker
// blocks; every message the page posts first wakes it, to be read from its event loop).
//
// Two places in shared memory: `control`, a SharedArrayBuffer of 32-bit words each written by one
// side, and the payload, the request's input bytes and then the reply's output bytes (or its error
// message), each tensor at a multiple of 8 bytes. The worker owns the payload: where the runtime's
// memory is shared (the threaded builds) it is a block of that memory, so the inputs the page
// writes there are the forward's inputs, not copied again (a 600 KB image: 0.06 ms a forward at 2
// threads), and the heap then holds the largest request or reply so far (to a power of two: 32 MiB
// for GPT-2's logits at 128 tokens); else a SharedArrayBuffer. One forward is in the channel at a
// time; the page queues the rest.
import { DTYPES, dtypeName, numel } from "./tensor.js";

export const EVENTS = 0;     // page: +1 for each forward request and each message it posts (the worker's wake-up word)
export const MESSAGES = 1;   // page: messages posted
export const REQUESTS = 2;   // page: forward requests posted
export const REPLIES = 3;    // worker: replies written
export const STATUS = 4;     // worker: the last reply's kind (below)
export const MODEL = 5;      // page: the request's model id
const REPLY_AT = 24;         // worker, bytes 24-31 (words 6-7): when it wrote the last reply, a float64
                             // of performance.timeOrigin + now(), ms (a clock both threads share)
const TABLE = 8;             // the request's inputs or the reply's outputs: a count, then per tensor
                             // [dtype code, byte offset, rank, ...dims]; for the other replies, a byte count
export const kControlBytes = 4096;
export const kFirstPayloadBytes = 1 << 16;
// How long the worker watches for the next request after a reply before it sleeps (where a core
// is left for the page: worker.js). The page takes 0.12-0.15 ms to read a reply and write the next
// request of a 600 KB image; a wake-up from Atomics.wait costs about 0.05 ms more.
export const kWorkerSpinMs = 0.3;
// How long the page watches for a reply before it awaits Atomics.waitAsync, whose wake-up through
// the page's event loop cost a forward 0.08-0.12 ms on this host (the bench's MLP: 0.26 ms at 1
// thread): only where a core is left for the page, so the page blocks for at most this long.
export const kPageSpinMs = 1;
// A longer forward: the page sleeps until this long before its reply is due (its model's last
// forward's time), then watches. A waitAsync timeout fires 0.09-0.15 ms late (median; 0.5 ms at
// p90) in Chromium, so the page mostly watches 0.5-0.6 ms and catches the reply as it comes.
export const kPageWakeLeadMs = 0.7;
// A forward answered while the page watches resolves through microtasks only, so a loop of such
// forwards never gave the page's event loop a turn (input, rendering: the e2e main-thread test
// read its longest gap as the whole loop's time, as on the main thread). After this long without
// one, a forward takes a turn (a message-channel task, tens of microseconds) before it resolves.
export const kPageTurnMs = 4;

// Reply kinds: outputs in the payload; an error message in it (UTF-8, its length at TABLE); outputs
// larger than the payload (their size at TABLE: the page grows it, and the worker hands them over).
export const REPLY_OUTPUTS = 1;
export const REPLY_ERROR = 2;
export const REPLY_TOO_LARGE = 3;

const aligned = (bytes) => Math.ceil(bytes / 8) * 8;

/** The payload a descriptor names ({memory | buffer, address, bytes}: the worker's payloadPlace) as
 * bytes. Taken again for each forward: a memory that grew has a new buffer. */
export function payloadView({ memory, buffer, address, bytes }) {
  return new Uint8Array(memory ? memory.buffer : buffer, address, bytes);
}

/** The payload bytes `tensors` ({data} each) need, one after another at multiples of 8. */
export function payloadBytes(tensors) {
  return tensors.reduce((sum, t) => sum + aligned(t.data.byteLength), 0);
}

/** Writes `tensors` ({data, shape, dtype}) into `payload` (payloadView) and their table into
 * control; false when their table does not fit the control words (then nothing is sent). */
export function writeTensors(control, payload, tensors) {
  const words = new Int32Array(control);
  if (TABLE + 1 + tensors.reduce((sum, t) => sum + 3 + t.shape.length, 0) > words.length) return false;
  let word = TABLE, offset = 0;
  words[word++] = tensors.length;
  for (const t of tensors) {
    payload.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), offset);
    words[word++] = DTYPES[t.dtype].code;
    words[word++] = offset;
    words[word++] = t.shape.length;
    for (const d of t.shape) words[word++] = d;
    offset += aligned(t.data.byteLength);
  }
  return true;
}

/** The tensors of the table in control, as typed-array views of `payload` (payloadView): {data,
 * shape, dtype}. A tensor the table places outside the payload is an error. */
export function readTensors(control, payload) {
  const words = new Int32Array(control);
  const tensors = [];
  for (let k = 0, word = TABLE + 1; k < words[TABLE]; k++) {
    const dtype = dtypeName(words[word]), offset = words[word + 1], rank = words[word + 2];
    const shape = Array.from(words.subarray(word + 3, word + 3 + rank));
    const bytes = numel(shape) * DTYPES[dtype].array.BYTES_PER_ELEMENT;
    if (offset < 0 || offset % 8 || offset + bytes > payload.byteLength) {
      throw new Error(`wasm-torch: the forward channel's tensor ${k} (${bytes} bytes at ${offset}) lies outside its ${payload.byteLength}-byte payload`);
    }
    tensors.push({ data: new DTYPES[dtype].array(payload.buffer, payload.byteOffset + offset, numel(shape)), shape, dtype });
    word += 3 + rank;
  }
  return tensors;
}

/** Stamps the reply being written with the time (the worker). */
export const stampReply = (control) => { new Float64Array(control, REPLY_AT, 1)[0] = performance.timeOrigin + performance.now(); };
/** When the last reply was written, in the page's performance.now() terms. */
export const replyTime = (control) => new Float64Array(control, REPLY_AT, 1)[0] - performance.timeOrigin;

/** A byte count in the table's place (an error message's length, the outputs' size). */
export const writeCount = (control, count) => { new Int32Array(control)[TABLE] = count; };
export const readCount = (control) => new Int32Array(control)[TABLE];
