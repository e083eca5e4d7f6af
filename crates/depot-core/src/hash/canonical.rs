//! The canonical JSON writer (RFC 8785): objects member by member, strings, numbers, and any
//! `serde_json::Value`.

use std::cmp::Ordering;

use serde_json::{Map, Number, Value};

use super::sink::Out;

/// The largest integer an IEEE double holds exactly, with all below it.
pub(super) const MAX_EXACT: u64 = 1 << 53;

/// Obj writes one JSON object member by member. Members must come in canonical order; for the
/// model's fixed (ASCII) keys that is byte order, checked in debug builds.
pub(super) struct Obj<'o, O: Out> {
    out: &'o mut O,
    first: bool,
    #[cfg(debug_assertions)]
    last: &'static str,
}

impl<'o, O: Out> Obj<'o, O> {
    pub(super) fn new(out: &'o mut O) -> Self {
        out.put(b"{");
        Obj {
            out,
            first: true,
            #[cfg(debug_assertions)]
            last: "",
        }
    }

    /// key starts member `key` (a plain ASCII key, needing no escape) and gives the output
    /// for its value.
    pub(super) fn key(&mut self, key: &'static str) -> &mut O {
        #[cfg(debug_assertions)]
        {
            debug_assert!(
                self.first || self.last < key,
                "`{key}` after `{}`",
                self.last
            );
            debug_assert!(key
                .bytes()
                .all(|b| b.is_ascii() && b >= 0x20 && b != b'"' && b != b'\\'));
            self.last = key;
        }
        let open: &[u8] = if self.first { b"\"" } else { b",\"" };
        self.out.put(open);
        self.first = false;
        self.out.put(key.as_bytes());
        self.out.put(b"\":");
        self.out
    }

    pub(super) fn end(self) {
        self.out.put(b"}");
    }
}

/// ESCAPE gives, for each byte, how RFC 8785 escapes it in a string: 0 for not at all, `u` for
/// `\u00XX`, else the letter of its short form (`\n`, `\"`, ...).
const ESCAPE: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut b = 0;
    while b < 0x20 {
        table[b] = b'u';
        b += 1;
    }
    table[0x08] = b'b';
    table[0x09] = b't';
    table[0x0a] = b'n';
    table[0x0c] = b'f';
    table[0x0d] = b'r';
    table[b'"' as usize] = b'"';
    table[b'\\' as usize] = b'\\';
    table
};

const HEX: &[u8; 16] = b"0123456789abcdef";

/// write_str writes `s` as a JSON string: only `"`, `\` and control characters are escaped.
pub(super) fn write_str<O: Out>(out: &mut O, s: &str) {
    out.put(b"\"");
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let escape = ESCAPE[usize::from(b)];
        if escape == 0 {
            continue;
        }
        out.put(&bytes[start..i]);
        if escape == b'u' {
            out.put(&[
                b'\\',
                b'u',
                b'0',
                b'0',
                HEX[usize::from(b >> 4)],
                HEX[usize::from(b & 0xf)],
            ]);
        } else {
            out.put(&[b'\\', escape]);
        }
        start = i + 1;
    }
    out.put(&bytes[start..]);
    out.put(b"\"");
}

/// write_u64 writes `n` in decimal.
pub(super) fn write_u64<O: Out>(out: &mut O, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.put(&digits[i..]);
}

/// write_number writes a JSON number as ECMAScript does (integers up to 2^53 as their digits,
/// floats in their shortest round-trip form), except integers beyond 2^53, written as strings.
fn write_number<O: Out>(out: &mut O, n: &Number) {
    if let Some(u) = n.as_u64() {
        if u <= MAX_EXACT {
            write_u64(out, u);
        } else {
            out.put(b"\"");
            write_u64(out, u);
            out.put(b"\"");
        }
    } else if let Some(i) = n.as_i64() {
        // Negative: non-negative integers are `u64`s.
        let quoted = i.unsigned_abs() > MAX_EXACT;
        if quoted {
            out.put(b"\"");
        }
        out.put(b"-");
        write_u64(out, i.unsigned_abs());
        if quoted {
            out.put(b"\"");
        }
    } else {
        let f = n
            .as_f64()
            .expect("a JSON number is an integer or a finite float");
        out.put(ryu_js::Buffer::new().format_finite(f).as_bytes());
    }
}

/// utf16_cmp orders strings by their UTF-16 code units, as RFC 8785 sorts object keys. UTF-8
/// byte order is code point order, which is the same except that characters from U+10000 (four
/// UTF-8 bytes, lead byte F0..F4; surrogate pairs D800.. in UTF-16) sort before U+E000..U+FFFF
/// (lead byte EE or EF) in UTF-16. The first differing byte decides: when it is a lead byte of
/// each of those two kinds, the order flips; otherwise bytes order the same.
pub(super) fn utf16_cmp(a: &str, b: &str) -> Ordering {
    let (x, y) = (a.as_bytes(), b.as_bytes());
    match x.iter().zip(y).position(|(p, q)| p != q) {
        None => x.len().cmp(&y.len()),
        Some(i) => {
            let (p, q) = (x[i], y[i]);
            if p >= 0xee && q >= 0xee && (p >= 0xf0) != (q >= 0xf0) {
                q.cmp(&p)
            } else {
                p.cmp(&q)
            }
        }
    }
}

/// write_members writes a JSON object of `entries` (distinct keys), sorting them unless they
/// already come in canonical order (as the ASCII keys of a `BTreeMap` do).
pub(super) fn write_members<'a, O: Out, V: 'a, I>(
    out: &mut O,
    entries: I,
    write: impl Fn(&mut O, &'a V),
) where
    I: Iterator<Item = (&'a String, &'a V)> + Clone,
{
    let mut previous: Option<&str> = None;
    let sorted = entries.clone().all(|(k, _)| {
        let in_order = previous.is_none_or(|p| utf16_cmp(p, k) == Ordering::Less);
        previous = Some(k);
        in_order
    });
    out.put(b"{");
    let member = |i: usize, out: &mut O, k: &str, v: &'a V| {
        if i > 0 {
            out.put(b",");
        }
        write_str(out, k);
        out.put(b":");
        write(out, v);
    };
    if sorted {
        for (i, (k, v)) in entries.enumerate() {
            member(i, out, k, v);
        }
    } else {
        let mut all: Vec<(&String, &V)> = entries.collect();
        all.sort_by(|a, b| utf16_cmp(a.0, b.0));
        for (i, (k, v)) in all.into_iter().enumerate() {
            member(i, out, k, v);
        }
    }
    out.put(b"}");
}

pub(super) fn write_array<'a, O: Out, T: 'a>(
    out: &mut O,
    items: impl IntoIterator<Item = &'a T>,
    write: impl Fn(&mut O, &'a T),
) {
    out.put(b"[");
    for (i, item) in items.into_iter().enumerate() {
        if i > 0 {
            out.put(b",");
        }
        write(out, item);
    }
    out.put(b"]");
}

pub(super) fn write_bool<O: Out>(out: &mut O, b: bool) {
    out.put(if b { b"true" } else { b"false" });
}

pub(super) fn write_strings<O: Out>(out: &mut O, items: &[String]) {
    write_array(out, items, |out, s| write_str(out, s));
}

/// write_value writes any JSON value canonically.
pub(super) fn write_value<O: Out>(out: &mut O, value: &Value) {
    match value {
        Value::Null => out.put(b"null"),
        Value::Bool(b) => write_bool(out, *b),
        Value::Number(n) => write_number(out, n),
        Value::String(s) => write_str(out, s),
        Value::Array(items) => write_array(out, items, write_value),
        Value::Object(map) => write_object(out, map),
    }
}

pub(super) fn write_object<O: Out>(out: &mut O, map: &Map<String, Value>) {
    write_members(out, map.iter(), write_value);
}
