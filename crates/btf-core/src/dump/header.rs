//! A whole `vmlinux.h` as bpftool v7.7.0 writes it (`bpftool btf dump file … format c`): its
//! preamble (include guard, the `preserve_access_index` pragma, `__ksym`, `__weak`,
//! `__bpf_fastcall`), every type through one [`CDump`] — in bpftool's sorted order by default,
//! or in id order — then the `BPF kfuncs` section of `extern … __weak __ksym` prototypes of the
//! functions tagged `bpf_kfunc`, and the postamble. With root types, only those types and what
//! they need, and no kfuncs (bpftool's `root_id`).
//!
//! One deliberate difference: bpftool 7.7's sorted loop starts at index 1 of the sorted array,
//! which drops whatever type sorts first (in kernel BTF, an anonymous enum of constants); every
//! type is written here.

use std::io::{self, Write};

use crate::dump::c::CDump;
use crate::model::btf::Btf;
use crate::model::error::{Error, ErrorKind, Result};
use crate::model::raw::Kind;

/// How to write the header.
#[derive(Clone, Debug, Default)]
pub struct HeaderOptions {
    /// Types in id order rather than bpftool's sorted order (`format c unsorted`).
    pub unsorted: bool,
    /// Only these types and what they need (bpftool's `root_id`); empty means every type.
    pub roots: Vec<u32>,
}

const PREAMBLE: &str = "#ifndef __VMLINUX_H__
#define __VMLINUX_H__

#ifndef BPF_NO_PRESERVE_ACCESS_INDEX
#pragma clang attribute push (__attribute__((preserve_access_index)), apply_to = record)
#endif

#ifndef __ksym
#define __ksym __attribute__((section(\".ksyms\")))
#endif

#ifndef __weak
#define __weak __attribute__((weak))
#endif

#ifndef __bpf_fastcall
#if __has_attribute(bpf_fastcall)
#define __bpf_fastcall __attribute__((bpf_fastcall))
#else
#define __bpf_fastcall
#endif
#endif

";

const POSTAMBLE: &str = "#ifndef BPF_NO_PRESERVE_ACCESS_INDEX
#pragma clang attribute pop
#endif

#endif /* __VMLINUX_H__ */
";

/// Decl tags that mark kernel functions callable from BPF, and those with the fastcall ABI.
const KFUNC_TAG: &[u8] = b"bpf_kfunc";
const FASTCALL_TAG: &[u8] = b"bpf_fastcall";

/// Rank groups of bpftool's order: anonymous enums, named enums, base types, named structs and
/// unions, named function prototypes; everything else last.
const LAST_RANK: u32 = 10;

fn io_error(e: io::Error) -> Error {
    Error::new(
        ErrorKind::Os(e.raw_os_error().unwrap_or(5)),
        format!("writing the header: {e}"),
    )
}

/// Writes the header for `btf` to `out`.
pub fn write_header(btf: &Btf, out: &mut impl Write, options: &HeaderOptions) -> Result<()> {
    let mut dump = CDump::new(btf)?;
    out.write_all(PREAMBLE.as_bytes()).map_err(io_error)?;
    if options.roots.is_empty() {
        let order: Vec<u32> = if options.unsorted {
            (1..btf.type_cnt()).collect()
        } else {
            sorted_ids(btf)
        };
        for id in order {
            dump.dump_type(id)?;
            out.write_all(&dump.take_output()).map_err(io_error)?;
        }
        write_kfuncs(btf, &mut dump, out)?;
    } else {
        for &id in &options.roots {
            dump.dump_type(id)?;
            out.write_all(&dump.take_output()).map_err(io_error)?;
        }
    }
    out.write_all(POSTAMBLE.as_bytes()).map_err(io_error)
}

/// The `BPF kfuncs` section: the prototype of every function tagged `bpf_kfunc`, by name.
fn write_kfuncs(btf: &Btf, dump: &mut CDump<'_>, out: &mut impl Write) -> Result<()> {
    let mut kfuncs: Vec<u32> = Vec::new();
    let mut fastcalls: Vec<u32> = Vec::new();
    for id in 1..btf.type_cnt() {
        let Some(t) = btf.type_by_id(id) else {
            continue;
        };
        if !t.is(Kind::DeclTag) || t.decl_tag_component_idx() != -1 {
            continue;
        }
        if !btf
            .type_by_id(t.type_id())
            .is_some_and(|f| f.is(Kind::Func))
        {
            continue;
        }
        match btf.name_of(&t) {
            KFUNC_TAG => kfuncs.push(t.type_id()),
            FASTCALL_TAG => fastcalls.push(t.type_id()),
            _ => {}
        }
    }
    let name = |id: u32| btf.type_by_id(id).map_or(&b""[..], |t| btf.name_of(&t));
    kfuncs.sort_by(|&a, &b| name(a).cmp(name(b)));
    out.write_all(b"\n/* BPF kfuncs */\n#ifndef BPF_NO_KFUNC_PROTOTYPES\n")
        .map_err(io_error)?;
    for func in kfuncs {
        let Some(f) = btf.type_by_id(func) else {
            continue;
        };
        out.write_all(b"extern ").map_err(io_error)?;
        if fastcalls.contains(&func) {
            out.write_all(b"__bpf_fastcall ").map_err(io_error)?;
        }
        dump.emit_type_decl(f.type_id(), btf.name_of(&f), 0, false)?;
        out.write_all(&dump.take_output()).map_err(io_error)?;
        out.write_all(b" __weak __ksym;\n").map_err(io_error)?;
    }
    out.write_all(b"#endif\n\n").map_err(io_error)
}

/// Every id (void included) in bpftool's order: rank, then the name the type sorts by, its own
/// name, a hash that tells same-named types apart, and the id.
/// bpftool's sort key of a type: rank, sort name, own name, disambiguation hash, id.
type SortKey<'a> = (u32, &'a [u8], &'a [u8], u64, u32);

fn sorted_ids(btf: &Btf) -> Vec<u32> {
    let mut keys: Vec<SortKey<'_>> = (0..btf.type_cnt())
        .filter_map(|id| {
            let t = btf.type_by_id(id)?;
            Some((
                rank(btf, id, false, 0),
                sort_name(btf, id, false, 0),
                btf.name_of(&t),
                disambiguation_hash(btf, id, true, 0),
                id,
            ))
        })
        .collect();
    keys.sort_unstable();
    keys.into_iter().map(|k| k.4).collect()
}

/// Deepest reference chain the sort keys follow (cycles in hostile BTF end there).
const MAX_KEY_DEPTH: u32 = 64;

/// The kinds bpftool's sort keys follow to the type they refer to.
fn refers(kind: Kind) -> bool {
    matches!(
        kind,
        Kind::TypeTag
            | Kind::Const
            | Kind::Ptr
            | Kind::Volatile
            | Kind::Restrict
            | Kind::Typedef
            | Kind::DeclTag
    )
}

/// bpftool's `btf_type_rank`.
fn rank(btf: &Btf, id: u32, has_name: bool, depth: u32) -> u32 {
    let Some(t) = btf.type_by_id(id) else {
        return LAST_RANK;
    };
    let has_name = has_name || t.name_off() != 0;
    if depth > MAX_KEY_DEPTH {
        return LAST_RANK;
    }
    match t.kind() {
        Some(Kind::Enum | Kind::Enum64) => u32::from(has_name),
        Some(Kind::Int | Kind::Float) => 2,
        Some(Kind::Struct | Kind::Union) if has_name => 3,
        Some(Kind::FuncProto) if has_name => 4,
        Some(Kind::Array) if has_name => rank(btf, t.array().elem_type, true, depth + 1),
        Some(k) if has_name && refers(k) => rank(btf, t.type_id(), true, depth + 1),
        _ => LAST_RANK,
    }
}

/// bpftool's `btf_type_sort_name`: an anonymous enum sorts by its first enumerator; references
/// sort by what they refer to.
fn sort_name(btf: &Btf, id: u32, from_ref: bool, depth: u32) -> &[u8] {
    let Some(t) = btf.type_by_id(id) else {
        return b"";
    };
    if depth > MAX_KEY_DEPTH {
        return b"";
    }
    match t.kind() {
        Some(Kind::Enum | Kind::Enum64) => {
            let mut name_off = t.name_off();
            if !from_ref && name_off == 0 && t.vlen() != 0 {
                name_off = if t.is(Kind::Enum64) {
                    t.enum64_values().next().map_or(0, |v| v.name_off)
                } else {
                    t.enum_values().next().map_or(0, |v| v.name_off)
                };
            }
            btf.str_bytes(name_off).unwrap_or(b"")
        }
        Some(Kind::Array) => sort_name(btf, t.array().elem_type, true, depth + 1),
        Some(k) if refers(k) => sort_name(btf, t.type_id(), true, depth + 1),
        _ => btf.name_of(&t),
    }
}

/// libbpf's `str_hash` (of a C `char`, signed on x86).
fn str_hash(s: &[u8]) -> u64 {
    s.iter().fold(0u64, |h, &c| {
        h.wrapping_mul(31).wrapping_add(c as i8 as i64 as u64)
    })
}

fn mix(hash: u64, value: u64) -> u64 {
    hash.wrapping_mul(31).wrapping_add(value)
}

fn mix_name(btf: &Btf, hash: u64, name_off: u32) -> u64 {
    if name_off == 0 {
        return hash;
    }
    mix(hash, str_hash(btf.str_bytes(name_off).unwrap_or(b"")))
}

/// bpftool's `btf_type_disambig_hash`.
fn disambiguation_hash(btf: &Btf, id: u32, members: bool, depth: u32) -> u64 {
    let Some(t) = btf.type_by_id(id) else {
        return 0;
    };
    let mut hash = mix_name(btf, 0, t.name_off());
    if depth > MAX_KEY_DEPTH {
        return hash;
    }
    match t.kind() {
        Some(Kind::Enum) => {
            for v in t.enum_values() {
                hash = mix_name(btf, hash, v.name_off);
            }
        }
        Some(Kind::Enum64) => {
            for v in t.enum64_values() {
                hash = mix_name(btf, hash, v.name_off);
            }
        }
        Some(Kind::Struct | Kind::Union) if members => {
            for m in t.members() {
                hash = mix_name(btf, hash, m.name_off);
                hash = mix(hash, disambiguation_hash(btf, m.type_id, false, depth + 1));
            }
        }
        Some(
            Kind::TypeTag
            | Kind::Const
            | Kind::Ptr
            | Kind::Volatile
            | Kind::Restrict
            | Kind::Typedef
            | Kind::DeclTag,
        ) => {
            hash = mix(
                hash,
                disambiguation_hash(btf, t.type_id(), members, depth + 1),
            )
        }
        Some(Kind::Array) => {
            let a = t.array();
            hash = mix(hash, u64::from(a.nelems));
            hash = mix(
                hash,
                disambiguation_hash(btf, a.elem_type, members, depth + 1),
            );
        }
        _ => {}
    }
    hash
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorted_by_rank_then_name_with_every_type() {
        let mut btf = Btf::new_empty();
        let int = btf.add_int("int", 4, 1).unwrap();
        btf.add_struct("zeta", 4).unwrap();
        btf.add_field("z", int, 0, 0).unwrap();
        btf.add_struct("alpha", 4).unwrap();
        btf.add_field("a", int, 0, 0).unwrap();
        btf.add_enum("", 4).unwrap();
        btf.add_enum_value("FIRST_CONSTANT", 1).unwrap();
        let mut text = Vec::new();
        write_header(&btf, &mut text, &HeaderOptions::default()).unwrap();
        let text = String::from_utf8(text).unwrap();
        let at = |s: &str| {
            text.find(s)
                .unwrap_or_else(|| panic!("{s} missing:\n{text}"))
        };
        // The anonymous enum sorts first (bpftool 7.7 would drop it); alpha before zeta.
        assert!(at("FIRST_CONSTANT = 1") < at("struct alpha {"));
        assert!(at("struct alpha {") < at("struct zeta {"));
        assert!(text.starts_with(PREAMBLE) && text.ends_with(POSTAMBLE));
        assert!(text.contains("/* BPF kfuncs */"));
    }

    #[test]
    fn kfuncs_are_declared_extern_weak() {
        let mut btf = Btf::new_empty();
        let int = btf.add_int("int", 4, 1).unwrap();
        let proto = btf.add_func_proto(int).unwrap();
        btf.add_func_param("x", int).unwrap();
        let f = btf
            .add_func("bpf_thing", crate::FUNC_GLOBAL, proto)
            .unwrap();
        btf.add_decl_tag("bpf_kfunc", f, -1).unwrap();
        btf.add_decl_tag("bpf_fastcall", f, -1).unwrap();
        let mut text = Vec::new();
        write_header(&btf, &mut text, &HeaderOptions::default()).unwrap();
        let text = String::from_utf8(text).unwrap();
        assert!(
            text.contains("extern __bpf_fastcall int bpf_thing(int x) __weak __ksym;\n"),
            "{text}"
        );
        // With root types: only those, and no kfuncs.
        let mut only = Vec::new();
        let roots = HeaderOptions {
            roots: vec![int],
            ..HeaderOptions::default()
        };
        write_header(&btf, &mut only, &roots).unwrap();
        assert_eq!(only, [PREAMBLE, POSTAMBLE].concat().into_bytes());
    }
}
