//! Record comparisons, each on two whole records (`r1`, `r2`). "Equal" compares every word the
//! kind's signature covers, referenced ids included where they are already canonical; "compatible"
//! and "shallow" leave referenced ids out, for the type-graph walk to compare.
//!
//! Every comparison checks the `info` words (kind and element count) before reading past the
//! common header, so a candidate of another kind filed under a colliding signature — possibly a
//! shorter record at the very end of the store — is never read out of bounds.

use super::store::{ENUM, ENUM64, INFO, NAME, TYPEDEF, is_any_enum};
use crate::model::raw;

#[inline]
fn vlen(r: &[u32]) -> usize {
    raw::info_vlen(r[INFO]) as usize
}

/// Name, info and size-or-type.
#[inline]
pub(super) fn common(r1: &[u32], r2: &[u32]) -> bool {
    r1[..3] == r2[..3]
}

/// TYPEDEF in the struct pass: name and info.
#[inline]
pub(super) fn typedef(r1: &[u32], r2: &[u32]) -> bool {
    r1[NAME] == r2[NAME] && r1[INFO] == r2[INFO]
}

/// INT and DECL_TAG: the common words and the word after them. (The common words first: a
/// candidate of another kind may be a shorter record, the last of all.)
#[inline]
pub(super) fn int_tag(r1: &[u32], r2: &[u32]) -> bool {
    common(r1, r2) && r1[3] == r2[3]
}

/// ENUM / ENUM64 of the same kind with the same values, in order.
pub(super) fn enumeration(r1: &[u32], r2: &[u32]) -> bool {
    if !common(r1, r2) {
        return false;
    }
    let words = match raw::info_kind(r1[INFO]) {
        ENUM => 2,
        ENUM64 => 3,
        _ => 0,
    } * vlen(r1);
    r1[3..3 + words] == r2[3..3 + words]
}

/// An ENUM or ENUM64 without values: a forward declaration to dedup.
#[inline]
pub(super) fn is_enum_fwd(r: &[u32]) -> bool {
    is_any_enum(raw::info_kind(r[INFO])) && vlen(r) == 0
}

/// Enums that may stand for one another: equal, or one a forward declaration of the same name (of
/// either enum kind, any size).
pub(super) fn enum_compatible(r1: &[u32], r2: &[u32]) -> bool {
    if !is_enum_fwd(r1) && !is_enum_fwd(r2) {
        return enumeration(r1, r2);
    }
    r1[NAME] == r2[NAME]
        && is_any_enum(raw::info_kind(r1[INFO]))
        && is_any_enum(raw::info_kind(r2[INFO]))
}

/// STRUCT / UNION with the same common words and member names and offsets (types not compared).
pub(super) fn composite_shallow(r1: &[u32], r2: &[u32]) -> bool {
    if !common(r1, r2) {
        return false;
    }
    let n = vlen(r1);
    r1[3..3 + 3 * n]
        .chunks_exact(3)
        .zip(r2[3..3 + 3 * n].chunks_exact(3))
        .all(|(m1, m2)| m1[0] == m2[0] && m1[2] == m2[2])
}

/// The struct-pass comparison of a candidate: TYPEDEF by name and info, STRUCT / UNION shallowly.
#[inline]
pub(super) fn struct_pass(r1: &[u32], r2: &[u32], kind: u32) -> bool {
    if kind == TYPEDEF {
        typedef(r1, r2)
    } else {
        composite_shallow(r1, r2)
    }
}

/// ARRAY with the same element type, index type and count.
#[inline]
pub(super) fn array(r1: &[u32], r2: &[u32]) -> bool {
    common(r1, r2) && r1[3..6] == r2[3..6]
}

/// ARRAY with the same common words and count (types not compared).
#[inline]
pub(super) fn array_compatible(r1: &[u32], r2: &[u32]) -> bool {
    common(r1, r2) && r1[5] == r2[5]
}

/// FUNC_PROTO with the same return type and parameters (names and types).
pub(super) fn func_proto(r1: &[u32], r2: &[u32]) -> bool {
    if !common(r1, r2) {
        return false;
    }
    let n = 2 * vlen(r1);
    r1[3..3 + n] == r2[3..3 + n]
}

/// FUNC_PROTO with the same name, info and parameter names (no type, return type included, is
/// compared).
pub(super) fn func_proto_compatible(r1: &[u32], r2: &[u32]) -> bool {
    if r1[NAME] != r2[NAME] || r1[INFO] != r2[INFO] {
        return false;
    }
    let n = vlen(r1);
    r1[3..3 + 2 * n]
        .chunks_exact(2)
        .zip(r2[3..3 + 2 * n].chunks_exact(2))
        .all(|(p1, p2)| p1[0] == p2[0])
}

/// The kind a FWD declares: UNION with the kind flag, else STRUCT (as kind numbers).
#[inline]
pub(super) fn fwd_kind(r: &[u32]) -> u32 {
    if raw::info_kflag(r[INFO]) {
        super::store::UNION
    } else {
        super::store::STRUCT
    }
}
