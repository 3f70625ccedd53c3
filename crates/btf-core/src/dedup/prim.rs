//! The first type passes: base types filed as candidates, then own types that reference no other
//! type (INT, FLOAT, FWD, ENUM, ENUM64) matched against the candidates of their signature.
//!
//! Enums follow forward declarations both ways: a value-less ENUM/ENUM64 takes the first
//! compatible candidate, and a full enum points every compatible value-less candidate it passes
//! at itself (base ones included) before settling on an equal candidate or itself.
//!
//! An enum's signature is its name alone, so one signature can gather thousands of candidates
//! (every anonymous enum). Enum candidates are therefore filed with a tag — "is an enum", "has no
//! values", and a digest of the whole record — that decides most comparisons without loading the
//! candidate's record; equal digests are confirmed on the records.

use super::Dedup;
use super::equal;
use super::hash;
use super::store::{ENUM, ENUM64, FLOAT, FWD, INFO, INT};
use crate::model::raw;

/// Tag bits of enum candidates (other candidates carry tag 0).
const TAG_ENUM: u32 = 1;
const TAG_FWD: u32 = 2;

/// The tag of an ENUM/ENUM64 record: both flags and 30 bits of a digest of all its words.
fn enum_tag(r: &[u32]) -> u32 {
    let words = 3 + raw::info_vlen(r[INFO]) as usize
        * if raw::info_kind(r[INFO]) == ENUM {
            2
        } else {
            3
        };
    let digest = r[..words].iter().fold(0x243f_6a88_85a3_08d3u64, |h, &w| {
        (h ^ u64::from(w))
            .wrapping_mul(0x0100_0000_01b3)
            .rotate_left(23)
    });
    let fwd = if equal::is_enum_fwd(r) { TAG_FWD } else { 0 };
    ((digest >> 32) as u32 & !3) | TAG_ENUM | fwd
}

/// The tag a type is filed with.
fn tag_of(r: &[u32]) -> u32 {
    match raw::info_kind(r[INFO]) {
        ENUM | ENUM64 => enum_tag(r),
        _ => 0,
    }
}

impl Dedup {
    /// Base types are their own representatives and, except VAR and DATASEC, candidates.
    pub(super) fn file_base_types(&mut self) {
        for id in 1..self.g.store.start_id {
            self.g.map[id as usize] = id;
            let r = self.g.store.rec(id);
            if let Some(h) = hash::of_base_type(r) {
                self.table.add(h, id, tag_of(r));
            }
        }
    }

    pub(super) fn prim_types(&mut self) {
        for id in self.g.store.start_id..self.g.store.type_cnt() {
            self.prim_type(id);
        }
    }

    fn prim_type(&mut self, id: u32) {
        let g = &mut self.g;
        let r = g.store.rec(id);
        let mut new_id = id;
        let mut tag = 0;
        let h = match g.store.kind(id) {
            INT => {
                let h = hash::int_tag(r);
                new_id = self
                    .table
                    .cands(h)
                    .find(|&c| equal::int_tag(r, g.store.rec(c)))
                    .unwrap_or(id);
                h
            }
            ENUM | ENUM64 => {
                let h = hash::enumeration(r);
                tag = enum_tag(r);
                // Every enum filed under `h` is named by `h`; other candidates (signature
                // collisions) neither equal nor fit an enum.
                let fwd = tag & TAG_FWD != 0;
                for (c, ctag) in self.table.tagged(h) {
                    if ctag & TAG_ENUM == 0 {
                        continue;
                    }
                    if fwd {
                        // Equal or compatible, either way taken.
                        new_id = c;
                        break;
                    }
                    if ctag & TAG_FWD != 0 {
                        // A value-less candidate: compatible, not equal.
                        g.map[c as usize] = id;
                        continue;
                    }
                    if ctag == tag && equal::enumeration(r, g.store.rec(c)) {
                        new_id = c;
                        break;
                    }
                }
                h
            }
            FWD | FLOAT => {
                let h = hash::common(r);
                new_id = self
                    .table
                    .cands(h)
                    .find(|&c| equal::common(r, g.store.rec(c)))
                    .unwrap_or(id);
                h
            }
            _ => return,
        };
        g.map[id as usize] = new_id;
        if new_id == id {
            self.table.add(h, id, tag);
        }
    }
}
