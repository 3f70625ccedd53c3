//! The only `unsafe` code of btf-core, fenced in one place: read-only file mappings and
//! word-aligned file buffers that parsed BTF points into ([`backing`]), and a lock-free
//! once-cell for lazily built indexes ([`once`]). Everything else in the crate is
//! `#![deny(unsafe_code)]`.

pub(crate) mod backing;
pub mod once;
