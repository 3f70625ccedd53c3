//! Forward declarations the graph walks did not reach: an own FWD still its own representative is
//! pointed at the one representative STRUCT/UNION (base or own) of its name and flavour, when
//! exactly one representative struct or union carries that name.

use hashbrown::HashMap;
use hashbrown::hash_map::Entry;

use super::equal;
use super::graph::Graph;
use super::store::{FWD, NAME, STRUCT, UNION};

impl Graph {
    pub(super) fn resolve_fwds(&mut self) {
        // Name offset to the single representative struct/union of that name; 0 when several.
        let mut unique: HashMap<u32, u32, foldhash::fast::FixedState> = HashMap::default();
        for id in 1..self.store.type_cnt() {
            let kind = self.store.kind(id);
            if (kind != STRUCT && kind != UNION) || self.map[id as usize] != id {
                continue;
            }
            match unique.entry(self.store.word(id, NAME)) {
                Entry::Occupied(mut o) => *o.get_mut() = 0,
                Entry::Vacant(v) => {
                    v.insert(id);
                }
            }
        }
        for id in self.store.start_id..self.store.type_cnt() {
            if self.store.kind(id) != FWD || self.map[id as usize] != id {
                continue;
            }
            let Some(&cand) = unique.get(&self.store.word(id, NAME)) else {
                continue;
            };
            if cand != 0 && self.store.kind(cand) == equal::fwd_kind(self.store.rec(id)) {
                self.map[id as usize] = cand;
            }
        }
    }
}
