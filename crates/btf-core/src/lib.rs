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

mod btf;
mod dedup;
mod distill;
pub mod elf;
pub mod elf_write;
mod error;
pub mod fields;
mod index;
mod input;
#[allow(unsafe_code)]
mod mem;
mod parse;
mod permute;
mod query;
pub mod raw;
mod rawdata;
mod relocate;
mod section;
mod strings;
pub mod text;
mod types;
mod write;

pub use btf::{Btf, Endianness};
pub use dedup::DedupOptions;
pub use elf::ElfBtf;
pub use error::{Error, ErrorKind, LIBBPF_ERRNO_FORMAT, LibbpfLog, Result};
pub use input::decompress;
pub use mem::once::RaceOnce;
pub use parse::kind_name;
pub use raw::{Header, Kind, KindLayout, record_len_words};
pub use relocate::{Embedding, RelocateError, RelocateFailure, RelocateIndex};
pub use types::{Array, Enum64Value, EnumValue, Member, Param, TypeRef, VarSecinfo};
pub use write::{
    FUNC_EXTERN, FUNC_GLOBAL, FUNC_STATIC, FwdKind, MAX_TYPE_ID, VAR_GLOBAL_ALLOCATED,
    VAR_GLOBAL_EXTERN, VAR_STATIC,
};

#[cfg(test)]
mod tests;
#[cfg(test)]
mod testutil;
#[cfg(test)]
mod write_tests;
