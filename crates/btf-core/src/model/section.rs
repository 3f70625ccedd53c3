//! [`Section`]: the storage of one BTF section (type words, string bytes, or the input as read),
//! either owned or borrowed in place from the file it was read from ([`Backing`]: a read-only
//! mapping or the buffer the file was read into). Reads see a plain slice either way; the first
//! modification copies a borrowed section into owned memory (copy on write), so a mapped file is
//! never written.

use std::ops::Deref;
use std::sync::Arc;

use crate::mem::backing::{Backing, Plain, SharedSlice};

/// One section's elements, owned or in place.
#[derive(Clone, Debug)]
pub(crate) enum Section<T: Plain> {
    Owned(Vec<T>),
    InPlace(SharedSlice<T>),
}

impl<T: Plain> Section<T> {
    /// `count` elements at byte `start` of `backing`, in place; `None` when they are not aligned
    /// for `T` or out of bounds.
    pub(crate) fn in_place(backing: &Arc<Backing>, start: usize, count: usize) -> Option<Self> {
        SharedSlice::new(backing, start, count).map(Section::InPlace)
    }

    /// The elements for modification, copied out of the backing first if they are in place.
    pub(crate) fn to_mut(&mut self) -> &mut Vec<T> {
        if let Section::InPlace(shared) = self {
            *self = Section::Owned(shared.as_slice().to_vec());
        }
        match self {
            Section::Owned(v) => v,
            Section::InPlace(_) => unreachable!("converted to owned just above"),
        }
    }

    /// The backing of an in-place section.
    pub(crate) fn backing(&self) -> Option<&Arc<Backing>> {
        match self {
            Section::Owned(_) => None,
            Section::InPlace(shared) => Some(shared.backing()),
        }
    }
}

impl<T: Plain> Default for Section<T> {
    fn default() -> Self {
        Section::Owned(Vec::new())
    }
}

impl<T: Plain> From<Vec<T>> for Section<T> {
    fn from(v: Vec<T>) -> Self {
        Section::Owned(v)
    }
}

impl<T: Plain> Deref for Section<T> {
    type Target = [T];
    #[inline]
    fn deref(&self) -> &[T] {
        match self {
            Section::Owned(v) => v,
            Section::InPlace(shared) => shared.as_slice(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_on_write_leaves_the_backing_alone() {
        let backing = Arc::new(Backing::Heap {
            words: vec![1, 2, 3, 4].into_boxed_slice(),
            len: 16,
        });
        let mut s = Section::<u32>::in_place(&backing, 4, 2).unwrap();
        let twin = s.clone();
        assert_eq!(&*s, &[2, 3]);
        s.to_mut().push(9);
        assert_eq!(&*s, &[2, 3, 9]);
        assert!(s.backing().is_none());
        assert_eq!(&*twin, &[2, 3]);
        assert_eq!(
            backing.bytes()[4..12],
            [2u32.to_ne_bytes(), 3u32.to_ne_bytes()].concat()
        );
    }
}
