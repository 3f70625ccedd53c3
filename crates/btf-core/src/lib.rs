//! btf-core: BTF (the BPF Type Format of the Linux kernel and its modules) in pure Rust, with libbpf
//! v1.7.0's semantics and bytes: parse raw, ELF and compressed-module BTF in either byte order,
//! split over a base; query types and names; write BTF (every `btf__add_*`); deduplicate, distill
//! and relocate it; dump C declarations (a `vmlinux.h`) and bpftool's raw text; read `.BTF.ext`
//! and resolve CO-RE relocations; hold BTF to the kernel's rules ([`validate`], [`check`]).
//!
//! [`Btf`] is the object everything works on. Split BTF (a module's) holds an [`Arc`](std::sync::Arc)
//! of its base, so a base lives as long as any split over it. Type ids and string offsets are
//! libbpf's: ids of a split continue after its base's, [`Btf::type_by_id`] serves base ids too.
//! Malformed input gives an [`Error`] (with the errno libbpf would set), never a panic.
//!
//! # Open and parse
//!
//! [`Btf::parse_file`] takes raw BTF, ELF objects and kernel modules (`.ko`, `.ko.xz`, `.ko.zst`,
//! `.ko.gz`), detecting the format; sysfs BTF is mapped, not copied. [`Btf::from_bytes`] and
//! [`Btf::from_bytes_split`] parse raw BTF in memory.
//!
//! ```no_run
//! use std::sync::Arc;
//! use btf_core::{Btf, Kind};
//!
//! let vmlinux = Arc::new(Btf::parse_file("/sys/kernel/btf/vmlinux", None)?);
//! let ext4 = Btf::parse_file("/sys/kernel/btf/ext4", Some(Arc::clone(&vmlinux)))?;
//! let id = vmlinux.find_by_name_kind(b"task_struct", Kind::Struct as u32).expect("present");
//! println!("task_struct is type {id}, {} bytes", vmlinux.resolve_size(id)?);
//! println!("ext4 adds types {}..{}", vmlinux.type_cnt(), ext4.type_cnt());
//! # Ok::<(), btf_core::Error>(())
//! ```
//!
//! # Write, and parse what was written
//!
//! ```
//! use btf_core::{Btf, raw::INT_SIGNED};
//!
//! let mut btf = Btf::new_empty();
//! let int = btf.add_int("int", 4, INT_SIGNED as i32)?;        // [1]
//! let point = btf.add_struct("point", 8)?;                     // [2]
//! btf.add_field("x", int, 0, 0)?;
//! btf.add_field("y", int, 32, 0)?;
//! btf.add_ptr(point)?;                                         // [3]
//!
//! let raw = btf.raw_data().into_owned(); // what btf__raw_data gives: header, types, strings
//! let parsed = Btf::from_bytes(&raw)?;
//! assert_eq!(parsed.type_cnt(), 4); // void and three types
//! # Ok::<(), btf_core::Error>(())
//! ```
//!
//! # Query
//!
//! ```
//! # use btf_core::{Btf, raw::INT_SIGNED};
//! # let mut btf = Btf::new_empty();
//! # let int = btf.add_int("int", 4, INT_SIGNED as i32)?;
//! # btf.add_struct("point", 8)?;
//! # btf.add_field("x", int, 0, 0)?;
//! # btf.add_field("y", int, 32, 0)?;
//! use btf_core::Kind;
//!
//! let id = btf.find_by_name_kind(b"point", Kind::Struct as u32).expect("defined above");
//! let point = btf.type_by_id(id).expect("valid id");
//! assert_eq!(btf.resolve_size(id)?, 8);
//! let members: Vec<(&[u8], u32)> = point
//!     .members()
//!     .map(|m| (btf.str_bytes(m.name_off).unwrap_or(b""), m.bit_offset()))
//!     .collect();
//! assert_eq!(members, [(&b"x"[..], 0), (&b"y"[..], 32)]);
//! # Ok::<(), btf_core::Error>(())
//! ```
//!
//! # Deduplicate
//!
//! [`Btf::dedup`] is `btf__dedup`: the same output, type for type.
//!
//! ```
//! use btf_core::{Btf, DedupOptions};
//!
//! let mut btf = Btf::new_empty();
//! for _ in 0..2 {
//!     // Two compilation units' copies of `int` and `struct s { int a; }`.
//!     let int = btf.add_int("int", 4, 1)?;
//!     btf.add_struct("s", 4)?;
//!     btf.add_field("a", int, 0, 0)?;
//! }
//! assert_eq!(btf.type_cnt(), 5);
//! btf.dedup(&DedupOptions::default())?;
//! assert_eq!(btf.type_cnt(), 3); // void, int, struct s
//! # Ok::<(), btf_core::Error>(())
//! ```
//!
//! # Distill a module's base, and relocate it onto another kernel's
//!
//! [`Btf::distill_base`] is `btf__distill_base`: a minimal base (what becomes a module's
//! `.BTF.base`) and the split BTF over it. [`Btf::relocate`] is `btf__relocate`: the split moved
//! onto a full base, e.g. the running kernel's, whose ids differ.
//!
//! ```
//! use std::sync::Arc;
//! use btf_core::{Btf, Kind};
//!
//! // The kernel the module was built against, and the module's own type: a pointer to its struct.
//! let mut old = Btf::new_empty();
//! let int = old.add_int("int", 4, 1)?;
//! let task = old.add_struct("task", 4)?;
//! old.add_field("pid", int, 0, 0)?;
//! let old = Arc::new(old);
//! let mut module = Btf::new_empty_split(Arc::clone(&old));
//! module.add_ptr(task)?;
//!
//! let (distilled, mut split) = module.distill_base()?;
//! assert!(distilled.type_cnt() < old.type_cnt() + 1);
//!
//! // Another build of the kernel: same `struct task`, at another id.
//! let mut new = Btf::new_empty();
//! new.add_int("long", 8, 1)?;
//! let int = new.add_int("int", 4, 1)?;
//! let new_task = new.add_struct("task", 4)?;
//! new.add_field("pid", int, 0, 0)?;
//! let new = Arc::new(new);
//!
//! split.relocate(Arc::clone(&new))?;
//! let ptr = split.types().next().expect("the module's pointer");
//! assert!(ptr.is(Kind::Ptr));
//! assert_eq!(ptr.type_id(), new_task);
//! # Ok::<(), btf_core::Error>(())
//! ```
//!
//! # Dump C declarations
//!
//! [`write_header`] writes a `vmlinux.h` as bpftool writes it; [`CDump`] is libbpf's `btf_dump`
//! for one type at a time.
//!
//! ```
//! use btf_core::{Btf, HeaderOptions, write_header};
//!
//! let mut btf = Btf::new_empty();
//! let int = btf.add_int("int", 4, 1)?;
//! btf.add_struct("point", 8)?;
//! btf.add_field("x", int, 0, 0)?;
//! btf.add_field("y", int, 32, 0)?;
//!
//! let mut header = Vec::new();
//! write_header(&btf, &mut header, &HeaderOptions::default())?;
//! let header = String::from_utf8(header).expect("ASCII");
//! assert!(header.contains("struct point {\n\tint x;\n\tint y;\n};"));
//! # Ok::<(), btf_core::Error>(())
//! ```

#![deny(unsafe_code)]
#![deny(missing_docs)]

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
