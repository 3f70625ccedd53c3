//! The first type passes: base types filed as candidates, then own types that reference no other
//! type (INT, FLOAT, FWD, ENUM, ENUM64) matched against the candidates of their signature.
//!
//! Enums follow forward declarations both ways: a value-less ENUM/ENUM64 takes the first
//! compatible candidate, and a full enum points every compatible value-less candidate it passes
//! at itself (base ones included) before settling on an equal candidate or itself.

use super::Dedup;
use super::equal;
use super::hash;
use super::store::{ENUM, ENUM64, FLOAT, FWD, INT};

impl Dedup {
    /// Base types are their own representatives and, except VAR and DATASEC, candidates.
    pub(super) fn file_base_types(&mut self) {
        for id in 1..self.g.store.start_id {
            self.g.map[id as usize] = id;
            if let Some(h) = hash::of_base_type(self.g.store.rec(id)) {
                self.table.add(h, id);
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
                for c in self.table.cands(h) {
                    let cr = g.store.rec(c);
                    if equal::enumeration(r, cr) {
                        new_id = c;
                        break;
                    }
                    if equal::enum_compatible(r, cr) {
                        if equal::is_enum_fwd(r) {
                            new_id = c;
                            break;
                        }
                        g.map[c as usize] = id;
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
            self.table.add(h, id);
        }
    }
}
