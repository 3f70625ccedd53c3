//! Type-graph equivalence, the heart of struct dedup: is the graph reachable from a candidate
//! type the same as the graph reachable from a canonical one?
//!
//! Both graphs are walked side by side, depth first, each child pair in field order. Each
//! canonical-side type met is recorded in the hypothetical map with the candidate-side type it
//! met; meeting it again with the same partner closes a cycle (fine), with another partner is a
//! contradiction (different graphs) unless the two partners are structurally identical — compilers
//! sometimes emit twin copies of one type within one unit. FWDs on either side may match a
//! STRUCT/UNION of their name and flavour. Canonical-side FWDs already resolved are followed;
//! candidate-side ones never are.
//!
//! The walk is a loop over an explicit stack, visiting pairs in exactly the order a recursive
//! walk would and stopping at the first mismatch, so deep graphs need no deep call stack.

use super::equal;
use super::graph::{Graph, MAX_ID};
use super::store::{
    ARRAY, CONST, ENUM, ENUM64, FLOAT, FUNC, FUNC_PROTO, FWD, INFO, INT, NAME, PTR, RESTRICT,
    SIZE_TYPE, STRUCT, TYPE_TAG, TYPEDEF, UNION, VOLATILE,
};
use crate::model::error::{Error, Result};
use crate::model::raw;

/// How far `identical` descends through STRUCT, UNION, ARRAY and FUNC_PROTO.
const IDENTICAL_DEPTH: i32 = 16;

/// The result of looking at one pair of the walk.
enum Step {
    /// Equivalent as far as this pair goes (children, if any, were pushed).
    Same,
    /// Not equivalent: the whole walk fails.
    Differ,
}

impl Graph {
    /// Whether the graphs of `cand_id` and `canon_id` are equivalent, filling the hypothetical
    /// map. `Err` for a pair of kinds the walk cannot compare (VAR, DATASEC, DECL_TAG), as libbpf.
    pub(super) fn is_equiv(&mut self, cand_id: u32, canon_id: u32) -> Result<bool> {
        let mut pairs = std::mem::take(&mut self.pairs);
        pairs.clear();
        pairs.push((cand_id, canon_id));
        let mut result = Ok(true);
        while let Some((cand, canon)) = pairs.pop() {
            match self.equiv_step(cand, canon, &mut pairs) {
                Ok(Step::Same) => {}
                Ok(Step::Differ) => {
                    result = Ok(false);
                    break;
                }
                Err(e) => {
                    result = Err(e);
                    break;
                }
            }
        }
        pairs.clear();
        self.pairs = pairs;
        result
    }

    /// One pair: the checks libbpf makes before descending, then the children pushed so that
    /// the first child is visited next.
    fn equiv_step(&mut self, cand: u32, canon: u32, pairs: &mut Vec<(u32, u32)>) -> Result<Step> {
        if self.resolve(cand) == self.resolve(canon) {
            return Ok(Step::Same);
        }
        let canon = self.resolve_fwd(canon);
        let seen = self.hypot_map[canon as usize];
        if seen <= MAX_ID {
            let same = seen == cand || self.identical(seen, cand);
            return Ok(if same { Step::Same } else { Step::Differ });
        }
        self.hypot_add(canon, cand);

        let store = &self.store;
        let (cr, nr) = (store.rec(cand), store.rec(canon));
        if cr[NAME] != nr[NAME] {
            return Ok(Step::Differ);
        }
        let (ck, nk) = (raw::info_kind(cr[INFO]), raw::info_kind(nr[INFO]));
        if (ck == FWD || nk == FWD) && ck != nk {
            let (real, fwd) = if ck == FWD {
                (nk, equal::fwd_kind(cr))
            } else {
                let fwd = equal::fwd_kind(nr);
                if fwd == ck && canon < store.start_id {
                    self.hypot_adjust_canon = true;
                }
                (ck, fwd)
            };
            return Ok(same(fwd == real));
        }
        if ck != nk {
            return Ok(Step::Differ);
        }
        match ck {
            INT => Ok(same(equal::int_tag(cr, nr))),
            ENUM | ENUM64 => Ok(same(equal::enum_compatible(cr, nr))),
            FWD | FLOAT => Ok(same(equal::common(cr, nr))),
            CONST | VOLATILE | RESTRICT | PTR | TYPEDEF | FUNC | TYPE_TAG => {
                if cr[INFO] != nr[INFO] {
                    return Ok(Step::Differ);
                }
                pairs.push((cr[SIZE_TYPE], nr[SIZE_TYPE]));
                Ok(Step::Same)
            }
            ARRAY => {
                if !equal::array_compatible(cr, nr) {
                    return Ok(Step::Differ);
                }
                // Index type first, then element type: pushed in reverse.
                pairs.push((cr[3], nr[3]));
                pairs.push((cr[4], nr[4]));
                Ok(Step::Same)
            }
            STRUCT | UNION => {
                if !equal::composite_shallow(cr, nr) {
                    return Ok(Step::Differ);
                }
                let n = raw::info_vlen(cr[INFO]) as usize;
                for i in (0..n).rev() {
                    pairs.push((cr[3 + 3 * i + 1], nr[3 + 3 * i + 1]));
                }
                Ok(Step::Same)
            }
            FUNC_PROTO => {
                if !equal::func_proto_compatible(cr, nr) {
                    return Ok(Step::Differ);
                }
                let n = raw::info_vlen(cr[INFO]) as usize;
                for i in (0..n).rev() {
                    pairs.push((cr[3 + 2 * i + 1], nr[3 + 2 * i + 1]));
                }
                pairs.push((cr[SIZE_TYPE], nr[SIZE_TYPE]));
                Ok(Step::Same)
            }
            _ => Err(Error::invalid(format!(
                "dedup: type [{cand}] of kind {ck} met in a type graph comparison"
            ))),
        }
    }

    /// Whether two types are structurally identical, comparing raw ids (no canonical links),
    /// down to [`IDENTICAL_DEPTH`] levels of aggregates. ARRAYs compare by their common words
    /// and element count only: libbpf 1.7.0 compares the first array's ids with themselves.
    pub(super) fn identical(&self, id1: u32, id2: u32) -> bool {
        self.identical_at(id1, id2, IDENTICAL_DEPTH)
    }

    fn identical_at(&self, mut id1: u32, mut id2: u32, depth: i32) -> bool {
        // Brent's cycle check on the pair walked along reference chains: a repeated pair means
        // libbpf would walk forever.
        let (mut saved, mut power, mut run) = ((id1, id2), 1u64, 0u64);
        loop {
            if !self.spend_identical_step() {
                return false;
            }
            if depth <= 0 {
                return false;
            }
            let (r1, r2) = (self.store.rec(id1), self.store.rec(id2));
            let (k1, k2) = (raw::info_kind(r1[INFO]), raw::info_kind(r2[INFO]));
            if k1 != k2 {
                return false;
            }
            return match k1 {
                0 => true,
                INT => equal::int_tag(r1, r2),
                ENUM | ENUM64 => equal::enum_compatible(r1, r2),
                FWD | FLOAT => equal::common(r1, r2),
                CONST | VOLATILE | RESTRICT | PTR | TYPEDEF | FUNC | TYPE_TAG => {
                    if r1[INFO] != r2[INFO] || r1[NAME] != r2[NAME] {
                        return false;
                    }
                    (id1, id2) = (r1[SIZE_TYPE], r2[SIZE_TYPE]);
                    run += 1;
                    if (id1, id2) == saved {
                        self.endless.set(true);
                        return false;
                    }
                    if run == power {
                        (saved, power, run) = ((id1, id2), power * 2, 0);
                    }
                    continue;
                }
                ARRAY => equal::array_compatible(r1, r2),
                STRUCT | UNION => {
                    if !equal::composite_shallow(r1, r2) {
                        return false;
                    }
                    let n = raw::info_vlen(r1[INFO]) as usize;
                    (0..n).all(|i| {
                        let (t1, t2) = (r1[3 + 3 * i + 1], r2[3 + 3 * i + 1]);
                        t1 == t2 || self.identical_at(t1, t2, depth - 1)
                    })
                }
                FUNC_PROTO => {
                    if !equal::func_proto_compatible(r1, r2) {
                        return false;
                    }
                    let (t1, t2) = (r1[SIZE_TYPE], r2[SIZE_TYPE]);
                    if t1 != t2 && !self.identical_at(t1, t2, depth - 1) {
                        return false;
                    }
                    let n = raw::info_vlen(r1[INFO]) as usize;
                    (0..n).all(|i| {
                        let (t1, t2) = (r1[3 + 2 * i + 1], r2[3 + 2 * i + 1]);
                        t1 == t2 || self.identical_at(t1, t2, depth - 1)
                    })
                }
                _ => false,
            };
        }
    }

    /// Takes one step of the run-wide budget of `identical` comparisons; `false` (and the input
    /// flagged endless) once it is spent.
    #[inline]
    fn spend_identical_step(&self) -> bool {
        let left = self.identical_budget.get();
        if left == 0 {
            self.endless.set(true);
            return false;
        }
        self.identical_budget.set(left - 1);
        true
    }

    /// After a successful walk: point FWDs at the STRUCT/UNION they met, and (unless the walk
    /// needed a base FWD changed) map candidate-side structs to their canonical-side partners
    /// where the partner is already settled — a shortcut that spares later walks.
    pub(super) fn merge_hypot(&mut self) {
        for i in 0..self.hypot_list.len() {
            let canon = self.hypot_list[i];
            let targ = self.hypot_map[canon as usize];
            let t_id = self.resolve(targ);
            let c_id = self.resolve(canon);
            let t_kind = self.store.kind(t_id);
            let c_kind = self.store.kind(c_id);
            if t_kind != FWD && c_kind == FWD {
                self.map[c_id as usize] = t_id;
            }
            if self.hypot_adjust_canon {
                continue;
            }
            if t_kind == FWD && c_kind != FWD {
                self.map[t_id as usize] = c_id;
            }
            if (t_kind == STRUCT || t_kind == UNION)
                && c_kind != FWD
                && self.is_mapped(c_id)
                && !self.is_mapped(t_id)
            {
                self.map[t_id as usize] = c_id;
            }
        }
    }
}

#[inline]
fn same(eq: bool) -> Step {
    if eq { Step::Same } else { Step::Differ }
}
