//! The last passes: representatives keep their order and are renumbered from the first own id
//! (base ids never move), everything else is dropped, and every type id field of what remains is
//! rewritten to its representative's new id; so is every type id of a `.BTF.ext` given to dedup.

use super::graph::{Graph, MAX_ID, UNPROCESSED};
use crate::ext::BtfExt;
use crate::model::error::{Error, Result};
use crate::model::fields::{FieldKind, field_positions};
use crate::model::raw;

/// Own records after compaction: words and per-type word offsets.
#[derive(Debug)]
pub(super) struct Compacted {
    pub types: Vec<u32>,
    pub type_offs: Vec<u32>,
    /// New id of each representative own type, by `id - start_id` (`UNPROCESSED` for the rest).
    pub new_ids: Vec<u32>,
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
                let new_id = self.final_id(&new_ids, types[at + p]);
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
        Ok(Compacted {
            types,
            type_offs,
            new_ids,
        })
    }

    /// The id that type `id` (which must exist) has after compaction: its representative's new
    /// id, or a value above `MAX_ID` when the representative was dropped (libbpf's
    /// `resolve_type_id` then `hypot_map`).
    fn final_id(&self, new_ids: &[u32], id: u32) -> u32 {
        let rep = self.resolve(id);
        let start = self.store.start_id;
        if rep < start {
            rep
        } else {
            new_ids[(rep - start) as usize]
        }
    }

    /// Rewrites the type ids of a `.BTF.ext` to their ids after compaction (libbpf's
    /// `btf_dedup_remap_type_id` over `btf_ext_visit_type_ids`). Ids that name no type, or
    /// whose type was left without a representative, fail with `EINVAL`; `ext` is then unchanged.
    pub(super) fn remap_ext(&self, new_ids: &[u32], ext: &mut BtfExt) -> Result<()> {
        let type_cnt = self.store.type_cnt();
        ext.remap_type_ids(|id| {
            let new_id = if id < type_cnt {
                self.final_id(new_ids, id)
            } else {
                UNPROCESSED
            };
            if new_id > MAX_ID {
                return Err(Error::invalid(format!(
                    "dedup: .BTF.ext refers to type {id}, {}",
                    if id < type_cnt {
                        "which was left without a representative"
                    } else {
                        "which does not exist"
                    }
                )));
            }
            Ok(new_id)
        })?;
        self.check_endless()
    }
}
