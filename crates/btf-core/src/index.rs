//! The name index behind `btf__find_by_name` / `btf__find_by_name_kind`: per BTF object, the first own
//! type id of every name and of every (name, kind) pair, built once on first lookup. libbpf scans
//! every type linearly on each call; answers are identical, found in O(1).

use std::hash::BuildHasher;

use foldhash::fast::FixedState;
use hashbrown::HashTable;

use crate::btf::Btf;
use crate::types::TypeRef;

/// First ids by name and by (name, kind) over one object's own types. Names are kept as logical
/// string offsets and compared through the object's string chain, so the index owns no strings.
#[derive(Clone, Debug, Default)]
pub(crate) struct NameIndex {
    by_name: HashTable<(u32, u32)>,
    by_name_kind: HashTable<(u32, u32, u32)>,
}

fn hash_name(name: &[u8]) -> u64 {
    FixedState::with_seed(0x6274_665f).hash_one(name)
}

fn hash_name_kind(name: &[u8], kind: u32) -> u64 {
    hash_name(name) ^ (u64::from(kind) + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15)
}

impl NameIndex {
    pub(crate) fn build(btf: &Btf) -> NameIndex {
        let n = btf.nr_types() as usize;
        let mut index = NameIndex {
            by_name: HashTable::with_capacity(n),
            by_name_kind: HashTable::with_capacity(n),
        };
        for t in btf.types() {
            index.add(btf, &t);
        }
        index
    }

    /// Records `t`, an own type of `btf` newer than every type already recorded.
    pub(crate) fn add(&mut self, btf: &Btf, t: &TypeRef<'_>) {
        let name = |off: u32| btf.str_bytes(off).unwrap_or(b"");
        let (off, id, kind) = (t.name_off(), t.id(), t.kind_raw());
        let s = name(off);
        self.by_name
            .entry(
                hash_name(s),
                |&(o, _)| name(o) == s,
                |&(o, _)| hash_name(name(o)),
            )
            .or_insert((off, id));
        let same = |&(o, k, _): &(u32, u32, u32)| k == kind && name(o) == s;
        let rehash = |&(o, k, _): &(u32, u32, u32)| hash_name_kind(name(o), k);
        self.by_name_kind
            .entry(hash_name_kind(s, kind), same, rehash)
            .or_insert((off, kind, id));
    }

    /// First own id named `name` (any kind when `kind` is `None`).
    pub(crate) fn find(&self, btf: &Btf, name: &[u8], kind: Option<u32>) -> Option<u32> {
        let text = |off: u32| btf.str_bytes(off).unwrap_or(b"");
        match kind {
            None => self
                .by_name
                .find(hash_name(name), |&(o, _)| text(o) == name)
                .map(|&(_, id)| id),
            Some(kind) => self
                .by_name_kind
                .find(hash_name_kind(name, kind), |&(o, k, _)| {
                    k == kind && text(o) == name
                })
                .map(|&(_, _, id)| id),
        }
    }
}
