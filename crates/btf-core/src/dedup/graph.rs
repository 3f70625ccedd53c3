//! The state every pass shares: the records, the canonical map (each type's representative, or
//! a link towards it) and the hypothetical map of the type-graph walk.
//!
//! `map[id]` is `UNPROCESSED` until a pass decides, `IN_PROGRESS` while the reference pass is
//! inside the type, else an id; following ids until one maps to itself gives the representative.
//! Links are redirected in place (an enum or struct forward declaration that a later pass
//! resolves), never shortened, because redirecting a link in the middle of a chain must change
//! where every type behind it ends up.

use std::cell::Cell;

use super::store::{FWD, Store};
use crate::model::error::{Error, ErrorKind, Result};

/// Largest valid type id (libbpf's `BTF_MAX_NR_TYPES`); map values above it are markers.
pub(super) const MAX_ID: u32 = 0x7fff_ffff;
pub(super) const UNPROCESSED: u32 = u32::MAX;
pub(super) const IN_PROGRESS: u32 = u32::MAX - 1;

/// Comparisons `identical` may make in one dedup run (see [`Graph::identical_budget`]).
const IDENTICAL_BUDGET: u64 = 1 << 26;

/// `ELOOP`, libbpf's answer to a reference cycle that passes through no struct, union or typedef.
pub(super) const ELOOP: i32 = 40;

/// The error for inputs on which libbpf 1.7.0 would loop forever (a cycle of canonical links,
/// or two endless reference chains compared step by step).
pub(super) fn endless() -> Error {
    Error::new(
        ErrorKind::Os(ELOOP),
        "dedup: endless reference cycle (libbpf 1.7.0 would not terminate on this input)",
    )
}

#[derive(Debug)]
pub(super) struct Graph {
    pub store: Store,
    /// Canonical links, by type id.
    pub map: Vec<u32>,
    /// Hypothetical map of the current graph walk: canonical-side id to candidate-side id.
    pub hypot_map: Vec<u32>,
    /// Canonical-side ids set in `hypot_map`, in the order they were set.
    pub hypot_list: Vec<u32>,
    /// The walk matched a base FWD with an own STRUCT/UNION: base types cannot change, so the
    /// graphs only count as different (the FWD still gets pointed at the struct).
    pub hypot_adjust_canon: bool,
    /// Set when a canonical chain or a compared reference chain turned out endless.
    pub endless: Cell<bool>,
    /// Comparisons `identical` may still make in this run. Real inputs need a few thousand in
    /// all (1,012 for 4,023 kernel modules); crafted ones can need exponentially many in libbpf,
    /// and past this budget count as endless.
    pub identical_budget: Cell<u64>,
    /// Scratch stack of the graph walk.
    pub pairs: Vec<(u32, u32)>,
}

impl Graph {
    /// The initial maps: `void` and every VAR and DATASEC (never deduped) map to themselves,
    /// everything else is undecided.
    pub(super) fn new(store: Store) -> Graph {
        let n = store.type_cnt();
        let mut map = vec![UNPROCESSED; n as usize];
        map[0] = 0;
        for id in 1..n {
            let k = store.kind(id);
            if k == super::store::VAR || k == super::store::DATASEC {
                map[id as usize] = id;
            }
        }
        Graph {
            store,
            map,
            hypot_map: vec![UNPROCESSED; n as usize],
            hypot_list: Vec::new(),
            hypot_adjust_canon: false,
            endless: Cell::new(false),
            identical_budget: Cell::new(IDENTICAL_BUDGET),
            pairs: Vec::new(),
        }
    }

    /// Whether `id` has been given a representative (possibly itself).
    #[inline]
    pub(super) fn is_mapped(&self, id: u32) -> bool {
        self.map[id as usize] <= MAX_ID
    }

    /// Follows canonical links from `id` to a type that maps to itself or is undecided. A chain
    /// longer than the number of types is a cycle: flagged, and the walk stops.
    #[inline]
    pub(super) fn resolve(&self, mut id: u32) -> u32 {
        let mut budget = self.map.len();
        loop {
            let next = self.map[id as usize];
            if next > MAX_ID || next == id {
                return id;
            }
            id = next;
            budget -= 1;
            if budget == 0 {
                self.endless.set(true);
                return id;
            }
        }
    }

    /// A FWD's resolved STRUCT/UNION when it has one, else `id` itself.
    pub(super) fn resolve_fwd(&self, id: u32) -> u32 {
        if self.store.kind(id) != FWD {
            return id;
        }
        let r = self.resolve(id);
        if self.store.kind(r) != FWD { r } else { id }
    }

    /// `Err` once an endless chain has been seen.
    #[inline]
    pub(super) fn check_endless(&self) -> Result<()> {
        if self.endless.get() {
            Err(endless())
        } else {
            Ok(())
        }
    }

    /// Forgets the last walk's hypothetical map.
    pub(super) fn clear_hypot(&mut self) {
        for &id in &self.hypot_list {
            self.hypot_map[id as usize] = UNPROCESSED;
        }
        self.hypot_list.clear();
        self.hypot_adjust_canon = false;
    }

    #[inline]
    pub(super) fn hypot_add(&mut self, from: u32, to: u32) {
        self.hypot_list.push(from);
        self.hypot_map[from as usize] = to;
    }
}
