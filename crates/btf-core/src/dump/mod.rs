//! BTF as text: C declarations as libbpf's `btf_dump` writes them ([`c`]), typed data as C
//! initializers ([`data`]), a whole `vmlinux.h`
//! as bpftool writes it ([`header`]), and bpftool's raw dump (`format raw`, [`text`]).

pub mod c;
pub mod data;
pub mod header;
pub mod text;
