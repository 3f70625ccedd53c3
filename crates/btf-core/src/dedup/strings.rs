//! String dedup: own strings that the base chain holds are re-pointed at the base's copy; the rest
//! are copied, once each and in order of first reference, into a new string section — for a base
//! BTF after `""` at offset 0, for a split BTF from offset 0 of its own range. Strings nothing
//! references are dropped. References to the empty string (offset 0) and to base strings are left
//! as they are. A `.BTF.ext` given to dedup has its string offsets rewritten the same way, after
//! the types'.
//!
//! libbpf skips this pass for objects whose strings are known to be unique (see `strs_deduped`).

use super::store::Store;
use crate::ext::BtfExt;
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

/// Where an offset being rewritten was found, for error messages.
#[derive(Clone, Copy, Debug)]
enum Site {
    Type(u32),
    Ext,
}

/// The string dedup in progress: the new own strings, and the new offset of each old own
/// string already met.
struct StrDedup<'a> {
    btf: &'a Btf,
    bytes: Vec<u8>,
    index: StringIndex,
    /// New logical offset by old local offset, for strings already seen.
    seen: Vec<u32>,
}

const UNSET: u32 = u32::MAX;

impl StrDedup<'_> {
    /// The new offset of the string at logical offset `off`; the empty string and base strings
    /// keep theirs.
    fn remap(&mut self, off: u32, site: Site) -> Result<u32> {
        let start_off = self.btf.start_str_off;
        if off == 0 || off < start_off {
            return Ok(off);
        }
        let local = (off - start_off) as usize;
        let Some(&known) = self.seen.get(local) else {
            return Err(bad_offset(site, off));
        };
        if known != UNSET {
            return Ok(known);
        }
        let tail = &self.btf.strings[local..];
        let Some(len) = tail.iter().position(|&b| b == 0) else {
            return Err(bad_offset(site, off));
        };
        let s = &tail[..len];
        let hash = hash32(s);
        let found = self
            .btf
            .base
            .as_ref()
            .and_then(|b| b.find_str_hashed(s, hash));
        let new_off = match found {
            Some(base_off) => base_off,
            None => start_off + self.index.intern_hashed(&mut self.bytes, s, hash),
        };
        self.seen[local] = new_off;
        Ok(new_off)
    }
}

/// Rewrites every string field of the own records in `store`, then every string offset of
/// `ext` (libbpf visits the `.BTF.ext` after the types, so strings only it references land after
/// the types' strings), and returns the new own strings. `ext` is changed only on success.
pub(super) fn dedup_strings(
    btf: &Btf,
    store: &mut Store,
    ext: Option<&mut BtfExt>,
) -> Result<NewStrings> {
    let mut d = StrDedup {
        btf,
        bytes: Vec::new(),
        index: StringIndex::default(),
        seen: vec![UNSET; btf.strings.len()],
    };
    if btf.base.is_none() {
        d.index.intern_hashed(&mut d.bytes, b"", hash32(b""));
    }
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
            let new_off = d.remap(store.word(id, p), Site::Type(id))?;
            store.set_word(id, p, new_off);
        }
    }
    if let Some(ext) = ext {
        ext.remap_str_offs(|off| d.remap(off, Site::Ext))?;
    }
    Ok(NewStrings {
        bytes: d.bytes,
        index: d.index,
    })
}

fn bad_offset(site: Site, off: u32) -> Error {
    let at = match site {
        Site::Type(id) => format!("type [{id}]"),
        Site::Ext => ".BTF.ext".to_string(),
    };
    Error::invalid(format!(
        "dedup: {at} has string offset {off}, which is not a string of this BTF"
    ))
}
