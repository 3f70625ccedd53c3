//! `.BTF.ext`: the per-instruction information clang writes beside a BPF object's `.BTF` — function
//! info, line info and CO-RE relocations, grouped by ELF section.

pub mod record;
