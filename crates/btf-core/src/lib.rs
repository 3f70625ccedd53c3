//! btf-core: BTF (the BPF Type Format of the Linux kernel and its modules) in pure Rust, with libbpf
//! v1.7.0's semantics: parse raw, ELF and compressed-module BTF in either byte order, split over a
//! base; query types and names; render bpftool's raw text dump.
//!
//! ```no_run
//! use std::sync::Arc;
//! use btf_core::{Btf, Kind};
//!
//! let vmlinux = Arc::new(Btf::parse_file("/sys/kernel/btf/vmlinux", None)?);
//! let id = vmlinux.find_by_name_kind(b"task_struct", Kind::Struct as u32).expect("present");
//! println!("task_struct is type {id}, {} bytes", vmlinux.resolve_size(id)?);
//! # Ok::<(), btf_core::Error>(())
//! ```

#![deny(unsafe_code)]

// The architecture in folders (see the README): `model` is the BTF object and its views, `read`
// turns bytes into it, `write` builds and serialises it, `dedup`/`distill`/`relocate` transform
// split BTF, `dump` renders it as text; `mem` fences the crate's only `unsafe` code.
pub mod check;
pub mod co_re;
mod dedup;
mod distill;
mod dump;
pub mod ext;
#[allow(unsafe_code)]
mod mem;
pub mod minimize;
mod model;
pub mod object;
mod read;
mod relocate;
pub mod typed;
pub mod validate;
mod write;

pub use dedup::DedupOptions;
pub use dump::c::CDump;
pub use dump::data::DataOptions;
pub use dump::header::{HeaderOptions, write_header};
pub use dump::text;
pub use ext::BtfExt;
pub use mem::once::RaceOnce;
pub use model::btf::{Btf, Endianness};
pub use model::error::{Error, ErrorKind, LIBBPF_ERRNO_FORMAT, LibbpfLog, Result};
pub use model::raw::{Header, Kind, KindLayout, record_len_words};
pub use model::types::{Array, Enum64Value, EnumValue, Member, Param, TypeRef, VarSecinfo};
pub use model::{fields, raw};
pub use read::elf::{self, ElfBtf};
pub use read::input::{DECOMPRESS_MAX_BYTES, DECOMPRESS_MAX_RATIO, decompress, decompress_limit};
pub use read::parse::kind_name;
pub use relocate::{Embedding, RelocateError, RelocateFailure, RelocateIndex};
pub use write::elf_write;
pub use write::{
    FUNC_EXTERN, FUNC_GLOBAL, FUNC_STATIC, FwdKind, MAX_TYPE_ID, VAR_GLOBAL_ALLOCATED,
    VAR_GLOBAL_EXTERN, VAR_STATIC,
};

#[cfg(test)]
mod tests;
#[cfg(test)]
mod testutil;
