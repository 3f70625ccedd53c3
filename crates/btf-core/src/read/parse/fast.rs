//! The fast path of parsing, for the common case of well-formed BTF of known kinds: one pass over
//! the native-order type words that sizes every record and folds libbpf's sanity checks into
//! bounds (largest string offset, largest type id referenced) and the FUNC → FUNC_PROTO rule.
//! It reports only pass or fail; on fail the caller repeats the detailed walk and checks of the
//! parent module, which name the exact error. Single-threaded by design: the library starts no
//! threads (see the README's threading model), and the pass runs at memory speed.

use crate::model::btf::Btf;
use crate::model::raw::{self, Kind};

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

/// [`fold_bounds`] for record `words[pos..end]` of kind `kind`, with one loop for every element
/// stride (fewer data-dependent branches than a loop per stride: measurably faster).
#[inline]
fn fold_record(words: &[u32], pos: usize, end: usize, kind: u32, bounds: (u32, u32)) -> (u32, u32) {
    let s = &SHAPES[kind as usize];
    if s.fixed == 3 {
        return fold_bounds(&words[pos..end], kind, bounds);
    }
    let (mut max_str, mut max_id) = bounds;
    max_str = max_str.max(words[pos]);
    max_id = max_id.max(words[pos + 2] & s.hdr_id);
    // Kinds without elements end right after their fixed part, so the loop never runs for them.
    let per = usize::from(s.per);
    let mut at = pos + 3 + usize::from(s.fixed);
    while at + 2 <= end {
        let (e0, e1) = (words[at], words[at + 1]);
        max_str = max_str.max(e0 & s.e0_str);
        max_id = max_id.max(e0 & s.e0_id).max(e1 & s.e1_id);
        at += per;
    }
    (max_str, max_id)
}

/// What the pass found about the records.
pub(super) enum Walked {
    /// Every record sized and every check passed: where each record starts (in words).
    Passed(Vec<u32>),
    /// The records are well formed but a sanity check failed: the detailed check names it.
    ChecksFailed(Vec<u32>),
    /// A record this pass does not size (UNKN, a kind known only from the layout section), an
    /// overrun or trailing words: the detailed walk handles it.
    Unsized,
}

/// Sizes and checks every record of `words`, the own types of split BTF over `base` (or of
/// standalone BTF) whose ids start at `start_id` and whose strings end at `str_end`. With `check`
/// false the records are only sized: for the running kernel's own BTF, which the kernel checked
/// by stricter rules than these before it published it (see `parse_input`).
pub(super) fn walk_and_check(
    words: &[u32],
    base: Option<&Btf>,
    start_id: u32,
    str_end: u32,
    check: bool,
) -> Walked {
    let total = words.len();
    // About six words per type in kernel BTF; trimmed to size below.
    let mut offs: Vec<u32> = Vec::with_capacity(total / 5 + 1);
    let mut bounds = (0u32, 0u32);
    let mut funcs_ok = true;
    // FUNCs whose target comes later in the section: checked once every record is sized.
    let mut forward_funcs: Vec<u32> = Vec::new();
    let info_of_own = |offs: &[u32], idx: usize| words[offs[idx] as usize + 1];
    let mut pos = 0usize;
    while pos + 3 <= total {
        let Some((kind, end)) = record_end(words[pos + 1], pos, total) else {
            return Walked::Unsized;
        };
        if check {
            bounds = fold_record(words, pos, end, kind, bounds);
        }
        offs.push(pos as u32);
        if check && kind == Kind::Func as u32 {
            let target = words[pos + 2];
            if target < start_id {
                funcs_ok &= base
                    .and_then(|b| b.type_by_id(target))
                    .is_some_and(|t| t.kind_raw() == Kind::FuncProto as u32);
            } else if ((target - start_id) as usize) < offs.len() {
                let info = info_of_own(&offs, (target - start_id) as usize);
                funcs_ok &= raw::info_kind(info) == Kind::FuncProto as u32;
            } else {
                forward_funcs.push(target);
            }
        }
        pos = end;
    }
    if pos != total {
        return Walked::Unsized;
    }
    // Trimmed to size: glibc shrinks a chunk in place (or remaps a large one), so the slack of
    // the estimate is returned without a copy.
    offs.shrink_to_fit();
    let (max_str, max_id) = bounds;
    let type_cnt = u64::from(start_id) + offs.len() as u64;
    let forward_ok = forward_funcs.iter().all(|&target| {
        let idx = (target - start_id) as usize;
        idx < offs.len() && raw::info_kind(info_of_own(&offs, idx)) == Kind::FuncProto as u32
    });
    if max_str < str_end && u64::from(max_id) < type_cnt && funcs_ok && forward_ok {
        Walked::Passed(offs)
    } else {
        Walked::ChecksFailed(offs)
    }
}
