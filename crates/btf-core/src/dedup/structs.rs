//! The struct pass: each own STRUCT, UNION and TYPEDEF not yet settled is compared with the
//! candidates of its signature, shallowly first, then by walking both type graphs
//! ([`Graph::is_equiv`](super::graph::Graph)). The first candidate whose graph matches wins —
//! unless the match would need a base FWD resolved, which base immutability forbids. A successful
//! walk also resolves FWDs and settles other structs met on the way; a type left without a match
//! becomes a candidate itself.

use super::Dedup;
use super::equal;
use super::hash;
use super::store::{STRUCT, TYPEDEF, UNION};
use crate::model::error::Result;

impl Dedup {
    pub(super) fn struct_types(&mut self) -> Result<()> {
        for id in self.g.store.start_id..self.g.store.type_cnt() {
            self.struct_type(id)?;
            self.g.check_endless()?;
        }
        Ok(())
    }

    fn struct_type(&mut self, id: u32) -> Result<()> {
        if self.g.is_mapped(id) {
            return Ok(());
        }
        let kind = self.g.store.kind(id);
        if kind != STRUCT && kind != UNION && kind != TYPEDEF {
            return Ok(());
        }
        let r = self.g.store.rec(id);
        let h = if kind == TYPEDEF {
            hash::typedef(r)
        } else {
            hash::composite(r)
        };
        let mut new_id = id;
        for cand in self.table.cands(h) {
            let g = &mut self.g;
            if !equal::struct_pass(g.store.rec(id), g.store.rec(cand), kind) {
                continue;
            }
            g.clear_hypot();
            if !g.is_equiv(id, cand)? {
                continue;
            }
            g.merge_hypot();
            if g.hypot_adjust_canon {
                continue;
            }
            new_id = cand;
            break;
        }
        self.g.map[id as usize] = new_id;
        if new_id == id {
            self.table.add(h, id, 0);
        }
        Ok(())
    }
}
