//! Inputs on which libbpf 1.7.0 itself misbehaves (reads or writes out of bounds, loops forever,
//! overflows its stack). The differential targets do not hand such inputs to the libbpf call that
//! misbehaves, and say so here — each predicate names its entry in `fuzz/LIBBPF_BUGS.md`, where a
//! reproducer under `fuzz/libbpf-bugs/` shows the misbehaviour.

use btf_core::{Btf, Header};

/// LIBBPF-1: a header shorter than 24 bytes (`hdr_len` 0..23) is accepted by `btf__new_split`;
/// the first modification (`btf_ensure_modifiable`, also reached by `btf__dedup`, and
/// `btf__raw_data` after `btf__set_endianness`) copies and byte-swaps a 24-byte header out of a
/// shorter allocation: heap reads and writes out of bounds.
pub fn short_header(h: &Header) -> bool {
    h.hdr_len < 24
}

/// LIBBPF-2: sections with gaps (type section not at offset 0, or strings not right after the
/// types): after a modification libbpf writes the old offsets with the new (packed) sections, and
/// the output does not parse. btf-core writes a valid header instead (issue 12, defect 3), so
/// the bytes of modified objects are not compared on such input.
pub fn sections_with_gaps(h: &Header) -> bool {
    h.type_off != 0 || u64::from(h.str_off) != u64::from(h.type_len)
}

/// LIBBPF-3: `btf__dedup` never finishes (a cycle of canonical links, or two endless reference
/// chains compared step by step) or reads out of bounds (a reference to a type id that does not
/// exist, a string offset outside the string section): btf-core refuses such input with `ELOOP`
/// or `EINVAL` before changing anything, and libbpf is not run on it.
pub fn dedup_would_misbehave(our_errno: i32) -> bool {
    our_errno == 40 /* ELOOP */ || our_errno == 22 /* EINVAL */
}

/// LIBBPF-4: `btf__align_of` (reached by `btf_dump__dump_type`) recurses without a bound on a
/// type that contains itself by value (`struct s { struct s a[1]; }` through arrays, typedefs and
/// modifiers): a stack overflow. btf-core stops at a depth and fails; libbpf is not run on such
/// input.
pub fn align_of_unbounded(btf: &Btf) -> bool {
    (1..btf.type_cnt()).any(|id| {
        btf.align_of(id)
            .is_err_and(|e| e.to_string().contains("nesting deeper"))
    })
}

/// The 2026 extended header in foreign byte order, or records of kinds libbpf 1.7.0 does not know
/// sized by a kind layout section: btf-core reads both on purpose (README, "Same acceptance as
/// libbpf 1.7"), libbpf 1.7.0 refuses them. Not a libbpf bug: an intended divergence.
pub fn intended_divergence(data: &[u8], ours: Option<&Btf>) -> bool {
    let foreign_hdr32 = data.len() >= 8 && {
        let magic = u16::from_ne_bytes([data[0], data[1]]);
        let hdr_len = u32::from_ne_bytes([data[4], data[5], data[6], data[7]]);
        magic == 0xeb9f_u16.swap_bytes() && hdr_len.swap_bytes() >= 32
    };
    foreign_hdr32 || ours.is_some_and(|b| b.types().any(|t| t.kind().is_none()))
}

/// LIBBPF-5: `btf_dump__dump_type_data` of an enum at an address not aligned for it reads the
/// value with `btf_dump_get_bitfield_value(..., 0, 0, ...)`: a bit count of 0, so a shift by 64
/// (undefined behaviour). Its result depends on how libbpf was compiled — 0 in an optimised build
/// (which btf-core reproduces), the whole value at `-O0` — so typed data of a type that holds an
/// enum by value (through members, elements, typedefs, modifiers, variables) is not compared.
pub fn holds_enum(btf: &Btf, id: u32) -> bool {
    use btf_core::Kind;
    let mut seen = std::collections::HashSet::new();
    let mut stack = vec![id];
    while let Some(id) = stack.pop() {
        if !seen.insert(id) {
            continue;
        }
        let Some(t) = btf.type_by_id(id) else {
            continue;
        };
        match t.kind() {
            Some(Kind::Enum | Kind::Enum64) => return true,
            Some(
                Kind::Typedef
                | Kind::Const
                | Kind::Volatile
                | Kind::Restrict
                | Kind::TypeTag
                | Kind::Var,
            ) => stack.push(t.type_id()),
            Some(Kind::Array) => stack.push(t.array().elem_type),
            Some(Kind::Struct | Kind::Union) => stack.extend(t.members().map(|m| m.type_id)),
            Some(Kind::Datasec) => stack.extend(t.datasec_vars().map(|v| v.type_id)),
            _ => {}
        }
    }
    false
}
