//! The BTF object and everything that reads it: [`btf::Btf`] (libbpf's `struct btf`: own types
//! and strings over an optional base), its [`section::Section`] storage, typed record views
//! (`btf__type_by_id` and the `btf_*()` accessors), lookups and resolution (`btf__find_by_name*`,
//! `btf__resolve_*`, `btf__align_of`) with their indexes, the UAPI layouts, the field iterators
//! shared by distill, relocate and dedup, and the one error type.

pub(crate) mod btf;
pub(crate) mod error;
pub mod fields;
pub(crate) mod index;
mod query;
pub mod raw;
pub(crate) mod section;
pub(crate) mod strings;
pub(crate) mod types;
