//! The string interning index of one BTF object (libbpf's `strset`): every NUL-separated string of
//! the own string section, first offset winning for duplicates, keyed by content. Built on first
//! use; appends keep it current.
//!
//! Each entry keeps a 32-bit hash of its string next to the offset, and the table's hash is
//! derived from it ([`spread`]): growing the table never reads the strings again, and a probe
//! compares string bytes only for entries whose 32-bit hash matches. The hash is the same for
//! every index, so one computed hash serves a lookup through a whole base chain
//! ([`hash32`], [`StringIndex::find_hashed`]).

use std::hash::BuildHasher;

use foldhash::fast::FixedState;
use hashbrown::HashTable;
use hashbrown::hash_table::Entry as TableEntry;

/// One unique string: its local offset and its [`hash32`].
#[derive(Clone, Copy, Debug)]
struct Entry {
    off: u32,
    hash: u32,
}

/// Local offsets of unique strings, hashed by their bytes.
#[derive(Clone, Debug, Default)]
pub(crate) struct StringIndex {
    entries: HashTable<Entry>,
}

/// The 32-bit hash of a string that every [`StringIndex`] uses.
pub(crate) fn hash32(s: &[u8]) -> u32 {
    FixedState::with_seed(0x7374_7273).hash_one(s) as u32
}

/// The table hash of a [`hash32`]: a multiply that spreads every bit of it into the high bits
/// (hashbrown's 7-bit tag) while the low bits (the bucket) stay a bijection of the low bits.
fn spread(h: u32) -> u64 {
    u64::from(h).wrapping_mul(0x9e37_79b9_7f4a_7c15)
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
            entries: HashTable::with_capacity(strings.len() / 16),
        };
        let mut off = 0usize;
        while off < strings.len() {
            let s = str_at(strings, off as u32);
            let hash = hash32(s);
            let entry = index.entries.entry(
                spread(hash),
                |e| e.hash == hash && str_at(strings, e.off) == s,
                |e| spread(e.hash),
            );
            if let TableEntry::Vacant(v) = entry {
                v.insert(Entry {
                    off: off as u32,
                    hash,
                });
            }
            off += s.len() + 1;
        }
        index
    }

    /// Local offset of `s`, if present.
    #[cfg(test)]
    pub(crate) fn find(&self, strings: &[u8], s: &[u8]) -> Option<u32> {
        self.find_hashed(strings, s, hash32(s))
    }

    /// Local offset of `s`, whose [`hash32`] is `hash`, if present.
    pub(crate) fn find_hashed(&self, strings: &[u8], s: &[u8], hash: u32) -> Option<u32> {
        self.entries
            .find(spread(hash), |e| {
                e.hash == hash && str_at(strings, e.off) == s
            })
            .map(|e| e.off)
    }

    /// Local offset of `s` (whose [`hash32`] is `hash`), appending it to `strings` when new.
    pub(crate) fn intern_hashed(&mut self, strings: &mut Vec<u8>, s: &[u8], hash: u32) -> u32 {
        let entry = self.entries.entry(
            spread(hash),
            |e| e.hash == hash && str_at(strings, e.off) == s,
            |e| spread(e.hash),
        );
        match entry {
            TableEntry::Occupied(e) => e.get().off,
            TableEntry::Vacant(v) => {
                let off = strings.len() as u32;
                strings.extend_from_slice(s);
                strings.push(0);
                v.insert(Entry { off, hash });
                off
            }
        }
    }

    /// Forgets strings at or beyond `len` (after `strings` is truncated back to `len`).
    pub(crate) fn truncate(&mut self, len: u32) {
        self.entries.retain(|e| e.off < len);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_offset_wins_and_interning_appends() {
        let mut strings = b"\0int\0char\0int\0".to_vec();
        let mut index = StringIndex::build(&strings);
        assert_eq!(index.find(&strings, b""), Some(0));
        assert_eq!(index.find(&strings, b"int"), Some(1));
        assert_eq!(index.find(&strings, b"char"), Some(5));
        assert_eq!(index.find(&strings, b"long"), None);
        assert_eq!(index.intern_hashed(&mut strings, b"int", hash32(b"int")), 1);
        assert_eq!(strings.len(), 14);
        assert_eq!(
            index.intern_hashed(&mut strings, b"long", hash32(b"long")),
            14
        );
        assert_eq!(&strings[14..], b"long\0");
        index.truncate(14);
        strings.truncate(14);
        assert_eq!(index.find(&strings, b"long"), None);
        assert_eq!(index.find(&strings, b"char"), Some(5));
    }

    #[test]
    fn growth_keeps_every_string() {
        let mut strings = vec![0u8];
        let mut index = StringIndex::build(&strings);
        let offs: Vec<u32> = (0..10_000)
            .map(|i| {
                let s = format!("s{i}");
                index.intern_hashed(&mut strings, s.as_bytes(), hash32(s.as_bytes()))
            })
            .collect();
        for (i, off) in offs.iter().enumerate() {
            let s = format!("s{i}");
            assert_eq!(index.find(&strings, s.as_bytes()), Some(*off));
        }
    }
}
