//! Deduplication of types and strings (`btf__dedup`), giving exactly the bytes libbpf v1.7.0 gives.
//!
//! Two types are duplicates when they describe the same C type — typically the copies each
//! compilation unit contributed. Dedup keeps one representative of each, in the order the
//! representatives first appear, drops the rest and rewrites every reference. The passes, each in
//! its own module:
//!
//! 1. [`strings`] — own strings re-pointed at base copies, the rest compacted in order of first
//!    reference (skipped when the object's strings are already known to be unique: objects made by
//!    [`Btf::new_empty`] or [`Btf::new_empty_split`], or deduped before, as in libbpf);
//! 2. [`prim`] — base types become candidates; INT, FLOAT, FWD, ENUM, ENUM64 match by content
//!    (enum forward declarations resolve to full enums);
//! 3. [`structs`] — STRUCT, UNION, TYPEDEF match through a walk of both type graphs ([`equiv`]);
//! 4. [`fwd`] — forward declarations left over point at the one struct/union of their name;
//! 5. [`refs`] — reference kinds match once their referenced ids are final;
//! 6. [`compact`] — representatives renumbered, references rewritten.
//!
//! Split BTF: base types are canonical and never change or move; own types equal to base types
//! collapse onto the base ids, and own strings the base holds point at the base's offsets.
//! VAR and DATASEC are never merged.
//!
//! Candidates are filed under libbpf's own signatures and visited in libbpf's order ([`table`]),
//! because which of several fitting candidates wins is visible in the output.
//!
//! Differences from libbpf, all on inputs where libbpf fails or misbehaves:
//!
//! * On error the object keeps its types and strings (libbpf leaves them half rewritten); like
//!   libbpf, it is modifiable afterwards, so `raw_data` is rebuilt.
//! * Inputs on which libbpf 1.7.0 would never finish (a cycle of canonical links, or two endless
//!   reference chains compared step by step) fail with `ELOOP`, and so do crafted inputs whose
//!   structural comparisons of twin types would take libbpf more than 2^26 steps (real inputs take
//!   a few thousand: 1,012 for all 4,023 modules of a kernel build). References to type ids that
//!   do not exist, and string offsets outside the string section when strings are deduped (libbpf
//!   reads both out of bounds), fail with `EINVAL`; so do kinds libbpf 1.7.0 does not know (kind layout sections).
//! * The walks use explicit stacks, so no input exhausts the call stack.
//!
//! A `.BTF.ext` (libbpf's `btf_dedup_opts.btf_ext`) is passed to [`Btf::dedup_with_ext`] rather
//! than in the options, so that the options stay plain data. On error it is left unchanged too
//! (libbpf may leave it half rewritten).

mod compact;
mod equal;
mod equiv;
mod fwd;
mod graph;
mod hash;
mod prim;
mod refs;
mod store;
mod strings;
mod structs;
mod table;

use crate::ext::BtfExt;
use crate::mem::once::RaceOnce;
use crate::model::btf::Btf;
use crate::model::error::Result;
use graph::Graph;
use store::Store;
use table::CandTable;

/// Options of [`Btf::dedup`] (`struct btf_dedup_opts` without `btf_ext`, which
/// [`Btf::dedup_with_ext`] takes).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct DedupOptions {
    /// Make every signature land in the same hash bucket, as libbpf's option of this name does
    /// for testing: same result, quadratic time.
    pub force_collisions: bool,
}

impl DedupOptions {
    /// The defaults: no forced collisions.
    pub fn new() -> DedupOptions {
        DedupOptions::default()
    }

    /// Sets [`force_collisions`](Self::force_collisions).
    pub fn force_collisions(mut self, on: bool) -> DedupOptions {
        self.force_collisions = on;
        self
    }
}

/// The pass state: shared graph state plus the candidate table.
#[derive(Debug)]
struct Dedup {
    g: Graph,
    table: CandTable,
}

impl Btf {
    /// Deduplicates this object's types and strings in place, as libbpf 1.7.0's `btf__dedup`
    /// (see the `dedup` module documentation). Base types are left as they are.
    pub fn dedup(&mut self, opts: &DedupOptions) -> Result<()> {
        self.dedup_with_ext(opts, None)
    }

    /// [`Btf::dedup`], also rewriting the object's `.BTF.ext` as libbpf's `btf__dedup` does with
    /// `opts->btf_ext`: strings only the `.BTF.ext` references are kept (after the types'
    /// strings, in the order the `.BTF.ext` refers to them), its string offsets follow the
    /// deduplicated strings, and its type ids (func_info and core_relo `type_id`) follow the
    /// deduplicated types.
    ///
    /// All or nothing: on error neither this object nor `ext` changes. A `.BTF.ext` type id that
    /// names no type of this object, or a string offset outside its strings, is an `EINVAL`
    /// error (libbpf reads out of bounds there).
    pub fn dedup_with_ext(&mut self, opts: &DedupOptions, ext: Option<&mut BtfExt>) -> Result<()> {
        self.make_modifiable();
        // The `.BTF.ext` is rewritten in a copy, stored back once everything succeeded.
        let mut work = ext.as_deref().cloned();
        let mut store = Store::build(self)?;
        let new_strings = if self.strs_deduped {
            None
        } else {
            Some(strings::dedup_strings(self, &mut store, work.as_mut())?)
        };
        let type_cnt = store.type_cnt() as usize;
        let mut d = Dedup {
            g: Graph::new(store),
            table: CandTable::new(opts.force_collisions, type_cnt),
        };
        d.file_base_types();
        d.prim_types();
        d.g.check_endless()?;
        d.struct_types()?;
        d.g.resolve_fwds();
        d.g.check_endless()?;
        d.ref_types()?;
        let compacted = d.g.compact_and_remap()?;
        if let Some(work) = work.as_mut() {
            d.g.remap_ext(&compacted.new_ids, work)?;
        }

        let type_bytes = compacted.types.len() as u32 * 4;
        self.types = compacted.types.into();
        self.type_offs = compacted.type_offs;
        self.header.type_len = type_bytes;
        self.header.str_off = type_bytes;
        if let Some(s) = new_strings {
            self.header.str_len = s.bytes.len() as u32;
            self.strings = s.bytes.into();
            self.str_index = RaceOnce::from(s.index);
            self.strs_deduped = true;
        }
        self.names = RaceOnce::new();
        if let (Some(ext), Some(work)) = (ext, work) {
            ext.store_native(work.native_data());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
