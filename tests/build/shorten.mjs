// Shortens the names the wasm and its JS glue share. wasm-bindgen names each import after its
// function and a 16-digit hash (`__wbg_addEventListener_847fd86b8c33ec43`) and each closure export
// after its mangled symbol; both files spell every name out, 9 KB of text that gzip cannot fold.
// Like a minifier's property mangling, this renames each to a short one in both files at once.
// Used by csp.mjs on release builds; `shorten` is pure so a test can run it on any pair.

function leb(bytes, at) {
  let value = 0, shift = 0, byte;
  do {
    byte = bytes[at++];
    value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
  } while (byte & 0x80);
  return [value, at];
}

function uleb(n) {
  const out = [];
  do {
    let byte = n & 0x7f;
    n = Math.floor(n / 128);
    if (n) byte |= 0x80;
    out.push(byte);
  } while (n);
  return out;
}

const text = new TextDecoder();
const utf8 = new TextEncoder();

function readName(bytes, at) {
  const [len, start] = leb(bytes, at);
  return [text.decode(bytes.subarray(start, start + len)), start + len];
}

function name(s) {
  const b = utf8.encode(s);
  return [...uleb(b.length), ...b];
}

// The end of an import's or export's descriptor (the bytes after its names), by its kind.
function limitsEnd(bytes, at) {
  const flags = bytes[at++];
  [, at] = leb(bytes, at);
  if (flags & 1) [, at] = leb(bytes, at);
  return at;
}

function importEnd(bytes, at) {
  const kind = bytes[at++];
  switch (kind) {
    case 0: return leb(bytes, at)[1]; // function: type index
    case 1: return limitsEnd(bytes, at + 1); // table: element type, limits
    case 2: return limitsEnd(bytes, at); // memory: limits
    case 3: return at + 2; // global: value type, mutability
    case 4: return leb(bytes, at + 1)[1]; // tag: attribute, type index
    default: throw new Error(`shorten: unknown import kind ${kind}`);
  }
}

// A short name for the n-th renamed item: `$0`, `$1`, … `$a` … (valid as JS property names).
const short = (n) => `$${n.toString(36)}`;

function escape(s) {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

// `s` as a whole word (a property name, key or identifier) of `js`, `g` to replace every one.
const word = (s, flags = '') => new RegExp(`(?<![\\w$])${escape(s)}(?![\\w$])`, flags);
const named = (js, s) => word(s).test(js);

/**
 * Renames the wasm's import module and fields and the exports its glue uses in `wasm` (a
 * Uint8Array) and in `js` (the glue). Every import must be named in the glue as a key, and no short
 * name may already occur there: otherwise it throws rather than produce a page that fails to link.
 */
export function shorten(wasm, js) {
  if (text.decode(wasm.subarray(0, 4)) !== '\0asm') throw new Error('shorten: not a wasm module');
  const out = [wasm.subarray(0, 8)];
  const renames = new Map();
  let counter = 0;
  const rename = (old) => {
    if (!renames.has(old)) renames.set(old, short(counter++));
    return renames.get(old);
  };
  let module = null;
  let at = 8;
  while (at < wasm.length) {
    const id = wasm[at];
    const [size, start] = leb(wasm, at + 1);
    const end = start + size;
    if (id === 2 || id === 7) {
      const body = [];
      let [count, p] = leb(wasm, start);
      body.push(...uleb(count));
      for (let i = 0; i < count; i++) {
        if (id === 2) {
          let mod, field;
          [mod, p] = readName(wasm, p);
          [field, p] = readName(wasm, p);
          if (module !== null && mod !== module) throw new Error(`shorten: imports from ${module} and ${mod}`);
          module = mod;
          const q = importEnd(wasm, p);
          body.push(...name('a'), ...name(rename(field)), ...wasm.subarray(p, q));
          p = q;
        } else {
          let field;
          [field, p] = readName(wasm, p);
          const q = leb(wasm, p + 1)[1]; // kind, index
          // Exports the glue never names (`memory`, `main`) keep their names: others may use them.
          const kept = field === 'memory' || !named(js, field);
          body.push(...name(kept ? field : rename(field)), ...wasm.subarray(p, q));
          p = q;
        }
      }
      if (p !== end) throw new Error(`shorten: section ${id} did not parse to its end`);
      out.push(Uint8Array.from([id, ...uleb(body.length), ...body]));
    } else {
      out.push(wasm.subarray(at, end));
    }
    at = end;
  }
  for (const [, s] of renames) {
    if (named(js, s)) throw new Error(`shorten: ${s} already occurs in the glue`);
  }
  let glue = js;
  if (module !== null) {
    const key = new RegExp(`(["'])${escape(module)}\\1\\s*:`, 'g');
    if (!key.test(glue)) throw new Error(`shorten: the glue never names the import module ${module}`);
    glue = glue.replace(key, 'a:');
  }
  for (const [old, s] of renames) {
    if (!named(glue, old)) throw new Error(`shorten: the glue never names ${old}`);
    glue = glue.replace(word(old, 'g'), s);
  }
  const bytes = new Uint8Array(out.reduce((n, c) => n + c.length, 0));
  out.reduce((n, c) => (bytes.set(c, n), n + c.length), 0);
  return { wasm: bytes, js: glue, renamed: renames.size };
}
