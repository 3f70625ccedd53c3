//! The candidate table: canonical types filed by signature, several per signature, visited in the
//! order libbpf 1.7.0 visits them — which decides the winner when more than one candidate matches
//! (an enum forward declaration, a struct whose graph fits two candidates).
//!
//! libbpf keeps candidates in a chained hash map: a new entry goes to the head of its bucket's
//! chain, and each time the map grows (before the insertion that would fill it past 3/4; 4
//! buckets first, then doubling) it relinks every chain by pushing entries one by one onto the
//! heads of the new chains, which reverses the relative order of the entries of one signature.
//! So the visiting order of one signature's candidates is "newest first", flipped once per growth
//! since they went in. Here each signature keeps a double-ended list and the table one
//! orientation flag that flips on each (simulated) growth: prepending is a push at the front or
//! the back depending on the flag, and visiting walks forwards or backwards.
//!
//! Each candidate carries a 32-bit tag its filer chose (the enum pass keeps a digest of the whole
//! record there, so that scanning the many enums of one name — all anonymous enums share one
//! signature — rarely needs to load a record).
//!
//! With `force_collisions` every signature hashes to the same bucket, as libbpf's option does:
//! lookups compare full signatures one by one (slow, same result), which exercises the same
//! "different signatures, one bucket" path.

use std::collections::VecDeque;
use std::hash::BuildHasher;

use foldhash::fast::FixedState;
use hashbrown::HashTable;
use hashbrown::hash_table::Entry;

/// The hash table's hash of a signature: a mix of it, or 0 for everything with forced collisions.
#[inline]
fn bucket_hash(key: u64, force_collisions: bool) -> u64 {
    if force_collisions {
        0
    } else {
        FixedState::with_seed(0x6465_6475_7000).hash_one(key)
    }
}

/// Slot values with this bit set index `CandTable::lists`; others are a single candidate id.
const LIST: u32 = 1 << 31;

#[derive(Debug)]
pub(super) struct CandTable {
    /// (signature, slot, tag of a single candidate).
    index: HashTable<(u64, u32, u32)>,
    /// (candidate, tag) lists of signatures with several candidates.
    lists: Vec<VecDeque<(u32, u32)>>,
    /// libbpf's entry count and bucket count, to know when it grows.
    entries: usize,
    buckets: usize,
    /// Whether each list's visiting order is back to front.
    reversed: bool,
    force_collisions: bool,
}

impl CandTable {
    pub(super) fn new(force_collisions: bool, capacity: usize) -> CandTable {
        CandTable {
            index: HashTable::with_capacity(if force_collisions { 0 } else { capacity }),
            lists: Vec::new(),
            entries: 0,
            buckets: 0,
            reversed: false,
            force_collisions,
        }
    }

    #[inline]
    fn hash(&self, key: u64) -> u64 {
        bucket_hash(key, self.force_collisions)
    }

    /// Files `id` (with `tag`) under `key`, ahead of the candidates already there.
    pub(super) fn add(&mut self, key: u64, id: u32, tag: u32) {
        if self.buckets == 0 || (self.entries + 1) * 4 / 3 > self.buckets {
            self.buckets = (self.buckets * 2).max(4);
            self.reversed = !self.reversed;
        }
        self.entries += 1;
        let force = self.force_collisions;
        let hash = self.hash(key);
        match self
            .index
            .entry(hash, |e| e.0 == key, |e| bucket_hash(e.0, force))
        {
            Entry::Vacant(v) => {
                v.insert((key, id, tag));
            }
            Entry::Occupied(mut o) => {
                let (_, slot, first_tag) = o.get_mut();
                let list = if *slot & LIST != 0 {
                    &mut self.lists[(*slot & !LIST) as usize]
                } else {
                    let first = (*slot, *first_tag);
                    let at = self.lists.len();
                    *slot = LIST | at as u32;
                    self.lists.push(VecDeque::from([first]));
                    &mut self.lists[at]
                };
                if self.reversed {
                    list.push_back((id, tag));
                } else {
                    list.push_front((id, tag));
                }
            }
        }
    }

    /// The candidates filed under `key`, in libbpf's visiting order.
    pub(super) fn cands(&self, key: u64) -> impl Iterator<Item = u32> + '_ {
        self.tagged(key).map(|(id, _)| id)
    }

    /// The candidates filed under `key` with their tags, in libbpf's visiting order.
    pub(super) fn tagged(&self, key: u64) -> Cands<'_> {
        match self.index.find(self.hash(key), |e| e.0 == key) {
            None => Cands::Empty,
            Some(&(_, slot, tag)) if slot & LIST == 0 => Cands::One(Some((slot, tag))),
            Some(&(_, slot, _)) => {
                let list = &self.lists[(slot & !LIST) as usize];
                if self.reversed {
                    Cands::Backward(list.iter().rev())
                } else {
                    Cands::Forward(list.iter())
                }
            }
        }
    }
}

/// Iterator over one signature's candidates and their tags.
#[derive(Debug)]
pub(super) enum Cands<'a> {
    Empty,
    One(Option<(u32, u32)>),
    Forward(std::collections::vec_deque::Iter<'a, (u32, u32)>),
    Backward(std::iter::Rev<std::collections::vec_deque::Iter<'a, (u32, u32)>>),
}

impl Iterator for Cands<'_> {
    type Item = (u32, u32);

    #[inline]
    fn next(&mut self) -> Option<(u32, u32)> {
        match self {
            Cands::Empty => None,
            Cands::One(c) => c.take(),
            Cands::Forward(it) => it.next().copied(),
            Cands::Backward(it) => it.next().copied(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// libbpf's order, worked by hand: a, b, c under one key with growths before the 1st (to 4
    /// buckets), 4th (8) and 7th (16) insertion.
    #[test]
    fn visiting_order_follows_growths() {
        for force in [false, true] {
            let mut t = CandTable::new(force, 0);
            t.add(7, 1, 0); // grow to 4: [1]
            t.add(7, 2, 0); // [2, 1]
            t.add(7, 3, 0); // [3, 2, 1]
            assert_eq!(t.cands(7).collect::<Vec<_>>(), [3, 2, 1]);
            t.add(9, 100, 0); // grow to 8 first: [1, 2, 3]
            assert_eq!(t.cands(7).collect::<Vec<_>>(), [1, 2, 3]);
            t.add(7, 4, 0); // [4, 1, 2, 3]
            assert_eq!(t.cands(7).collect::<Vec<_>>(), [4, 1, 2, 3]);
            t.add(9, 101, 0);
            t.add(9, 102, 0); // 7th entry: grow to 16 first; 7 -> [3, 2, 1, 4]
            assert_eq!(t.cands(7).collect::<Vec<_>>(), [3, 2, 1, 4]);
            assert_eq!(t.cands(9).collect::<Vec<_>>(), [102, 100, 101]);
            assert_eq!(t.cands(8).count(), 0);
        }
    }
}
