//! The last passes: representatives keep their order and are renumbered from the first own id
//! (base ids never move), everything else is dropped, and every type id field of what remains is
//! rewritten to its representative's new id.

use super::graph::{Graph, MAX_ID, UNPROCESSED};
use crate::model::error::{Error, Result};
use crate::model::fields::{FieldKind, field_positions};
use crate::model::raw;

/// Own records after compaction: words and per-type word offsets.
#[derive(Debug)]
pub(super) struct Compacted {
    pub types: Vec<u32>,
    pub type_offs: Vec<u32>,
}

impl Graph {
    pub(super) fn compact_and_remap(&mut self) -> Result<Compacted> {
        let start = self.store.start_id;
        let type_cnt = self.store.type_cnt();
        // New id of each representative own type, by `id - start`.
        let mut new_ids = vec![UNPROCESSED; (type_cnt - start) as usize];
        let mut types = Vec::new();
        let mut type_offs = Vec::new();
        let mut next = start;
        for id in start..type_cnt {
            if self.map[id as usize] != id {
                continue;
            }
            let r = self.store.rec(id);
            let len = raw::record_len_words(r)
                .ok_or_else(|| Error::invalid(format!("dedup: type [{id}] cannot be sized")))?;
            type_offs.push(types.len() as u32);
            types.extend_from_slice(&r[..len]);
            new_ids[(id - start) as usize] = next;
            next += 1;
        }
        for (i, &at) in type_offs.iter().enumerate() {
            let at = at as usize;
            let info = types[at + 1];
            let Some(positions) = field_positions(
                raw::info_kind(info),
                raw::info_vlen(info),
                FieldKind::TypeIds,
            ) else {
                continue;
            };
            for p in positions {
                let rep = self.resolve(types[at + p]);
                let new_id = if rep < start {
                    rep
                } else {
                    new_ids[(rep - start) as usize]
                };
                if new_id > MAX_ID {
                    return Err(Error::invalid(format!(
                        "dedup: type [{}] references type {} left without a representative",
                        start + i as u32,
                        types[at + p]
                    )));
                }
                types[at + p] = new_id;
            }
        }
        self.check_endless()?;
        Ok(Compacted { types, type_offs })
    }
}
