//! Reordering types (`btf__permute`, libbpf 1.7.0): every type moves to the id the map gives it and
//! every type-id reference follows, in the types and, when given, in the object's `.BTF.ext`. The
//! map must be a permutation of this object's own ids.

use crate::ext::BtfExt;
use crate::mem::once::RaceOnce;
use crate::model::btf::Btf;
use crate::model::error::{Error, Result};
use crate::model::fields::{FieldKind, field_positions};

impl Btf {
    /// Permutes own types: for base BTF `id_map[old] = new` with `id_map.len() == type_cnt()` and
    /// `id_map[0] == 0`; for split BTF `id_map[old - start_id] = new` with `id_map.len() ==
    /// nr_types()`. New ids must be own ids, each used once. On error nothing changes.
    pub fn permute(&mut self, id_map: &[u32]) -> Result<()> {
        self.permute_with_ext(id_map, None)
    }

    /// [`Btf::permute`], also remapping the type ids of the object's `.BTF.ext` (func_info and
    /// core_relo `type_id`) as libbpf's `btf__permute` does with `opts->btf_ext`: void and base
    /// ids stay, own ids follow their types, and an id past the last type is an `EINVAL` error.
    /// All or nothing: on error neither this object nor `ext` changes (libbpf may leave `ext`
    /// half remapped).
    pub fn permute_with_ext(&mut self, id_map: &[u32], ext: Option<&mut BtfExt>) -> Result<()> {
        let split = self.base.is_some();
        let (start, offs) = (self.start_id, u32::from(!split));
        if !split && id_map.first().copied() != Some(0) {
            return Err(Error::invalid("permute: id_map[0] must map void to 0"));
        }
        let expected = if split {
            self.nr_types()
        } else {
            self.type_cnt()
        };
        if id_map.len() != expected as usize {
            return Err(Error::invalid(format!(
                "permute: id_map has {} entries, {expected} needed",
                id_map.len()
            )));
        }
        self.make_modifiable();
        let n = self.nr_types() as usize;
        // order[new position] = old own index
        let mut order = vec![u32::MAX; n];
        for (i, &new_id) in id_map.iter().enumerate().skip(offs as usize) {
            if new_id < start || new_id >= self.type_cnt() {
                return Err(Error::invalid(format!(
                    "permute: id_map[{i}] = {new_id} is not an own type id"
                )));
            }
            let slot = &mut order[(new_id - start) as usize];
            if *slot != u32::MAX {
                return Err(Error::invalid(format!(
                    "permute: id {new_id} is the target of two types"
                )));
            }
            *slot = i as u32 - offs;
        }
        let type_cnt = self.type_cnt();
        let mut types = Vec::with_capacity(self.types.len());
        let mut type_offs = Vec::with_capacity(n);
        for &old in &order {
            let Some(t) = self.type_by_id(start + old) else {
                return Err(Error::invalid("permute: type index out of range"));
            };
            let at = types.len();
            type_offs.push(at as u32);
            types.extend_from_slice(t.words());
            let unknown =
                || Error::invalid(format!("permute: type [{}] is of an unknown kind", t.id()));
            for p in
                field_positions(t.kind_raw(), t.vlen(), FieldKind::TypeIds).ok_or_else(unknown)?
            {
                let id = types[at + p];
                if id < start {
                    continue;
                }
                if id >= type_cnt {
                    return Err(Error::invalid(format!(
                        "permute: type [{}] references missing type {id}",
                        t.id()
                    )));
                }
                types[at + p] = id_map[(id - start + offs) as usize];
            }
        }
        let mut work = ext.as_deref().cloned();
        if let Some(work) = work.as_mut() {
            work.remap_type_ids(|id| {
                if id < start {
                    Ok(id)
                } else if id >= type_cnt {
                    Err(Error::invalid(format!(
                        "permute: .BTF.ext refers to missing type {id}"
                    )))
                } else {
                    Ok(id_map[(id - start + offs) as usize])
                }
            })?;
        }
        self.types = types.into();
        self.type_offs = type_offs;
        if let (Some(ext), Some(work)) = (ext, work) {
            ext.store_native(work.native_data());
        }
        self.names = RaceOnce::new();
        Ok(())
    }
}
