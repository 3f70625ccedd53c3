//! String dedup: own strings that the base chain holds are re-pointed at the base's copy; the rest
//! are copied, once each and in order of first reference, into a new string section — for a base
//! BTF after `""` at offset 0, for a split BTF from offset 0 of its own range. Strings nothing
//! references are dropped. References to the empty string (offset 0) and to base strings are left
//! as they are.
//!
//! libbpf skips this pass for objects whose strings are known to be unique (see `strs_deduped`).

use super::store::Store;
use crate::model::btf::Btf;
use crate::model::error::{Error, Result};
use crate::model::fields::{FieldKind, field_positions};
use crate::model::raw;
use crate::model::strings::{StringIndex, hash32};

/// The new own string section and its interning index.
#[derive(Debug)]
pub(super) struct NewStrings {
    pub bytes: Vec<u8>,
    pub index: StringIndex,
}

/// Rewrites every string field of the own records in `store` and returns the new own strings.
pub(super) fn dedup_strings(btf: &Btf, store: &mut Store) -> Result<NewStrings> {
    let split = btf.base.is_some();
    let start_off = btf.start_str_off;
    let old = &btf.strings;
    let mut bytes = Vec::new();
    let mut index = StringIndex::default();
    if !split {
        index.intern_hashed(&mut bytes, b"", hash32(b""));
    }
    const UNSET: u32 = u32::MAX;
    // New logical offset by old local offset, for strings already seen.
    let mut seen = vec![UNSET; old.len()];
    for id in store.start_id..store.type_cnt() {
        let info = store.info(id);
        let Some(positions) = field_positions(
            raw::info_kind(info),
            raw::info_vlen(info),
            FieldKind::Strings,
        ) else {
            continue;
        };
        for p in positions {
            let off = store.word(id, p);
            if off == 0 || off < start_off {
                continue;
            }
            let local = (off - start_off) as usize;
            let Some(&known) = seen.get(local) else {
                return Err(bad_offset(id, off));
            };
            let new_off = if known != UNSET {
                known
            } else {
                let tail = &old[local..];
                let Some(len) = tail.iter().position(|&b| b == 0) else {
                    return Err(bad_offset(id, off));
                };
                let s = &tail[..len];
                let hash = hash32(s);
                let found = btf.base.as_ref().and_then(|b| b.find_str_hashed(s, hash));
                let new_off = match found {
                    Some(base_off) => base_off,
                    None => start_off + index.intern_hashed(&mut bytes, s, hash),
                };
                seen[local] = new_off;
                new_off
            };
            store.set_word(id, p, new_off);
        }
    }
    Ok(NewStrings { bytes, index })
}

fn bad_offset(id: u32, off: u32) -> Error {
    Error::invalid(format!(
        "dedup: type [{id}] has string offset {off}, which is not a string of this BTF"
    ))
}
