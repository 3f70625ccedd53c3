//! Bytes into [`Btf`](crate::Btf): raw BTF with libbpf's checks (`btf__new*`), ELF sections
//! (`btf__parse_elf*`), and files — mapped, read in place or decompressed (`btf__parse*`,
//! `btf__load_vmlinux_btf`).

pub mod elf;
pub(crate) mod input;
pub(crate) mod parse;
