//! The fast path of parsing, for the common case of well-formed BTF of known kinds: a walk that
//! only sizes records, running beside the copy of the data, then libbpf's sanity checks reduced to
//! bounds (largest string offset, largest type id referenced) and the FUNC → FUNC_PROTO rule,
//! checked in parallel halves on large inputs. It reports only pass or fail; on fail the caller
//! repeats the detailed walk and checks of the parent module, which name the exact error.

use std::ops::Range;

use crate::btf::{Btf, Endianness};
use crate::raw::{self, Kind};

/// Inputs this large use two threads; below it, the hand-off costs more than it saves.
const PARALLEL_BYTES: usize = 1 << 20;

/// Which words of a record of one kind hold type ids and string offsets, for the bounds checks.
/// Masks are `u32::MAX` where the word counts and 0 where it does not, so a check is a `max`.
#[derive(Clone, Copy)]
struct Shape {
    /// Trailing words after the header; `u8::MAX` for kinds not sized here (UNKN, unknown kinds).
    fixed: u8,
    /// Words per vlen element.
    per: u8,
    /// Header word 2 (`type`) is a type id.
    hdr_id: u32,
    /// Fixed words 0 and 1 are type ids (ARRAY's `type` and `index_type`).
    fixed_id: [u32; 2],
    /// Element word 0 is a string offset, or a type id; element word 1 is a type id.
    e0_str: u32,
    e0_id: u32,
    e1_id: u32,
}

const YES: u32 = u32::MAX;
const NONE: Shape = Shape {
    fixed: 0,
    per: 0,
    hdr_id: 0,
    fixed_id: [0, 0],
    e0_str: 0,
    e0_id: 0,
    e1_id: 0,
};

/// The facts of `Kind::trailing_words` and the detailed sanity check, per raw kind number.
const fn shape(kind: u32) -> Shape {
    match kind {
        1 => Shape { fixed: 1, ..NONE }, // INT
        2 | 8 | 9 | 10 | 11 | 12 | 18 => Shape {
            hdr_id: YES,
            ..NONE
        }, // PTR, TYPEDEF, modifiers, FUNC, TYPE_TAG
        14 | 17 => Shape {
            fixed: 1,
            hdr_id: YES,
            ..NONE
        }, // VAR, DECL_TAG
        3 => Shape {
            fixed: 3,
            fixed_id: [YES, YES],
            ..NONE
        }, // ARRAY
        4 | 5 => Shape {
            per: 3,
            e0_str: YES,
            e1_id: YES,
            ..NONE
        }, // STRUCT, UNION
        13 => Shape {
            per: 2,
            e0_str: YES,
            e1_id: YES,
            ..NONE
        }, // FUNC_PROTO (return type unchecked)
        6 => Shape {
            per: 2,
            e0_str: YES,
            ..NONE
        }, // ENUM
        19 => Shape {
            per: 3,
            e0_str: YES,
            ..NONE
        }, // ENUM64
        15 => Shape {
            per: 3,
            e0_id: YES,
            ..NONE
        }, // DATASEC
        7 | 16 => NONE,                  // FWD, FLOAT
        _ => Shape {
            fixed: u8::MAX,
            ..NONE
        }, // UNKN, unknown kinds
    }
}

static SHAPES: [Shape; 32] = {
    let mut table = [NONE; 32];
    let mut k = 0;
    while k < 32 {
        table[k] = shape(k as u32);
        k += 1;
    }
    table
};

/// `fixed` and `per` of every kind, 2 bits each, and one bit per kind sized here: the walk's
/// critical path then costs shifts, not table loads.
const FIXED_BITS: u64 = pack(true);
const PER_BITS: u64 = pack(false);
const SIZED: u32 = {
    let mut bits = 0u32;
    let mut k = 0;
    while k < 32 {
        if shape(k).fixed != u8::MAX {
            bits |= 1 << k;
        }
        k += 1;
    }
    bits
};

const fn pack(fixed: bool) -> u64 {
    let mut bits = 0u64;
    let mut k = 0;
    while k < 32 {
        let s = shape(k);
        if s.fixed != u8::MAX {
            bits |= (if fixed { s.fixed } else { s.per } as u64) << (2 * k);
        }
        k += 1;
    }
    bits
}

/// Kind and end (in words) of the record whose header starts at word `pos`, if this path sizes
/// its kind and it fits in `total` words.
#[inline]
fn record_end(info: u32, pos: usize, total: usize) -> Option<(u32, usize)> {
    let kind = raw::info_kind(info);
    if SIZED >> kind & 1 == 0 {
        return None;
    }
    let fixed = ((FIXED_BITS >> (2 * kind)) & 3) as usize;
    let per = ((PER_BITS >> (2 * kind)) & 3) as usize;
    let end = pos + 3 + fixed + per * raw::info_vlen(info) as usize;
    (end <= total).then_some((kind, end))
}

/// `bounds` (largest string offset, largest type id) folded over record `rec` of kind `kind`.
#[inline]
fn fold_bounds(rec: &[u32], kind: u32, (mut max_str, mut max_id): (u32, u32)) -> (u32, u32) {
    let s = &SHAPES[kind as usize];
    max_str = max_str.max(rec[0]);
    max_id = max_id.max(rec[2] & s.hdr_id);
    if s.fixed == 3 {
        max_id = max_id
            .max(rec[3] & s.fixed_id[0])
            .max(rec[4] & s.fixed_id[1]);
    }
    // Element strides are 2 or 3 words; a constant stride per loop lets each be unrolled.
    let elems = &rec[3 + s.fixed as usize..];
    let mut fold = |e0: u32, e1: u32| {
        max_str = max_str.max(e0 & s.e0_str);
        max_id = max_id.max(e0 & s.e0_id).max(e1 & s.e1_id);
    };
    match s.per {
        2 => elems.chunks_exact(2).for_each(|e| fold(e[0], e[1])),
        3 => elems.chunks_exact(3).for_each(|e| fold(e[0], e[1])),
        _ => {}
    }
    (max_str, max_id)
}

/// Where each record starts (in words) and its kind.
pub(super) struct Walk {
    pub offs: Vec<u32>,
    pub kinds: Vec<u8>,
}

/// Sizes every record, reading only header words from the raw bytes. `None` on anything the
/// detailed path must look at: an UNKN or unknown kind, an overrun, trailing bytes.
fn walk(bytes: &[u8], endian: Endianness) -> Option<Walk> {
    match endian {
        Endianness::Little => walk_words(bytes, u32::from_le_bytes),
        Endianness::Big => walk_words(bytes, u32::from_be_bytes),
    }
}

/// [`walk`] for one byte order: `decode` is monomorphised, so each record costs one bounds check
/// and one load.
fn walk_words(bytes: &[u8], decode: impl Fn([u8; 4]) -> u32) -> Option<Walk> {
    if bytes.len() % 4 != 0 {
        return None;
    }
    let total = bytes.len() / 4;
    let word = |i: usize| {
        let b: [u8; 4] = bytes.get(4 * i..4 * i + 4)?.try_into().ok()?;
        Some(decode(b))
    };
    let mut offs = Vec::with_capacity(total / 6);
    let mut kinds = Vec::with_capacity(total / 6);
    let mut pos = 0usize;
    while pos + 3 <= total {
        let (kind, end) = record_end(word(pos + 1)?, pos, total)?;
        offs.push(pos as u32);
        kinds.push(kind as u8);
        pos = end;
    }
    (pos == total).then_some(Walk { offs, kinds })
}

/// `walk` and `check_range` fused into one pass over converted words: the whole fast path on one
/// core, for inputs too small to split (and the walk of large ones when no second core helps).
fn walk_and_check(words: &[u32]) -> Option<(Walk, u32, u32)> {
    let total = words.len();
    let mut offs = Vec::with_capacity(total / 6);
    let mut kinds = Vec::with_capacity(total / 6);
    let mut bounds = (0u32, 0u32);
    let mut pos = 0usize;
    while pos + 3 <= total {
        let (kind, end) = record_end(words[pos + 1], pos, total)?;
        bounds = fold_bounds(&words[pos..end], kind, bounds);
        offs.push(pos as u32);
        kinds.push(kind as u8);
        pos = end;
    }
    (pos == total).then_some((Walk { offs, kinds }, bounds.0, bounds.1))
}

/// What the fast path learned: record boundaries and kinds, and — when the walk and the bounds
/// checks ran fused — the largest string offset and type id referenced.
pub(super) struct Fast {
    pub walk: Walk,
    pub bounds: Option<(u32, u32)>,
}

/// Converts the types, copies the strings and walks the records. Large inputs walk the raw bytes
/// on one core while the other copies; small ones copy, then walk and check in one fused pass.
pub(super) fn parse_types(
    type_bytes: &[u8],
    strings: &[u8],
    endian: Endianness,
) -> (Vec<u32>, Vec<u8>, Option<Fast>) {
    let copy = || (super::to_words(type_bytes, endian), strings.to_vec());
    if type_bytes.len() + strings.len() >= PARALLEL_BYTES {
        let (walked, (words, strs)) = rayon::join(|| walk(type_bytes, endian), copy);
        (words, strs, walked.map(|walk| Fast { walk, bounds: None }))
    } else {
        let (words, strs) = copy();
        // A section that is not whole words has trailing bytes: the detailed path reports them.
        let whole_words = type_bytes.len() % 4 == 0;
        let fast =
            whole_words
                .then(|| walk_and_check(&words))
                .flatten()
                .map(|(walk, max_str, max_id)| Fast {
                    walk,
                    bounds: Some((max_str, max_id)),
                });
        (words, strs, fast)
    }
}

/// Largest string offset and type id referenced by own types `range`, and whether every FUNC
/// among them refers to a FUNC_PROTO.
fn check_range(btf: &Btf, kinds: &[u8], range: Range<usize>) -> (u32, u32, bool) {
    let (words, offs) = (&btf.types, &btf.type_offs);
    let (mut bounds, mut funcs) = ((0u32, 0u32), true);
    for i in range {
        let at = offs[i] as usize;
        let end = offs.get(i + 1).map_or(words.len(), |&e| e as usize);
        let rec = &words[at..end];
        bounds = fold_bounds(rec, u32::from(kinds[i]), bounds);
        if kinds[i] == Kind::Func as u8 {
            funcs &= refers_to_proto(btf, kinds, rec[2]);
        }
    }
    (bounds.0, bounds.1, funcs)
}

/// Whether type id `target` (of a FUNC) is a FUNC_PROTO.
fn refers_to_proto(btf: &Btf, kinds: &[u8], target: u32) -> bool {
    let target_kind = if target >= btf.start_id {
        kinds
            .get((target - btf.start_id) as usize)
            .map(|&k| u32::from(k))
    } else {
        btf.type_by_id(target).map(|t| t.kind_raw())
    };
    target_kind == Some(Kind::FuncProto as u32)
}

/// Whether libbpf's sanity check passes for `btf`, whose records `kinds` describes; `bounds` are
/// the fused walk's results, else the checks run here in two parallel halves.
pub(super) fn checks_pass(btf: &Btf, kinds: &[u8], bounds: Option<(u32, u32)>) -> bool {
    let n = kinds.len();
    let (max_str, max_id, funcs) = match bounds {
        Some((max_str, max_id)) => {
            let funcs = kinds
                .iter()
                .zip(&btf.type_offs)
                .filter(|&(&k, _)| k == Kind::Func as u8)
                .all(|(_, &at)| refers_to_proto(btf, kinds, btf.types[at as usize + 2]));
            (max_str, max_id, funcs)
        }
        None => {
            let (a, b) = rayon::join(
                || check_range(btf, kinds, 0..n / 2),
                || check_range(btf, kinds, n / 2..n),
            );
            (a.0.max(b.0), a.1.max(b.1), a.2 && b.2)
        }
    };
    max_str < btf.str_end() && max_id < btf.type_cnt() && funcs
}
