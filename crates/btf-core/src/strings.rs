//! The string interning index of one BTF object (libbpf's `strset`): every NUL-separated string of
//! the own string section, first offset winning for duplicates, keyed by content. Built on first
//! use; appends keep it current.

use std::hash::BuildHasher;

use foldhash::fast::FixedState;
use hashbrown::HashTable;

/// Local offsets of unique strings, hashed by their bytes.
#[derive(Clone, Debug, Default)]
pub(crate) struct StringIndex {
    offsets: HashTable<u32>,
}

fn hash(s: &[u8]) -> u64 {
    FixedState::with_seed(0x7374_7273).hash_one(s)
}

/// The NUL-terminated string at `off` (without its NUL); empty if out of range.
fn str_at(strings: &[u8], off: u32) -> &[u8] {
    let tail = strings.get(off as usize..).unwrap_or(&[]);
    let end = tail.iter().position(|&b| b == 0).unwrap_or(tail.len());
    &tail[..end]
}

impl StringIndex {
    pub(crate) fn build(strings: &[u8]) -> StringIndex {
        let mut index = StringIndex {
            offsets: HashTable::with_capacity(strings.len() / 16),
        };
        let mut off = 0usize;
        while off < strings.len() {
            let s = str_at(strings, off as u32);
            index.insert_if_absent(strings, s, off as u32);
            off += s.len() + 1;
        }
        index
    }

    fn insert_if_absent(&mut self, strings: &[u8], s: &[u8], off: u32) -> Option<u32> {
        let entry = self.offsets.entry(
            hash(s),
            |&o| str_at(strings, o) == s,
            |&o| hash(str_at(strings, o)),
        );
        match entry {
            hashbrown::hash_table::Entry::Occupied(e) => Some(*e.get()),
            hashbrown::hash_table::Entry::Vacant(v) => {
                v.insert(off);
                None
            }
        }
    }

    /// Local offset of `s`, if present.
    pub(crate) fn find(&self, strings: &[u8], s: &[u8]) -> Option<u32> {
        self.offsets
            .find(hash(s), |&o| str_at(strings, o) == s)
            .copied()
    }

    /// Local offset of `s`, appending it to `strings` when new.
    pub(crate) fn intern(&mut self, strings: &mut Vec<u8>, s: &[u8]) -> u32 {
        if let Some(off) = self.find(strings, s) {
            return off;
        }
        let off = strings.len() as u32;
        strings.extend_from_slice(s);
        strings.push(0);
        self.insert_if_absent(strings, s, off);
        off
    }

    /// Forgets strings at or beyond `len` (after `strings` is truncated back to `len`).
    pub(crate) fn truncate(&mut self, len: u32) {
        self.offsets.retain(|&mut o| o < len);
    }
}
