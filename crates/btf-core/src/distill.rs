//! Distilling the base of split BTF (`btf__distill_base`, libbpf v1.7.0): a module's split BTF is
//! rewritten over a small "distilled" base that describes only the vmlinux types the module uses,
//! in just enough detail for [`relocate`](crate::Btf) to find them again in another vmlinux build
//! (the `.BTF.base` ELF section of resilient modules).
//!
//! What goes where, as in libbpf:
//!
//! * The needed base types are those the split types reference, followed transitively, except
//!   through the members of a *named* STRUCT/UNION (the distilled copy has no members).
//! * INT, FLOAT, FWD go to the new base as they are; a named STRUCT/UNION goes there as a
//!   member-less record of the same kind and size; a named ENUM/ENUM64 as an unsigned, value-less
//!   ENUM of the original size (8 for an ENUM64). They keep their old relative order.
//! * Everything else needed — anonymous STRUCT/UNION/ENUM/ENUM64 in full, ARRAY, TYPEDEF, PTR,
//!   CONST, VOLATILE, RESTRICT, FUNC_PROTO, TYPE_TAG — is moved into the new split, after the
//!   split's own types, in ascending old id.
//! * A split type may not reference (directly or through moved types) a base FUNC, VAR, DATASEC or
//!   DECL_TAG: those cannot be matched by relocation, so distilling fails with `EINVAL`.
//!
//! Strings are interned in type order (libbpf's field order): the new base's first, then the
//! split's, where a string the new base holds is referenced at its base offset.

use std::collections::HashMap;
use std::sync::Arc;

use crate::model::btf::Btf;
use crate::model::error::{Error, LibbpfLog, Result};
use crate::model::fields::{FieldKind, field_positions};
use crate::model::raw::{self, Kind};

/// Whether a needed base type of `kind` (named when `named`) is kept in the new base; the others
/// move to the new split.
fn stays_in_base(kind: Kind, named: bool) -> bool {
    match kind {
        Kind::Int | Kind::Float | Kind::Fwd => true,
        Kind::Struct | Kind::Union | Kind::Enum | Kind::Enum64 => named,
        _ => false,
    }
}

/// Kinds a distilled set may hold (what relocation knows how to match).
fn distillable(kind: Option<Kind>) -> bool {
    matches!(
        kind,
        Some(
            Kind::Int
                | Kind::Float
                | Kind::Fwd
                | Kind::Array
                | Kind::Struct
                | Kind::Union
                | Kind::Typedef
                | Kind::Enum
                | Kind::Enum64
                | Kind::Ptr
                | Kind::Const
                | Kind::Restrict
                | Kind::Volatile
                | Kind::FuncProto
                | Kind::TypeTag
        )
    )
}

/// Type `id` of `btf` for messages: `[id] KIND 'name'`, or `[id] anonymous KIND`.
fn describe(btf: &Btf, id: u32) -> String {
    match btf.type_by_id(id) {
        Some(t) => {
            let kind = crate::read::parse::kind_name(&t);
            let name = btf.name_of(&t);
            if name.is_empty() {
                format!("[{id}] anonymous {kind}")
            } else {
                format!("[{id}] {kind} '{}'", String::from_utf8_lossy(name))
            }
        }
        None => format!("[{id}] (missing)"),
    }
}

/// Word positions of the type-id fields of `rec`, or `EINVAL` naming type `id`.
fn id_positions(btf: &Btf, id: u32, rec: &[u32]) -> Result<Vec<usize>> {
    let info = rec.get(1).copied().unwrap_or(0);
    let positions = field_positions(
        raw::info_kind(info),
        raw::info_vlen(info),
        FieldKind::TypeIds,
    )
    .ok_or_else(|| {
        Error::invalid(format!(
            "distill_base: type {} is of kind {}, unknown to libbpf 1.7",
            describe(btf, id),
            raw::info_kind(info)
        ))
    })?;
    Ok(positions.collect())
}

/// The state of one distillation: which base ids are needed and where each goes.
struct Distill<'a> {
    src: &'a Btf,
    /// First id of the source's own types (= type count of its base).
    split_start: u32,
    /// `new_id[old]` for base ids: 0 while unneeded, else the id in the new base or new split
    /// (`u32::MAX` while marked but not yet numbered).
    new_id: Vec<u32>,
    /// The needed base ids, ascending once marking is done.
    needed: Vec<u32>,
    /// Type count of the new base.
    base_cnt: u32,
    /// Source string offset → offset in the new objects (valid in the split too).
    strings: HashMap<u32, u32>,
}

impl<'a> Distill<'a> {
    /// Marks every base type the split types need, depth first in libbpf's visiting order (so a
    /// failure names the same reference libbpf reports first). Explicit stack: no recursion limit.
    fn mark(&mut self) -> Result<()> {
        let src = self.src;
        let type_cnt = src.type_cnt();
        // (referring type, its id-field positions, next position to visit)
        let mut stack: Vec<(u32, Vec<usize>, usize)> = Vec::new();
        for t in src.types() {
            stack.push((t.id(), id_positions(src, t.id(), t.words())?, 0));
            while let Some(top) = stack.last_mut() {
                let (from, ref positions, ref mut next) = *top;
                let Some(&pos) = positions.get(*next) else {
                    stack.pop();
                    continue;
                };
                *next += 1;
                let rec = src.type_by_id(from).map(|t| t.words()).unwrap_or(&[]);
                let id = rec.get(pos).copied().unwrap_or(0);
                if id >= type_cnt {
                    return Err(Error::invalid(format!(
                        "distill_base: type {} references type id {id}, but the BTF has only \
                         {type_cnt} ids; the split BTF is corrupt",
                        describe(src, from)
                    )));
                }
                if id == 0 || id >= self.split_start || self.new_id[id as usize] != 0 {
                    continue;
                }
                let Some(base_t) = src.type_by_id(id) else {
                    continue;
                };
                if !distillable(base_t.kind()) {
                    return Err(Error::invalid(format!(
                        "distill_base: type {} references base type {}; a distilled base can \
                         only describe INT, FLOAT, FWD, ARRAY, STRUCT, UNION, TYPEDEF, ENUM, \
                         ENUM64, PTR, CONST, RESTRICT, VOLATILE, FUNC_PROTO and TYPE_TAG types, \
                         so split BTF that refers to a vmlinux {} cannot be made relocatable",
                        describe(src, from),
                        describe(src, id),
                        crate::read::parse::kind_name(&base_t),
                    ))
                    .logged(LibbpfLog::Warn));
                }
                self.new_id[id as usize] = u32::MAX;
                self.needed.push(id);
                let named_composite =
                    (base_t.is(Kind::Struct) || base_t.is(Kind::Union)) && base_t.name_off() != 0;
                if !named_composite {
                    stack.push((id, id_positions(src, id, base_t.words())?, 0));
                }
            }
        }
        // New ids: kept base types 1, 2, ... ascending; moved ones after the split's own types.
        self.needed.sort_unstable();
        let mut next = 1u32;
        for &old in &self.needed {
            if let Some(t) = src.type_by_id(old) {
                if t.kind()
                    .is_some_and(|k| stays_in_base(k, t.name_off() != 0))
                {
                    self.new_id[old as usize] = next;
                    next += 1;
                }
            }
        }
        self.base_cnt = next;
        next += src.nr_types();
        for &old in &self.needed {
            if self.new_id[old as usize] == u32::MAX {
                self.new_id[old as usize] = next;
                next += 1;
            }
        }
        Ok(())
    }

    /// Where old id `id` lands: mapped base types to their new id, split types shifted down by the
    /// ids the base lost, void (and anything else) unchanged.
    fn remap(&self, id: u32) -> u32 {
        match self.new_id.get(id as usize) {
            Some(&new) if new != 0 => new,
            _ if id >= self.split_start => id - (self.split_start - self.base_cnt),
            _ => id,
        }
    }

    /// Copies source type `id` into `dst` with its strings re-interned there and its type ids
    /// remapped.
    fn copy_type(&mut self, dst: &mut Btf, id: u32) -> Result<u32> {
        let src = self.src;
        let t = src
            .type_by_id(id)
            .ok_or_else(|| Error::invalid(format!("distill_base: type [{id}] is missing")))?;
        let rec = t.words();
        let words = raw::record_len_words(rec)
            .filter(|&w| w <= rec.len())
            .ok_or_else(|| {
                Error::invalid(format!(
                    "distill_base: type {} has a record libbpf cannot size",
                    describe(src, id)
                ))
            })?;
        let mut copy = rec[..words].to_vec();
        let (kind, vlen) = (t.kind_raw(), t.vlen());
        let unknown = || {
            Error::invalid(format!(
                "distill_base: type {} is of a kind unknown to libbpf 1.7",
                describe(src, id)
            ))
        };
        for p in field_positions(kind, vlen, FieldKind::Strings).ok_or_else(unknown)? {
            let Some(off) = copy.get(p).copied().filter(|&o| o != 0) else {
                continue;
            };
            copy[p] = match self.strings.get(&off) {
                Some(&mapped) => mapped,
                None => {
                    let s = src.str_bytes(off).ok_or_else(|| {
                        Error::invalid(format!(
                            "distill_base: type {} has string offset {off} past the string \
                             section",
                            describe(src, id)
                        ))
                    })?;
                    let mapped = dst.add_str(s)?;
                    self.strings.insert(off, mapped);
                    mapped
                }
            };
        }
        for p in field_positions(kind, vlen, FieldKind::TypeIds).ok_or_else(unknown)? {
            if let Some(w) = copy.get(p).copied() {
                copy[p] = self.remap(w);
            }
        }
        Ok(dst.commit_type(&copy))
    }

    /// The new base: kept types in ascending old id.
    fn build_base(&mut self) -> Result<Btf> {
        let src = self.src;
        let mut base = Btf::new_empty();
        base.set_endianness(src.endianness());
        for i in 0..self.needed.len() {
            let old = self.needed[i];
            if self.new_id[old as usize] >= self.base_cnt {
                continue;
            }
            let Some(t) = src.type_by_id(old) else {
                continue;
            };
            let name = || {
                src.str_bytes(t.name_off()).ok_or_else(|| {
                    Error::invalid(format!(
                        "distill_base: base type [{old}] has name offset {} past the string \
                         section",
                        t.name_off()
                    ))
                })
            };
            match t.kind() {
                Some(Kind::Struct) => {
                    base.add_struct(name()?, t.size())?;
                }
                Some(Kind::Union) => {
                    base.add_union(name()?, t.size())?;
                }
                Some(Kind::Enum | Kind::Enum64) => {
                    base.add_enum(name()?, t.size()).map_err(|e| {
                        Error::invalid(format!(
                            "distill_base: base type {} cannot be described in a distilled base: \
                             {}",
                            describe(src, old),
                            e.message()
                        ))
                    })?;
                }
                _ => {
                    self.copy_type(&mut base, old)?;
                }
            }
        }
        Ok(base)
    }
}

impl Btf {
    /// Distills this split BTF's base (`btf__distill_base`): returns a new, minimal base and a new
    /// split BTF over it that describes the same types, so that the split can later be relocated
    /// onto another build of the original base. See the `distill` module documentation for what
    /// goes where. Both results are in this object's byte order.
    ///
    /// The result is `(new_base, new_split)` where `new_split.base()` is `new_base` (the same
    /// [`Arc`]): our split BTF owns its base, so the base comes back shared rather than as a
    /// second owned object as in libbpf.
    ///
    /// # Errors
    /// `EINVAL` when this BTF is not split BTF, when a split type references (directly or through
    /// needed base types) a base FUNC, VAR, DATASEC or DECL_TAG, or a type of an unknown kind, and
    /// when a named base enum has a size libbpf's `btf__add_enum` rejects. On error nothing is
    /// returned. (libbpf reads past its id map when a type references an id past the last type;
    /// here that is `EINVAL` too.)
    pub fn distill_base(&self) -> Result<(Arc<Btf>, Btf)> {
        let Some(old_base) = self.base.as_ref() else {
            return Err(Error::invalid(
                "distill_base: this BTF is not split BTF (it has no base); distill the split BTF \
                 of a module parsed over its vmlinux",
            ));
        };
        let split_start = old_base.type_cnt();
        let mut d = Distill {
            src: self,
            split_start,
            new_id: vec![0; split_start as usize],
            needed: Vec::new(),
            base_cnt: 1,
            strings: HashMap::new(),
        };
        d.mark()?;
        let base = Arc::new(d.build_base()?);
        let mut split = Btf::new_empty_split(Arc::clone(&base));
        for id in self.start_id..self.type_cnt() {
            d.copy_type(&mut split, id)?;
        }
        for i in 0..d.needed.len() {
            let old = d.needed[i];
            if d.new_id[old as usize] >= d.base_cnt {
                d.copy_type(&mut split, old)?;
            }
        }
        Ok((base, split))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_past_the_last_type_is_einval_not_a_panic() {
        let mut b = Btf::new_empty();
        b.add_int("int", 4, 1).unwrap();
        let mut s = Btf::new_empty_split(Arc::new(b));
        s.add_ptr(1000).unwrap();
        let err = s.distill_base().unwrap_err();
        assert_eq!(err.errno(), 22);
        assert!(err.message().contains("type id 1000"), "{err}");
    }

    #[test]
    fn cycles_and_long_chains_in_the_base_terminate_without_recursion() {
        // [1] int, [2] anon struct { [3] *self-ptr }, [3] PTR -> [2], then a 200,000-deep PTR
        // chain ending at [3].
        let mut b = Btf::new_empty();
        b.add_int("int", 4, 1).unwrap();
        b.add_struct("", 8).unwrap();
        b.add_field("next", 3, 0, 0).unwrap();
        b.add_ptr(2).unwrap();
        let mut last = 3;
        for _ in 0..200_000 {
            last = b.add_ptr(last).unwrap();
        }
        let mut s = Btf::new_empty_split(Arc::new(b));
        s.add_ptr(last).unwrap();
        let (base, split) = s.distill_base().unwrap();
        assert_eq!(base.type_cnt(), 1, "nothing named to keep in the base");
        // The split's own PTR, then the anon struct, its PTR and the chain, ascending.
        assert_eq!(split.nr_types(), 1 + 2 + 200_000);
        let own = split.type_by_id(1).unwrap();
        assert_eq!(own.type_id(), 2 + 2 + 200_000 - 1);
        let anon = split.type_by_id(2).unwrap();
        assert!(anon.is(Kind::Struct));
        assert_eq!(anon.members().next().unwrap().type_id, 3);
    }

    #[test]
    fn named_enum_of_unencodable_size_fails_naming_it() {
        let mut b = Btf::new_empty();
        b.add_enum("odd", 4).unwrap();
        let mut b = Btf::from_bytes(&b.raw_data()).unwrap();
        // Patch the size to 3 (libbpf's btf__add_enum refuses it when distilling).
        b.make_modifiable();
        b.types.to_mut()[2] = 3;
        let mut s = Btf::new_empty_split(Arc::new(b));
        s.add_ptr(1).unwrap();
        let err = s.distill_base().unwrap_err();
        assert_eq!(err.errno(), 22);
        assert!(err.message().contains("ENUM 'odd'"), "{err}");
    }
}
