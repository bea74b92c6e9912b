// BERT's uncased WordPiece tokenizer (what all-MiniLM-L6-v2 was trained with), in the browser:
// clean and lower-case the text, strip accents, split on whitespace, punctuation and CJK characters,
// then cut each word into the longest pieces of the vocabulary ("##" marks a piece inside a word).
// tests/e2e/demo_page.test.mjs holds it to Hugging Face's ids (build/demo-web/tokenizer_cases.json).

const MAX_WORD_CHARS = 100;

export class WordPieceTokenizer {
  /** `vocab`: vocab.txt's text, one token per line, the line number its id. */
  constructor(vocab) {
    this.ids = new Map(vocab.split("\n").map((token, id) => [token.replace(/\r$/, ""), id]));
    for (const special of ["[CLS]", "[SEP]", "[UNK]"]) {
      if (!this.ids.has(special)) throw new Error(`vocabulary without ${special}`);
    }
  }

  /** [CLS] pieces [SEP] as ids, at most maxLength of them. */
  encode(text, maxLength = 128) {
    const pieces = this.words(text).flatMap((word) => this.wordPieces(word));
    const ids = pieces.slice(0, maxLength - 2).map((piece) => this.ids.get(piece));
    return [this.ids.get("[CLS]"), ...ids, this.ids.get("[SEP]")];
  }

  words(text) {
    let clean = "";
    for (const ch of text) {
      const code = ch.codePointAt(0);
      if (code === 0 || code === 0xfffd || (/\p{C}/u.test(ch) && !/[\t\n\r]/.test(ch))) continue;
      clean += /\s/u.test(ch) ? " " : isCjk(code) ? ` ${ch} ` : ch;
    }
    const stripped = clean.toLowerCase().normalize("NFD").replace(/\p{Mn}/gu, "");
    return stripped.split(" ").filter(Boolean).flatMap(splitPunctuation);
  }

  wordPieces(word) {
    if ([...word].length > MAX_WORD_CHARS) return ["[UNK]"];
    const pieces = [];
    for (let start = 0; start < word.length;) {
      let end = word.length, piece = null;
      for (; end > start; end--) {
        const candidate = (start > 0 ? "##" : "") + word.slice(start, end);
        if (this.ids.has(candidate)) {
          piece = candidate;
          break;
        }
      }
      if (piece === null) return ["[UNK]"];
      pieces.push(piece);
      start = end;
    }
    return pieces;
  }
}

// BERT's punctuation: ASCII symbols and Unicode's P* categories, each a word of its own.
function isPunctuation(ch) {
  const code = ch.codePointAt(0);
  return (code >= 33 && code <= 47) || (code >= 58 && code <= 64) || (code >= 91 && code <= 96) ||
    (code >= 123 && code <= 126) || /\p{P}/u.test(ch);
}

function splitPunctuation(word) {
  const out = [];
  let current = "";
  for (const ch of word) {
    if (isPunctuation(ch)) {
      if (current) out.push(current);
      out.push(ch);
      current = "";
    } else {
      current += ch;
    }
  }
  if (current) out.push(current);
  return out;
}

function isCjk(code) {
  return (code >= 0x4e00 && code <= 0x9fff) || (code >= 0x3400 && code <= 0x4dbf) || (code >= 0x20000 && code <= 0x2a6df) ||
    (code >= 0x2a700 && code <= 0x2b73f) || (code >= 0x2b740 && code <= 0x2b81f) || (code >= 0x2b820 && code <= 0x2ceaf) ||
    (code >= 0xf900 && code <= 0xfaff) || (code >= 0x2f800 && code <= 0x2fa1f);
}
