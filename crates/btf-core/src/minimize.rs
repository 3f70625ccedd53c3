//! Minimized target BTF (`bpftool gen min_core_btf`, "BTFGen"): the smallest BTF that still
//! resolves a set of BPF objects' CO-RE relocations the same way the full kernel BTF does, to ship
//! beside a BPF application for kernels that have no BTF of their own.
//!
//! Each relocation's *target spec* (what it matched in the kernel BTF) says what to keep, and how
//! much depends on the relocation kind, as bpftool decides it:
//!
//! * field relocations keep the root type and, along the accessor path, each struct/union they
//!   step through with only the accessed members, plus each member's type (pointers are kept,
//!   the type behind them is not);
//! * type relocations (target id, exists, size) keep the type and everything it refers to,
//!   following pointers, but no struct/union members;
//! * type-match relocations keep the type with all of its members and their types, stopping
//!   behind pointers;
//! * enum value relocations keep the whole enum.
//!
//! The kept types are then written, in their original order, into a new BTF: structs and unions
//! with only their kept members, every other type copied as it is, and references to types that
//! were not kept become `void` (0). The result is byte-identical to bpftool's.

use std::collections::HashSet;

use crate::co_re::{CandidateCache, ResolveOptions, Targets, resolve_relo};
use crate::ext::record::CoreReloKind;
use crate::model::btf::Btf;
use crate::model::error::{Error, Result};
use crate::model::fields::{FieldKind, field_positions};
use crate::model::raw::Kind;
use crate::model::types::TypeRef;
use crate::object::BpfObject;
use crate::read::parse::kind_name;

/// Collects what relocations need of one target BTF, then writes the minimized BTF.
#[derive(Debug)]
pub struct Minimizer<'a> {
    target: &'a Btf,
    kept_types: Vec<bool>,
    kept_members: HashSet<(u32, u32)>,
}

impl<'a> Minimizer<'a> {
    /// Starts with nothing kept of `target` (a standalone vmlinux BTF).
    pub fn new(target: &'a Btf) -> Minimizer<'a> {
        Minimizer {
            target,
            kept_types: vec![false; target.type_cnt() as usize],
            kept_members: HashSet::new(),
        }
    }

    /// Records one resolved relocation: its kind and the target spec it matched — the root type
    /// id in the target and the raw accessor indices (`0:2:1` as `[0, 2, 1]`). A relocation that
    /// matched nothing (root 0) and `TypeIdLocal` relocations need nothing.
    pub fn record(
        &mut self,
        kind: CoreReloKind,
        root_type_id: u32,
        raw_spec: &[u32],
    ) -> Result<()> {
        use CoreReloKind::*;
        match kind {
            FieldByteOffset | FieldByteSize | FieldExists | FieldSigned | FieldLshiftU64
            | FieldRshiftU64 => self.keep_field_path(root_type_id, raw_spec),
            TypeIdLocal => Ok(()),
            TypeIdTarget | TypeExists | TypeSize => self.keep_type(root_type_id, true),
            TypeMatches => self.keep_for_match(root_type_id, false),
            EnumvalExists | EnumvalValue => self.keep_type(root_type_id, false),
        }
    }

    fn ty(&self, id: u32) -> Result<TypeRef<'a>> {
        self.target
            .type_by_id(id)
            .ok_or_else(|| Error::invalid(format!("target type id {id} does not exist")))
    }

    fn unsupported(&self, id: u32, t: &TypeRef<'_>) -> Error {
        Error::invalid(format!("unsupported kind: {} ({id})", kind_name(t)))
    }

    /// bpftool's `btfgen_mark_type`.
    fn keep_type(&mut self, id: u32, follow_pointers: bool) -> Result<()> {
        if id == 0 {
            return Ok(());
        }
        let t = self.ty(id)?;
        self.kept_types[id as usize] = true;
        match t.kind() {
            Some(Kind::Unkn | Kind::Int | Kind::Float | Kind::Enum | Kind::Enum64)
            | Some(Kind::Struct | Kind::Union) => Ok(()),
            Some(Kind::Ptr) if follow_pointers => self.keep_type(t.type_id(), true),
            Some(Kind::Ptr) => Ok(()),
            Some(Kind::Const | Kind::Restrict | Kind::Volatile | Kind::Typedef) => {
                self.keep_type(t.type_id(), follow_pointers)
            }
            Some(Kind::Array) => {
                let a = t.array();
                self.keep_type(a.elem_type, follow_pointers)?;
                self.keep_type(a.index_type, follow_pointers)
            }
            Some(Kind::FuncProto) => {
                self.keep_type(t.type_id(), follow_pointers)?;
                for p in t.params() {
                    self.keep_type(p.type_id, follow_pointers)?;
                }
                Ok(())
            }
            _ => Err(self.unsupported(id, &t)),
        }
    }

    /// bpftool's `btfgen_record_field_relo`.
    fn keep_field_path(&mut self, root: u32, raw_spec: &[u32]) -> Result<()> {
        self.keep_type(root, false)?;
        let mut id = root;
        let mut t = self.ty(id)?;
        for &index in raw_spec.iter().skip(1) {
            while matches!(
                t.kind(),
                Some(Kind::Typedef | Kind::Const | Kind::Volatile | Kind::Restrict | Kind::TypeTag)
            ) {
                id = t.type_id();
                t = self.ty(id)?;
            }
            match t.kind() {
                Some(Kind::Struct | Kind::Union) => {
                    let member = t.members().nth(index as usize).ok_or_else(|| {
                        Error::invalid(format!(
                            "member #{index} of target type [{id}] does not exist"
                        ))
                    })?;
                    self.kept_members.insert((id, index));
                    id = member.type_id;
                    t = self.ty(id)?;
                    self.keep_type(id, false)?;
                }
                Some(Kind::Array) => {
                    id = t.array().elem_type;
                    t = self.ty(id)?;
                }
                _ => return Err(self.unsupported(t.type_id(), &t)),
            }
        }
        Ok(())
    }

    /// bpftool's `btfgen_mark_type_match`.
    fn keep_for_match(&mut self, id: u32, behind_pointer: bool) -> Result<()> {
        if id == 0 {
            return Ok(());
        }
        let t = self.ty(id)?;
        self.kept_types[id as usize] = true;
        match t.kind() {
            Some(Kind::Unkn | Kind::Int | Kind::Float | Kind::Enum | Kind::Enum64) => Ok(()),
            Some(Kind::Struct | Kind::Union) => {
                if !behind_pointer {
                    for (i, m) in t.members().enumerate() {
                        self.kept_members.insert((id, i as u32));
                        self.keep_for_match(m.type_id, false)?;
                    }
                }
                Ok(())
            }
            Some(Kind::Const | Kind::Fwd | Kind::Restrict | Kind::Typedef | Kind::Volatile) => {
                self.keep_for_match(t.type_id(), behind_pointer)
            }
            Some(Kind::Ptr) => self.keep_for_match(t.type_id(), true),
            Some(Kind::Array) => {
                let a = t.array();
                self.keep_for_match(a.elem_type, false)?;
                self.keep_for_match(a.index_type, false)
            }
            Some(Kind::FuncProto) => {
                self.keep_for_match(t.type_id(), false)?;
                for p in t.params() {
                    self.keep_for_match(p.type_id, false)?;
                }
                Ok(())
            }
            _ => Err(self.unsupported(id, &t)),
        }
    }

    /// How many target types are kept so far.
    pub fn kept_type_count(&self) -> usize {
        self.kept_types.iter().filter(|&&k| k).count()
    }

    /// Writes the minimized BTF (bpftool's `btfgen_get_btf`).
    pub fn finish(&self) -> Result<Btf> {
        // New ids follow the kept types' original order; references to dropped types become 0.
        let mut new_ids = vec![0u32; self.kept_types.len()];
        let kept = self.kept_types.iter().enumerate().filter(|(_, k)| **k);
        for (new_id, (id, _)) in (1..).zip(kept) {
            new_ids[id] = new_id;
        }
        let remap = |id: u32| new_ids.get(id as usize).copied().unwrap_or(0);

        let mut out = Btf::new_empty();
        for (id, _) in self.kept_types.iter().enumerate().filter(|(_, k)| **k) {
            let id = id as u32;
            let t = self.ty(id)?;
            let name = self.target.name_of(&t);
            match t.kind() {
                Some(kind @ (Kind::Struct | Kind::Union)) => {
                    if kind == Kind::Struct {
                        out.add_struct(name, t.size())?;
                    } else {
                        out.add_union(name, t.size())?;
                    }
                    for (i, m) in t.members().enumerate() {
                        if !self.kept_members.contains(&(id, i as u32)) {
                            continue;
                        }
                        let member_name = self.target.str_bytes(m.name_off).unwrap_or_default();
                        out.add_field(
                            member_name,
                            remap(m.type_id),
                            m.bit_offset(),
                            m.bitfield_size(),
                        )?;
                    }
                }
                _ => {
                    let mut record = t.words().to_vec();
                    let positions = field_positions(t.kind_raw(), t.vlen(), FieldKind::TypeIds)
                        .ok_or_else(|| self.unsupported(id, &t))?;
                    for p in positions {
                        record[p] = remap(record[p]);
                    }
                    out.add_type_record(Some(self.target), &record)?;
                }
            }
        }
        Ok(out)
    }
}

/// The minimized BTF of `target` for `objects` (`bpftool gen min_core_btf TARGET OUT OBJ...`):
/// every CO-RE relocation of every object is resolved against `target` alone, in `.BTF.ext`
/// order with one candidate cache per object (as bpftool does, whatever program the relocation
/// belongs to), and what each matched is kept. An object without `.BTF.ext`, or a relocation
/// that fails to resolve (not merely finds no match), is an error.
pub fn minimize(target: &Btf, objects: &[&BpfObject]) -> Result<Btf> {
    let mut kept = Minimizer::new(target);
    let targets = Targets::custom(target);
    let options = ResolveOptions::default();
    for (n, object) in objects.iter().enumerate() {
        let ext = object
            .ext
            .as_ref()
            .ok_or_else(|| Error::invalid(format!("object #{n}: section .BTF.ext not found")))?;
        let mut cache = CandidateCache::default();
        for section in ext.core_relo() {
            let name = section
                .name(&object.btf)
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            for (idx, relo) in section.records().enumerate() {
                let r = resolve_relo(
                    &name,
                    idx,
                    &object.btf,
                    &relo,
                    &mut cache,
                    &targets,
                    &options,
                );
                if let Some(e) = &r.error {
                    return Err(Error::from(e.clone())
                        .context(format!("object #{n}, section '{name}', relocation #{idx}")));
                }
                let Some(kind) = CoreReloKind::from_raw(relo.kind) else {
                    continue;
                };
                if let Some(spec) = &r.target_spec {
                    let raw: Vec<u32> = spec.raw_spec.iter().map(|&i| i as u32).collect();
                    kept.record(kind, spec.root_type_id, &raw)?;
                }
            }
        }
    }
    kept.finish()
}
