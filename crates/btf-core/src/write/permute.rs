//! Reordering types (`btf__permute`, libbpf 1.7.0): every type moves to the id the map gives it and
//! every type-id reference follows. The map must be a permutation of this object's own ids.

use crate::mem::once::RaceOnce;
use crate::model::btf::Btf;
use crate::model::error::{Error, Result};
use crate::model::fields::{FieldKind, field_positions};

impl Btf {
    /// Permutes own types: for base BTF `id_map[old] = new` with `id_map.len() == type_cnt()` and
    /// `id_map[0] == 0`; for split BTF `id_map[old - start_id] = new` with `id_map.len() ==
    /// nr_types()`. New ids must be own ids, each used once. On error nothing changes.
    pub fn permute(&mut self, id_map: &[u32]) -> Result<()> {
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
        self.types = types.into();
        self.type_offs = type_offs;
        self.names = RaceOnce::new();
        Ok(())
    }
}
