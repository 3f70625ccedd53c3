//! Type signatures: the 64-bit keys under which dedup files candidate types. They are libbpf's
//! own values (each field folded in as `h * 31 + field`), because which types share a key decides
//! which candidates are compared, and in what order — observable in the output.
//!
//! What a signature covers decides what may later be merged: STRUCT/UNION and TYPEDEF signatures
//! leave out referenced ids (those are compared through the type graph), ENUM signatures hold only
//! the name (so an enum forward declaration meets its definition), reference kinds include their
//! already canonical referenced ids.

use super::store::{
    ARRAY, CONST, DATASEC, DECL_TAG, ENUM, ENUM64, FLOAT, FUNC, FUNC_PROTO, FWD, INFO, INT, NAME,
    PTR, RESTRICT, SIZE_TYPE, STRUCT, TYPE_TAG, TYPEDEF, UNION, VAR, VOLATILE,
};
use crate::model::raw;

#[inline]
fn fold(h: u64, value: u32) -> u64 {
    h.wrapping_mul(31).wrapping_add(u64::from(value))
}

/// Name, info and size-or-type.
#[inline]
pub(super) fn common(r: &[u32]) -> u64 {
    fold(fold(fold(0, r[NAME]), r[INFO]), r[SIZE_TYPE])
}

/// TYPEDEF in the struct pass: name and info only (the referenced type may not be final yet).
#[inline]
pub(super) fn typedef(r: &[u32]) -> u64 {
    fold(fold(0, r[NAME]), r[INFO])
}

/// INT and DECL_TAG: the common words and the word after them.
#[inline]
pub(super) fn int_tag(r: &[u32]) -> u64 {
    fold(common(r), r[3])
}

/// ENUM and ENUM64: the name only.
#[inline]
pub(super) fn enumeration(r: &[u32]) -> u64 {
    fold(0, r[NAME])
}

/// STRUCT and UNION: the common words, then each member's name and offset (not its type).
pub(super) fn composite(r: &[u32]) -> u64 {
    let vlen = raw::info_vlen(r[INFO]) as usize;
    r[3..3 + 3 * vlen]
        .chunks_exact(3)
        .fold(common(r), |h, m| fold(fold(h, m[0]), m[2]))
}

/// ARRAY: the common words, element type, index type, element count.
#[inline]
pub(super) fn array(r: &[u32]) -> u64 {
    fold(fold(fold(common(r), r[3]), r[4]), r[5])
}

/// FUNC_PROTO: the common words (return type included), then each parameter's name and type.
pub(super) fn func_proto(r: &[u32]) -> u64 {
    let vlen = raw::info_vlen(r[INFO]) as usize;
    r[3..3 + 2 * vlen]
        .chunks_exact(2)
        .fold(common(r), |h, p| fold(fold(h, p[0]), p[1]))
}

/// The key a base type is filed under before own types are processed; `None` for VAR and
/// DATASEC, which are never candidates, and for kinds dedup does not know.
pub(super) fn of_base_type(r: &[u32]) -> Option<u64> {
    Some(match raw::info_kind(r[INFO]) {
        CONST | VOLATILE | RESTRICT | PTR | FWD | TYPEDEF | FUNC | FLOAT | TYPE_TAG => common(r),
        INT | DECL_TAG => int_tag(r),
        ENUM | ENUM64 => enumeration(r),
        STRUCT | UNION => composite(r),
        ARRAY => array(r),
        FUNC_PROTO => func_proto(r),
        VAR | DATASEC => return None,
        _ => return None,
    })
}
