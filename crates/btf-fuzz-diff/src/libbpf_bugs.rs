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
/// modifiers): a stack overflow. btf-core fails when it meets a struct again inside itself, or
/// at a depth; libbpf is not run on such input.
pub fn align_of_unbounded(btf: &Btf) -> bool {
    (1..btf.type_cnt()).any(|id| {
        btf.align_of(id).is_err_and(|e| {
            let text = e.to_string();
            text.contains("contains itself") || text.contains("nesting deeper")
        })
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
    holds_by_value(btf, id, |t| {
        matches!(
            t.kind(),
            Some(btf_core::Kind::Enum | btf_core::Kind::Enum64)
        )
    })
}

/// LIBBPF-9: `btf_dump__dump_type_data` reads a bitfield member with
/// `btf_dump_get_bitfield_value`, which shifts a 64-bit value left by `64 - (u8)(bits + bit
/// offset % 8)` and right by `64 - bits` (both `__u16`). A bitfield wider than 64 bits, or one
/// reaching past bit 64 of its first byte (which libbpf's parser does not refuse: 171 bits on a
/// 4-byte int), shifts by 64 or more: undefined behaviour, whose result depends on the build and
/// the call site (x86 takes the count modulo 64 where it is not a constant; btf-core gives 0, as
/// for LIBBPF-5). Typed data of a type holding such a member by value is not compared.
pub fn holds_wide_bitfield(btf: &Btf, id: u32) -> bool {
    holds_by_value(btf, id, |t| {
        matches!(
            t.kind(),
            Some(btf_core::Kind::Struct | btf_core::Kind::Union)
        ) && t.members().any(|m| {
            let bits = m.bitfield_size();
            let copied = (bits + m.bit_offset() % 8) as u8;
            bits != 0 && (bits > 64 || copied > 64)
        })
    })
}

/// LIBBPF-13: `btf_dump__dump_type_data` (`btf_dump_float_data`) copies a float at an address not
/// aligned for it into a 16-byte local union, `t->size` bytes of it: libbpf's parser takes any
/// float size, so a float of more than 16 bytes overflows the stack (62 bytes written into 16 under
/// ASan). It then refuses the size with `EINVAL`, as btf-core does without the copy. Typed data of a
/// type holding such a float by value is not compared.
pub fn holds_oversized_float(btf: &Btf, id: u32) -> bool {
    holds_by_value(btf, id, |t| {
        t.kind() == Some(btf_core::Kind::Float) && t.size() > 16
    })
}

/// Whether type `id` holds, by value (through members, elements, typedefs, modifiers, variables
/// and sections), a type for which `matches` is true.
fn holds_by_value(btf: &Btf, id: u32, matches: impl Fn(&btf_core::TypeRef<'_>) -> bool) -> bool {
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
        if matches(&t) {
            return true;
        }
        match t.kind() {
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

/// LIBBPF-6: libbpf's parser does not check a FUNC_PROTO's return type id (its sanity check skips
/// it), so it accepts a reference to a type that does not exist; `btf__distill_base` then indexes
/// its id map with that id (`btf_update_distilled_type_ids`, a read far out of bounds: SIGSEGV),
/// and the C dump and dedup follow it too. Such input is only compared at parse time.
pub fn dangling_ids(btf: &Btf) -> bool {
    use btf_core::fields::{FieldKind, field_positions};
    btf.types().any(|t| {
        field_positions(t.kind_raw(), t.vlen(), FieldKind::TypeIds).is_some_and(|mut p| {
            p.any(|i| t.words().get(i).is_some_and(|&id| id >= btf.type_cnt()))
        })
    })
}

/// LIBBPF-8: `btf__distill_base` tells its two passes over the needed base types apart by the
/// destination's first id (`start_id == 1` means "adding to the base"). When no needed type stays
/// in the distilled base (the split only refers to base PTR, ARRAY, TYPEDEF, modifiers, prototypes
/// or anonymous types), the base is empty, the new split also starts at id 1, and the split pass
/// takes itself for the base pass: every type that should move into the split is dropped, and the
/// split keeps its references to their old ids, which no longer exist. `ours` is btf-core's
/// distilled base and `moved` whether btf-core moved types into the split.
pub fn distill_drops_moved_types(ours_base: &Btf, moved: bool) -> bool {
    ours_base.type_cnt() == 1 && moved
}

/// LIBBPF-7: `btf_dump__dump_type_data` decides whether a struct is zero by reading its members
/// without checking the end of the data (`btf_dump_type_data_check_zero`): a member beyond the
/// data, or beyond its struct's size, is read out of bounds. The differential target pads the
/// data with zeros (as libbtf reads missing bytes) and compares only types whose every by-value
/// member and element lies inside its type, and which fit in the padding.
pub fn typed_data_in_bounds(btf: &Btf, id: u32, limit: u64) -> bool {
    use btf_core::Kind;
    fn ok(btf: &Btf, id: u32, limit: u64, depth: u32) -> bool {
        if depth > 32 {
            return false;
        }
        let Some(t) = btf.type_by_id(id) else {
            return false;
        };
        let Ok(size) = btf.resolve_size(id) else {
            return matches!(t.kind(), Some(Kind::Func | Kind::Fwd) | None) || id == 0;
        };
        if size > limit {
            return false;
        }
        match t.kind() {
            Some(Kind::Struct | Kind::Union) => t.members().all(|m| {
                let end = u64::from(m.bit_offset() / 8)
                    .saturating_add(btf.resolve_size(m.type_id).unwrap_or(u64::MAX));
                end <= u64::from(t.size()) && ok(btf, m.type_id, limit, depth + 1)
            }),
            Some(Kind::Array) => ok(btf, t.array().elem_type, limit, depth + 1),
            Some(
                Kind::Typedef
                | Kind::Const
                | Kind::Volatile
                | Kind::Restrict
                | Kind::TypeTag
                | Kind::Var,
            ) => ok(btf, t.type_id(), limit, depth + 1),
            Some(Kind::Datasec) => t.datasec_vars().all(|v| {
                u64::from(v.offset) + u64::from(v.size) <= size
                    && ok(btf, v.type_id, limit, depth + 1)
            }),
            _ => true,
        }
    }
    ok(btf, id, limit, 0)
}

/// LIBBPF-10: `btf_dump__dump_type` writes padding before a member, and after the last one, with
/// `roundup(cur_off, align * 8)`, where `align` is `btf__align_of` of the member's type or of the
/// struct itself: 0 when libbpf cannot tell (a size it does not know), so it divides by zero
/// (SIGFPE). Such input's declarations are not compared (btf-core does not round there).
pub fn align_unknown(btf: &Btf) -> bool {
    use btf_core::Kind;
    btf.types().any(|t| {
        matches!(t.kind(), Some(Kind::Struct | Kind::Union))
            && (btf.align_of(t.id()).is_err()
                || t.members().any(|m| btf.align_of(m.type_id).is_err()))
    })
}

/// LIBBPF-11: `btf__relocate` (`btf_mark_embedded_composite_type_ids`) follows a member's type
/// through modifiers, typedefs and array elements with no bound: a cycle among them (which its
/// parser accepts) never ends. btf-core's walk ends at a type it has already seen. Relocation
/// of such input is not compared.
pub fn reference_cycle(btf: &Btf) -> bool {
    use btf_core::Kind;
    has_cycle(btf, |t| match t.kind() {
        Some(Kind::Const | Kind::Restrict | Kind::Volatile | Kind::Typedef | Kind::TypeTag) => {
            vec![t.type_id()]
        }
        Some(Kind::Array) => vec![t.array().elem_type],
        _ => Vec::new(),
    })
}

/// LIBBPF-12: `btf_dump__dump_type` orders types recursively (`btf_dump_order_type`) through
/// pointers, modifiers, typedefs, arrays and prototypes (return and parameter types) with no
/// bound: a cycle among them (which its parser accepts) overflows the stack. btf-core stops at
/// its nesting limit with an error. Declarations of such input are not compared.
pub fn order_cycle(btf: &Btf) -> bool {
    use btf_core::Kind;
    has_cycle(btf, |t| match t.kind() {
        Some(
            Kind::Ptr
            | Kind::Const
            | Kind::Restrict
            | Kind::Volatile
            | Kind::Typedef
            | Kind::TypeTag,
        ) => vec![t.type_id()],
        Some(Kind::Array) => vec![t.array().elem_type],
        Some(Kind::FuncProto) => std::iter::once(t.type_id())
            .chain(t.params().map(|p| p.type_id))
            .collect(),
        _ => Vec::new(),
    })
}

/// Whether following `edges` from some type comes back to a type on the same walk.
fn has_cycle(btf: &Btf, edges: impl Fn(&btf_core::TypeRef<'_>) -> Vec<u32>) -> bool {
    // 0: not seen, 1: on the walk now, 2: known to end. Iterative depth-first search.
    let mut state = vec![0u8; btf.type_cnt() as usize];
    for start in 1..btf.type_cnt() {
        if state[start as usize] != 0 {
            continue;
        }
        let mut stack: Vec<(u32, Vec<u32>)> = Vec::new();
        state[start as usize] = 1;
        let next = btf.type_by_id(start).map(|t| edges(&t)).unwrap_or_default();
        stack.push((start, next));
        while let Some((id, pending)) = stack.last_mut() {
            match pending.pop() {
                Some(n) if n != 0 && (n as usize) < state.len() => match state[n as usize] {
                    1 => return true,
                    0 => {
                        state[n as usize] = 1;
                        let more = btf.type_by_id(n).map(|t| edges(&t)).unwrap_or_default();
                        stack.push((n, more));
                    }
                    _ => {}
                },
                Some(_) => {}
                None => {
                    state[*id as usize] = 2;
                    stack.pop();
                }
            }
        }
    }
    false
}
