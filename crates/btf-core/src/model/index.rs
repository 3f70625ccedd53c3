//! The name index behind `btf__find_by_name` / `btf__find_by_name_kind`: per BTF object, the first own
//! type id of every name and of every (name, kind) pair, built once on first lookup and kept current
//! as types are added. libbpf scans every type on each call; answers are identical, found in O(1).

use std::hash::BuildHasher;

use foldhash::fast::FixedState;
use hashbrown::HashTable;
use hashbrown::hash_table::Entry;

use crate::mem::once::RaceOnce;
use crate::model::btf::Btf;
use crate::model::types::TypeRef;

/// First ids by name and by (name, kind) over one object's own types. Names are kept as logical
/// string offsets and compared through the object's string chain, so the index owns no strings.
///
/// Anonymous types (about 45 % of a vmlinux) never enter a hash table: the first one of each kind
/// is kept in an array. Each distinct name has one entry in `by_name` with the id and kind of its
/// first type; a (name, kind) pair whose first type is not the name's first type (rare: a STRUCT
/// and a TYPEDEF of the same name) is kept in `other_kinds`.
#[derive(Clone, Debug, Default)]
pub(crate) struct NameIndex {
    /// (name offset, first id, kind of that first id).
    by_name: HashTable<(u32, u32, u32)>,
    /// (name offset, kind, first id of that kind), for kinds other than the name's first kind.
    other_kinds: HashTable<(u32, u32, u32)>,
    /// First anonymous own type (0: none).
    anon_first: u32,
    /// First anonymous own type of each kind (0: none).
    anon_by_kind: [u32; 32],
}

fn hash_name(name: &[u8]) -> u64 {
    FixedState::with_seed(0x6274_665f).hash_one(name)
}

fn hash_name_kind(name: &[u8], kind: u32) -> u64 {
    hash_name(name) ^ (u64::from(kind) + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15)
}

impl NameIndex {
    pub(crate) fn build(btf: &Btf) -> NameIndex {
        let mut index = NameIndex {
            // Sized for every type to be named: no rehash while building.
            by_name: HashTable::with_capacity(btf.nr_types() as usize),
            ..NameIndex::default()
        };
        for t in btf.types() {
            index.add(btf, &t);
        }
        index
    }

    /// Records `t`, an own type of `btf` newer than every type already recorded.
    pub(crate) fn add(&mut self, btf: &Btf, t: &TypeRef<'_>) {
        let (off, id, kind) = (t.name_off(), t.id(), t.kind_raw());
        let name = |o: u32| btf.str_bytes(o).unwrap_or(b"");
        let s = name(off);
        if s.is_empty() {
            if self.anon_first == 0 {
                self.anon_first = id;
            }
            let first = &mut self.anon_by_kind[kind as usize & 31];
            if *first == 0 {
                *first = id;
            }
            return;
        }
        let entry = self.by_name.entry(
            hash_name(s),
            |&(o, _, _)| btf.str_eq(o, s),
            |&(o, _, _)| hash_name(name(o)),
        );
        match entry {
            Entry::Vacant(v) => {
                v.insert((off, id, kind));
            }
            Entry::Occupied(e) if e.get().2 != kind => {
                let same = |&(o, k, _): &(u32, u32, u32)| k == kind && btf.str_eq(o, s);
                let rehash = |&(o, k, _): &(u32, u32, u32)| hash_name_kind(name(o), k);
                self.other_kinds
                    .entry(hash_name_kind(s, kind), same, rehash)
                    .or_insert((off, kind, id));
            }
            Entry::Occupied(_) => {}
        }
    }

    /// First own id named `name` (any kind when `kind` is `None`).
    pub(crate) fn find(&self, btf: &Btf, name: &[u8], kind: Option<u32>) -> Option<u32> {
        if name.is_empty() {
            let id = match kind {
                None => self.anon_first,
                Some(k) => *self.anon_by_kind.get(k as usize)?,
            };
            return (id != 0).then_some(id);
        }
        let &(_, id, first_kind) = self
            .by_name
            .find(hash_name(name), |&(o, _, _)| btf.str_eq(o, name))?;
        match kind {
            None => Some(id),
            Some(k) if k == first_kind => Some(id),
            Some(k) => {
                let same = |&(o, kk, _): &(u32, u32, u32)| kk == k && btf.str_eq(o, name);
                self.other_kinds
                    .find(hash_name_kind(name, k), same)
                    .map(|&(_, _, id)| id)
            }
        }
    }
}

/// The CO-RE candidate index: own type ids with a name, by kind class (ENUM and ENUM64 share
/// one, as they may stand for each other in CO-RE; every other kind is its own) and then by the
/// name's essential part (the name without its `___flavour` suffix,
/// [`crate::co_re::essential_name_len`]), ascending. libbpf's `bpf_core_add_cands` scans every type
/// for each local type it searches; one lookup here yields the same kind-compatible ids, in the
/// same order. Each class is built on its first search (CO-RE searches a few classes — structs,
/// unions, enums, typedefs — and rarely the functions that make up half of a vmlinux), and the
/// whole index is dropped by any modification of the object.
#[derive(Debug, Default)]
pub(crate) struct EssentialIndex {
    classes: [RaceOnce<ClassIndex>; 32],
}

impl Clone for EssentialIndex {
    fn clone(&self) -> Self {
        EssentialIndex {
            classes: std::array::from_fn(|i| self.classes[i].clone()),
        }
    }
}

/// The kind class of raw kind `kind` (the slot in [`EssentialIndex::classes`]).
fn kind_class(kind: u32) -> usize {
    match kind {
        19 => 6, // ENUM64 with ENUM
        k => k as usize & 31,
    }
}

/// One kind class of [`EssentialIndex`].
#[derive(Clone, Debug, Default)]
struct ClassIndex {
    /// (name offset of the group's first type, essential length, first position in `ids`, number
    /// of ids).
    groups: HashTable<(u32, u32, u32, u32)>,
    /// Ids of each group, back to back.
    ids: Vec<u32>,
}

/// A group's key: the first `len` bytes of the name at `off` (its first type's), in place.
fn prefix(btf: &Btf, off: u32, len: u32) -> &[u8] {
    btf.str_prefix(off, len as usize)
}

impl ClassIndex {
    fn build(btf: &Btf, class: usize) -> ClassIndex {
        // Pass 1: each named own type of the class (id, name offset, essential length).
        let mut members: Vec<(u32, u32, u32)> = Vec::new();
        for t in btf.types() {
            if kind_class(t.kind_raw()) != class {
                continue;
            }
            let off = t.name_off();
            let name = btf.str_bytes(off).unwrap_or(b"");
            let len = crate::co_re::essential_name_len(name) as u32;
            if len != 0 {
                members.push((t.id(), off, len));
            }
        }
        // Pass 2: each member's group (replacing its name offset), and each group's size.
        let mut groups: HashTable<(u32, u32, u32, u32)> = HashTable::with_capacity(members.len());
        let mut sizes: Vec<u32> = Vec::new();
        for (_, off, len) in &mut members {
            let key = prefix(btf, *off, *len);
            let entry = groups.entry(
                hash_name(key),
                |&(o, l, _, _)| l == *len && prefix(btf, o, l) == key,
                |&(o, l, _, _)| hash_name(prefix(btf, o, l)),
            );
            let g = match entry {
                Entry::Occupied(e) => e.get().2,
                Entry::Vacant(v) => {
                    let g = sizes.len() as u32;
                    v.insert((*off, *len, g, 0));
                    sizes.push(0);
                    g
                }
            };
            sizes[g as usize] += 1;
            *off = g;
        }
        // Pass 3: groups laid out in `ids` in the order they were first seen, ids ascending.
        let mut next = Vec::with_capacity(sizes.len());
        let mut pos = 0u32;
        for &n in &sizes {
            next.push(pos);
            pos += n;
        }
        for entry in groups.iter_mut() {
            let g = entry.2 as usize;
            entry.2 = next[g];
            entry.3 = sizes[g];
        }
        let mut ids = vec![0u32; pos as usize];
        for (id, g, _) in members {
            let slot = &mut next[g as usize];
            ids[*slot as usize] = id;
            *slot += 1;
        }
        ClassIndex { groups, ids }
    }
}

impl EssentialIndex {
    /// Own ids of kinds CO-RE-compatible with `kind` whose name's essential part is `key`
    /// (non-empty), ascending.
    pub(crate) fn find(&self, btf: &Btf, kind: u32, key: &[u8]) -> &[u32] {
        let class = kind_class(kind);
        let index = self.classes[class].get_or_init(|| ClassIndex::build(btf, class));
        let len = key.len() as u32;
        index
            .groups
            .find(hash_name(key), |&(o, l, _, _)| {
                l == len && prefix(btf, o, l) == key
            })
            .map_or(&[], |&(_, _, start, n)| {
                &index.ids[start as usize..(start + n) as usize]
            })
    }
}
